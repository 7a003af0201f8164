"""Twilio's requests during a call (after the inbound-call door): the `<Dial>` action, the
whisper, the voicemail, the call's status callback and the instant call-back's prompts.

Each request is verified exactly as the door verifies Twilio (`intake.hooks.twilio_voice`,
X-Twilio-Signature under the source's auth token: 403 otherwise), its parameters read, and
the service in `routing.services.calls` answers the TwiML. A missing parameter answers 400
naming it (in the X-LeadRouter-Errors header; the body stays TwiML, which Twilio reads).
"""

import json
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from intake.fields import storable_text
from intake.hooks import HookRejected
from intake.hooks.twilio_voice import ADAPTER as TWILIO_VOICE
from intake.models import Adapter, Source
from routing.services import calls

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# CallStatus values of a call that is over; the others (ringing, in-progress) change nothing.
FINAL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}


class MissingParameter(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.errors = {name: [reason]}


def _twiml(text: str, status: int = 200, errors: dict | None = None) -> HttpResponse:
    response = HttpResponse(text, content_type="text/xml", status=status)
    if errors:
        response["X-LeadRouter-Errors"] = json.dumps(errors)
    return response


def _required(params, name: str, what: str) -> str:
    # Cleaned as every stored text is: a NUL (which PostgreSQL refuses) never reaches a query.
    value = storable_text(params.get(name) or "", multiline=False).strip()
    if not value:
        raise MissingParameter(name, f"is required: {what}")
    return value


def _seconds(params, name: str) -> int | None:
    value = (params.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def twilio_request(view):
    """Find the Twilio Voice source (404), verify Twilio's signature (403), and answer a
    missing parameter with 400 naming it."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapped(request, public_id, *args, **kwargs):
        source = Source.objects.filter(
            public_id=public_id, adapter=Adapter.TWILIO_VOICE, is_active=True
        ).first()
        if source is None:
            raise Http404("No active Twilio Voice source at this URL.")
        try:
            TWILIO_VOICE.verify(request, request.body, source)
        except HookRejected as exc:
            return _twiml(EMPTY, status=403, errors={exc.field: [exc.reason]})
        try:
            return view(request, source, *args, **kwargs)
        except MissingParameter as exc:
            return _twiml(EMPTY, status=400, errors=exc.errors)

    return wrapped


def _base(request) -> str:
    return request.build_absolute_uri("/")


@twilio_request
def call_dialed(request, source, call_id: int, attempt: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    twiml = calls.call_dial_result(
        call=call,
        attempt=attempt,
        status=_required(request.POST, "DialCallStatus", "how the rep's phone answered"),
        talk_seconds=_seconds(request.POST, "DialCallDuration"),
        caller=request.POST.get("From") or call.lead.phone_e164,
        base=_base(request),
    )
    return _twiml(twiml)


@twilio_request
def call_whisper(request, source, call_id: int, attempt: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    return _twiml(calls.call_whisper(call=call, attempt=attempt, base=_base(request)))


@twilio_request
def call_accept(request, source, call_id: int, attempt: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    return _twiml(calls.call_accept(call=call, attempt=attempt))


@twilio_request
def call_voicemail(request, source, call_id: int):
    calls.call_for_source(source=source, call_id=call_id)
    return _twiml(calls.call_voicemail_done())


@twilio_request
def call_recording(request, source, call_id: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    url = _required(request.POST, "RecordingUrl", "the voicemail recording's address")
    try:
        calls.call_recording_store(
            call=call, url=url, seconds=_seconds(request.POST, "RecordingDuration")
        )
    except ValidationError as exc:
        return _twiml(EMPTY, status=400, errors=exc.message_dict)
    return _twiml(EMPTY)


@twilio_request
def call_status(request, source):
    call_sid = _required(request.POST, "CallSid", "Twilio's id of the call")
    status = _required(request.POST, "CallStatus", "the call's status")
    if status in FINAL_STATUSES:
        calls.call_finish(
            call_sid=call_sid, status=status, seconds=_seconds(request.POST, "CallDuration")
        )
    return _twiml(EMPTY)


@twilio_request
def callback_prompt(request, source, call_id: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    return _twiml(calls.instant_callback_prompt(call=call, base=_base(request)))


@twilio_request
def callback_pressed(request, source, call_id: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    digits = (request.POST.get("Digits") or "").strip()
    return _twiml(calls.instant_callback_pressed(call=call, digits=digits, base=_base(request)))


@twilio_request
def callback_bridged(request, source, call_id: int):
    call = calls.call_for_source(source=source, call_id=call_id)
    twiml = calls.instant_callback_bridged(
        call=call,
        status=_required(request.POST, "DialCallStatus", "how the lead's phone answered"),
        talk_seconds=_seconds(request.POST, "DialCallDuration"),
    )
    return _twiml(twiml)
