"""Inbound calls through Twilio Voice: Twilio's documented request parameters, signed as Twilio
signs them, posted to the door and to each callback the TwiML names; every TwiML answer is
parsed as XML and checked."""

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from intake.hooks.twilio_sms import compute_signature
from intake.models import Adapter, Channel, Lead, LeadEvent, LeadStatus, Submission
from qualification.models import Urgency
from routing.models import Activity, Assignment, HeldLead, PhoneCall, RoutingRule, SlaState, TimeOff
from routing.services import calls
from routing.tasks import notify_missed_call, place_instant_callback
from tests.fake_http import FakeServer
from tests.intake.hooks.drivers import twilio_signature

pytestmark = pytest.mark.django_db

TOKEN = "12345"
FORM = "application/x-www-form-urlencoded"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TRACKING = "+15125550100"
CALLER = "+15125550199"
ANN_PHONE = "+15125550111"
BOB_PHONE = "+15125550122"
# Monday 30 Nov 2026, 10:00 in Austin (America/Chicago, UTC-6): inside 09:00-17:00.
OFFICE_HOURS = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
# The same Monday, 20:00 in Austin.
EVENING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


# --- requests as Twilio sends them ---------------------------------------------------------


def incoming_call(**changes) -> dict[str, str]:
    """The parameters Twilio posts when a call comes in (twilio.com/docs/voice/twiml)."""
    params = {
        "CallSid": "CA5d1c9e5a0f7e4b7a9b1d2c3e4f5a6b7c",
        "AccountSid": ACCOUNT,
        "From": CALLER,
        "To": TRACKING,
        "Caller": CALLER,
        "Called": TRACKING,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "CallerName": "Jane Doe",
        "FromCity": "AUSTIN",
        "FromState": "TX",
        "FromZip": "78701",
        "FromCountry": "US",
    }
    params.update(changes)
    return {name: value for name, value in params.items() if value is not None}


def post_twilio(client, url: str, params: dict, *, token: str = TOKEN, signature: str = ""):
    """POST form parameters to an absolute URL Twilio would call, signed with `token`."""
    parts = urlsplit(url)
    absolute = url if parts.scheme else "http://testserver" + url
    body = urlencode(params).encode()
    signature = signature or twilio_signature(absolute, body, token)
    return client.generic(
        "POST",
        urlsplit(absolute).path,
        body,
        content_type=FORM,
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def twiml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response.content
    root = ET.fromstring(response.content)  # noqa: S314 - LeadRouter's own answer
    assert root.tag == "Response"
    return root


def dial_of(response) -> tuple[ET.Element, ET.Element]:
    root = twiml(response)
    dial = root.find("Dial")
    assert dial is not None, response.content
    return dial, dial.find("Number")


# --- the organisation ----------------------------------------------------------------------


@pytest.fixture
def phones(make_source):
    return make_source(
        name="Phones",
        channel=Channel.PHONE,
        adapter=Adapter.TWILIO_VOICE,
        secret=TOKEN,
        twilio_account_sid=ACCOUNT,
        twilio_number=TRACKING,
        default_request_type="quote",
    )


@pytest.fixture
def ann(make_rep):
    return make_rep("ann", phone=ANN_PHONE, working_hours=WEEKDAYS_9_TO_5)


@pytest.fixture
def bob(make_rep):
    return make_rep("bob", phone=BOB_PHONE, working_hours=WEEKDAYS_9_TO_5)


@pytest.fixture
def rule(make_rule, ann, bob):
    return make_rule("Round robin", pool_reps=[ann, bob], method=RoutingRule.Method.ROUND_ROBIN)


@pytest.fixture
def office_hours():
    with time_machine.travel(OFFICE_HOURS, tick=False):
        yield


def door(phones) -> str:
    return f"/hooks/twilio_voice/{phones.public_id}/"


def call_in(client, phones, **changes):
    return post_twilio(client, door(phones), incoming_call(**changes))


def dialed(client, number: ET.Element, dial: ET.Element, status: str, **extra):
    """Twilio's <Dial> action request after the rep's phone rang."""
    params = incoming_call(CallStatus="in-progress", DialCallStatus=status, **extra)
    params["DialCallSid"] = "CAchild0000000000000000000000000001"
    return post_twilio(client, dial.get("action"), params)


def accept(client, number: ET.Element):
    """The rep picks up: Twilio fetches the whisper, the rep presses a key."""
    whisper = post_twilio(client, number.get("url"), incoming_call(CallStatus="in-progress"))
    gather = twiml(whisper).find("Gather")
    return post_twilio(client, gather.get("action"), incoming_call(Digits="5"))


def status_callback(client, phones, status: str, duration: int | None = None, **changes):
    params = incoming_call(CallStatus=status, **changes)
    if duration is not None:
        params["CallDuration"] = str(duration)
    return post_twilio(client, f"/hooks/twilio_voice/{phones.public_id}/status/", params)


# --- signatures ----------------------------------------------------------------------------


def test_the_signature_matches_twilios_documented_test_vectors():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    current = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    older = {**current, "Caller": "+14158675309", "From": "+14158675309"}

    assert compute_signature("12345", url, current) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", (
        "twilio.com/docs/usage/security"
    )
    assert compute_signature("12345", url, older) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_bad_signature_is_refused_with_403_and_the_call_is_kept(client, phones, rule):
    response = post_twilio(client, door(phones), incoming_call(), signature="bm9wZQ==")

    assert response.status_code == 403
    assert twiml(response).find("Say").text.startswith("Sorry")
    assert "signature" in response["X-LeadRouter-Errors"]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.REJECTED
    assert b"CallSid=CA5d1c" in bytes(submission.body)
    assert not Lead.objects.exists()


