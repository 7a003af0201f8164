"""Any form builder or automation: Zapier, Make, Unbounce, Jotform, Gravity Forms, Formstack,
Contact Form 7 plugins, or a site's own script posting to the hook URL.

The body is a flat JSON object, or urlencoded or multipart fields. Its fields are returned
under their own names, so the lead-field names and common aliases ("Full Name", "zip code",
"phone number") place themselves and the source's field map renames the rest; anything left
over is kept in attributes. Shapes recognized on top of that:
- Unbounce: a `data.json` field holding a JSON object whose values are arrays of strings, and
  page_id / page_name / page_url / variant (page_url is the landing page);
- Jotform: a `rawRequest` field holding JSON keyed `q<N>_<slug>`; the `q<N>_` prefix is
  stripped (a field map names the slug), Jotform's own bookkeeping keys are dropped, and
  `submissionID` is the lead's external id;
- Gravity Forms entries: field ids ("1.3", "2") are left as keys for the field map to rename;
  `form_id` + `id` give the external id "<form_id>-<id>", `source_url` the landing page, and
  an entry Gravity marked as spam is kept as spam;
- nested objects (Formstack, Jotform, Zapier with "unflatten"): a name {first, last}, a phone
  {full} or {area, phone}, an address {address|addr_line1, city, state, zip|postal}, a date
  {month, day, year}; Formstack's `UniqueID` is the external id.
A filled honeypot field (INTAKE_HONEYPOT_FIELD) makes the delivery spam, as on the form door.

Authentication: the hook URL carries the source's unguessable public id, which is enough for
builders that cannot sign. On top of it:
- a request that carries an API key (`Authorization: Bearer <key>` or `X-Api-Key: <key>`) must
  carry this source's API key, or it is refused (401): a key for another source is a mistake
  worth surfacing, not something to ignore;
- when the source has a secret, every delivery must carry it in the `X-Webhook-Secret` header
  (compared in constant time; the previous secret still works during a rotation). Formstack
  and Wufoo cannot add headers and send their `HandshakeKey` field instead, which is accepted
  as the same secret and never stored in the lead.
"""

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from intake.adapters import Parsed, SpamSubmission, decode_json_object
from intake.fields import LeadFieldErrors, lead_field_for
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    first_text,
    parse_errors,
    secret_matches,
    source_secrets,
    stored_form,
)
from intake.models import Channel, Submission

# Fields a builder sends that are credentials or plumbing, never part of a lead.
DROPPED_FIELDS = {"csrfmiddlewaretoken", "HandshakeKey", "FieldStructure", "FormStructure"}

UNBOUNCE_META = {
    "page_id": "unbounce_page_id",
    "page_uuid": "unbounce_page_id",
    "page_name": "unbounce_page_name",
    "variant": "unbounce_variant",
    "ip_address": "ip_address",
    "date_submitted": "date_submitted",
    "time_submitted": "time_submitted",
}

JOTFORM_QUESTION = re.compile(r"^q\d+_(.+)$")
JOTFORM_META = {"formID": "jotform_form_id", "formTitle": "form_title", "ip": "ip_address"}

GRAVITY_FIELD_ID = re.compile(r"^\d+(\.\d+)?$")
# Entry object properties other than field values: https://docs.gravityforms.com/entry-object/
GRAVITY_META = {
    "id",
    "form_id",
    "post_id",
    "date_created",
    "date_updated",
    "is_starred",
    "is_read",
    "ip",
    "source_url",
    "user_agent",
    "currency",
    "payment_status",
    "payment_date",
    "payment_amount",
    "payment_method",
    "transaction_id",
    "is_fulfilled",
    "created_by",
    "transaction_type",
    "status",
    "source_id",
}

NAME_PARTS = {"first", "last", "middle", "prefix", "suffix", "initial"}
ADDRESS_PARTS = {
    "address": "address",
    "addr_line1": "address",
    "street": "address",
    "line1": "address",
    "address2": "address_line2",
    "addr_line2": "address_line2",
    "street2": "address_line2",
    "line2": "address_line2",
    "city": "city",
    "state": "state",
    "province": "state",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postal": "postal_code",
    "postal_code": "postal_code",
    "country": "country",
}
# The parts that make an object an address rather than, say, a company with a "country".
ADDRESS_MARKERS = {"address", "addr_line1", "street", "line1", "zip", "zipcode", "postal"}
# Formstack's urlencoded variant sends a compound field as lines of "part = value".
SUB_FIELD_LINE = re.compile(r"^\s*([A-Za-z0-9_]+) = (.*)$")


