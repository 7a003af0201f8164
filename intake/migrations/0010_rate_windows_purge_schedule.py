from django.db import migrations

NAME = "intake: purge old rate limit windows"


def create_schedule(apps, schema_editor):
    # Its own schedule: it shared the idempotency keys' until then, so neither could be paused,
    # retimed or read in the task list without the other.
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "intake.tasks.rate_windows_purge",
            "schedule_type": "H",
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0009_lead_recovery"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