def test_a_call_signed_with_another_token_is_refused(client, phones, rule):
    response = post_twilio(client, door(phones), incoming_call(), token="another-token")

    assert response.status_code == 403


@pytest.mark.parametrize("missing", ["From", "CallSid"])
def test_a_missing_parameter_answers_400_naming_it_in_polite_twiml(client, phones, rule, missing):
    response = post_twilio(client, door(phones), incoming_call(**{missing: None}))

    assert response.status_code == 400
    assert twiml(response).find("Say").text.startswith("Sorry")
    assert missing in response["X-LeadRouter-Errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


# --- an unknown caller ---------------------------------------------------------------------


def test_an_unknown_caller_becomes_a_phone_lead_routed_at_once_and_its_rep_is_rung(
    client, phones, rule, ann, bob, office_hours
):
    response = call_in(client, phones)

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.channel == Channel.PHONE
    assert lead.phone_e164 == CALLER
    assert lead.full_name == "Jane Doe"
    assert (lead.city, lead.state) == ("Austin", "TX")
    assert lead.attributes["call_sid"] == "CA5d1c9e5a0f7e4b7a9b1d2c3e4f5a6b7c"
    assert lead.qualification.urgency == Urgency.URGENT
    owner = Assignment.objects.get(lead=lead, ended_at__isnull=True).rep
    dial, number = dial_of(response)
    assert number.text == owner.phone
    assert dial.get("callerId") == CALLER
    assert dial.get("timeout") == "20"
    call = PhoneCall.objects.get()
    assert dial.get("action").endswith(
        f"/hooks/twilio_voice/{phones.public_id}/calls/{call.pk}/dialed/1/"
    )
    assert number.get("url").endswith(f"/calls/{call.pk}/whisper/1/")


def test_the_whisper_names_the_lead_and_a_key_accepts(client, phones, rule, office_hours):
    _, number = dial_of(call_in(client, phones))

    whisper = twiml(post_twilio(client, number.get("url"), incoming_call()))

    gather = whisper.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.find("Say").text == (
        "LeadRouter: call from Jane Doe, quote in Texas. Press any key to accept."
    )
    assert whisper.find("Hangup") is not None  # no key (a voicemail picked up): not connected
    accepted = post_twilio(client, gather.get("action"), incoming_call(Digits="1"))
    assert accepted.status_code == 200
    assert list(twiml(accepted)) == []  # the empty answer connects the rep
    assert PhoneCall.objects.get().answered_by is not None


def test_answered_then_ended_logs_the_rep_s_call_and_meets_the_sla(
    client, phones, rule, office_hours, make_policy
):
    make_policy()
    dial, number = dial_of(call_in(client, phones))
    lead = Lead.objects.get()
    owner = Assignment.objects.get(lead=lead, ended_at__isnull=True)
    assert owner.sla_state == SlaState.RUNNING
    accept(client, number)

    done = dialed(client, number, dial, "completed", DialCallDuration="192")
    ended = status_callback(client, phones, "completed", duration=200)

    assert list(twiml(done)) == []
    assert ended.status_code == 200
    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.outcome) == (Activity.Kind.CALL, Activity.Outcome.REACHED)
    assert activity.rep == owner.rep
    assert activity.note == f"Inbound call from Jane Doe: answered by {owner.rep}, 3 min 12 s"
    owner.refresh_from_db()
    assert owner.sla_state == SlaState.MET
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    # Twilio repeating the status callback logs nothing more.
    status_callback(client, phones, "completed", duration=200)
    assert Activity.objects.count() == 1


