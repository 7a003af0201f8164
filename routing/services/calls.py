"""Phone calls through Twilio Voice: whom an inbound call rings, what happens when nobody
answers, and the instant call-back that rings a rep first for a new urgent lead.

Each function answers one request Twilio makes during a call and returns the TwiML to answer
it with (the views only verify the signature and pass parameters). The call's state is a
`PhoneCall` row; every step that moves a call (and so possibly the lead) claims it with a
conditional update under the lead's lock, in the same lock order as every other writer (the
lead row first), so a callback Twilio delivers twice rings, reassigns and alerts once.

The inbound call, step by step:
1. `inbound_call_answer`: the lead's owner is rung when reachable now (a phone in their
   profile, active, not paused, not on time off, inside their working hours); else the next
   eligible rep of the lead's rule (`rule_next_rep`: the rule's method and constraints, a
   rotation turn) takes the lead and is rung; nobody: the voicemail.
2. Each rep hears a whisper naming the lead and presses a key to take the call
   (`call_whisper`, `call_accept`): a rep's own voicemail picking up never counts as answered.
3. `call_dial_result` (the `<Dial>` action): answered → done; not answered → the next rep,
   then the voicemail (`<Record>`, `call_recording_store`) and a missed-call alert.
4. `call_finish` (the status callback) logs the call on the lead once: answered → a contact
   activity of the rep who took it (`activity_log`, which meets the SLA clock); missed → a
   timeline entry, the clock keeps running.
"""

import base64
import logging
from datetime import datetime

import us
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from intake.models import Channel, Lead, LeadEvent, LeadStatus, Source
from leadrouter import http_client
from qualification.models import Qualification, Urgency
from routing import notifications
from routing.availability import unavailable_reason
from routing.models import (
    Activity,
    Assignment,
    PhoneCall,
    Rep,
    TimeOff,
    parse_working_hours,
)
from routing.services.assignments import assignment_replace
from routing.services.config import routing_setup
from routing.services.engine import rule_next_rep
from routing.services.work import activity_log
from routing.twiml import Response

logger = logging.getLogger(__name__)

DEFAULT_GREETING = (
    "Sorry, nobody can take your call right now. Please leave your name, your number and what "
    "you need after the tone, and we will call you back."
)
THANKS = "Thank you. We will call you back. Goodbye."
PLACE_CALLBACK_TASK = "routing.tasks.place_instant_callback"
# How long a lead rings when a rep pressed 1 on an instant call-back.
BRIDGE_RING_SECONDS = 30
ANSWERED = "completed"  # Twilio's DialCallStatus / CallStatus of a call someone picked up


# --- who can be rung ------------------------------------------------------------------------


