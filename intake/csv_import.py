"""The CSV door: every row is stored as its own submission and goes through the same pipeline
as a single lead, so imports dedupe, flag and (later) rotate exactly like the API."""

import csv
import io
import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from intake import services
from intake.fields import LEAD_FIELDS
from intake.history import read_outcome
from intake.models import Door, Source
from intake.selectors import organisation_time_zone
from intake.services.leads import SubmissionProcessor

# Spreadsheets export cells far past Python's default field limit only by accident; 1 MB is
# the request limit elsewhere too.
csv.field_size_limit(1_048_576)


class CsvImportError(Exception):
    """The file as a whole cannot be imported (no header, a mapped column that is missing)."""


@dataclass(frozen=True)
class HistoryColumns:
    """The columns of a history file that say what happened before (each optional): when the
    lead arrived, who owned it, when it closed, for how much, and how it ended."""

    received_at: str | None = None
    owner: str | None = None
    closed_at: str | None = None
    value: str | None = None
    outcome: str | None = None

    def named(self) -> dict[str, str]:
        """{option in a submission's options: column} for the columns given."""
        columns = {
            "received_at_column": self.received_at,
            "owner_column": self.owner,
            "closed_at_column": self.closed_at,
            "value_column": self.value,
            "outcome_column": self.outcome,
        }
        return {option: column for option, column in columns.items() if column}


@dataclass(frozen=True)
class OwnerMatch:
    """The rep an owner cell names (routing's id, kept opaque here), or why no rep can own
    the row's lead."""

    rep_id: int | None = None
    problem: str = ""


class OwnerMatcher(Protocol):
    """Matches every owner a file names at once: `leadrouter.pipeline.imported_owners`,
    passed by the entry point (intake knows no reps). May raise CsvImportError."""

    def __call__(self, *, names: Collection[str]) -> Mapping[str, OwnerMatch]: ...


# The key of a problem with the row as a whole (`intake.fields.validate_lead_fields`).
WHOLE_ROW = "non_field_errors"


@dataclass
class RowReport:
    row: int  # as a spreadsheet numbers it: the header is row 1
    status: str
    submission_id: int | None = None
    lead_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        if self.errors:
            return "; ".join(
                ", ".join(reasons) if name == WHOLE_ROW else f"{name}: {', '.join(reasons)}"
                for name, reasons in self.errors.items()
            )
        return f"lead #{self.lead_id}" if self.lead_id else ""

    def problems(self) -> list[str]:
        """Each problem of the row on its own, by row and column: "row 14, column 'Closed':
        '31/31/2026' is not a date"."""
        return [
            f"row {self.row}: {reason}"
            if name == WHOLE_ROW
            else f"row {self.row}, {name}: {reason}"
            for name, reasons in self.errors.items()
            for reason in reasons
        ]


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    # Outcome cells not understood, as written, of the rows imported (as still open).
    unknown_outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)

    def summary(self) -> str:
        counts = self.counts
        parts = [f"{counts[name]} {name}" for name in ("created", "merged", "invalid", "failed")]
        return f"{len(self.rows)} rows: " + ", ".join(parts)

    def outcome_note(self) -> str:
        """What became of outcomes nobody could read, or "" when every one was understood."""
        total = sum(self.unknown_outcomes.values())
        if not total:
            return ""
        values = ", ".join(
            f"{value!r}: {count}" for value, count in self.unknown_outcomes.most_common()
        )
        rows = "1 row" if total == 1 else f"{total} rows"
        verb = "was" if total == 1 else "were"
        return f"{rows} with an outcome we don't know ({values}) {verb} imported as still open"

    def problems(self) -> list[str]:
        return [problem for row in self.rows for problem in row.problems()]


def parse_column_map(pairs: Iterable[str]) -> dict[str, str]:
    """`COLUMN=field` pairs as given on the command line or in the admin, one per item."""
    column_map: dict[str, str] = {}
    for pair in pairs:
        pair = pair.strip()
        if not pair:
            continue
        column, sep, target = pair.rpartition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column or not target:
            raise CsvImportError(f"map entry {pair!r} is not COLUMN=field")
        if target not in LEAD_FIELDS and not target.startswith("attributes."):
            raise CsvImportError(
                f"map entry {pair!r}: {target!r} is not a lead field ({', '.join(LEAD_FIELDS)}, "
                "or attributes.<name>)"
            )
        column_map[column] = target
    return column_map