# --- a known caller ------------------------------------------------------------------------


def test_a_known_caller_rings_their_lead_s_owner(client, phones, rule, ann, bob, office_hours):
    call_in(client, phones, CallSid="CAfirst00000000000000000000000001")
    lead = Lead.objects.get()
    owner = Assignment.objects.get(lead=lead, ended_at__isnull=True).rep
    for _ in range(3):  # other calls in between move the rotation on
        call_in(client, phones, CallSid=f"CAother{_}", From=f"+1512555020{_}")

    response = call_in(client, phones, CallSid="CAagain00000000000000000000000002")

    assert Lead.objects.filter(phone_e164=CALLER).count() == 1
    _, number = dial_of(response)
    assert number.text == owner.phone
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == owner


def test_an_owner_off_hours_passes_the_call_to_the_next_rep_who_takes_the_lead(
    client, phones, rule, ann, bob
):
    with time_machine.travel(OFFICE_HOURS, tick=False):
        call_in(client, phones, CallSid="CAfirst")
    lead = Lead.objects.get()
    owner = Assignment.objects.get(lead=lead, ended_at__isnull=True).rep
    other = bob if owner == ann else ann
    owner.working_hours = {"mon": [["09:00", "09:30"]]}
    owner.save(update_fields=["working_hours"])

    with time_machine.travel(OFFICE_HOURS, tick=False):
        response = call_in(client, phones, CallSid="CAsecond")

    _, number = dial_of(response)
    assert number.text == other.phone
    active = Assignment.objects.get(lead=lead, ended_at__isnull=True)
    assert (active.rep, active.reason) == (other, Assignment.Reason.CALL)
    assert "is unavailable (off until" in active.note


def test_an_owner_on_time_off_or_paused_is_passed_by(client, phones, rule, ann, bob):
    with time_machine.travel(OFFICE_HOURS, tick=False):
        call_in(client, phones, CallSid="CAfirst")
        lead = Lead.objects.get()
        owner = Assignment.objects.get(lead=lead, ended_at__isnull=True).rep
        TimeOff.objects.create(
            rep=owner,
            starts_at=OFFICE_HOURS - timedelta(hours=1),
            ends_at=OFFICE_HOURS + timedelta(days=1),
        )
        _, number = dial_of(call_in(client, phones, CallSid="CAsecond"))
    assert number.text == (bob if owner == ann else ann).phone


