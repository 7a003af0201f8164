"""Twilio Voice (inbound calls): a call to a tracking number is the most urgent lead of all.

Twilio posts application/x-www-form-urlencoded parameters when the call comes in: CallSid,
AccountSid, From, To, CallStatus ("ringing"), Direction ("inbound"), ApiVersion, and when
Twilio knows them CallerName (caller ID name lookup) and FromCity/FromState/FromZip/FromCountry.
https://www.twilio.com/docs/voice/twiml#request-parameters

The lead is the caller's number, their caller ID name, and the place their number is from: a
caller gives nothing else, and for routing (a licence state, a territory) the number's state
is a better guess than none; the rep corrects it on the call. CallSid names the call: a
repeated request for it is answered without a new touch.

Signature: exactly the SMS door's (`intake.hooks.twilio_sms`): X-Twilio-Signature over the URL
and the sorted parameters, under the account's auth token (the source's secret).

This module only reads the call; who is rung is routing's decision, answered as TwiML by
`leadrouter.pipeline.process_call`. Errors are answered as TwiML too (a polite `<Say>`) with
the status saying what went wrong (403 not Twilio's, 400 a parameter missing, named in the
X-LeadRouter-Errors header).
"""

import json
from typing import Any

from django.http import HttpResponse

from intake.adapters import Parsed
from intake.hooks.base import HookRejected, first_text, parse_errors, stored_form
from intake.hooks.twilio_sms import TwilioSmsHook
from intake.models import Channel

SORRY = "Sorry, we cannot take your call right now. Please try again later."
# Caller ID names that name no one: Twilio's and the carriers' placeholders.
NO_NAMES = {"anonymous", "unknown", "unavailable", "private", "restricted", "wireless caller"}
# Twilio's parameter -> attribute: the call and where the caller's number is registered.
ATTRIBUTE_PARAMS = {
    "CallSid": "call_sid",
    "To": "tracking_number",
    "FromZip": "from_zip",
    "FromCountry": "from_country",
    "AccountSid": "account_sid",
}


def twiml_say(text: str, *, status: int = 200, errors: dict | None = None) -> HttpResponse:
    """A TwiML answer that reads `text` to the caller and hangs up."""
    from xml.sax.saxutils import escape

    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Say>{escape(text)}</Say><Hangup/></Response>",
        content_type="text/xml",
        status=status,
    )
    if errors:
        response["X-LeadRouter-Errors"] = json.dumps(errors)
    return response


def caller_name(value: str) -> str:
    """The caller ID name, unless it is a placeholder or only the number again."""
    name = " ".join(value.split())
    if not name or name.lower() in NO_NAMES or not any(c.isalpha() for c in name):
        return ""
    return name


class TwilioVoiceHook(TwilioSmsHook):
    """Inbound calls; verified by the SMS door's `verify` (one signature rule for Twilio)."""

    name = "twilio_voice"
    label = "Twilio Voice (inbound calls)"
    channel = Channel.PHONE
    signing_help = "the Twilio account's auth token (signs X-Twilio-Signature)"

    def delivery_id(self, submission) -> str:
        return first_text(stored_form(submission).get("CallSid"))

    def parse(self, submission) -> Parsed:
        params = stored_form(submission)
        caller = first_text(params.get("From")).strip()
        if not caller:
            raise parse_errors(From="is required: the caller's phone number")
        if not first_text(params.get("CallSid")).strip():
            raise parse_errors(CallSid="is required: Twilio's id of the call")
        attributes: dict[str, Any] = {}
        for param, label in ATTRIBUTE_PARAMS.items():
            value = first_text(params.get(param)).strip()
            if value:
                attributes[label] = value
        parsed: Parsed = {
            "phone": caller,
            "full_name": caller_name(first_text(params.get("CallerName"))),
            "city": first_text(params.get("FromCity")).strip().title(),
            "state": first_text(params.get("FromState")).strip(),
            "message": "Phone call",
            "attributes": attributes,
        }
        return parsed

    # --- answers: TwiML, as Twilio reads every answer ------------------------------------
    def rejected(self, exc: HookRejected) -> HttpResponse:
        # 403, not the vendors' 401: Twilio sends no credentials to challenge.
        return twiml_say(SORRY, status=403, errors={exc.field: [exc.reason]})

    def invalid(self, submission, errors: dict[str, list[str]]) -> HttpResponse:
        return twiml_say(SORRY, status=400, errors=errors)


ADAPTER = TwilioVoiceHook()
