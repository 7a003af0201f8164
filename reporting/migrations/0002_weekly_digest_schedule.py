from django.db import migrations

# Every 15 minutes: a digest is due at 08:00 in each team's own zone, so the sweep must look
# several times an hour for a manager to have it by 08:15; each run is a few small statements
# when nothing is owed.
NAME = "reporting: send weekly digests"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "reporting.tasks.send_weekly_digests",
            "schedule_type": "I",
            "minutes": 15,
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_weekly_digest"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
