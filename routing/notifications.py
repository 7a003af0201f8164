"""Telling people about a new assignment: an email to the owner and a post to the rep's and
the team's Slack-compatible incoming webhooks.

Whoever starts an assignment calls `assignment_notify_on_commit(assignment)` inside its
transaction; once that commits, the django-q2 task `routing.tasks.notify_assignment` sends, by
id, so nobody is told about an assignment that was rolled back. Every channel sent (or failed for
good) is a `LeadEvent` of kind NOTIFIED with data {"assignment", "channel"}: a task delivered
twice skips the channels already recorded.

When every channel is told or failed for good (or there is none), `Assignment.notified_at` is
set. A worker killed between the routing commit and the enqueue leaves it empty: the sweep
`routing.tasks.notify_owed_assignments` queues the task again.
"""

import logging
import smtplib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from intake.models import Lead, LeadEvent
from leadrouter import http_client
from routing.models import (
    Assignment,
    HeldLead,
    PhoneCall,
    RoutingDecision,
    SlaState,
    SlaStep,
    SlaStepRecord,
    Team,
)

logger = logging.getLogger(__name__)

TASK = "routing.tasks.notify_assignment"
SLA_TASK = "routing.tasks.notify_sla_step"
MISSED_CALL_TASK = "routing.tasks.notify_missed_call"

EMAIL = "email"
SLACK_REP = "slack:rep"
SLACK_TEAM = "slack:team"


# --- transports -----------------------------------------------------------------------------