def rep_unreachable(rep: Rep, now: datetime) -> str | None:
    """Why a rep's phone cannot be rung now ("no phone number", "off until Mon 09:00 CST",
    "on time off until …"), or None. Capacity does not count: a call is a conversation, not a
    lead to carry."""
    if not rep.phone:
        return "no phone number in their profile"
    away = (
        TimeOff.objects.filter(rep=rep, starts_at__lte=now, ends_at__gt=now)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    from zoneinfo import ZoneInfo

    return unavailable_reason(
        now=now,
        is_active=rep.is_active and rep.user.is_active,
        paused=rep.paused,
        paused_until=rep.paused_until,
        away_until=away,
        zone=ZoneInfo(rep.time_zone),
        hours=parse_working_hours(rep.working_hours or {}),
        open_leads=0,
        max_open_leads=None,
        new_today=0,
        max_new_per_day=None,
    )


def _owner(lead: Lead) -> Assignment | None:
    return (
        Assignment.objects.select_related("rep__user")
        .filter(lead_id=lead.pk, ended_at__isnull=True, rep__isnull=False)
        .first()
    )


def _next_rep(lead: Lead, call: PhoneCall, owner: Assignment, now: datetime, why: str):
    """Give the lead to the next rep its rule picks among those reachable now and not rung
    yet, and return them; None when nobody is left (the lead stays with its owner)."""
    setup = routing_setup()
    spec = setup.rule(owner.rule_id) if owner.rule_id else None
    if spec is None:
        return None
    reps = {rep.pk: rep for rep in Rep.objects.select_related("user").filter(pk__in=spec.pool)}
    exclude = set(call.tried) | {pk for pk, rep in reps.items() if rep_unreachable(rep, now)}
    choice = rule_next_rep(lead=lead, spec=spec, setup=setup, exclude=exclude, now=now)
    if choice is None:
        return None
    rep = reps[choice.rep.pk]
    note = f"Inbound call: {why}; rung next: {rep}"
    assignment_replace(
        lead=lead,
        now=now,
        reason=Assignment.Reason.CALL,
        rule=spec.rule,
        rep=rep,
        note=note,
        setup=setup,
    )
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.ASSIGNED
        lead.save(update_fields=["status", "updated_at"])
    _event(lead, now, f"{note} ({choice.explanation})", call, rep=rep.pk)
    return rep


# --- what callers and reps hear -------------------------------------------------------------


def _lead_label(lead: Lead) -> str:
    """ "Jane Doe, quote in Texas": who calls and what they want, as the whisper says it."""
    name = lead.full_name or f"{lead.first_name} {lead.last_name}".strip() or "a new caller"
    qualification = Qualification.objects.filter(lead_id=lead.pk).first()
    request_type = (qualification.request_type if qualification else "") or lead.request_type
    state = us.states.lookup(lead.state) if lead.state else None
    where = f" in {state.name}" if state else (f" in {lead.state}" if lead.state else "")
    what = f"{request_type.replace('_', ' ')}{where}" if request_type else where.strip()
    return f"{name}, {what}" if what else name


def _event(lead: Lead, now: datetime, message: str, call: PhoneCall, **data) -> None:
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.CALL,
        at=now,
        message=message[:500],
        data={"call": call.pk, "call_sid": call.call_sid, **data},
    )


def call_url(base: str, call: PhoneCall, step: str, *args) -> str:
    """The absolute address of one of the call's Twilio callbacks (`routing.call_urls`)."""
    path = reverse(f"calls:{step}", args=[call.source.public_id, call.pk, *args])
    return base.rstrip("/") + path


def _ring(call: PhoneCall, lead: Lead, rep: Rep, caller_id: str, base: str) -> str:
    call.rep = rep
    call.tried = [*call.tried, rep.pk]
    call.attempt += 1
    call.state = PhoneCall.State.RINGING
    call.save(update_fields=["rep", "tried", "attempt", "state"])
    return _dial(call, rep, caller_id, base)


def _dial(call: PhoneCall, rep: Rep, caller_id: str, base: str) -> str:
    """Ring `rep` for the call's current attempt: their whisper first, the action after."""
    return str(
        Response().dial(
            rep.phone,
            caller_id=caller_id,
            timeout=call.source.ring_timeout,
            action=call_url(base, call, "dialed", call.attempt),
            whisper=call_url(base, call, "whisper", call.attempt),
        )
    )


def _voicemail(call: PhoneCall, lead: Lead, now: datetime, why: str, base: str) -> str:
    """Nobody can answer: the team's greeting and a recording; the owner and the manager are
    alerted once the transaction commits."""
    call.state = PhoneCall.State.VOICEMAIL
    call.rep = None
    call.save(update_fields=["state", "rep"])
    _event(lead, now, f"Call from {lead.display_name}: {why}; sent to voicemail", call)
    notifications.missed_call_notify_on_commit(call)
    return str(
        Response()
        .greet(call.source.voicemail_greeting.strip() or DEFAULT_GREETING)
        .record(
            action=call_url(base, call, "voicemail"),
            status_callback=call_url(base, call, "recording"),
        )
        .say(THANKS)
    )