def decode_upload(data: bytes) -> str:
    """Spreadsheets save UTF-8 (often with a BOM) or, on Windows, cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def import_csv(
    *,
    source: Source,
    text: io.TextIOBase | Iterable[str],
    column_map: dict[str, str] | None = None,
    history: HistoryColumns | None = None,
    owners: OwnerMatcher | None = None,
    actor=None,
    process: SubmissionProcessor,
) -> ImportReport:
    """Import every row; one bad row is reported and kept, never a reason to stop the rest.

    1. Check the header: every mapped and history column is there, none named twice.
    2. With history columns, read the organisation's time zone once (dates without an offset
       are in it) and match every owner the file names at once (`owners`, from the entry
       point: the reps are routing's).
    3. Store each row raw (its options say which columns are history and whom its owner
       cell matched), then hand it to `process` — the caller's entry point passes
       `leadrouter.pipeline.process_submission`, which intake does not import (it sits
       above it). Outcomes nobody could read are counted for the report.
    """
    reader = csv.DictReader(text)
    headers = reader.fieldnames
    if not headers:
        raise CsvImportError("the file is empty or has no header row")
    column_map = column_map or {}
    history_columns = (history or HistoryColumns()).named()
    _check_columns(headers, column_map, history_columns)
    options: dict[str, Any] = {"column_map": column_map, **history_columns}
    if history_columns.keys() & {"received_at_column", "closed_at_column"}:
        options["time_zone"] = organisation_time_zone().key
    rows = []
    for row in reader:
        # Extra cells past the header land under the None key; keep them, named.
        extra = row.pop(None, None)
        if extra:
            row["extra_cells"] = extra
        rows.append(row)
    owner_column = history_columns.get("owner_column")
    matches = _owners_of(rows, owner_column, owners) if owner_column else {}
    outcome_column = history_columns.get("outcome_column")
    report = ImportReport()
    for number, row in enumerate(rows, start=2):
        row_options = options
        owner = (row.get(owner_column) or "").strip() if owner_column else ""
        if owner:
            match = matches[owner]
            row_options = {**options, "owner": match.rep_id, "owner_problem": match.problem}
        submission = services.submission_store(
            source=source,
            door=Door.CSV,
            body=json.dumps(row, ensure_ascii=False).encode(),
            content_type="application/json",
            options=row_options,
        )
        result = process(submission, actor=actor)
        if result.errors:
            status = "invalid"
        elif result.failed:
            status = "failed"
        else:
            status = "created" if result.created else "merged"
        if outcome_column and status in ("created", "merged"):
            cell = (row.get(outcome_column) or "").strip()
            if not read_outcome(cell)[1]:
                report.unknown_outcomes[cell] += 1
        report.rows.append(
            RowReport(
                row=number,
                status=status,
                submission_id=submission.pk,
                lead_id=result.lead.pk if result.lead else None,
                errors=result.errors,
            )
        )
    return report


def _check_columns(
    headers: Sequence[str], column_map: Mapping[str, str], history_columns: Mapping[str, str]
) -> None:
    named = [*column_map, *history_columns.values()]
    missing = [column for column in named if column not in headers]
    if missing:
        raise CsvImportError(
            f"column(s) not in the file: {', '.join(missing)} "
            f"(the header has: {', '.join(headers)})"
        )
    twice = sorted(column for column, count in Counter(named).items() if count > 1)
    if twice:
        raise CsvImportError(
            f"column(s) given two jobs: {', '.join(twice)} (a column is mapped to a lead field "
            "or read as one history option, not both)"
        )


def _owners_of(
    rows: list[dict[str, Any]], column: str, owners: OwnerMatcher | None
) -> Mapping[str, OwnerMatch]:
    """Every owner the file names, matched once (a few names over thousands of rows)."""
    names = {(row.get(column) or "").strip() for row in rows} - {""}
    if not names:
        return {}
    if owners is None:
        raise CsvImportError("an owner column needs the reps to match it against")
    return owners(names=names)
