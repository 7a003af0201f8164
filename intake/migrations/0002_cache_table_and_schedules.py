from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Created the database cache's table while that was the default cache. No database cache
    # is configured any more (the rate limit counts in its own table), so this does nothing.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="intake: purge expired idempotency keys",
        defaults={
            "func": "intake.tasks.purge_idempotency_keys",
            "schedule_type": "H",
            "repeats": -1,
        },
    )


def delete_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name="intake: purge expired idempotency keys").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(create_schedules, delete_schedules),
    ]
