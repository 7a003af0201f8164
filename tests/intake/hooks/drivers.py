"""How each vendor calls its hook: one driver per hook (two for email, which takes Mailgun and
Postmark), built from the vendor's documented sample body.

A driver gives `body(delivery_id)`, the sample carrying that delivery id and no credential, and
`sign(source, body, secret)`, the request the vendor sends with it: the body (changed when the
credential travels inside it) and the headers, signed with the source's own credential unless
another secret is given. `test_hook_contract.py` runs the cases every hook shares against each
driver; the vendor files sign their own cases with the same functions.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from intake.hooks import get_hook
from tests.intake.hooks.conftest import hook_url, sample

FORM = "application/x-www-form-urlencoded"
Request = tuple[bytes, dict[str, str]]


def absolute_hook_url(source) -> str:
    """The URL the vendor called, which Twilio and HubSpot sign."""
    return "http://testserver" + hook_url(source)


# --- each vendor's signature ---------------------------------------------------------------


def meta_signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_HUB_SIGNATURE_256": f"sha256={digest}"}


def hubspot_v3_signed(url: str, body: bytes, secret: str, timestamp: str | None = None) -> dict:
    timestamp = timestamp or str(int(time.time() * 1000))
    message = b"POST" + url.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return {
        "HTTP_X_HUBSPOT_SIGNATURE_V3": base64.b64encode(digest).decode(),
        "HTTP_X_HUBSPOT_REQUEST_TIMESTAMP": timestamp,
    }


def typeform_signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"HTTP_TYPEFORM_SIGNATURE": "sha256=" + base64.b64encode(digest).decode()}


def twilio_signature(url: str, body: bytes, secret: str) -> str:
    params = sorted(parse_qsl(body.decode(), keep_blank_values=True))
    message = url + "".join(name + value for name, value in params)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mailgun_signed(fields: dict, secret: str, *, timestamp=None, token: str) -> dict:
    """Mailgun's fields with its signature over timestamp + token (not over the email)."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(secret.encode(), (timestamp + token).encode(), hashlib.sha256)
    return {**fields, "timestamp": timestamp, "token": token, "signature": signature.hexdigest()}


