"""The lead fields every door maps onto, and their validation.

A door's adapter turns its raw body into a flat dict of these names (plus `attributes`);
`validate_lead_fields` then checks types and sizes and answers field-by-field reasons.
Bad *values* (an invalid phone, a ZIP that contradicts the state) are not errors here: the
quality gate flags them and the lead is kept. Only input whose shape cannot be stored safely
(wrong types, absurd sizes, nesting) is refused with a 400 that names the field.
"""

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# Field -> maximum length in characters.
STRING_FIELDS: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "full_name": 254,
    "email": 254,
    "phone": 64,
    "company": 200,
    "postal_code": 20,
    "state": 50,
    "country": 56,
    "city": 100,
    "message": 10_000,
    "request_type": 50,
    "utm_source": 200,
    "utm_medium": 200,
    "utm_campaign": 200,
    "utm_term": 200,
    "utm_content": 200,
    "landing_page": 2000,
    "referrer": 2000,
    "external_id": 200,
}
# Set by a vendor's adapter (or an API caller) for a test lead: stored, flagged, never routed.
BOOLEAN_FIELDS = ("is_test",)
LEAD_FIELDS: tuple[str, ...] = (*STRING_FIELDS, *BOOLEAN_FIELDS, "attributes")
_TRUE_TEXT = {"true", "1", "yes"}
_FALSE_TEXT = {"false", "0", "no", ""}
# Fields of which at least one must be present for a submission to describe a person at all.
IDENTIFYING_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "company",
    "message",
)

# Common column and form-field names, normalized (lowercase, words split by one space), that
# mean a lead field without anyone having to map them.
FIELD_ALIASES: dict[str, str] = {
    "first": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "name": "full_name",
    "full name": "full_name",
    "fullname": "full_name",
    "your name": "full_name",
    "email address": "email",
    "e mail": "email",
    "your email": "email",
    "phone number": "phone",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "cell": "phone",
    "company name": "company",
    "organization": "company",
    "organisation": "company",
    "business name": "company",
    "zip": "postal_code",
    "zip code": "postal_code",
    "zipcode": "postal_code",
    "postcode": "postal_code",
    "postal code": "postal_code",
    "province": "state",
    "region": "state",
    "comments": "message",
    "comment": "message",
    "your message": "message",
    "how can we help": "message",
    "lead id": "external_id",
}

MAX_ATTRIBUTES = 200
MAX_ATTRIBUTE_DEPTH = 5
MAX_ATTRIBUTE_KEY_LENGTH = 200
MAX_ATTRIBUTE_STRING_LENGTH = 10_000

# C0/C1 control characters except tab and newlines, plus lone surrogates, which PostgreSQL
# refuses to store (a NUL in text or jsonb is an error there, not a character).
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class LeadFieldErrors(Exception):
    """Input that cannot become a lead: {field: [reason, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def clean_text(value: str, *, multiline: bool = False) -> tuple[str, bool]:
    """Remove characters no database can store; say whether anything was removed."""
    if value.isascii() and value.isprintable():
        # Nothing to remove or normalize (most headers, ids and names): skip the regex and NFC.
        cleaned = value.strip()
        return cleaned, False
    cleaned = _UNSAFE_CHARS.sub("", value)
    if not multiline:
        cleaned = cleaned.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    return cleaned, cleaned != value.strip()


def storable_text(value: Any, *, multiline: bool = True) -> str:
    """Any request-controlled text (a delivery id, a header, an error that quotes input) as
    text every database stores: the same cleaning as lead fields, without the report.

    This and `storable_json` are the one door for text that reaches a column or a JSON
    document: PostgreSQL refuses NUL in text and \\u0000 in jsonb, and no encoder takes a
    lone surrogate, so storing such text as sent fails the request after it was accepted.
    """
    return clean_text(value if isinstance(value, str) else str(value), multiline=multiline)[0]


def storable_json(value: Any) -> Any:
    """A JSON value whose every string, keys included, is `storable_text`."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Mapping):
        return {storable_text(key): storable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable_json(item) for item in value]
    return value


