"""The Monday digest's sweep (`reporting.tasks.send_weekly_digests`) on a frozen clock: each
manager gets their team's last week at 08:00 on Monday in the team's zone, once, and a digest
that failed is sent by a later run."""

import logging
import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend

from reporting.models import WeeklyDigest
from reporting.tasks import send_weekly_digest, send_weekly_digests
from routing.models import Team

pytestmark = pytest.mark.django_db

# Week 48 of 2026 is Monday 23 to Sunday 29 November; Chicago is UTC-6 then, Los Angeles UTC-8.
SUNDAY_2359_CHICAGO = datetime(2026, 11, 30, 5, 59, tzinfo=UTC)
MONDAY_0759_CHICAGO = datetime(2026, 11, 30, 13, 59, tzinfo=UTC)
MONDAY_0800_CHICAGO = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
MONDAY_0800_LOS_ANGELES = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def sweep_at(clock, when: datetime) -> str:
    clock.move_to(when, tick=False)
    return send_weekly_digests()


def subjects(mailoutbox) -> list[str]:
    return [email.subject for email in mailoutbox]


def test_nothing_is_sent_on_sunday_night_nor_before_eight_on_monday(
    sales, weeks, sync_cluster, mailoutbox, time_machine
):
    assert sweep_at(time_machine, SUNDAY_2359_CHICAGO) == "queued 0 weekly digest(s)"
    assert sweep_at(time_machine, MONDAY_0759_CHICAGO) == "queued 0 weekly digest(s)"

    assert mailoutbox == []
    assert weeks == []


def test_at_eight_on_monday_the_manager_gets_last_week_once(
    sales, weeks, sync_cluster, mailoutbox, time_machine
):
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO) == "queued 1 weekly digest(s)"
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(minutes=15)) == (
        "queued 0 weekly digest(s)"
    )
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(hours=5)) == (
        "queued 0 weekly digest(s)"
    )

    (email,) = mailoutbox
    assert email.to == ["maria@example.com"]
    assert email.subject.startswith("Sales — week 48 (23\N{EN DASH}29 Nov): 54 leads")
    # The week reported and the week before it, both in the team's zone.
    assert weeks == [
        ("2026-W48", "America/Chicago", "Sales"),
        ("2026-W47", "America/Chicago", "Sales"),
    ]
    digest = WeeklyDigest.objects.get()
    assert (digest.week, digest.state, digest.attempts) == ("2026-W48", "sent", 1)
    assert digest.sent_at == MONDAY_0800_CHICAGO


def test_a_team_in_los_angeles_gets_its_digest_two_hours_later(
    sales, manager, weeks, sync_cluster, mailoutbox, time_machine
):
    Team.objects.create(name="West", time_zone="America/Los_Angeles", manager=manager)

    sweep_at(time_machine, MONDAY_0800_CHICAGO)
    assert [subject.split(" — ")[0] for subject in subjects(mailoutbox)] == ["Sales"]

    sweep_at(time_machine, MONDAY_0800_LOS_ANGELES - timedelta(minutes=1))
    assert len(mailoutbox) == 1
    sweep_at(time_machine, MONDAY_0800_LOS_ANGELES)
    assert [subject.split(" — ")[0] for subject in subjects(mailoutbox)] == ["Sales", "West"]


def test_each_team_of_each_manager_gets_its_own_digest(
    sales, manager, django_user_model, weeks, sync_cluster, mailoutbox, time_machine
):
    Team.objects.create(name="Renewals", time_zone="America/Chicago", manager=manager)
    other = django_user_model.objects.create_user("omar", email="omar@example.com")
    Team.objects.create(name="Commercial", time_zone="America/Chicago", manager=other)
    Team.objects.create(name="Nobody's", time_zone="America/Chicago")

    assert sweep_at(time_machine, MONDAY_0800_CHICAGO) == "queued 3 weekly digest(s)"

    sent = sorted((email.to[0], email.subject.split(" — ")[0]) for email in mailoutbox)
    assert sent == [
        ("maria@example.com", "Renewals"),
        ("maria@example.com", "Sales"),
        ("omar@example.com", "Commercial"),
    ]


