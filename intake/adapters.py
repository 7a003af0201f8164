"""Adapters: read a stored submission's raw body into a flat dict of lead fields.

Each door has one. They never touch the database; they only read bytes, so that a stored
submission can be re-read later by `submission_reprocess` exactly as it was the first time.
"""

import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from intake.fields import LeadFieldErrors, apply_field_map
from intake.history import WON, CellError, read_money, read_outcome, read_when
from intake.models import Door, Submission

Parsed = dict[str, Any]


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def decode_json_object(body: bytes) -> dict[str, Any]:
    """Decode a JSON object strictly: UTF-8, no NaN/Infinity, bounded nesting, an object."""
    if not body.strip():
        raise LeadFieldErrors({"body": ["is empty: send a JSON object of lead fields"]})
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LeadFieldErrors({"body": [f"is not valid UTF-8 (byte {exc.start})"]}) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise LeadFieldErrors(
            {"body": [f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]}
        ) from None
    except RecursionError:
        raise LeadFieldErrors({"body": ["is nested too deeply"]}) from None
    except ValueError as exc:
        # Integers past Python's digit limit, NaN, Infinity, out-of-range floats.
        raise LeadFieldErrors({"body": [f"has an unsupported value: {exc}"[:300]]}) from None
    if not isinstance(data, dict):
        kind = "an array" if isinstance(data, list) else f"a {type(data).__name__}"
        raise LeadFieldErrors({"body": [f"must be a JSON object, not {kind}"]})
    return data


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def form_fields(submission: Submission) -> dict[str, Any]:
    """Read an urlencoded or multipart body, the way Django would have read the request."""
    content_type = submission.content_type or ""
    media = content_type.split(";")[0].strip().lower()
    body = bytes(submission.body)
    if media == "multipart/form-data":
        meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
        try:
            post, files = MultiPartParser(meta, io.BytesIO(body), [], "utf-8").parse()
        except (MultiPartParserError, ValueError) as exc:
            raise LeadFieldErrors({"body": [f"is not valid multipart form data: {exc}"]}) from None
        fields = _querydict_to_dict(post)
        if files:
            fields["uploaded_files"] = sorted(files.keys())
        return fields
    if media in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LeadFieldErrors({"body": [f"is not valid UTF-8 (byte {exc.start})"]}) from None
        return _querydict_to_dict(QueryDict(text, encoding="utf-8"))
    if _is_json(content_type):
        return decode_json_object(body)
    raise LeadFieldErrors(
        {
            "content_type": [
                f"{media} is not accepted: send application/x-www-form-urlencoded, "
                "multipart/form-data or application/json"
            ]
        }
    )


def _querydict_to_dict(query: QueryDict) -> dict[str, Any]:
    # A repeated field (checkboxes) keeps all of its values; a single one stays a string.
    return {key: values[0] if len(values) == 1 else values for key, values in query.lists()}


def _field_map(submission: Submission) -> dict[str, str]:
    """The source's renames of incoming field names (none for a submission without a source)."""
    return (submission.source.field_map if submission.source else None) or {}


def parse_api(submission: Submission) -> Parsed:
    if submission.content_type and not _is_json(submission.content_type):
        raise LeadFieldErrors(
            {"content_type": [f"must be application/json, not {submission.content_type[:100]}"]}
        )
    data = decode_json_object(bytes(submission.body))
    return apply_field_map(data, _field_map(submission))


class SpamSubmission(Exception):
    """A form post that filled the hidden honeypot field: a bot, kept for audit, not a lead."""


# The hosted form's Send button, sent when a person sends the form under a consent line.
CONSENT_FIELD = "consent"
CONSENT_AGREED = "agreed"


def parse_form(submission: Submission) -> Parsed:
    """A form post's fields by the source's map. Sent with the hosted form's Send button under
    a consent line (the view puts the source's consent text in the submission's options),
    the lead keeps the text and the time in `attributes.consent_text` and `consented_at`."""
    fields = form_fields(submission)
    fields.pop("csrfmiddlewaretoken", None)
    if str(fields.pop(settings.INTAKE_HONEYPOT_FIELD, "") or "").strip():
        raise SpamSubmission()
    consent_text = submission.options.get("consent_text")
    agreed = consent_text and str(fields.pop(CONSENT_FIELD, "")) == CONSENT_AGREED
    parsed = apply_field_map(fields, _field_map(submission))
    attributes = parsed.get("attributes")
    if agreed and (attributes is None or isinstance(attributes, Mapping)):
        parsed["attributes"] = {
            **(attributes or {}),
            "consent_text": consent_text,
            "consented_at": submission.received_at.isoformat(),
        }
    return parsed


def parse_csv_row(submission: Submission) -> Parsed:
    """A CSV row is stored as a JSON object of header -> cell; the import's map is in options.
    The history columns (`HISTORY_COLUMNS`) are read by `history_of`, not as lead fields,
    except cells that do not apply to the row (`_kept_cells`): those stay extra fields."""
    row = decode_json_object(bytes(submission.body))
    kept = _kept_cells(submission, row)
    for option in HISTORY_COLUMNS:
        column = submission.options.get(option)
        if column and column not in kept:
            row.pop(column, None)
    column_map = {**_field_map(submission), **submission.options.get("column_map", {})}
    cells = {key: value for key, value in row.items() if value not in (None, "")}
    return apply_field_map(cells, column_map)