def test_no_answer_rings_the_next_rep_then_the_voicemail_and_alerts(
    client,
    phones,
    rule,
    ann,
    bob,
    team,
    django_user_model,
    office_hours,
    django_capture_on_commit_callbacks,
):
    team.manager = django_user_model.objects.create_user("mia", "mia@example.com")
    team.save(update_fields=["manager"])
    ann.user.email, bob.user.email = "ann@example.com", "bob@example.com"
    ann.user.save(), bob.user.save()
    dial, number = dial_of(call_in(client, phones))
    lead = Lead.objects.get()
    first = Assignment.objects.get(lead=lead, ended_at__isnull=True).rep
    second = bob if first == ann else ann

    next_dial, next_number = dial_of(dialed(client, number, dial, "no-answer"))

    assert next_number.text == second.phone
    assert next_dial.get("action").endswith("/dialed/2/")
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == second
    assert Assignment.objects.filter(lead=lead).count() == 2

    with django_capture_on_commit_callbacks() as callbacks:
        voicemail = twiml(dialed(client, next_number, next_dial, "busy"))

    say, record = voicemail.find("Say"), voicemail.find("Record")
    assert say.text.startswith("Sorry, nobody can take your call right now")
    call = PhoneCall.objects.get()
    assert record.get("action").endswith(f"/calls/{call.pk}/voicemail/")
    assert record.get("recordingStatusCallback").endswith(f"/calls/{call.pk}/recording/")
    assert record.get("maxLength") == "120"
    assert call.state == PhoneCall.State.VOICEMAIL
    assert len(callbacks) == 1
    # The lead stays with the last rep rung; the alert goes to them and the manager.
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == second
    mail.outbox.clear()
    notify_missed_call(call.pk)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [second.user.email, "mia@example.com"]
    )
    assert mail.outbox[0].subject == "Missed call: Jane Doe"

    stored = post_twilio(
        client,
        record.get("recordingStatusCallback"),
        incoming_call(
            RecordingSid="RE0123",
            RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC01/Recordings/RE0123",
            RecordingDuration="42",
            RecordingStatus="completed",
        ),
    )
    assert stored.status_code == 200
    call.refresh_from_db()
    assert call.recording_url.endswith("/Recordings/RE0123")
    voicemail_event = LeadEvent.objects.get(lead=lead, data__recording_url=call.recording_url)
    assert voicemail_event.message.startswith("Voicemail left (42 s): https://")
    thanks = twiml(post_twilio(client, record.get("action"), incoming_call(RecordingUrl="x")))
    assert thanks.find("Hangup") is not None

    status_callback(client, phones, "completed", duration=75)
    missed = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CALL, data__missed=True)
    assert missed.get().message.endswith("missed; the caller reached the voicemail")
    assert not Activity.objects.exists()
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).sla_state != SlaState.MET


def test_twilio_asking_twice_about_one_call_rings_the_same_rep_once(
    client, phones, rule, office_hours
):
    _, number = dial_of(call_in(client, phones))

    _, again = dial_of(call_in(client, phones))

    assert again.text == number.text
    assert again.get("url") == number.get("url")
    assert (Lead.objects.get().touch_count, PhoneCall.objects.count()) == (1, 1)


def test_a_duplicate_no_answer_callback_changes_nothing(client, phones, rule, office_hours):
    dial, number = dial_of(call_in(client, phones))
    dialed(client, number, dial, "no-answer")

    again = dialed(client, number, dial, "no-answer")

    assert list(twiml(again)) == []
    assert Assignment.objects.count() == 2


def test_picked_up_without_accepting_counts_as_no_answer(
    client, phones, rule, ann, bob, office_hours
):
    dial, number = dial_of(call_in(client, phones))
    first = PhoneCall.objects.get().rep

    _, next_number = dial_of(dialed(client, number, dial, "completed", DialCallDuration="30"))

    assert next_number.text != first.phone


def test_a_caller_hanging_up_while_it_rings_is_a_missed_call(
    client, phones, rule, office_hours, django_capture_on_commit_callbacks
):
    call_in(client, phones)

    with django_capture_on_commit_callbacks() as callbacks:
        status_callback(client, phones, "canceled", duration=0)

    assert PhoneCall.objects.get().state == PhoneCall.State.MISSED
    assert len(callbacks) == 1
    assert LeadEvent.objects.get(kind=LeadEvent.Kind.CALL, data__missed=True).message.endswith(
        "the caller hung up before anyone answered"
    )


# --- after hours ---------------------------------------------------------------------------


