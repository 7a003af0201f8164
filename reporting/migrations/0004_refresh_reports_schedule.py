from django.db import migrations

# Every 10 minutes the sweep computes the running and the previous week of every team and of
# the organisation, so that the pages read a stored report instead of computing one (seconds
# over a large history). The pages show the stored report's "as of" time.
SCHEDULE = "reporting: refresh reports"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "reporting.tasks.refresh_reports",
            "schedule_type": "I",
            "minutes": 10,
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_stored_reports"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
