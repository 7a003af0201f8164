from django.db import migrations

# Two sweeps every minute: held leads released at their opening, and queued leads offered to
# reps who became available (no task per lead).
SCHEDULES = {
    "routing: release held leads": "routing.tasks.release_held_leads",
    "routing: offer queued leads": "routing.tasks.offer_queued_leads",
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1},
        )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0018_after_hours_hold_and_pin"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