class TransportError(Exception):
    """A message that was not delivered; `retryable` when a later attempt may succeed (a
    timeout, a 5xx, a full mailbox server), not when the address or webhook itself is wrong."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    # An HTML alternative of `text` for e-mail (the Monday digest); other channels send `text`.
    html: str = ""


class Transport(Protocol):
    def send(self, message: Message) -> None:
        """Deliver the message or raise TransportError."""


@dataclass(frozen=True)
class EmailTransport:
    """Through Django's email backend (EMAIL_* settings)."""

    to: str

    def send(self, message: Message) -> None:
        email = EmailMultiAlternatives(message.subject, message.text, to=[self.to])
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused:
            raise TransportError(f"the mail server refused {self.to}", retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            # 4xx: try again later (greylisting, a full queue); 5xx: it will not change.
            raise TransportError(
                f"the mail server answered {exc.smtp_code}", retryable=exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"sending email failed: {exc}", retryable=True) from None


@dataclass(frozen=True)
class SlackTransport:
    """A Slack-compatible incoming webhook: POST {"text": …} (Slack answers "ok", not JSON)."""

    url: str

    def send(self, message: Message) -> None:
        # Slack reads <…> as links and mentions: a lead named "<!channel>" must not page a
        # whole channel. Its three escapes are all it asks for.
        text = message.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        try:
            http_client.post(self.url, {"text": text})
        except http_client.HttpError as exc:
            # The webhook URL is its credential: keep it out of the error that gets recorded.
            detail = str(exc).replace(http_client.describe(self.url), "the webhook")
            raise TransportError(detail, retryable=exc.retryable) from None


# --- what is sent, to whom ------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    name: str  # EMAIL, SLACK_REP or SLACK_TEAM: the key recorded in the NOTIFIED event
    transport: Transport
    to: str  # who, for the timeline ("ann@example.com", "the Austin office channel")


def _owner(assignment: Assignment):
    """Who answers for the assignment: the rep's user, the manager a fallback names, or a
    team queue's manager."""
    if assignment.user is None and assignment.queue_team is not None:
        return assignment.queue_team.manager
    return assignment.user


def _team(assignment: Assignment) -> Team | None:
    return assignment.queue_team or (assignment.rep.team if assignment.rep else None)


def _email(person) -> list[Channel]:
    if person is not None and person.is_active and person.email:
        return [Channel(EMAIL, EmailTransport(person.email), person.email)]
    return []


def _rep_slack(assignment: Assignment) -> list[Channel]:
    rep = assignment.rep
    if rep is not None and rep.notify_webhook_url:
        return [Channel(SLACK_REP, SlackTransport(rep.notify_webhook_url), f"{rep}'s Slack")]
    return []


def _team_slack(team: Team | None) -> list[Channel]:
    if team is not None and team.notify_webhook_url:
        return [Channel(SLACK_TEAM, SlackTransport(team.notify_webhook_url), f"{team}'s Slack")]
    return []


def assignment_channels(assignment: Assignment) -> list[Channel]:
    """Where an assignment is told: the owner's email (the rep's user, the manager a fallback
    names, or a team queue's manager), the rep's webhook, and the team's webhook for a rep of
    the team or the team's queue."""
    return [
        *_email(_owner(assignment)),
        *_rep_slack(assignment),
        *_team_slack(_team(assignment)),
    ]


def lead_url(lead_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/leads/{lead_id}/"


def _lead_name(lead: Lead) -> str:
    name = lead.full_name or f"{lead.first_name} {lead.last_name}".strip()
    return name or lead.company or f"Lead {lead.pk}"


def assignment_message(assignment: Assignment) -> Message:
    """Who the lead is, what they want, why it went where it went, and a link to it.

    No email address or phone number: the message also goes to Slack, outside LeadRouter.
    """
    lead = assignment.lead
    if assignment.rep is not None:
        owner = str(assignment.rep)
    elif assignment.queue_team is not None:
        owner = f"the {assignment.queue_team} queue"
    elif assignment.user is not None:
        owner = assignment.user.get_full_name() or assignment.user.get_username()
    else:
        owner = "nobody"
    who = _lead_name(lead)
    where = ", ".join(part for part in (lead.city, lead.state) if part)
    about = " — ".join(
        part for part in (who, lead.company if lead.company != who else "", where) if part
    )
    # The reverse side of qualification's one-to-one (routing reads it by name, like engine).
    qualification = getattr(lead, "qualification", None)
    if qualification is not None:
        request_type = qualification.request_type or lead.request_type or "unknown"
        profile = (
            f"Request: {request_type} · Tier {qualification.tier} · "
            f"Urgency {qualification.urgency} · Score {qualification.score}"
        )
    else:
        profile = f"Request: {lead.request_type or 'unknown'} · not qualified yet"
    why = assignment.note
    if not why:
        decision = RoutingDecision.objects.filter(lead=lead).order_by("-created_at", "-id").first()
        why = decision.explanation if decision else assignment.get_reason_display()
    link = lead_url(lead.pk)
    subject = f"New lead for {owner}: {who}"
    page: list[str] = []
    if assignment.reason == Assignment.Reason.ON_CALL and assignment.sla_due_at is not None:
        # The page: an urgent lead after hours, for the on-call rep, with its deadline.
        subject = f"On call: urgent lead {who}"
        page = [f"You are paged: first contact due by {assignment.sla_due_at:%Y-%m-%d %H:%M} UTC"]
    text = "\n".join(
        [
            *page,
            f"New lead for {owner}: {about}",
            profile,
            f"Why: {why}",
            f"Assigned: {assignment.get_reason_display()}",
            link,
        ]
    )
    # A name with a line break must not break the email's Subject header.
    return Message(subject=" ".join(subject.split())[:200], text=text)


# --- enqueue and send -----------------------------------------------------------------------


def assignment_notify_on_commit(assignment: Assignment) -> None:
    """Queue the notifications of a new assignment once the caller's transaction commits (so
    the worker sees the row, and a rolled-back assignment tells nobody). Test leads are not
    notified."""
    if assignment.lead.is_test:
        return
    assignment_id = assignment.pk
    transaction.on_commit(lambda: assignment_notify_enqueue(assignment_id))


def assignment_notify_enqueue(assignment_id: int) -> None:
    """Queue `routing.tasks.notify_assignment` for an assignment that is committed."""
    from django_q.tasks import async_task

    async_task(TASK, assignment_id, task_name=f"notify-assignment-{assignment_id}")


def _complete(assignment_id: int) -> None:
    """Nothing more is owed for this assignment: the owed-notification sweep leaves it."""
    Assignment.objects.filter(pk=assignment_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )


def _record(lead_id: int, key: dict, channel: Channel, error: str = "", what: str = "") -> None:
    data = {**key, "channel": channel.name}
    if error:
        data["error"] = error
        message = f"Notifying {channel.to} failed for good: {error}"
    else:
        message = f"Told {channel.to} about {what}"
    LeadEvent.objects.create(
        lead_id=lead_id,
        kind=LeadEvent.Kind.NOTIFIED,
        message=message[:500],
        data=data,
    )


@dataclass
class Sending:
    """What one run of a notification task did, channel by channel."""

    sent: list[str]
    failed: list[str]
    retry: list[str]

    def summary(self) -> str:
        summary = f"sent {', '.join(self.sent) or 'nothing'}"
        return summary + (f"; failed {', '.join(self.failed)}" if self.failed else "")


def _unsent(lead_id: int, key: dict, channels: list[Channel]) -> list[Channel]:
    """The channels no previous run recorded for this `key` (at-least-once delivery: a task
    may run twice)."""
    ((name, value),) = key.items()
    done = set(
        LeadEvent.objects.filter(
            lead_id=lead_id, kind=LeadEvent.Kind.NOTIFIED, **{f"data__{name}": value}
        ).values_list("data__channel", flat=True)
    )
    return [channel for channel in channels if channel.name not in done]


def _send(lead_id: int, key: dict, channels: list[Channel], message: Message, what: str) -> Sending:
    """Send on each channel; record a success, or a failure a retry cannot fix (a failure a
    retry may fix is only listed: the caller raises so django-q2 runs the task again)."""
    sending = Sending([], [], [])
    for channel in channels:
        try:
            channel.transport.send(message)
        except TransportError as exc:
            if exc.retryable:
                logger.warning("%s: %s failed, will retry: %s", key, channel.name, exc)
                sending.retry.append(f"{channel.name}: {exc}")
                continue
            _record(lead_id, key, channel, error=str(exc))
            sending.failed.append(channel.name)
            continue
        _record(lead_id, key, channel, what=what)
        sending.sent.append(channel.name)
    return sending


def assignment_notify(assignment_id: int) -> str:
    """Send an assignment's notifications on every channel not yet recorded.

    1. Skip an assignment that is gone or has ended (the lead moved on before we got here),
       or a test lead's.
    2. Skip channels a previous run recorded (at-least-once delivery: a task may run twice).
    3. Send on each remaining channel; record a success, or a failure a retry cannot fix.
    4. If any channel failed in a way a retry may fix, raise so django-q2 runs the task again
       (Q_CLUSTER max_attempts); the channels recorded in step 3 are not sent twice. Else the
       assignment's notification is complete (`notified_at`).

    A crash between sending and recording sends that channel again on the next run: better a
    duplicate message than a lead nobody hears about.
    """
    assignment = (
        Assignment.objects.select_related(
            "lead__qualification", "rep__user", "rep__team", "queue_team__manager", "user"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        return "no such assignment"
    if assignment.ended_at is not None:
        return "ended before it was notified"
    if assignment.lead.is_test:
        _complete(assignment_id)
        return "test lead"
    key = {"assignment": assignment.pk}
    channels = _unsent(assignment.lead_id, key, assignment_channels(assignment))
    if not channels:
        _complete(assignment_id)
        return "nothing to send"
    sending = _send(
        assignment.lead_id, key, channels, assignment_message(assignment), "the assignment"
    )
    if sending.retry:
        # The cluster runs the task again (Q_CLUSTER max_attempts): the sweep waits for it.
        Assignment.objects.filter(pk=assignment_id).update(notify_queued_at=timezone.now())
        raise TransportError("; ".join(sending.retry), retryable=True)
    _complete(assignment_id)
    return sending.summary()


# --- SLA steps ------------------------------------------------------------------------------


def sla_step_notify_on_commit(record: SlaStepRecord, lead: Lead) -> None:
    """Queue the message of a reminder or a manager notification the SLA sweep performed,
    once its transaction commits (a rolled-back step tells nobody). Test leads: none."""
    if lead.is_test:
        return
    enqueue_on_commit(SLA_TASK, record.pk, f"notify-sla-step-{record.pk}")


def enqueue_on_commit(task: str, row_id: int, name: str) -> None:
    """Queue `task(row_id)` once the caller's transaction commits (a rolled-back change tells
    nobody, and the worker sees the row)."""

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(task, row_id, task_name=name)

    transaction.on_commit(enqueue)


def sla_step_channels(record: SlaStepRecord) -> list[Channel]:
    """A reminder goes to the owner (a queue's: its manager) and the rep's webhook; a
    manager notification to the team's manager and the team's webhook."""
    assignment = record.assignment
    if record.kind == SlaStep.Kind.REMIND:
        return [*_email(_owner(assignment)), *_rep_slack(assignment)]
    team = _team(assignment)
    return [*_email(team.manager if team else None), *_team_slack(team)]


def sla_step_message(record: SlaStepRecord) -> Message:
    """The lead, its owner, its deadline, and a link (no contact data: it goes to Slack)."""
    assignment = record.assignment
    who = _lead_name(assignment.lead)
    owner = (
        str(assignment.rep)
        if assignment.rep
        else (f"the {assignment.queue_team} queue" if assignment.queue_team else "")
    ) or (assignment.user.get_username() if assignment.user else "nobody")
    due = assignment.sla_due_at
    due_text = f"{due:%Y-%m-%d %H:%M} UTC" if due else "now"
    if record.kind == SlaStep.Kind.REMIND:
        subject = f"Reminder: {who} is waiting for first contact"
    else:
        subject = f"Not yet worked: {who} ({owner})"
    text = "\n".join(
        [subject, f"Owner: {owner}", f"First contact due: {due_text}", lead_url(assignment.lead_id)]
    )
    return Message(subject=" ".join(subject.split())[:200], text=text)


def sla_step_notify(record_id: int) -> str:
    """Send an SLA step's message on every channel not yet recorded; raise when a retry can
    help (as `assignment_notify`). Nothing once the clock was met or stopped meanwhile: the
    message would be news of something already done."""
    record = (
        SlaStepRecord.objects.select_related(
            "assignment__lead",
            "assignment__rep__user",
            "assignment__rep__team__manager",
            "assignment__queue_team__manager",
            "assignment__user",
        )
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        return "no such step"
    assignment = record.assignment
    if assignment.ended_at is not None or assignment.sla_state in (SlaState.MET, SlaState.STOPPED):
        return "the clock moved on before it was sent"
    key = {"sla_step": record.pk}
    channels = _unsent(assignment.lead_id, key, sla_step_channels(record))
    sending = _send(assignment.lead_id, key, channels, sla_step_message(record), "the SLA step")
    if sending.retry:
        raise TransportError("; ".join(sending.retry), retryable=True)
    return sending.summary()


# --- missed calls ---------------------------------------------------------------------------


def missed_call_notify_on_commit(call: PhoneCall) -> None:
    """Queue the missed-call alert of an inbound call nobody answered, once the caller's
    transaction commits. Test leads: none."""
    if not call.lead.is_test:
        enqueue_on_commit(MISSED_CALL_TASK, call.pk, f"notify-missed-call-{call.pk}")


def missed_call_channels(call: PhoneCall) -> list[Channel]:
    """The lead's owner (a queue's: its manager) and their webhook, and the team's manager
    and webhook: a caller waits for someone to call back."""
    assignment = (
        Assignment.objects.select_related("rep__user", "rep__team__manager", "queue_team__manager")
        .select_related("user")
        .filter(lead_id=call.lead_id, ended_at__isnull=True)
        .first()
    )
    if assignment is None:
        # Held until the next opening (after hours) or in review: the team that will take it.
        team = _held_team(call.lead_id)
        return [*_email(team.manager if team else None), *_team_slack(team)]
    team = _team(assignment)
    channels = [*_email(_owner(assignment)), *_rep_slack(assignment)]
    manager = team.manager if team else None
    if manager is not None and manager != _owner(assignment):
        channels += _email(manager)
    return [*channels, *_team_slack(team)]


def _held_team(lead_id: int) -> Team | None:
    """The team a held lead waits for: the hold's, else its rule's fallback or pool team, else
    the team of the rule's first rep."""
    hold = (
        HeldLead.objects.select_related("team__manager", "rule")
        .filter(lead_id=lead_id)
        .order_by("-held_at")
        .first()
    )
    if hold is None:
        return None
    if hold.team is not None:
        return hold.team
    rule = hold.rule
    if rule is None:
        return None
    team = rule.fallback_team or rule.pool_team
    if team is None:
        rep = rule.pool_reps.select_related("team__manager").order_by("pk").first()
        team = rep.team if rep else None
    return team


def missed_call_message(call: PhoneCall) -> Message:
    """Who called, what happened, and the link (no number: it also goes to Slack)."""
    who = _lead_name(call.lead)
    subject = f"Missed call: {who}"
    outcome = (
        "They reached the voicemail; the recording will be on the lead's timeline."
        if call.state == PhoneCall.State.VOICEMAIL
        else "They hung up before anyone answered."
    )
    text = "\n".join([subject, outcome, "Call them back.", lead_url(call.lead_id)])
    return Message(subject=" ".join(subject.split())[:200], text=text)


def missed_call_notify(call_id: int) -> str:
    """Send a missed call's alert on every channel not yet recorded; raise when a retry can
    help (as `assignment_notify`)."""
    call = PhoneCall.objects.select_related("lead", "rep__team__manager").filter(pk=call_id).first()
    if call is None:
        return "no such call"
    key = {"missed_call": call.pk}
    channels = _unsent(call.lead_id, key, missed_call_channels(call))
    sending = _send(call.lead_id, key, channels, missed_call_message(call), "the missed call")
    if sending.retry:
        raise TransportError("; ".join(sending.retry), retryable=True)
    return sending.summary()
