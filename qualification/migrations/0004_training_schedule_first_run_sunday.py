from datetime import datetime

from django.db import migrations
from django.utils import timezone

NAME = "qualification: retrain models weekly"


def first_run_at_the_cron_time(apps, schema_editor):
    """A new schedule's `next_run` defaults to its creation time, so the weekly retraining ran
    the moment a cluster first started, on a fresh install. Move a schedule that has never run
    to its cron's next time (Sunday 03:00 in the server's TIME_ZONE, as django-q2 reads it)."""
    from django_q.conf import croniter
    from django_q.utils import localtime

    Schedule = apps.get_model("django_q", "Schedule")
    schedule = Schedule.objects.filter(name=NAME, task__isnull=True).first()
    if schedule is None or not schedule.cron:
        return
    schedule.next_run = croniter(schedule.cron, localtime()).get_next(datetime)
    if timezone.is_naive(schedule.next_run):
        schedule.next_run = timezone.make_aware(schedule.next_run)
    schedule.save(update_fields=["next_run"])


class Migration(migrations.Migration):
    dependencies = [("qualification", "0003_review_task_queue")]

    operations = [migrations.RunPython(first_run_at_the_cron_time, migrations.RunPython.noop)]