@pytest.mark.parametrize(
    ("monday_eight", "hour_before"),
    [
        # Clocks went back on Sunday 1 November: 08:00 is 14:00 UTC, not 13:00 as a week ago.
        (datetime(2026, 11, 2, 14, 0, tzinfo=UTC), datetime(2026, 11, 2, 13, 0, tzinfo=UTC)),
        # Clocks went forward on Sunday 8 March: 08:00 is 13:00 UTC, not 14:00.
        (datetime(2026, 3, 9, 13, 0, tzinfo=UTC), datetime(2026, 3, 9, 12, 0, tzinfo=UTC)),
    ],
)
def test_after_a_dst_weekend_it_comes_at_eight_on_the_wall_clock(
    sales, weeks, sync_cluster, mailoutbox, time_machine, monday_eight, hour_before
):
    sweep_at(time_machine, hour_before)
    assert mailoutbox == []

    sweep_at(time_machine, monday_eight)

    assert len(mailoutbox) == 1
    assert WeeklyDigest.objects.get().week == (
        "2026-W44" if monday_eight.month == 11 else "2026-W10"
    )


def test_a_cluster_down_on_monday_sends_it_on_wednesday_but_not_on_thursday(
    sales, manager, weeks, sync_cluster, mailoutbox, time_machine
):
    west = Team.objects.create(name="West", time_zone="America/Los_Angeles", manager=manager)

    # Wednesday 16:00 in Chicago: both are late, both are still worth sending.
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(days=2, hours=8))
    assert len(mailoutbox) == 2

    WeeklyDigest.objects.all().delete()
    # Thursday 09:00 in Chicago, 07:00 in Los Angeles: too late for Sales, not yet for West.
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(days=3, hours=1))
    assert [digest.team for digest in WeeklyDigest.objects.all()] == [west]
    assert len(mailoutbox) == 3


def test_a_manager_without_an_email_address_is_skipped_and_logged_once(
    sales, manager, weeks, sync_cluster, mailoutbox, time_machine, caplog
):
    manager.email = ""
    manager.save(update_fields=["email"])

    with caplog.at_level(logging.WARNING, logger="reporting.services"):
        sweep_at(time_machine, MONDAY_0800_CHICAGO)
        sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(hours=1))

    assert mailoutbox == []
    assert [record.getMessage() for record in caplog.records] == [
        "no 2026-W48 digest for Sales: maria has no e-mail address"
    ]
    digest = WeeklyDigest.objects.get()
    assert (digest.state, digest.last_error) == ("skipped", "the manager has no e-mail address")


def test_an_inactive_manager_gets_nothing(
    sales, manager, weeks, sync_cluster, mailoutbox, time_machine
):
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    sweep_at(time_machine, MONDAY_0800_CHICAGO)

    assert mailoutbox == []
    assert not WeeklyDigest.objects.exists()


def test_a_crash_between_claim_and_send_is_sent_once_by_a_later_run(
    sales, weeks, sync_cluster, mailoutbox, time_machine, monkeypatch
):
    def mail_backend_down(self, messages):
        raise RuntimeError("the mail backend crashed")

    # The synchronous cluster runs the send task inside the sweep: its crash surfaces here.
    with monkeypatch.context() as broken, pytest.raises(RuntimeError):
        broken.setattr(EmailBackend, "send_messages", mail_backend_down)
        sweep_at(time_machine, MONDAY_0800_CHICAGO)
    digest = WeeklyDigest.objects.get()
    assert (digest.state, digest.attempts) == ("sending", 1)
    assert mailoutbox == []

    # Within the retry delay the claim still stands: the task might still be running.
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(minutes=15)) == (
        "queued 0 weekly digest(s)"
    )
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(minutes=30)) == (
        "queued 0 weekly digest(s)"
    )
    assert sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(minutes=45)) == (
        "queued 1 weekly digest(s)"
    )
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(hours=2))

    assert len(mailoutbox) == 1
    digest.refresh_from_db()
    assert (digest.state, digest.attempts) == ("sent", 2)