def parse_admin(submission: Submission) -> Parsed:
    return decode_json_object(bytes(submission.body))


def parse_hook(submission: Submission) -> Parsed:
    """A vendor webhook, read by the adapter it arrived through; the source's field map then
    renames vendor fields (custom questions) the adapter could not place."""
    from intake.hooks import get_hook

    name = str(submission.options.get("adapter", ""))
    hook = get_hook(name)
    if hook is None:
        raise LeadFieldErrors({"adapter": [f"no vendor adapter is named {name[:50]!r}"]})
    return apply_field_map(hook.parse(submission), _field_map(submission))


ADAPTERS: dict[str, Callable[[Submission], Parsed]] = {
    Door.API: parse_api,
    Door.FORM: parse_form,
    Door.CSV: parse_csv_row,
    Door.ADMIN: parse_admin,
    Door.HOOK: parse_hook,
}


def parse_submission(submission: Submission) -> Parsed:
    """Read a submission with the adapter of the door it came through."""
    try:
        adapter = ADAPTERS[submission.door]
    except KeyError:
        raise LeadFieldErrors({"door": [f"no adapter reads the {submission.door} door"]}) from None
    return adapter(submission)


# The import's options naming the columns of a history row (`intake.csv_import.HistoryColumns`).
HISTORY_COLUMNS = (
    "received_at_column",
    "owner_column",
    "closed_at_column",
    "value_column",
    "outcome_column",
)


@dataclass(frozen=True)
class ImportedHistory:
    """What a history row says beyond the lead's fields: when it arrived and closed, how it
    ended, for how much, and who owned it in the tool the team used before."""

    received_at: datetime | None  # None: no such column, the lead arrives now
    status: str | None  # WON or LOST; None: still open
    closed_at: datetime | None
    value: Decimal | None
    owner: str  # the cell as written, "" for none
    owner_id: int | None  # the rep the import matched it to (routing's id; intake keeps it)
    outcome_as_written: str  # an outcome cell not understood (read as still open), else ""


def _cell(row: Mapping[str, Any], column: str | None) -> str:
    value = row.get(column) if column else None
    return value.strip() if isinstance(value, str) else ""


def _kept_cells(submission: Submission, row: Mapping[str, Any]) -> set[str]:
    """The closing date and value of a row still open, and the value of a lost one: they say
    nothing about a lead whose outcome is not won (or not known), so they stay among its
    extra fields as written instead of being read."""
    options = submission.options
    outcome_column = options.get("outcome_column")
    outcome = read_outcome(_cell(row, outcome_column))[0] if outcome_column else None
    kept = set()
    if outcome is None and options.get("closed_at_column"):
        kept.add(options["closed_at_column"])
    if outcome != WON and options.get("value_column"):
        kept.add(options["value_column"])
    return kept


def history_of(submission: Submission) -> ImportedHistory | None:
    """A history row's past (None when the import named no history column).

    1. Read the outcome (any spelling `intake.history.read_outcome` knows; else still open).
    2. Read the received and closed dates in the organisation's zone (`time_zone` in the
       import's options; a date alone is that day's start there): received is required,
       neither may be in the future, closed not before received (empty: closed on receipt).
    3. Read the value of a won lead; take the owner the import matched (`owner` in options)
       or its reason for not matching one (`owner_problem`).
    Every unreadable cell is reported at once, by column: LeadFieldErrors.
    """
    options = submission.options
    if not any(options.get(option) for option in HISTORY_COLUMNS):
        return None
    row = decode_json_object(bytes(submission.body))
    zone = ZoneInfo(options.get("time_zone") or settings.TIME_ZONE)
    now = submission.received_at
    errors: dict[str, list[str]] = {}

    def read(option: str, reader: Callable[[str], Any]) -> Any:
        column = options[option]
        try:
            return reader(_cell(row, column))
        except CellError as exc:
            errors[f"column '{column}'"] = [str(exc)]
            return None

    def when(text: str) -> datetime:
        if not text:
            raise CellError("is empty: give the day the lead arrived")
        at = read_when(text, zone)
        if at > now:
            raise CellError(f"{text!r} is in the future")
        return at

    outcome_cell = _cell(row, options.get("outcome_column"))
    status, understood = read_outcome(outcome_cell)
    received_at = read("received_at_column", when) if options.get("received_at_column") else None
    closed_at = value = None
    if status is not None and _cell(row, options.get("closed_at_column")):
        closed_at = read("closed_at_column", when)
        if closed_at and received_at and closed_at < received_at:
            column = options["closed_at_column"]
            errors[f"column '{column}'"] = [
                f"{_cell(row, column)!r} is before the lead was received "
                f"({_cell(row, options['received_at_column'])})"
            ]
    if status == WON and _cell(row, options.get("value_column")):
        value = read("value_column", read_money)
    owner = _cell(row, options.get("owner_column"))
    if owner and options.get("owner_problem"):
        errors[f"column '{options['owner_column']}'"] = [options["owner_problem"]]
    if errors:
        raise LeadFieldErrors(errors)
    return ImportedHistory(
        received_at=received_at,
        status=status,
        closed_at=(closed_at or received_at or now) if status else None,
        value=value,
        owner=owner,
        owner_id=options.get("owner") if owner else None,
        outcome_as_written="" if understood else outcome_cell,
    )
