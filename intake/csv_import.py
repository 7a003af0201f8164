"""The CSV door: every row is stored as its own submission and goes through the same pipeline
as a single lead, so imports dedupe, flag and (later) rotate exactly like the API."""

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from intake import services
from intake.fields import LEAD_FIELDS
from intake.models import Door, Source
from intake.services.leads import SubmissionProcessor

# Spreadsheets export cells far past Python's default field limit only by accident; 1 MB is
# the request limit elsewhere too.
csv.field_size_limit(1_048_576)


class CsvImportError(Exception):
    """The file as a whole cannot be imported (no header, a mapped column that is missing)."""


@dataclass
class RowReport:
    line: int
    status: str
    submission_id: int | None = None
    lead_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        if self.errors:
            return "; ".join(
                f"{name}: {', '.join(reasons)}" for name, reasons in self.errors.items()
            )
        return f"lead #{self.lead_id}" if self.lead_id else ""


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)

    def summary(self) -> str:
        counts = self.counts
        parts = [f"{counts[name]} {name}" for name in ("created", "merged", "invalid", "failed")]
        return f"{len(self.rows)} rows: " + ", ".join(parts)


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
    outcome_column: str | None = None,
    actor=None,
    process: SubmissionProcessor,
) -> ImportReport:
    """Import every row; one bad row is reported and kept, never a reason to stop the rest.

    Each row is stored raw, then handed to `process` — the caller's entry point passes
    `leadrouter.pipeline.process_submission`, which intake does not import (it sits above it).
    """
    reader = csv.DictReader(text)
    headers = reader.fieldnames
    if not headers:
        raise CsvImportError("the file is empty or has no header row")
    column_map = column_map or {}
    missing = [column for column in column_map if column not in headers]
    if outcome_column and outcome_column not in headers:
        missing.append(outcome_column)
    if missing:
        raise CsvImportError(
            f"column(s) not in the file: {', '.join(missing)} "
            f"(the header has: {', '.join(headers)})"
        )
    options: dict[str, Any] = {"column_map": column_map}
    if outcome_column:
        options["outcome_column"] = outcome_column
    report = ImportReport()
    for row in reader:
        # Extra cells past the header land under the None key; keep them, named.
        extra = row.pop(None, None)
        if extra:
            row["extra_cells"] = extra
        submission = services.submission_store(
            source=source,
            door=Door.CSV,
            body=json.dumps(row, ensure_ascii=False).encode(),
            content_type="application/json",
            options=options,
        )
        result = process(submission, actor=actor)
        if result.errors:
            status = "invalid"
        elif result.failed:
            status = "failed"
        else:
            status = "created" if result.created else "merged"
        report.rows.append(
            RowReport(
                line=reader.line_num,
                status=status,
                submission_id=submission.pk,
                lead_id=result.lead.pk if result.lead else None,
                errors=result.errors,
            )
        )
    return report