class FormHook(HookAdapter):
    name = "form"
    label = "Form builder / Zapier hook"
    channel = Channel.WEB
    signing_help = (
        "optional: a shared secret every delivery must send as the X-Webhook-Secret header "
        "(Formstack/Wufoo: their HandshakeKey)"
    )
    requires_secret = False

    def verify(self, request, body, source) -> None:
        for key in _offered_api_keys(request):
            if not source.has_api_key(key):
                raise HookRejected(
                    "the API key sent (Authorization: Bearer or X-Api-Key) is not this "
                    "source's key",
                    field="authorization",
                )
        secrets = source_secrets(source)
        if not secrets:
            return
        given = request.headers.get("X-Webhook-Secret") or _handshake_key(
            body, request.META.get("CONTENT_TYPE", "")
        )
        if not given:
            raise HookRejected(
                "this source has a secret: send it in the X-Webhook-Secret header",
                field="secret",
            )
        if not secret_matches(secrets, given.strip()):
            raise HookRejected(
                "the secret sent (X-Webhook-Secret or HandshakeKey) does not match this "
                "source's secret",
                field="secret",
            )

    def delivery_id(self, submission) -> str:
        raw = _read(bytes(submission.body), submission.content_type)
        if raw.get("submissionID"):
            return first_text(raw["submissionID"])
        gravity = _gravity_entry_id(raw)
        if gravity:
            return gravity
        return first_text(raw.get("UniqueID"))

    def parse(self, submission) -> Parsed:
        raw = _read(bytes(submission.body), submission.content_type)
        honeypot = settings.INTAKE_HONEYPOT_FIELD
        if _filled(raw.get(honeypot)):
            raise SpamSubmission()
        if "data.json" in raw:
            fields = _unbounce(raw)
        elif "rawRequest" in raw:
            fields = _jotform(raw)
        elif _gravity_entry_id(raw):
            fields = _gravity(raw)
        else:
            fields = _generic(raw)
        if _filled(fields.pop(honeypot, None)):
            raise SpamSubmission()
        return fields


def _offered_api_keys(request) -> list[str]:
    keys = []
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        keys.append(credential.strip())
    if "X-Api-Key" in request.headers:
        keys.append(request.headers["X-Api-Key"].strip())
    return keys


def _handshake_key(body: bytes, content_type: str) -> str:
    try:
        raw = _read(body, content_type)
    except LeadFieldErrors:
        return ""
    return first_text(raw.get("HandshakeKey"))


def _read(body: bytes, content_type: str) -> dict[str, Any]:
    """The posted fields, from JSON, urlencoded or multipart (JSON sent as text/plain or with
    no content type too: some builders never set one)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in ("", "text/plain") and body.lstrip()[:1] == b"{":
        return decode_json_object(body)
    return stored_form(Submission(body=body, content_type=content_type or ""))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def _filled(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(str(item).strip() for item in values if item is not None)


class _Lead:
    """Fields being gathered: vendor fields under their names, lead fields the shapes placed,
    and attributes."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.placed: dict[str, Any] = {}
        self.attributes: dict[str, Any] = {}

    def place(self, field: str, value: Any, *, fallback: str) -> None:
        """Set a lead field found inside a compound value, unless another one already did."""
        if _empty(value):
            return
        if field in self.placed:
            self.attributes[fallback] = value
        else:
            self.placed[field] = value

    def add(self, name: str, value: Any) -> None:
        """A posted field: compound values are taken apart, empty ones dropped."""
        if isinstance(value, str):
            value = _sub_fields(value)
        if _empty(value) or name in DROPPED_FIELDS:
            return
        if isinstance(value, Mapping) and name != "attributes":
            self._add_object(name, value)
        else:
            self.fields[name] = value

    def _add_object(self, name: str, value: Mapping[str, Any]) -> None:
        parts = {str(key).lower(): item for key, item in value.items()}
        keys = set(parts)
        name_placed = bool({"first_name", "last_name"} & self.placed.keys())
        if keys <= NAME_PARTS and keys & {"first", "last"} and not name_placed:
            self.place("first_name", parts.get("first"), fallback=f"{name}_first")
            self.place("last_name", parts.get("last"), fallback=f"{name}_last")
            for extra in ("prefix", "middle", "initial", "suffix"):
                if parts.get(extra) not in (None, ""):
                    self.attributes[f"{name}_{extra}"] = parts[extra]
        elif "full" in keys and keys <= {"full", "area", "phone", "country"}:
            self.fields[name] = parts["full"]
        elif {"area", "phone"} <= keys and keys <= {"area", "phone", "country"}:
            prefix = f"+{parts['country']} " if parts.get("country") else ""
            self.fields[name] = f"{prefix}({parts['area']}) {parts['phone']}"
        elif keys & ADDRESS_MARKERS and keys <= set(ADDRESS_PARTS):
            for part, item in parts.items():
                target = ADDRESS_PARTS[part]
                if target not in ("address", "address_line2"):
                    self.place(target, item, fallback=f"{name}_{part}")
                elif item not in (None, ""):
                    # Leads have no street column: the first address's lines are attributes.
                    key = f"{name}_{part}" if target in self.attributes else target
                    self.attributes[key] = item
        elif keys == {"month", "day", "year"}:
            self.fields[name] = (
                f"{parts['year']}-{str(parts['month']).zfill(2)}-{str(parts['day']).zfill(2)}"
            )
        else:
            self.fields[name] = dict(value)

    def result(self) -> Parsed:
        fields = dict(self.fields)
        for field, value in self.placed.items():
            if field in fields:
                self.attributes.setdefault(f"form_{field}", value)
            else:
                fields[field] = value
        if self.attributes:
            given = fields.get("attributes")
            if isinstance(given, Mapping):
                fields["attributes"] = {**self.attributes, **given}
            elif given is None:
                fields["attributes"] = self.attributes
            else:
                fields["attributes_extra"] = self.attributes
        return fields