def _scalar_to_text(value: Any) -> str | None:
    """Strings and numbers are text (a ZIP or phone often arrives as a number); nothing else."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _validate_attribute_value(
    value: Any, path: str, depth: int, errors: dict, scrubbed: set[str]
) -> Any:
    if depth > MAX_ATTRIBUTE_DEPTH:
        errors.setdefault(path, []).append(f"nested deeper than {MAX_ATTRIBUTE_DEPTH} levels")
        return None
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_STRING_LENGTH:
            errors.setdefault(path, []).append(
                f"at most {MAX_ATTRIBUTE_STRING_LENGTH} characters (got {len(value)})"
            )
            return None
        text, changed = clean_text(value, multiline=True)
        if changed:
            scrubbed.add("attributes")
        return text
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, list):
        if len(value) > MAX_ATTRIBUTES:
            errors.setdefault(path, []).append(f"at most {MAX_ATTRIBUTES} items")
            return None
        return [
            _validate_attribute_value(item, f"{path}[{i}]", depth + 1, errors, scrubbed)
            for i, item in enumerate(value)
        ]
    if isinstance(value, Mapping):
        return _validate_attribute_object(value, path, depth + 1, errors, scrubbed)
    errors.setdefault(path, []).append(f"unsupported value of type {type(value).__name__}")
    return None


def _validate_attribute_object(
    value: Mapping, path: str, depth: int, errors: dict, scrubbed: set[str]
) -> dict:
    if len(value) > MAX_ATTRIBUTES:
        errors.setdefault(path, []).append(f"at most {MAX_ATTRIBUTES} keys (got {len(value)})")
        return {}
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        text_key, changed = clean_text(str(key))
        if changed:
            scrubbed.add("attributes")
        if not text_key or len(text_key) > MAX_ATTRIBUTE_KEY_LENGTH:
            errors.setdefault(path, []).append(
                f"keys must be 1 to {MAX_ATTRIBUTE_KEY_LENGTH} printable characters"
            )
            continue
        cleaned[text_key] = _validate_attribute_value(
            item, f"{path}.{text_key}", depth, errors, scrubbed
        )
    return cleaned


def _normalized_name(name: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", name.strip().lower())).strip()


def lead_field_for(name: str) -> str | None:
    """The lead field a vendor's field name means without any map (exact, or an alias)."""
    if name in LEAD_FIELDS:
        return name
    normalized = _normalized_name(name)
    as_field = normalized.replace(" ", "_")
    if as_field in LEAD_FIELDS:
        return as_field
    return FIELD_ALIASES.get(normalized)


def apply_field_map(data: Mapping[str, Any], field_map: Mapping[str, str]) -> dict[str, Any]:
    """Rename incoming fields by a source's map; anything unknown is kept in `attributes`.

    1. A mapped name (exact, or ignoring case and spacing) goes to its lead field, or to
       `attributes.<name>`.
    2. A lead field name or a common alias of one ("Zip Code", "E-mail") passes through.
    3. Any other field is kept under its own name in `attributes`, so nothing is lost.
    """
    result: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    normalized_map = {_normalized_name(str(k)): v for k, v in field_map.items()}
    for raw_name, value in data.items():
        name = str(raw_name)
        target = field_map.get(name) or normalized_map.get(_normalized_name(name))
        if target is None:
            target = lead_field_for(name)
        if target is None:
            extra[name] = value
        elif target.startswith("attributes."):
            extra[target.removeprefix("attributes.")] = value
        elif target == "attributes" and isinstance(value, Mapping):
            extra.update(value)
        elif target in result and result[target] not in (None, "") and value not in (None, ""):
            # Two incoming fields mapped to one lead field (e.g. "Phone" and "Mobile"): keep both.
            extra[name] = value
        else:
            result[target] = value
    if extra:
        attributes = result.get("attributes")
        if isinstance(attributes, Mapping):
            result["attributes"] = {**extra, **attributes}
        elif attributes is None:
            result["attributes"] = extra
        else:
            # Leave the malformed value for validation to name, and keep the extras apart.
            result["attributes_extra"] = extra
    return result


def validate_lead_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Check a flat dict of lead fields; return (clean values, fields whose text was cleaned).

    Raises LeadFieldErrors naming every bad field and its reason.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    scrubbed: list[str] = []
    for name, max_length in STRING_FIELDS.items():
        if name not in data:
            continue
        text = _scalar_to_text(data[name])
        if text is None:
            errors[name] = [f"must be a string, not {_json_type(data[name])}"]
            continue
        if len(text) > max_length:
            errors[name] = [f"at most {max_length} characters (got {len(text)})"]
            continue
        value, changed = clean_text(text, multiline=name == "message")
        if changed:
            scrubbed.append(name)
        cleaned[name] = value

    for name in BOOLEAN_FIELDS:
        if name not in data or data[name] is None:
            continue
        value = data[name]
        text = str(value).strip().lower()
        if isinstance(value, bool):
            cleaned[name] = value
        elif isinstance(value, (str, int)) and text in _TRUE_TEXT | _FALSE_TEXT:
            cleaned[name] = text in _TRUE_TEXT
        else:
            errors[name] = [f"must be true or false, not {_json_type(value)}"]

    attributes = data.get("attributes")
    extra = data.get("attributes_extra") or {}
    scrubbed_attributes: set[str] = set()
    if attributes is None:
        cleaned["attributes"] = {}
    elif not isinstance(attributes, Mapping):
        errors["attributes"] = [f"must be an object, not {_json_type(attributes)}"]
    else:
        cleaned["attributes"] = _validate_attribute_object(
            attributes, "attributes", 1, errors, scrubbed_attributes
        )
    if extra and "attributes" in cleaned:
        cleaned["attributes"].update(
            _validate_attribute_object(extra, "attributes", 1, errors, scrubbed_attributes)
        )
    scrubbed.extend(sorted(scrubbed_attributes))

    # A row with only other fields (an imported history row of answers, a chat with no
    # contact details) is still a lead: kept, and flagged uncontactable by the gate.
    if (
        not errors
        and not any(cleaned.get(name) for name in IDENTIFYING_FIELDS)
        and not cleaned.get("attributes")
    ):
        errors["non_field_errors"] = [
            "the lead is empty: no name, email, phone, company, message or other field — "
            "nothing identifies a person"
        ]
    if errors:
        raise LeadFieldErrors(errors)
    return cleaned, scrubbed


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    if value is None:
        return "null"
    return type(value).__name__
