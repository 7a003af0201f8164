"""The weekly retraining schedule waits for its cron time: it does not fire when a fresh
cluster first starts."""

import importlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone
from django_q.models import Schedule

pytestmark = pytest.mark.django_db
NAME = "qualification: retrain models weekly"
fix = importlib.import_module("qualification.migrations.0004_training_schedule_first_run_sunday")


def test_after_migrating_the_first_retraining_is_next_sunday_night_not_now():
    schedule = Schedule.objects.get(name=NAME)

    assert schedule.next_run > timezone.now()
    local = timezone.localtime(schedule.next_run)
    assert (local.weekday(), local.hour, local.minute) == (6, 3, 0)  # Sunday 03:00


@time_machine.travel(datetime(2026, 11, 30, 9, 30, tzinfo=UTC), tick=False)  # a Monday
def test_a_schedule_that_never_ran_moves_to_its_cron_time_and_one_that_ran_is_left():
    schedule = Schedule.objects.get(name=NAME)
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now(), task=None)

    fix.first_run_at_the_cron_time(apps, None)

    schedule.refresh_from_db()
    assert schedule.next_run == datetime(2026, 12, 6, 3, tzinfo=UTC)
    ran = datetime(2026, 11, 29, 3, tzinfo=UTC)
    Schedule.objects.filter(pk=schedule.pk).update(next_run=ran, task="a1b2")

    fix.first_run_at_the_cron_time(apps, None)

    schedule.refresh_from_db()
    assert schedule.next_run == ran