def test_after_hours_the_caller_gets_the_voicemail_and_the_lead_waits_urgent(
    client, phones, rule, ann, bob, team, django_user_model
):
    team.manager = django_user_model.objects.create_user("mia", "mia@example.com")
    team.save(update_fields=["manager"])
    rule.after_hours = RoutingRule.AfterHours.HOLD
    rule.require_working_now = True
    rule.save(update_fields=["after_hours", "require_working_now"])
    phones.voicemail_greeting = "https://example.com/greeting.mp3"
    phones.save(update_fields=["voicemail_greeting"])

    with time_machine.travel(EVENING, tick=False):
        response = call_in(client, phones)

    root = twiml(response)
    assert root.find("Dial") is None
    assert root.find("Play").text == "https://example.com/greeting.mp3"
    assert root.find("Record") is not None
    lead = Lead.objects.get()
    assert lead.qualification.urgency == Urgency.URGENT
    assert HeldLead.objects.filter(lead=lead, released_at__isnull=True).exists()
    assert not Assignment.objects.filter(lead=lead).exists()
    # Nobody owns it until the morning: the team's manager hears of the missed call.
    notify_missed_call(PhoneCall.objects.get().pk)
    assert [message.to for message in mail.outbox] == [["mia@example.com"]]


# --- validation of settings ----------------------------------------------------------------


def test_a_rep_s_phone_is_kept_in_e164_and_a_bad_one_is_refused(ann):
    ann.phone = "(512) 555-0111"
    ann.full_clean()
    assert ann.phone == ANN_PHONE

    ann.phone = "555"
    with pytest.raises(ValidationError) as refused:
        ann.full_clean()
    assert "phone" in refused.value.message_dict


def test_an_instant_call_back_needs_a_voice_source_that_can_place_calls(make_source, phones):
    web = make_source(name="Web form", channel=Channel.WEB, adapter=Adapter.FORM)
    phones.twilio_account_sid = ""
    phones.save(update_fields=["twilio_account_sid"])
    web.instant_callback_via = phones

    with pytest.raises(ValidationError) as refused:
        web.full_clean()

    assert "Twilio account SID" in refused.value.message_dict["instant_callback_via"][0]


# --- instant call-back ---------------------------------------------------------------------


@pytest.fixture
def urgent_web(make_source, phones):
    from qualification.models import Signal

    Signal.objects.create(
        name="Urgent words",
        condition={"field": "message", "op": "contains_any", "value": ["today"]},
        set_urgency=Urgency.URGENT,
    )
    web = make_source(name="Web form", channel=Channel.WEB, adapter=Adapter.API)
    web.instant_callback_via = phones
    web.save(update_fields=["instant_callback_via"])
    return web


def submit(source, **fields):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")
    body = {
        "full_name": "Jane Doe",
        "phone": CALLER,
        "state": "TX",
        "request_type": "quote",
        "message": "Need a quote today",
        **fields,
    }
    response = api.post("/api/v1/leads/", body, format="json")
    assert response.status_code == 201, response.content
    return Lead.objects.get(pk=response.json()["id"])


