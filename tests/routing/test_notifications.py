"""Assignment notifications: email to the owner, Slack-compatible webhooks, after commit, once."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from intake.models import LeadEvent
from qualification.models import Qualification
from routing.models import Assignment, RoutingDecision
from routing.notifications import TransportError
from routing.services.assignments import assignment_replace
from routing.tasks import notify_assignment, notify_owed_assignments
from tests.fake_http import FakeServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbound_to_fake_server")]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://leads.example.com/"


@pytest.fixture
def manager(team, django_user_model):
    user = django_user_model.objects.create_user(
        "alice", email="alice@example.com", first_name="Alice"
    )
    team.manager = user
    team.save(update_fields=["manager"])
    return user


@pytest.fixture
def rep(make_rep):
    rep = make_rep("ann")
    rep.user.email = "ann@example.com"
    rep.user.save(update_fields=["email"])
    return rep


@pytest.fixture
def lead(make_leads):
    (lead,) = make_leads(
        1,
        full_name="Maria Garcia",
        company="Garcia Roofing",
        city="Austin",
        state="TX",
        email="maria@example.com",
        phone_e164="+15125550100",
    )
    Qualification.objects.create(
        lead=lead,
        score=82,
        tier="A",
        urgency="urgent",
        request_type="mortgage",
        confidence=0.9,
        score_source="rules",
    )
    RoutingDecision.objects.create(
        lead=lead,
        outcome=RoutingDecision.Outcome.ASSIGNED,
        explanation="Rule 'Texas mortgages': least loaded of 3 licensed reps.",
    )
    return lead


def assign(lead, **fields):
    fields.setdefault("reason", Assignment.Reason.INITIAL)
    return assignment_replace(lead=lead, now=timezone.now(), **fields)


def notified(lead) -> list[dict]:
    return list(
        LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.NOTIFIED).values_list(
            "data", flat=True
        )
    )


# --- email ----------------------------------------------------------------------------------


def test_the_rep_gets_an_email_saying_who_the_lead_is_why_and_where(rep, lead, mailoutbox):
    assignment = assign(lead, rep=rep)

    assert notify_assignment(assignment.pk) == "sent email"

    (email,) = mailoutbox
    assert email.to == ["ann@example.com"]
    assert email.subject == "New lead for Ann: Maria Garcia"
    assert "Maria Garcia — Garcia Roofing — Austin, TX" in email.body
    assert "Request: mortgage · Tier A · Urgency urgent · Score 82" in email.body
    assert "Why: Rule 'Texas mortgages': least loaded of 3 licensed reps." in email.body
    assert f"https://leads.example.com/leads/{lead.pk}/" in email.body
    # The message also goes to Slack: no contact details in it.
    assert "maria@example.com" not in email.body
    assert "5550100" not in email.body
    assert notified(lead) == [{"assignment": assignment.pk, "channel": "email"}]


def test_the_assignment_note_explains_a_manual_assignment(rep, lead, mailoutbox):
    assignment = assign(
        lead, rep=rep, reason=Assignment.Reason.MANUAL, note="Speaks Spanish, knows the family"
    )

    notify_assignment(assignment.pk)

    assert "Why: Speaks Spanish, knows the family" in mailoutbox[0].body
    assert "Assigned: Manual" in mailoutbox[0].body


def test_a_manager_fallback_emails_the_manager(manager, lead, mailoutbox):
    assignment = assign(lead, user=manager, reason=Assignment.Reason.FALLBACK)

    notify_assignment(assignment.pk)

    assert [email.to for email in mailoutbox] == [["alice@example.com"]]
    assert mailoutbox[0].subject == "New lead for Alice: Maria Garcia"


def test_a_team_queue_item_emails_the_team_manager_and_posts_to_the_team(
    manager, team, lead, mailoutbox
):
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        team.notify_webhook_url = f"{server.url}/team"
        team.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, team=team, reason=Assignment.Reason.FALLBACK)

        assert notify_assignment(assignment.pk) == "sent email, slack:team"

    assert mailoutbox[0].to == ["alice@example.com"]
    assert mailoutbox[0].subject == "New lead for the Austin office queue: Maria Garcia"
    assert [r.path for r in server.requests] == ["/team"]


def test_an_owner_without_an_email_address_gets_no_email(make_rep, lead, mailoutbox):
    assignment = assign(lead, rep=make_rep("noemail"))

    assert notify_assignment(assignment.pk) == "nothing to send"
    assert mailoutbox == []


# --- Slack ----------------------------------------------------------------------------------


def test_slack_posts_reach_the_reps_and_the_teams_webhooks(rep, team, lead, mailoutbox):
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        server.reply(200, raw=b"ok")
        rep.notify_webhook_url = f"{server.url}/rep-hook"
        rep.save(update_fields=["notify_webhook_url"])
        team.notify_webhook_url = f"{server.url}/team-hook"
        team.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, rep=rep)

        assert notify_assignment(assignment.pk) == "sent email, slack:rep, slack:team"

    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/rep-hook"),
        ("POST", "/team-hook"),
    ]
    body = json.loads(server.requests[0].body)
    assert list(body) == ["text"]
    assert body["text"].startswith("New lead for Ann: Maria Garcia — Garcia Roofing")
    assert "Tier A" in body["text"]
    assert f"https://leads.example.com/leads/{lead.pk}/" in body["text"]
    assert server.requests[0].headers["content-type"] == "application/json"
    assert {event["channel"] for event in notified(lead)} == {"email", "slack:rep", "slack:team"}


def test_a_lead_cannot_mention_a_whole_slack_channel(rep, lead, mailoutbox):
    lead.full_name = "<!channel> Bob & <@U123>"
    lead.save(update_fields=["full_name"])
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        rep.notify_webhook_url = f"{server.url}/hook"
        rep.save(update_fields=["notify_webhook_url"])
        notify_assignment(assign(lead, rep=rep).pk)

    text = json.loads(server.requests[0].body)["text"]
    assert "&lt;!channel&gt; Bob &amp; &lt;@U123&gt;" in text
    assert "<" not in text
    assert "<!channel> Bob & <@U123>" in mailoutbox[0].body


def test_a_5xx_from_slack_raises_so_the_task_is_retried_and_the_retry_sends_only_that(
    rep, lead, mailoutbox
):
    with FakeServer() as server:
        server.reply(500, {"error": "boom"})
        rep.notify_webhook_url = f"{server.url}/hook"
        rep.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, rep=rep)

        with pytest.raises(TransportError) as caught:
            notify_assignment(assignment.pk)
        assert caught.value.retryable
        assert [event["channel"] for event in notified(lead)] == ["email"]

        server.reply(200, raw=b"ok")
        assert notify_assignment(assignment.pk) == "sent slack:rep"

    assert len(mailoutbox) == 1
    assert len(server.requests) == 2
    assert sorted(event["channel"] for event in notified(lead)) == ["email", "slack:rep"]


@pytest.mark.parametrize("status", [400, 404])
def test_a_4xx_from_slack_is_recorded_and_not_retried(rep, lead, mailoutbox, status):
    with FakeServer() as server:
        server.reply(status, raw=b"invalid_token")
        rep.notify_webhook_url = f"{server.url}/services/T000/B000/secret"
        rep.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, rep=rep)

        assert notify_assignment(assignment.pk) == "sent email; failed slack:rep"
        # A second delivery of the task does not try the broken webhook again.
        assert notify_assignment(assignment.pk) == "nothing to send"

    assert len(server.requests) == 1
    failure = LeadEvent.objects.get(lead=lead, data__channel="slack:rep")
    assert failure.data["assignment"] == assignment.pk
    assert str(status) in failure.data["error"]
    assert "failed" in failure.message
    # The webhook URL is its credential: it stays out of the timeline.
    assert "secret" not in failure.data["error"] + failure.message


def test_a_webhook_on_the_private_network_is_a_recorded_failure_not_a_retry(
    rep, lead, mailoutbox, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        rep.notify_webhook_url = f"{server.url}/services/T000/B000/secret"
        rep.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, rep=rep)

        assert notify_assignment(assignment.pk) == "sent email; failed slack:rep"

    assert server.requests == []
    failure = LeadEvent.objects.get(lead=lead, data__channel="slack:rep")
    assert "127.0.0.1 is a loopback address" in failure.data["error"]
    assert "OUTBOUND_ALLOWED_HOSTS" in failure.data["error"]
    assert "secret" not in failure.data["error"] + failure.message


def test_an_unreachable_webhook_is_retryable(rep, lead, mailoutbox):
    with FakeServer() as server:
        dead = server.url
    rep.notify_webhook_url = f"{dead}/hook"
    rep.save(update_fields=["notify_webhook_url"])
    assignment = assign(lead, rep=rep)

    with pytest.raises(TransportError) as caught:
        notify_assignment(assignment.pk)

    assert caught.value.retryable


# --- at least once, but once ----------------------------------------------------------------


def test_running_the_task_twice_sends_once(rep, team, lead, mailoutbox):
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        team.notify_webhook_url = f"{server.url}/team"
        team.save(update_fields=["notify_webhook_url"])
        assignment = assign(lead, rep=rep)

        notify_assignment(assignment.pk)
        assert notify_assignment(assignment.pk) == "nothing to send"

    assert len(mailoutbox) == 1
    assert len(server.requests) == 1
    assert len(notified(lead)) == 2


def test_a_new_assignment_of_the_same_lead_is_notified_again(rep, make_rep, lead, mailoutbox):
    first = assign(lead, rep=rep)
    notify_assignment(first.pk)
    other = make_rep("bo")
    other.user.email = "bo@example.com"
    other.user.save(update_fields=["email"])

    second = assign(lead, rep=other, reason=Assignment.Reason.SLA)
    notify_assignment(second.pk)

    assert [email.to for email in mailoutbox] == [["ann@example.com"], ["bo@example.com"]]


def test_an_assignment_that_ended_before_the_task_ran_sends_nothing(
    rep, make_rep, lead, mailoutbox
):
    stale = assign(lead, rep=rep)
    assign(lead, rep=make_rep("bo"), reason=Assignment.Reason.MANUAL)

    assert notify_assignment(stale.pk) == "ended before it was notified"
    assert mailoutbox == []
    assert notified(lead) == []


def test_a_deleted_assignment_sends_nothing(db, mailoutbox):
    assert notify_assignment(987654) == "no such assignment"
    assert mailoutbox == []


# --- enqueued after commit ------------------------------------------------------------------


def test_the_task_is_queued_with_the_assignment_id_after_commit(
    rep, lead, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # Starting an assignment is what queues its notification.
        assignment = assign(lead, rep=rep)
        assert not OrmQ.objects.exists()

    (queued,) = OrmQ.objects.all()
    assert queued.func() == "routing.tasks.notify_assignment"
    assert queued.task["args"] == (assignment.pk,)


def test_nothing_is_queued_when_the_transaction_rolls_back(
    rep, lead, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assign(lead, rep=rep)
        raise RuntimeError("the routing transaction failed")

    assert callbacks == []
    assert not OrmQ.objects.exists()
    assert not Assignment.objects.exists()


def test_test_leads_are_not_notified(rep, lead, django_capture_on_commit_callbacks):
    lead.is_test = True
    lead.save(update_fields=["is_test"])

    with django_capture_on_commit_callbacks() as callbacks:
        assign(lead, rep=rep)

    assert callbacks == []


def test_end_to_end_with_a_synchronous_cluster_the_rep_gets_the_email(
    rep, lead, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)

    with django_capture_on_commit_callbacks(execute=True):
        assign(lead, rep=rep)

    assert [email.to for email in mailoutbox] == [["ann@example.com"]]


# --- owed notifications: the sweep ------------------------------------------------------------

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def sync_cluster(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def test_an_assignment_whose_enqueue_was_lost_is_notified_once_by_the_sweep(
    rep, lead, mailoutbox, time_machine, sync_cluster
):
    time_machine.move_to(T0, tick=False)
    assignment = assign(lead, rep=rep)  # committed; the worker died before its on_commit ran

    time_machine.shift(timedelta(minutes=1))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"  # still in its request
    time_machine.shift(timedelta(minutes=2))
    assert notify_owed_assignments() == "queued 1 owed notification(s)"
    time_machine.shift(timedelta(hours=1))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"

    assert [email.to for email in mailoutbox] == [["ann@example.com"]]
    assignment.refresh_from_db()
    assert assignment.notified_at == T0 + timedelta(minutes=3)


def test_of_two_sweeps_that_listed_the_same_assignment_one_queues_it(rep, lead, time_machine):
    from django_q.models import OrmQ

    from routing.selectors import assignments_owing_notification
    from routing.services import owed_notification_claim

    time_machine.move_to(T0, tick=False)
    assign(lead, rep=rep)
    time_machine.shift(timedelta(minutes=3))
    now = timezone.now()
    here = assignments_owing_notification(now=now)[0]
    there = assignments_owing_notification(now=now)[0]

    assert owed_notification_claim(assignment=here, now=now) is True
    assert owed_notification_claim(assignment=there, now=now) is False
    assert notify_owed_assignments() == "queued 0 owed notification(s)"
    assert OrmQ.objects.count() == 0  # the claims alone queue nothing


def test_an_assignment_already_notified_is_not_sent_again(
    rep, lead, mailoutbox, time_machine, sync_cluster
):
    time_machine.move_to(T0, tick=False)
    assignment = assign(lead, rep=rep)
    assert notify_assignment(assignment.pk) == "sent email"

    time_machine.shift(timedelta(minutes=3))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"
    assert len(mailoutbox) == 1


def test_an_assignment_with_no_channel_is_complete_and_never_swept(
    make_rep, lead, time_machine, sync_cluster
):
    time_machine.move_to(T0, tick=False)
    assignment = assign(lead, rep=make_rep("nomail"))
    assert notify_assignment(assignment.pk) == "nothing to send"

    time_machine.shift(timedelta(minutes=3))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"
    assignment.refresh_from_db()
    assert assignment.notified_at is not None


def test_a_retryable_failure_is_left_to_the_clusters_retries_and_not_flooded(
    rep, lead, mailoutbox, time_machine
):
    from django_q.models import OrmQ

    with FakeServer() as server:
        for _ in range(5):
            server.reply(500, {"error": "boom"})
        rep.notify_webhook_url = f"{server.url}/hook"
        rep.save(update_fields=["notify_webhook_url"])
        time_machine.move_to(T0, tick=False)
        assignment = assign(lead, rep=rep)
        # The cluster's run, then its retries (90 s apart), all failing.
        for _ in range(5):
            with pytest.raises(TransportError):
                notify_assignment(assignment.pk)
            time_machine.shift(timedelta(seconds=90))

    sweeps = []
    for _ in range(30):  # 30 minutes of sweeps, one a minute
        sweeps.append(notify_owed_assignments())
        time_machine.shift(timedelta(minutes=1))

    # The last failure was at T0+6 min: the sweep queues it again 15 minutes later, and once
    # more 15 minutes after that (its run pending or failed too), never every minute.
    assert [i for i, outcome in enumerate(sweeps) if outcome.startswith("queued 1")] == [14, 29]
    assert OrmQ.objects.count() == 2
    assert [email.to for email in mailoutbox] == [["ann@example.com"]]  # email sent once
    assignment.refresh_from_db()
    assert assignment.notified_at is None


def test_a_notification_owed_for_more_than_a_day_is_dropped(
    rep, lead, mailoutbox, time_machine, sync_cluster
):
    time_machine.move_to(T0, tick=False)
    assign(lead, rep=rep)

    time_machine.shift(timedelta(hours=25))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"
    assert mailoutbox == []


def test_a_test_leads_assignment_is_never_owed_a_notification(
    rep, lead, mailoutbox, time_machine, sync_cluster
):
    lead.is_test = True
    lead.save(update_fields=["is_test"])
    time_machine.move_to(T0, tick=False)
    assign(lead, rep=rep)

    time_machine.shift(timedelta(minutes=3))
    assert notify_owed_assignments() == "queued 0 owed notification(s)"
    assert mailoutbox == []