def _sub_fields(value: str) -> str | dict[str, str]:
    """Formstack's "first = John\\nlast = Smith" as {first, last}; any other text as is."""
    lines = [line for line in value.splitlines() if line.strip()]
    if len(lines) < 2:
        return value
    parts = {}
    for line in lines:
        match = SUB_FIELD_LINE.match(line)
        if not match or match.group(1).lower() not in NAME_PARTS | set(ADDRESS_PARTS):
            return value
        parts[match.group(1)] = match.group(2).strip()
    return parts


def _generic(raw: Mapping[str, Any]) -> Parsed:
    lead = _Lead()
    for name, value in raw.items():
        if name == "UniqueID":
            continue
        if name == "FormID":
            lead.attributes["formstack_form_id"] = first_text(value)
            continue
        lead.add(str(name), value)
    unique = first_text(raw.get("UniqueID"))
    if unique:
        lead.place("external_id", unique, fallback="formstack_unique_id")
    return lead.result()


def _json_field(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A field holding the form's answers as a JSON object, read as strictly as a JSON body;
    a problem names the field rather than the body."""
    try:
        return decode_json_object(first_text(raw.get(name)).encode())
    except LeadFieldErrors as exc:
        reasons = exc.errors.get("body") or ["is not a JSON object"]
        raise parse_errors(**{name: reasons[0]}) from None


def _unbounce(raw: Mapping[str, Any]) -> Parsed:
    data = _json_field(raw, "data.json")
    lead = _Lead()
    page_url = first_text(raw.get("page_url"))
    for name, values in data.items():
        if isinstance(values, list):
            value: Any = values[0] if len(values) == 1 else values
        else:
            value = values
        if name == "page_url":
            page_url = page_url or first_text(value)
        elif name in UNBOUNCE_META:
            if not _empty(value):
                lead.attributes[UNBOUNCE_META[name]] = value
        else:
            lead.add(name, value)
    for name, value in raw.items():
        if name in ("data.json", "data.xml", "page_url"):
            continue
        if name in UNBOUNCE_META:
            if not _empty(value):
                lead.attributes[UNBOUNCE_META[name]] = first_text(value)
        else:
            lead.add(name, value)
    if page_url:
        lead.place("landing_page", page_url, fallback="page_url")
    return lead.result()


def _jotform(raw: Mapping[str, Any]) -> Parsed:
    data = _json_field(raw, "rawRequest")
    lead = _Lead()
    for key, value in data.items():
        match = JOTFORM_QUESTION.match(str(key))
        if not match:
            continue  # Jotform's bookkeeping: slug, event_id, timeToSubmit, its own honeypot …
        name = _jotform_name(match.group(1))
        lead.add(str(key) if name in lead.fields else name, value)
    for name, label in JOTFORM_META.items():
        if raw.get(name) not in (None, ""):
            lead.attributes[label] = first_text(raw[name])
    submission_id = first_text(raw.get("submissionID"))
    if submission_id:
        lead.place("external_id", submission_id, fallback="jotform_submission_id")
    return lead.result()


def _jotform_name(slug: str) -> str:
    """A Jotform slug as the field map sees it; a camelCase slug naming a lead field
    ("phoneNumber", "zipCode") is spelled with words so the aliases know it."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", slug).lower()
    return words if lead_field_for(slug) is None and lead_field_for(words) else slug


def _gravity_entry_id(raw: Mapping[str, Any]) -> str:
    form_id, entry_id = first_text(raw.get("form_id")), first_text(raw.get("id"))
    if not (form_id and entry_id):
        return ""
    if not any(GRAVITY_FIELD_ID.match(str(key)) for key in raw):
        return ""
    return f"{form_id}-{entry_id}"


def _gravity(raw: Mapping[str, Any]) -> Parsed:
    if first_text(raw.get("status")).lower() == "spam":
        raise SpamSubmission()
    lead = _Lead()
    for name, value in raw.items():
        if name not in GRAVITY_META:
            lead.add(str(name), value)
    for name, label in (
        ("form_id", "gravity_form_id"),
        ("id", "gravity_entry_id"),
        ("ip", "ip_address"),
        ("user_agent", "user_agent"),
        ("date_created", "date_submitted"),
    ):
        if raw.get(name) not in (None, ""):
            lead.attributes[label] = first_text(raw[name])
    if raw.get("source_url"):
        lead.place("landing_page", first_text(raw["source_url"]), fallback="source_url")
    lead.place("external_id", _gravity_entry_id(raw), fallback="gravity_entry")
    return lead.result()


ADAPTER = FormHook()