@pytest.mark.usefixtures("outbound_to_fake_server")
def test_an_urgent_web_lead_rings_its_rep_through_twilio_and_bridges_on_1(
    client,
    phones,
    urgent_web,
    rule,
    office_hours,
    settings,
    django_capture_on_commit_callbacks,
    make_policy,
):
    make_policy()
    with django_capture_on_commit_callbacks() as callbacks:
        lead = submit(urgent_web)
    owner = Assignment.objects.get(lead=lead, ended_at__isnull=True)
    call = PhoneCall.objects.get(direction=PhoneCall.Direction.CALLBACK)
    assert call.state == PhoneCall.State.QUEUED
    assert callbacks  # the task is queued after commit

    with FakeServer() as twilio:
        twilio.reply(201, {"sid": "CAcallback000000000000000000000001", "status": "queued"})
        settings.TWILIO_API_BASE = twilio.url
        settings.SITE_URL = "http://testserver"  # where Twilio calls back (and signs for)
        assert place_instant_callback(call.pk) == "placed CAcallback000000000000000000000001"
        assert place_instant_callback(call.pk) == "placed before"  # a task run twice

    (sent,) = twilio.requests
    assert sent.method == "POST"
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert (
        sent.headers["authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    )
    form = dict(parse_qsl(sent.body.decode()))
    assert form["To"] == owner.rep.phone
    assert form["From"] == TRACKING
    assert form["Url"].endswith(f"/hooks/twilio_voice/{phones.public_id}/calls/{call.pk}/callback/")
    assert form["StatusCallback"].endswith(f"/hooks/twilio_voice/{phones.public_id}/status/")

    sid = "CAcallback000000000000000000000001"
    rep_leg = {
        "CallSid": sid,
        "AccountSid": ACCOUNT,
        "From": TRACKING,
        "To": owner.rep.phone,
        "Direction": "outbound-api",
        "CallStatus": "in-progress",
    }
    prompt = twiml(post_twilio(client, form["Url"], rep_leg))
    gather = prompt.find("Gather")
    assert (
        gather.find("Say").text
        == "New urgent lead Jane Doe, quote in Texas. Press 1 to be connected."
    )
    bridge = post_twilio(client, gather.get("action"), {**rep_leg, "Digits": "1"})
    dial, number = dial_of(bridge)
    assert number.text == CALLER
    assert dial.get("callerId") == TRACKING
    post_twilio(
        client,
        dial.get("action"),
        {**rep_leg, "DialCallStatus": "completed", "DialCallDuration": "95"},
    )
    post_twilio(
        client,
        form["StatusCallback"],
        {**rep_leg, "CallStatus": "completed", "CallDuration": "110"},
    )

    activity = Activity.objects.get(lead=lead)
    assert activity.outcome == Activity.Outcome.REACHED
    assert activity.note == f"Instant call-back: answered by {owner.rep}, 1 min 35 s"
    owner.refresh_from_db()
    assert owner.sla_state == SlaState.MET


@pytest.mark.usefixtures("outbound_to_fake_server")
def test_a_declined_instant_call_back_is_logged_and_the_sla_keeps_running(
    client,
    phones,
    urgent_web,
    rule,
    office_hours,
    settings,
    make_policy,
):
    make_policy()
    lead = submit(urgent_web)
    call = PhoneCall.objects.get()
    with FakeServer() as twilio:
        twilio.reply(201, {"sid": "CAdeclined"})
        settings.TWILIO_API_BASE = twilio.url
        place_instant_callback(call.pk)
    rep_leg = {"CallSid": "CAdeclined", "AccountSid": ACCOUNT, "CallStatus": "in-progress"}
    url = calls.call_url("http://testserver", call, "callback")
    gather = twiml(post_twilio(client, url, rep_leg)).find("Gather")

    declined = twiml(post_twilio(client, gather.get("action"), {**rep_leg, "Digits": "9"}))
    post_twilio(
        client,
        f"/hooks/twilio_voice/{phones.public_id}/status/",
        {**rep_leg, "CallStatus": "completed", "CallDuration": "12"},
    )

    assert declined.find("Dial") is None
    assert not Activity.objects.exists()
    event = LeadEvent.objects.get(lead=lead, data__missed=True)
    assert event.message.startswith("Instant call-back:") and "did not press 1" in event.message
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).sla_state == SlaState.RUNNING


def test_no_instant_call_back_out_of_hours_or_for_a_normal_lead(phones, urgent_web, rule):
    with time_machine.travel(EVENING, tick=False):
        submit(urgent_web)
    with time_machine.travel(OFFICE_HOURS, tick=False):
        submit(urgent_web, phone="+15125550177", message="Just looking")

    assert not PhoneCall.objects.exists()


@pytest.mark.usefixtures("outbound_to_fake_server")
def test_a_failed_instant_call_back_is_on_the_timeline(
    phones, urgent_web, rule, office_hours, settings
):
    lead = submit(urgent_web)
    call = PhoneCall.objects.get()
    with FakeServer() as twilio:
        twilio.reply(401, {"code": 20003, "message": "Authenticate"})
        settings.TWILIO_API_BASE = twilio.url
        outcome = place_instant_callback(call.pk)

    assert outcome.startswith("failed")
    call.refresh_from_db()
    assert call.state == PhoneCall.State.FAILED
    assert LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.CALL).message.startswith(
        "Instant call-back could not be placed"
    )


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_no_answer_callbacks_assign_the_lead_once(phones, rule, ann, bob):
    """Twilio delivering the same <Dial> action twice at once, each request on its own
    database connection (SQLite and PostgreSQL): the lead passes to the next rep once, and
    only one of the two answers rings anyone."""
    with time_machine.travel(OFFICE_HOURS, tick=False):
        dial, number = dial_of(call_in(Client(), phones))
        first = PhoneCall.objects.get().rep
        barrier = threading.Barrier(2)

        def deliver(_):
            try:
                barrier.wait(timeout=30)
                return dialed(Client(), number, dial, "no-answer")
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(deliver, range(2)))

    assert [a.status_code for a in answers] == [200, 200]
    rung = [twiml(a).find("Dial") for a in answers]
    assert sum(dial is not None for dial in rung) == 1  # the other answered <Response/>
    second = bob if first == ann else ann
    assert Assignment.objects.filter(ended_at__isnull=True).get().rep == second
    assert Assignment.objects.count() == 2
    call = PhoneCall.objects.get()
    assert (call.rep, call.attempt, call.tried) == (second, 2, [first.pk, second.pk])


