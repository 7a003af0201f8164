"""Heartbeats of the scheduled sweeps (`leadrouter.heartbeat.record_sweep`): every sweep of
`SWEEPS` records one under its schedule's name; errors are recorded and raised again; two
clusters recording at once never collide."""

import pydoc
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from intake.models import RateWindow
from leadrouter import heartbeat
from leadrouter.heartbeat import SWEEPS, record_sweep
from leadrouter.models import SweepHeartbeat
from routing import selectors, tasks
from tests.routing.test_concurrency_redelivery import together

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SWEEPS)
def test_the_task_each_sweep_schedule_runs_records_its_heartbeat(name, time_machine):
    schedule = Schedule.objects.get(name=name)
    sweep = pydoc.locate(schedule.func)
    assert callable(sweep), schedule.func
    time_machine.move_to(NOON, tick=False)

    sweep()
    time_machine.move_to(NOON + timedelta(minutes=1), tick=False)
    sweep()

    beat = SweepHeartbeat.objects.get(name=name)
    assert beat.runs == 2
    assert beat.last_started_at == beat.last_finished_at == NOON + timedelta(minutes=1)
    # Nothing to do, except the report sweep's two weeks of the (empty) organisation.
    assert beat.rows_acted == (2 if name == "reporting: refresh reports" else 0)
    assert beat.duration_ms >= 0
    assert (beat.last_error, beat.failing_since) == ("", None)


@pytest.mark.django_db
def test_the_heartbeat_counts_the_rows_the_sweep_acted_on(source):
    now_minute = int(timezone.now().timestamp() // 60)
    RateWindow.objects.create(source=source, minute=now_minute - 120, count=5)
    RateWindow.objects.create(source=source, minute=now_minute - 121, count=5)

    from intake.tasks import rate_windows_purge

    assert rate_windows_purge() == 2
    assert SweepHeartbeat.objects.get(name="intake: purge old rate limit windows").rows_acted == 2


@pytest.mark.django_db
def test_an_error_is_recorded_and_raised_again_and_the_next_success_clears_it(
    monkeypatch, time_machine
):
    def broken():
        raise RuntimeError("leads table unavailable")

    monkeypatch.setattr(selectors, "parked_leads", broken)
    time_machine.move_to(NOON, tick=False)
    with pytest.raises(RuntimeError, match="leads table unavailable"):
        tasks.route_parked_leads()
    time_machine.move_to(NOON + timedelta(minutes=1), tick=False)
    with pytest.raises(RuntimeError):
        tasks.route_parked_leads()

    beat = SweepHeartbeat.objects.get(name="routing: retry parked leads")
    assert beat.last_error == "RuntimeError: leads table unavailable"
    assert beat.failing_since == NOON  # the first failure of the run of failures
    assert beat.last_finished_at == NOON + timedelta(minutes=1)
    assert beat.runs == 2

    monkeypatch.undo()
    tasks.route_parked_leads()

    beat.refresh_from_db()
    assert (beat.last_error, beat.failing_since, beat.runs) == ("", None, 3)


@pytest.mark.django_db
def test_a_heartbeat_that_cannot_be_written_leaves_the_sweep_its_result(monkeypatch, caplog):
    def unwritable(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(heartbeat, "_heartbeat_upsert", unwritable)

    assert tasks.route_parked_leads() == "retried 0 parked lead(s)"
    assert "could not record the heartbeat of routing: retry parked leads" in caplog.text
    assert not SweepHeartbeat.objects.exists()


def test_a_name_outside_the_sweeps_list_is_refused_before_the_sweep_runs():
    ran = []
    with (
        pytest.raises(ValueError, match=r"not in leadrouter\.heartbeat\.SWEEPS"),
        record_sweep("routing: retry parkd leads"),
    ):
        ran.append(True)
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_two_clusters_recording_the_first_heartbeat_at_once_never_collide():
    # Real threads with a connection each: both insert the same new name at the same moment,
    # round after round (each round starts without the row).
    def sweep():
        with record_sweep("routing: retry parked leads") as beat:
            beat.rows_acted = 1

    for _ in range(10):
        SweepHeartbeat.objects.all().delete()
        together(sweep)
        assert SweepHeartbeat.objects.get().runs == 2
