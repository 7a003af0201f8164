"""HubSpot workflow "Send a webhook" action: one contact per delivery.

Two body shapes arrive here:
- the legacy contact JSON (`vid`, `canonical-vid`, `portal-id`, `properties.<name>.value`,
  `form-submissions[]` naming the form and page), which is what "include all properties" sends;
- the newer flat JSON of the properties the user picked (`firstname`, `email`,
  `hs_object_id` …), or a CRM object (`id`, `properties.<name>` as plain values).
Properties that are not lead fields are returned under their HubSpot names, so they land in
attributes where the source's field map can rename them.

The Webhooks API (app subscriptions) posts a batch of events that carry no contact data. A
batch with a property change the HubSpot sync takes (`deal.propertyChange`,
`contact.propertyChange`: a deal closed, a contact become a customer) is kept and applied to
the leads by a task (`crm_events`, then `leadrouter.pipeline.process_crm_events`); any other
batch (`contact.creation` …) is refused with a 400 naming `body`, because only a workflow
webhook delivers the contact itself.

Signature, with the app's client secret as the source's secret:
- `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(secret, method + URI + body + timestamp)) with
  `X-HubSpot-Request-Timestamp` in milliseconds, refused when older than 5 minutes;
- otherwise `X-HubSpot-Signature` with `X-HubSpot-Signature-Version` v2 = hex SHA-256 of
  secret + method + URI + body, or v1 = hex SHA-256 of secret + body (no timestamp: a replay
  is answered from the delivery id without a new touch).
The URI is the one HubSpot called, so behind a TLS proxy BEHIND_TLS_PROXY must be set for
`https://` to be seen. https://developers.hubspot.com/docs/api/webhooks/validating-requests
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any

from intake.adapters import Parsed, decode_json_object
from intake.fields import LeadFieldErrors
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    check_fresh,
    first_text,
    parse_errors,
    require_secrets,
    signature_matches,
)
from intake.models import Channel

# HubSpot's default contact property names -> lead fields.
PROPERTY_FIELDS = {
    "firstname": "first_name",
    "lastname": "last_name",
    "email": "email",
    "phone": "phone",
    "mobilephone": "phone",
    "company": "company",
    "zip": "postal_code",
    "state": "state",
    "city": "city",
    "country": "country",
    "message": "message",
}
# Where the contact's id is, best first: a merged contact keeps its canonical id.
CONTACT_ID_KEYS = ("canonical-vid", "vid", "hs_object_id")
# Envelope keys, never properties: ids and links read on their own, and parts that add nothing
# to a lead (the profile token is a credential-like link; identities repeat the email).
ENVELOPE_KEYS = {
    "vid",
    "canonical-vid",
    "portal-id",
    "portalId",
    "profile-url",
    "properties",
    "form-submissions",
    "list-memberships",
    "identity-profiles",
    "merge-audits",
    "merged-vids",
    "profile-token",
    "is-contact",
    "associated-company",
}
# HubSpot's documented list of characters to decode in the URI before signing it (v3).
_URI_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def hubspot_uri(uri: str) -> str:
    """The URI as HubSpot signs it for v3: a few percent-encoded characters decoded."""
    for encoded, char in _URI_DECODED.items():
        uri = uri.replace(encoded, char).replace(encoded.lower(), char)
    return uri


def v3_message(method: str, uri: str, body: bytes, timestamp: str) -> bytes:
    return method.upper().encode() + uri.encode() + body + timestamp.encode()


def v2_signature(secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(
        secret.encode() + method.upper().encode() + uri.encode() + body
    ).hexdigest()


def v1_signature(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


# The subscription events the HubSpot sync applies to leads.
CRM_EVENT_TYPES = ("deal.propertyChange", "contact.propertyChange")


def crm_events(body: bytes) -> list[dict] | None:
    """The events of a Webhooks API batch when one of them is a property change the sync
    applies; None for any other body (a workflow's contact, or a batch of other events)."""
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(parsed, list):
        return None
    events = [event for event in parsed if isinstance(event, dict)]
    if not any(event.get("subscriptionType") in CRM_EVENT_TYPES for event in events):
        return None
    return events


def _digest_matches(expected: Iterable[str], given: str) -> bool:
    given_bytes = given.strip().lower().encode()
    # Every candidate is compared so the time taken does not say which secret came close.
    matched = False
    for value in expected:
        matched |= hmac.compare_digest(value.encode(), given_bytes)
    return matched


class HubSpotHook(HookAdapter):
    name = "hubspot"
    label = "HubSpot workflow webhook"
    channel = Channel.VENDOR
    signing_help = "the HubSpot app's client secret (signs X-HubSpot-Signature v3, v2 or v1)"

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        method = request.method or "POST"
        uri = request.build_absolute_uri()
        v3 = request.headers.get("X-HubSpot-Signature-v3", "")
        if v3:
            timestamp = request.headers.get("X-HubSpot-Request-Timestamp", "").strip()
            try:
                seconds = int(timestamp) / 1000
            except (ValueError, OverflowError):
                raise HookRejected(
                    "X-HubSpot-Request-Timestamp is missing or not milliseconds since 1970"
                ) from None
            check_fresh(seconds)
            for candidate in dict.fromkeys((uri, hubspot_uri(uri))):
                message = v3_message(method, candidate, body, timestamp)
                if signature_matches(secrets, message, v3, encoding="base64"):
                    return
            raise HookRejected("X-HubSpot-Signature-v3 does not match this source's secret")

        given = request.headers.get("X-HubSpot-Signature", "")
        if not given:
            raise HookRejected(
                "no X-HubSpot-Signature-v3 or X-HubSpot-Signature header: the workflow's "
                "webhook must include a request signature"
            )
        version = request.headers.get("X-HubSpot-Signature-Version", "v1").strip().lower()
        if version == "v2":
            expected = [v2_signature(secret, method, uri, body) for secret in secrets]
        elif version == "v1":
            expected = [v1_signature(secret, body) for secret in secrets]
        else:
            raise HookRejected(f"X-HubSpot-Signature-Version {version[:10]!r} is not v1 or v2")
        if not _digest_matches(expected, given):
            raise HookRejected(
                f"X-HubSpot-Signature ({version}) does not match this source's secret"
            )

    def carries_crm_events(self, submission) -> bool:
        return crm_events(bytes(submission.body)) is not None

    def delivery_id(self, submission) -> str:
        events = crm_events(bytes(submission.body))
        if events is not None:
            # HubSpot's retry of a batch repeats its event ids (its attemptNumber changes).
            ids = ",".join(sorted(str(event.get("eventId")) for event in events))
            return f"events:{hashlib.sha256(ids.encode()).hexdigest()[:32]}"
        # A workflow posts the same contact again whenever it re-enrolls (a second form fill):
        # that is a new touch, so the id is the contact plus a digest of this exact body, which
        # HubSpot's retries of one delivery repeat byte for byte.
        body = bytes(submission.body)
        digest = hashlib.sha256(body).hexdigest()[:32]
        try:
            data = decode_json_object(body)
            contact = _contact_id(data, _properties(data))
        except LeadFieldErrors:  # refused by parse with its reason; the digest still names it
            contact = ""
        return f"{contact or 'contact'}:{digest}"

    def parse(self, submission) -> Parsed:
        data = _decode(bytes(submission.body))
        properties = _properties(data)
        fields: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        unknown: dict[str, Any] = {}

        for name, value in properties.items():
            if value in (None, ""):
                continue
            target = PROPERTY_FIELDS.get(name.lower())
            if target and not fields.get(target):
                fields[target] = value
            elif target:
                # A second phone (mobile and office) is kept rather than overwritten.
                attributes[f"hubspot_{name}"] = value
            elif name != "hs_object_id":
                unknown[name] = value

        contact_id = _contact_id(data, properties)
        if contact_id:
            fields["external_id"] = contact_id
            attributes["hubspot_contact_id"] = contact_id
        portal = first_text(data.get("portal-id") or data.get("portalId"))
        if portal:
            attributes["hubspot_portal_id"] = portal
        if data.get("profile-url"):
            attributes["hubspot_profile_url"] = first_text(data["profile-url"])
        submission_info = _latest_form_submission(data.get("form-submissions"))
        if submission_info:
            page = first_text(
                submission_info.get("page-url") or submission_info.get("canonical-url")
            )
            if page:
                fields["landing_page"] = page
            for key, label in (
                ("form-id", "hubspot_form_id"),
                ("title", "hubspot_form_title"),
                ("page-title", "hubspot_page_title"),
                ("conversion-id", "hubspot_conversion_id"),
                ("timestamp", "hubspot_form_submitted_at"),
            ):
                if submission_info.get(key) not in (None, ""):
                    attributes[label] = first_text(submission_info[key])
        fields["attributes"] = attributes
        return {**unknown, **fields}


def _decode(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8-sig").strip()
        parsed = json.loads(text) if text.startswith("[") else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, list):
        subscription = any(
            isinstance(event, dict) and ("subscriptionType" in event or "eventId" in event)
            for event in parsed
        )
        what = "a HubSpot Webhooks API event batch" if subscription else "a JSON array"
        raise parse_errors(
            body=f"is {what}, which carries no contact data: send contacts with a "
            'workflow\'s "Send a webhook" action (one contact object per request) instead'
        )
    return decode_json_object(body)


def _properties(data: Mapping[str, Any]) -> dict[str, Any]:
    """{property name: value} from either shape, without HubSpot's version history."""
    properties = data.get("properties")
    if properties is None:
        return {str(key): value for key, value in data.items() if key not in ENVELOPE_KEYS}
    if not isinstance(properties, Mapping):
        raise parse_errors(properties="must be an object of contact properties")
    flat: dict[str, Any] = {}
    for name, prop in properties.items():
        # Legacy: {"value": …, "versions": […]}; a CRM object: the value itself.
        flat[str(name)] = prop.get("value") if isinstance(prop, Mapping) else prop
    return flat


def _contact_id(data: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    for key in CONTACT_ID_KEYS:
        for holder in (data, properties):
            value = holder.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                return first_text(value)
    # A CRM object names its id "id" next to its properties.
    value = data.get("id")
    if isinstance(data.get("properties"), Mapping) and isinstance(value, (str, int)) and value:
        return first_text(value)
    return ""


def _latest_form_submission(value: Any) -> Mapping[str, Any] | None:
    if not isinstance(value, list):
        return None
    submissions = [item for item in value if isinstance(item, Mapping)]
    if not submissions:
        return None

    def when(item: Mapping[str, Any]) -> float:
        try:
            return float(item.get("timestamp") or 0)
        except (TypeError, ValueError, OverflowError):
            return 0.0

    return max(submissions, key=when)


ADAPTER = HubSpotHook()