def basic_auth(password: str, user: str = "postmark") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def tawk_signed(body: bytes, secret: str) -> dict[str, str]:
    return {"HTTP_X_TAWK_SIGNATURE": hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


# --- the documented samples, carrying a delivery id ------------------------------------------


def _json_sample(name: str, change: Callable[[dict, str], None]) -> Callable[[str], bytes]:
    def body(delivery_id: str) -> bytes:
        data = json.loads(sample(name))
        change(data, delivery_id)
        return json.dumps(data).encode()

    return body


def _form_sample(name: str, change: Callable[[dict, str], None]) -> Callable[[str], bytes]:
    def body(delivery_id: str) -> bytes:
        fields = dict(parse_qsl(sample(name).decode(), keep_blank_values=True))
        change(fields, delivery_id)
        return urlencode(fields).encode()

    return body


def _google_lead(data: dict, delivery_id: str) -> None:
    data["lead_id"] = delivery_id
    del data["google_key"]  # the credential, added when signing


def _meta_leadgen(data: dict, delivery_id: str) -> None:
    data["entry"][0]["changes"][0]["value"]["leadgen_id"] = delivery_id


def _hubspot_contact(data: dict, delivery_id: str) -> None:
    data["vid"] = data["canonical-vid"] = delivery_id


def _typeform_response(data: dict, delivery_id: str) -> None:
    data["form_response"]["token"] = delivery_id


def _twilio_message(fields: dict, delivery_id: str) -> None:
    fields["MessageSid"] = delivery_id


def twilio_call(delivery_id: str) -> bytes:
    """The parameters Twilio Voice posts for an incoming call (twilio.com/docs/voice/twiml,
    "Request parameters"), its CallSid the delivery id."""
    return urlencode(
        {
            "CallSid": delivery_id,
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "From": "+15125550199",
            "To": "+15125550100",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "CallerName": "Jane Doe",
            "FromCity": "AUSTIN",
            "FromState": "TX",
        }
    ).encode()


def _mailgun_email(fields: dict, delivery_id: str) -> None:
    # The token is Mailgun's delivery id; the timestamp and signature are added when signing.
    fields["token"] = delivery_id
    del fields["timestamp"], fields["signature"]


def _postmark_message(data: dict, delivery_id: str) -> None:
    data["MessageID"] = delivery_id


def _tawk_chat(data: dict, delivery_id: str) -> None:
    data["chatId"] = delivery_id


def formstack_entry(delivery_id: str) -> bytes:
    """Formstack's documented JSON example (forms.md), the form hook's sample."""
    return json.dumps(
        {
            "FormID": "23534",
            "Name": {"first": "John", "last": "Smith"},
            "Email": "john.smith@gmail.com",
            "Phone": "234-555-6789",
            "Address": {
                "address": "1234 Test Drive",
                "city": "Test",
                "state": "IN",
                "zip": "12345",
            },
            "UniqueID": delivery_id,
        }
    ).encode()


def api_lead(delivery_id: str) -> bytes:
    # LeadRouter's own shape has no delivery id: a resend is a new touch of the same person.
    return json.dumps({"full_name": "Ann Lee", "email": "ann@gmail.com"}).encode()


# --- signing a request as each vendor does (the credential inside the body, or a header) ----


def _google_sign(url: str, body: bytes, secret: str) -> Request:
    data = json.loads(body)
    data["google_key"] = secret  # a shared key inside the body, no HMAC
    return json.dumps(data).encode(), {}


def _mailgun_sign(url: str, body: bytes, secret: str) -> Request:
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return urlencode(mailgun_signed(fields, secret, token=fields["token"])).encode(), {}


@dataclass(frozen=True)
class Driver:
    """One hook as its vendor calls it."""

    name: str
    adapter: str
    body: Callable[[str], bytes]
    signer: Callable[[str, bytes, str], Request]
    # The words a refusal names the missing or wrong credential by, and under which field.
    refusal_names: str
    refusal_field: str = "signature"
    # The answer to a delivery that made a new lead (some vendors only look for a 200).
    created_status: int = 201
    content_type: str = "application/json"
    # The signature covers the body, so a body changed after signing no longer matches.
    signs_body: bool = False
    # The delivery carries the vendor's id of it, so a retry is recognised.
    has_delivery_id: bool = True
    # The source's credential this hook checks: its vendor secret, rotated with a grace
    # period, or (LeadRouter's own JSON) its API key, which has no secret to rotate.
    credential: str = "secret"
    # The status of a refused delivery: 401, or 403 for Twilio Voice, which answers TwiML and
    # names the errors in the X-LeadRouter-Errors header instead of a JSON body.
    refused_status: int = 401

    def errors(self, response) -> dict:
        """The errors a refusal names, from its JSON body or its X-LeadRouter-Errors header."""
        if "X-LeadRouter-Errors" in response:
            return json.loads(response["X-LeadRouter-Errors"])
        return response.json()["errors"]

    @property
    def hook(self):
        return get_hook(self.adapter)

    @property
    def rotates(self) -> bool:
        return self.credential == "secret"

    def sign(self, source, body: bytes, secret: str | None = None) -> Request:
        """The request for `body` signed with `secret`, by default the source's credential."""
        credential = getattr(source, self.credential) if secret is None else secret
        return self.signer(absolute_hook_url(source), body, credential)


DRIVERS = [
    Driver(
        "google_ads",
        "google_ads",
        _json_sample("google_ads_lead_form.json", _google_lead),
        _google_sign,
        refusal_names="google_key",
        created_status=200,
    ),
    Driver(
        "meta",
        "meta",
        _json_sample("meta_leadgen_webhook.json", _meta_leadgen),
        lambda url, body, secret: (body, meta_signed(body, secret)),
        refusal_names="X-Hub-Signature-256",
        created_status=200,
        signs_body=True,
    ),
    Driver(
        "hubspot",
        "hubspot",
        _json_sample("hubspot_workflow_webhook_contact.json", _hubspot_contact),
        lambda url, body, secret: (body, hubspot_v3_signed(url, body, secret)),
        refusal_names="X-HubSpot-Signature",
        signs_body=True,
    ),
    Driver(
        "typeform",
        "typeform",
        _json_sample("typeform_form_response.json", _typeform_response),
        lambda url, body, secret: (body, typeform_signed(body, secret)),
        refusal_names="Typeform-Signature",
        signs_body=True,
    ),
    Driver(
        "twilio_sms",
        "twilio_sms",
        _form_sample("twilio_inbound_sms.form", _twilio_message),
        lambda url, body, secret: (
            body,
            {"HTTP_X_TWILIO_SIGNATURE": twilio_signature(url, body, secret)},
        ),
        refusal_names="X-Twilio-Signature",
        created_status=200,
        content_type=FORM,
        signs_body=True,
    ),
    Driver(
        "twilio_voice",
        "twilio_voice",
        twilio_call,
        lambda url, body, secret: (
            body,
            {"HTTP_X_TWILIO_SIGNATURE": twilio_signature(url, body, secret)},
        ),
        refusal_names="X-Twilio-Signature",
        created_status=200,
        content_type=FORM,
        signs_body=True,
        refused_status=403,
    ),
    Driver(
        "mailgun",
        "email",
        _form_sample("mailgun_inbound_route.form", _mailgun_email),
        _mailgun_sign,
        refusal_names="signature",
        created_status=200,
        content_type=FORM,
    ),
    Driver(
        "postmark",
        "email",
        _json_sample("postmark_inbound.json", _postmark_message),
        lambda url, body, secret: (body, {"HTTP_AUTHORIZATION": basic_auth(secret)}),
        refusal_names="basic-auth",
        refusal_field="authorization",
        created_status=200,
    ),
    Driver(
        "chat",
        "chat",
        _json_sample("tawkto_chat_start.json", _tawk_chat),
        lambda url, body, secret: (body, tawk_signed(body, secret)),
        refusal_names="X-Tawk-Signature",
        signs_body=True,
    ),
    Driver(
        "form",
        "form",
        formstack_entry,
        lambda url, body, secret: (body, {"HTTP_X_WEBHOOK_SECRET": secret}),
        refusal_names="X-Webhook-Secret",
        refusal_field="secret",
    ),
    Driver(
        "api",
        "api",
        api_lead,
        lambda url, body, secret: (body, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}),
        refusal_names="API key",
        has_delivery_id=False,
        credential="raw_key",
    ),
]