def _ring_next_or_voicemail(
    call: PhoneCall, lead: Lead, caller_id: str, base: str, now: datetime, why: str
) -> str:
    """Ring the owner if they can take it, else the next rep of the lead's rule, else the
    voicemail. Call with the lead locked."""
    owner = _owner(lead) if lead.is_open() else None
    if owner is None or owner.rep is None:
        if lead.is_open() and not why:
            why = "nobody owns the lead now (held for the next opening, or in a queue)"
        return _voicemail(call, lead, now, why or f"the lead is {lead.get_status_display()}", base)
    rep = owner.rep
    if rep.pk not in call.tried:
        unreachable = rep_unreachable(rep, now)
        if unreachable is None:
            return _ring(call, lead, rep, caller_id, base)
        why = f"{rep} is unavailable ({unreachable})"
    nxt = _next_rep(lead, call, owner, now, why)
    if nxt is None:
        return _voicemail(call, lead, now, f"{why}; nobody else can take it", base)
    return _ring(call, lead, nxt, caller_id, base)


def _locked(lead_id: int) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead_id)


def inbound_call_answer(
    *, lead: Lead, source: Source, call_sid: str, caller: str, base: str, now=None
) -> str:
    """TwiML for a call just taken in as `lead` (new, or the caller's open lead).

    1. Lock the lead; a call already known (Twilio asked twice) is answered as it stands.
    2. Ring the owner, the next rep, or send the caller to voicemail (`_ring_next_or_voicemail`).
    The caller's own number is the caller ID the rep sees: they can call them back from it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lead = _locked(lead.pk)
        known = PhoneCall.objects.select_related("source", "rep").filter(call_sid=call_sid).first()
        if known is not None:
            return _current(known, caller, base)
        call = PhoneCall(
            source=source,
            lead=lead,
            direction=PhoneCall.Direction.INBOUND,
            call_sid=call_sid,
            state=PhoneCall.State.RINGING,
            started_at=now,
        )
        try:
            with transaction.atomic():
                call.save()
        except IntegrityError:  # the same call's other request got there first
            return str(Response())
        return _ring_next_or_voicemail(call, lead, caller, base, now, "")


def _current(call: PhoneCall, caller: str, base: str) -> str:
    """A repeated request for a call already answered: the same rep rung again, or nothing."""
    if call.state == PhoneCall.State.RINGING and call.rep is not None:
        return _dial(call, call.rep, caller, base)
    return str(Response())


def call_whisper(*, call: PhoneCall, attempt: int, base: str) -> str:
    """What the rep hears on picking up: who calls and why, and a key to take the call (so a
    rep's own voicemail answering is not taken for the rep)."""
    prompt = f"LeadRouter: call from {_lead_label(call.lead)}. Press any key to accept."
    return str(
        Response()
        .gather(prompt, action=call_url(base, call, "accept", attempt), timeout=6)
        .hangup()
    )


def call_accept(*, call: PhoneCall, attempt: int) -> str:
    """The rep pressed a key: they take the call (the empty answer connects them)."""
    if call.rep_id is None:
        return str(Response())
    PhoneCall.objects.filter(
        pk=call.pk, attempt=attempt, state=PhoneCall.State.RINGING, rep_id=call.rep_id
    ).update(answered_by_id=call.rep_id)
    return str(Response())


def call_dial_result(
    *,
    call: PhoneCall,
    attempt: int,
    status: str,
    talk_seconds: int | None,
    caller: str,
    base: str,
    now=None,
) -> str:
    """The `<Dial>` of `attempt` ended with DialCallStatus `status`.

    1. Lock the lead, then claim this attempt (a conditional update): a second delivery of
       the same callback, or a late one, answers an empty document and changes nothing.
    2. Answered (the rep accepted in the whisper): the call is answered; hang up after.
    3. The caller hung up (canceled): a missed call.
    4. No answer, busy, failed, or picked up without accepting: the next rep takes the lead
       and is rung; nobody left: the voicemail and the missed-call alert.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lead = _locked(call.lead_id)
        claimed = PhoneCall.objects.filter(
            pk=call.pk, attempt=attempt, state=PhoneCall.State.RINGING
        ).update(attempt=attempt + 1)
        if not claimed:
            return str(Response())
        call = PhoneCall.objects.select_related("source", "rep__user").get(pk=call.pk)
        rep = call.rep
        if status == ANSWERED and rep is not None and call.answered_by_id == rep.pk:
            call.state = PhoneCall.State.ANSWERED
            call.talk_seconds = talk_seconds
            call.save(update_fields=["state", "talk_seconds"])
            return str(Response())
        if status == "canceled":
            call.state = PhoneCall.State.MISSED
            call.save(update_fields=["state"])
            _event(lead, now, f"Call from {lead.display_name}: the caller hung up", call)
            notifications.missed_call_notify_on_commit(call)
            return str(Response())
        # The claim moved `attempt` on; ringing again counts from there.
        call.attempt = attempt
        why = f"{rep} did not answer ({status})" if rep else f"no answer ({status})"
        return _ring_next_or_voicemail(call, lead, caller, base, now, why)


def apology(text: str) -> str:
    """A polite goodbye for a call nothing can be done with."""
    return str(Response().say(text).hangup())


def call_voicemail_done() -> str:
    """After the recording (the `<Record>` action): thanks, and hang up."""
    return str(Response().say(THANKS).hangup())


def call_recording_store(*, call: PhoneCall, url: str, seconds: int | None, now=None) -> bool:
    """Keep the voicemail's recording on the call and the lead's timeline, once."""
    now = now or timezone.now()
    if not url.startswith("https://"):
        raise ValidationError({"RecordingUrl": "is not an https:// address"})
    with transaction.atomic():
        lead = _locked(call.lead_id)
        if not PhoneCall.objects.filter(pk=call.pk, recording_url="").update(recording_url=url):
            return False
        length = f" ({seconds} s)" if seconds is not None else ""
        _event(lead, now, f"Voicemail left{length}: {url}", call, recording_url=url)
    return True


def _talk(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(seconds, 60)
    return f", {minutes} min {rest} s" if minutes else f", {rest} s"


def call_finish(*, call_sid: str, status: str, seconds: int | None, now=None) -> str:
    """The call ended (its status callback): log it on the lead, once.

    Answered → a call activity by the rep who took it ("reached"), through `activity_log`,
    which meets or stops the SLA clock as any logged contact does. Not answered (missed, a
    voicemail, an instant call-back declined or not picked up) → a timeline entry only: the
    clock keeps running.
    """
    now = now or timezone.now()
    call = (
        PhoneCall.objects.select_related("lead", "answered_by__user", "rep")
        .filter(call_sid=call_sid)
        .first()
    )
    if call is None:
        raise Http404("No call with this CallSid.")
    if not PhoneCall.objects.filter(pk=call.pk, ended_at__isnull=True).update(ended_at=now):
        return "logged before"
    lead = call.lead
    callback = call.direction == PhoneCall.Direction.CALLBACK
    what = "Instant call-back" if callback else f"Inbound call from {lead.display_name}"
    if call.state == PhoneCall.State.ANSWERED and call.answered_by is not None:
        note = f"{what}: answered by {call.answered_by}{_talk(call.talk_seconds or seconds)}"
        try:
            activity_log(
                lead=lead,
                user=call.answered_by.user,
                kind=Activity.Kind.CALL,
                outcome=Activity.Outcome.REACHED,
                note=note,
                now=now,
            )
            return "answered: activity logged"
        except (ValidationError, Http404):
            # The lead closed or moved on during the call: the call stays on its timeline.
            with transaction.atomic():
                _event(_locked(lead.pk), now, note, call, answered_by=call.answered_by_id)
            return "answered: the lead moved on, noted on its timeline"
    outcome = _missed_outcome(call, status)
    with transaction.atomic():
        lead = _locked(lead.pk)
        if call.state == PhoneCall.State.RINGING:
            # The caller hung up while a rep's phone rang (no <Dial> action came).
            PhoneCall.objects.filter(pk=call.pk).update(state=PhoneCall.State.MISSED)
            notifications.missed_call_notify_on_commit(call)
        _event(lead, now, f"{what}: {outcome}", call, outcome=status, missed=True)
    return f"missed: {outcome}"


def _missed_outcome(call: PhoneCall, status: str) -> str:
    state = call.state
    if call.direction == PhoneCall.Direction.CALLBACK:
        outcomes: dict[str, str] = {
            PhoneCall.State.DECLINED: f"{call.rep} did not press 1",
            PhoneCall.State.NOT_REACHED: "the lead did not answer",
            PhoneCall.State.BRIDGING: "the lead did not answer",
        }
        return outcomes.get(state, f"{call.rep} did not answer ({status})")
    if state == PhoneCall.State.VOICEMAIL:
        return "missed; the caller reached the voicemail"
    return "missed; the caller hung up before anyone answered"


# --- instant call-back ----------------------------------------------------------------------


def instant_callback_offer(*, lead: Lead, now=None) -> PhoneCall | None:
    """Ring the new owner of an urgent lead at once, when its source asks for it: the call is
    queued here, placed after commit by `routing.tasks.place_instant_callback`. None when it
    does not apply: no call-back source, not urgent, a phone lead (the caller is on the line
    already), no phone on either side, or the owner out of working hours or away."""
    now = now or timezone.now()
    # The lead's source is in memory on the intake path: most leads cost no query here.
    via_id = lead.source.instant_callback_via_id
    if via_id is None or lead.is_test or not lead.phone_e164:
        return None
    via = Source.objects.filter(pk=via_id, is_active=True).first()
    if via is None:
        return None
    if lead.channel == Channel.PHONE:  # the caller is on the line already
        return None
    if not Qualification.objects.filter(lead_id=lead.pk, urgency=Urgency.URGENT).exists():
        return None
    owner = _owner(lead)
    if owner is None or owner.rep is None or rep_unreachable(owner.rep, now):
        return None
    call = PhoneCall.objects.create(
        source=via,
        lead=lead,
        direction=PhoneCall.Direction.CALLBACK,
        state=PhoneCall.State.QUEUED,
        rep=owner.rep,
        tried=[owner.rep_id],
        started_at=now,
    )
    notifications.enqueue_on_commit(PLACE_CALLBACK_TASK, call.pk, f"instant-callback-{call.pk}")
    return call


def instant_callback_place(*, call_id: int, now=None) -> str:
    """Ask Twilio to call the rep (POST …/Accounts/{sid}/Calls.json), once.

    1. Claim the queued call (conditional update): a task run twice places one call.
    2. Not placed when the lead moved on meanwhile (closed, or another owner).
    3. The call rings the rep with the source's number as caller ID; Twilio then fetches the
       prompt (`instant_callback_prompt`) and reports the end to the status callback. A
       failure is on the lead's timeline; the SLA clock runs on as if nothing was tried.
    """
    now = now or timezone.now()
    if not PhoneCall.objects.filter(pk=call_id, state=PhoneCall.State.QUEUED).update(
        state=PhoneCall.State.PLACED
    ):
        return "placed before"
    call = PhoneCall.objects.select_related("source", "lead", "rep").get(pk=call_id)
    lead, rep, source = call.lead, call.rep, call.source
    owner = _owner(lead)
    if rep is None or not lead.is_open() or owner is None or owner.rep_id != rep.pk:
        PhoneCall.objects.filter(pk=call_id).update(state=PhoneCall.State.FAILED, ended_at=now)
        return "the lead moved on before the call-back"
    base = settings.SITE_URL
    credentials = base64.b64encode(f"{source.twilio_account_sid}:{source.secret}".encode())
    try:
        answer = http_client.request_json(
            "POST",
            f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/"
            f"{source.twilio_account_sid}/Calls.json",
            form={
                "To": rep.phone,
                "From": source.twilio_number,
                "Url": call_url(base, call, "callback"),
                "Method": "POST",
                "StatusCallback": base.rstrip("/")
                + reverse("calls:status", args=[source.public_id]),
                "StatusCallbackMethod": "POST",
                "Timeout": str(source.ring_timeout),
            },
            headers={"Authorization": f"Basic {credentials.decode()}"},
        )
        sid = str(answer.get("sid") or "") if isinstance(answer, dict) else ""
        if not sid:
            raise http_client.HttpError("Twilio's answer names no call (no sid)")
    except http_client.HttpError as exc:
        PhoneCall.objects.filter(pk=call_id).update(state=PhoneCall.State.FAILED, ended_at=now)
        with transaction.atomic():
            _event(_locked(lead.pk), now, f"Instant call-back could not be placed: {exc}", call)
        return f"failed: {exc}"
    PhoneCall.objects.filter(pk=call_id).update(call_sid=sid)
    call.call_sid = sid
    with transaction.atomic():
        _event(_locked(lead.pk), now, f"Instant call-back: calling {rep}", call, rep=rep.pk)
    return f"placed {sid}"


def instant_callback_prompt(*, call: PhoneCall, base: str) -> str:
    """What the rep hears when they pick up the call-back: the lead, and 1 to connect."""
    prompt = f"New urgent lead {_lead_label(call.lead)}. Press 1 to be connected."
    return str(
        Response()
        .gather(prompt, action=call_url(base, call, "pressed"), timeout=8)
        .say("No key pressed. Goodbye.")
    )


def instant_callback_pressed(*, call: PhoneCall, digits: str, base: str) -> str:
    """The rep pressed `digits`: 1 dials the lead with the business number as caller ID
    (once: a conditional update), anything else declines."""
    if digits != "1":
        PhoneCall.objects.filter(pk=call.pk, state=PhoneCall.State.PLACED).update(
            state=PhoneCall.State.DECLINED
        )
        return str(Response().say("Not connected. Goodbye.").hangup())
    if not PhoneCall.objects.filter(pk=call.pk, state=PhoneCall.State.PLACED).update(
        state=PhoneCall.State.BRIDGING
    ):
        return str(Response())
    return str(
        Response().dial(
            call.lead.phone_e164,
            caller_id=call.source.twilio_number,
            timeout=BRIDGE_RING_SECONDS,
            action=call_url(base, call, "bridged"),
        )
    )


def instant_callback_bridged(*, call: PhoneCall, status: str, talk_seconds: int | None) -> str:
    """The bridge to the lead ended: answered (the rep talked with the lead), or not."""
    bridging = PhoneCall.objects.filter(pk=call.pk, state=PhoneCall.State.BRIDGING)
    if status == ANSWERED:
        bridging.update(
            state=PhoneCall.State.ANSWERED, answered_by_id=call.rep_id, talk_seconds=talk_seconds
        )
        return str(Response())
    bridging.update(state=PhoneCall.State.NOT_REACHED)
    return str(
        Response().say("The lead did not answer. Call them back from the lead page. Goodbye.")
    )


def call_for_source(*, source: Source, call_id: int) -> PhoneCall:
    """A call of this source, or 404 (a callback URL names both)."""
    call = (
        PhoneCall.objects.select_related("source", "lead", "rep")
        .filter(Q(pk=call_id) & Q(source=source))
        .first()
    )
    if call is None:
        raise Http404("No such call.")
    return call