# --- Twilio's callbacks: what they refuse -------------------------------------------------


def test_a_callback_without_its_status_answers_400_naming_it(client, phones, rule, office_hours):
    dial, _ = dial_of(call_in(client, phones))

    response = post_twilio(client, dial.get("action"), incoming_call())

    assert response.status_code == 400
    assert "DialCallStatus" in response["X-LeadRouter-Errors"]
    assert PhoneCall.objects.get().attempt == 1  # nothing moved


def test_a_callback_not_signed_by_twilio_is_403(client, phones, rule, office_hours):
    dial, _ = dial_of(call_in(client, phones))

    response = post_twilio(
        client, dial.get("action"), incoming_call(DialCallStatus="no-answer"), token="guess"
    )

    assert response.status_code == 403
    assert Assignment.objects.count() == 1


def test_status_callbacks_before_the_end_change_nothing_and_unknown_calls_are_404(
    client, phones, rule, office_hours
):
    call_in(client, phones)

    ringing = status_callback(client, phones, "in-progress")
    unknown = status_callback(client, phones, "completed", CallSid="CAnobody")

    assert ringing.status_code == 200
    assert PhoneCall.objects.get().ended_at is None
    assert unknown.status_code == 404


def test_a_recording_that_is_not_https_is_refused(client, phones, rule, office_hours):
    call_in(client, phones)
    call = PhoneCall.objects.get()

    response = post_twilio(
        client,
        calls.call_url("http://testserver", call, "recording"),
        incoming_call(RecordingUrl="http://example.com/r.mp3"),
    )

    assert response.status_code == 400
    assert "RecordingUrl" in response["X-LeadRouter-Errors"]


def test_create_source_makes_a_twilio_voice_source_for_the_phone_channel(db):
    from io import StringIO

    from django.core.management import call_command

    from intake.models import Source

    out = StringIO()
    call_command(
        "create_source",
        "Phones",
        channel="phone",
        secret=TOKEN,
        twilio_account_sid=ACCOUNT,
        twilio_number="(512) 555-0100",
        stdout=out,
    )

    source = Source.objects.get(name="Phones")
    assert (source.adapter, source.twilio_number) == (Adapter.TWILIO_VOICE, TRACKING)
    assert f"/hooks/twilio_voice/{source.public_id}/" in out.getvalue()


def test_a_failure_answering_a_call_apologises_and_keeps_the_lead(
    client, phones, rule, office_hours, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(calls, "inbound_call_answer", broken)

    response = call_in(client, phones)

    assert response.status_code == 200
    assert twiml(response).find("Say").text.startswith("Sorry, we cannot put your call through")
    lead = Lead.objects.get()
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.CALL)
    assert "RuntimeError" in event.data["error"]


def test_a_status_callback_whose_callsid_holds_a_nul_is_answered(client, phones, rule):
    response = status_callback(client, phones, "completed", CallSid="CA\x00nobody")

    assert response.status_code == 404  # cleaned, looked up, not found: never a 500


def test_the_admin_lists_calls_read_only(admin_client, client, phones, rule, office_hours):
    call_in(client, phones)
    call = PhoneCall.objects.get()

    listing = admin_client.get("/admin/routing/phonecall/")
    detail = admin_client.get(f"/admin/routing/phonecall/{call.pk}/change/")

    assert listing.status_code == 200 and call.call_sid.encode() in listing.content
    assert detail.status_code == 200
    assert b'type="submit"' not in detail.content.split(b'id="content-main"')[1]
