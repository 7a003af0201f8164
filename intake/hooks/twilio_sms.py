"""Twilio inbound SMS (Messaging webhook): a text to a tracking number is a lead's touch.

Twilio posts application/x-www-form-urlencoded parameters: From, To, Body, MessageSid,
NumMedia, MediaUrl{N}/MediaContentType{N}, FromCity/FromState/FromZip/FromCountry …
https://www.twilio.com/docs/messaging/guides/webhook-request

The lead is the sender's phone and the text. Twilio's From* geo describes where the number was
registered, not where the person lives, so it is kept in attributes and never fills the
lead's address. MessageSid names the delivery (a retry is answered without a new touch) but
is not the lead's external id: each text from the same person is a new touch on their open
lead, found by intake through the phone number.

Signature: `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, URL + every POST parameter
sorted by name, as name + value)), with the account's auth token as the source's secret. The
URL is the one Twilio called; like Twilio's own validators, it is also tried with and without
the default port. Behind a TLS proxy BEHIND_TLS_PROXY must be set for `https://` to be seen.
https://www.twilio.com/docs/usage/security#validating-requests
"""

import base64
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpResponse

from intake.adapters import Parsed
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    first_text,
    hmac_digest,
    parse_errors,
    request_form,
    require_secrets,
    signature_matches,
    stored_form,
)
from intake.models import Channel

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Twilio's parameter -> attribute: where the text went and where the sender's number is from.
ATTRIBUTE_PARAMS = {
    "To": "tracking_number",
    "FromCity": "from_city",
    "FromState": "from_state",
    "FromZip": "from_zip",
    "FromCountry": "from_country",
    "NumMedia": "num_media",
    "NumSegments": "num_segments",
    "AccountSid": "account_sid",
    "MessagingServiceSid": "messaging_service_sid",
}
DEFAULT_PORTS = {"https": 443, "http": 80}
MEDIA_PARAM = re.compile(r"^Media(Url|ContentType)\d+$")


def signature_message(url: str, params: Mapping[str, Any]) -> bytes:
    """What Twilio signs: the URL, then each parameter name + value, sorted by name (and a
    repeated name's values sorted too, as Twilio's validators do)."""
    parts = [url]
    for name in sorted(set(params)):
        values = params.getlist(name) if hasattr(params, "getlist") else params[name]
        if not isinstance(values, list):
            values = [values]
        parts.extend(name + str(value) for value in sorted({str(v) for v in values}))
    return "".join(parts).encode()


def compute_signature(token: str, url: str, params: Mapping[str, Any]) -> str:
    return base64.b64encode(hmac_digest(token, signature_message(url, params), "sha1")).decode()


def url_variants(url: str) -> list[str]:
    """The URL as received, and with the scheme's default port added or removed."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    variants = [url]
    if default is None or not parts.hostname:
        return variants
    try:
        port = parts.port
    except ValueError:
        return variants
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = parts.netloc[: len(parts.netloc) - len(host)]
    if port is None:
        variants.append(urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{default}")))
    elif port == default:
        bare = host.rsplit(":", 1)[0]
        variants.append(urlunsplit(parts._replace(netloc=f"{userinfo}{bare}")))
    return variants


class TwilioSmsHook(HookAdapter):
    name = "twilio_sms"
    label = "Twilio inbound SMS"
    channel = Channel.SMS
    signing_help = "the Twilio account's auth token (signs X-Twilio-Signature)"

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        given = request.headers.get("X-Twilio-Signature", "")
        if not given.strip():
            raise HookRejected("the X-Twilio-Signature header is missing")
        params = request_form(request, body)
        for url in url_variants(request.build_absolute_uri()):
            message = signature_message(url, params)
            if signature_matches(secrets, message, given, algorithm="sha1", encoding="base64"):
                return
        raise HookRejected(
            "X-Twilio-Signature does not match this URL and body under this source's auth token"
        )

    def delivery_id(self, submission) -> str:
        params = stored_form(submission)
        return first_text(params.get("MessageSid") or params.get("SmsSid"))

    def parse(self, submission) -> Parsed:
        params = stored_form(submission)
        sender = first_text(params.get("From")).strip()
        if not sender:
            raise parse_errors(From="is required: the sender's phone number")
        attributes: dict[str, Any] = {}
        # WhatsApp senders arrive as "whatsapp:+1…" on the same webhook.
        channel, _, number = sender.rpartition(":")
        if channel:
            attributes["twilio_channel"] = channel
        message_sid = first_text(params.get("MessageSid") or params.get("SmsSid"))
        if message_sid:
            attributes["message_sid"] = message_sid
        for param, label in ATTRIBUTE_PARAMS.items():
            value = first_text(params.get(param)).strip()
            if value:
                attributes[label] = value
        for name, value in params.items():
            if MEDIA_PARAM.match(name):
                attributes[name] = first_text(value)
        return {
            "phone": number,
            "message": first_text(params.get("Body")),
            "attributes": attributes,
        }

    def accepted(self, submission, lead_id, *, created):
        # Twilio reads the answer as TwiML: an empty Response sends no reply text.
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")


ADAPTER = TwilioSmsHook()