def test_a_mail_server_asking_to_try_later_gets_the_digest_again_half_an_hour_later(
    sales, weeks, sync_cluster, mailoutbox, time_machine, monkeypatch
):
    def greylisted(self, messages):
        raise smtplib.SMTPResponseException(451, b"try again later")

    with monkeypatch.context() as busy:
        busy.setattr(EmailBackend, "send_messages", greylisted)
        sweep_at(time_machine, MONDAY_0800_CHICAGO)
    digest = WeeklyDigest.objects.get()
    assert (digest.state, digest.last_error) == ("pending", "the mail server answered 451")

    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(minutes=31))

    assert len(mailoutbox) == 1
    digest.refresh_from_db()
    assert (digest.state, digest.last_error) == ("sent", "")


def test_an_address_the_mail_server_refuses_is_not_retried(
    sales, weeks, sync_cluster, mailoutbox, time_machine, monkeypatch
):
    def refused(self, messages):
        raise smtplib.SMTPRecipientsRefused({"maria@example.com": (550, b"no such user")})

    monkeypatch.setattr(EmailBackend, "send_messages", refused)
    sweep_at(time_machine, MONDAY_0800_CHICAGO)
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(hours=1))

    digest = WeeklyDigest.objects.get()
    assert (digest.state, digest.attempts) == ("skipped", 1)
    assert digest.last_error == "the mail server refused maria@example.com"


def test_a_send_task_delivered_twice_or_from_an_older_claim_sends_nothing(
    sales, weeks, mailoutbox, time_machine
):
    from reporting.services import weekly_digests_claim

    time_machine.move_to(MONDAY_0800_CHICAGO, tick=False)
    ((digest_id, attempt),) = weekly_digests_claim(now=MONDAY_0800_CHICAGO)

    assert send_weekly_digest(digest_id, attempt) == "sent to maria@example.com"
    assert send_weekly_digest(digest_id, attempt) == "sent or taken by another run"
    assert send_weekly_digest(digest_id, attempt - 1) == "sent or taken by another run"
    assert len(mailoutbox) == 1


def test_the_sweep_queues_each_claimed_digest_as_a_task(sales, weeks, time_machine):
    from django_q.models import OrmQ

    sweep_at(time_machine, MONDAY_0800_CHICAGO)

    (queued,) = OrmQ.objects.all()
    assert queued.func() == "reporting.tasks.send_weekly_digest"
    assert queued.task["args"] == (WeeklyDigest.objects.get().pk, 1)


def test_a_digest_that_never_goes_out_is_shown_by_health_and_given_up_after_its_catch_up(
    sales, weeks, sync_cluster, mailoutbox, time_machine, monkeypatch, client
):
    from reporting.services import GIVEN_UP

    def mail_backend_down(self, messages):
        raise RuntimeError("the mail backend crashed")

    monkeypatch.setattr(EmailBackend, "send_messages", mail_backend_down)
    # Every half hour from Monday 08:00 to Thursday 08:00 the sweep tries again, and fails.
    attempt_at = MONDAY_0800_CHICAGO
    while attempt_at < MONDAY_0800_CHICAGO + timedelta(days=3):
        with pytest.raises(RuntimeError):
            sweep_at(time_machine, attempt_at)
        attempt_at += timedelta(minutes=45)
    digest = WeeklyDigest.objects.get()
    assert digest.state == "sending"
    assert digest.attempts == 96  # every 45 minutes for three days
    detail = client.get("/health/").json()["details"]["weekly_digests"]
    assert detail["count"] == 1
    assert "claims each again 30 min after its last claim, for 3 days" in detail["meaning"]

    # No claim after Thursday 08:00; three days after the last, it is given up.
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(days=4))
    sweep_at(time_machine, MONDAY_0800_CHICAGO + timedelta(days=6))
    digest.refresh_from_db()
    assert (digest.state, digest.attempts, digest.last_error) == ("skipped", 96, GIVEN_UP)
    assert client.get("/health/").json()["details"]["weekly_digests"]["count"] == 0
    assert mailoutbox == []
