"""Reading the cells of a history file: when something happened (ISO and US dates, in the
organisation's zone when they carry no offset), how much a deal was worth, and how a lead
ended (the spellings spreadsheets and CRMs use). Pure functions, no database: `import_leads`,
the admin's CSV upload and the CSV adapter all read cells through them.

Each reader raises `CellError` with the reason in plain words ("'31/31/2026' is not a date");
the caller names the row and the column.
"""

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class CellError(ValueError):
    """A cell that cannot be read; the message says why, quoting the cell."""


# --- How a lead ended. ---

WON = "won"
LOST = "lost"

# Compared after folding case and turning "_", "-" and runs of spaces into one space.
OUTCOME_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(
        ("1", "1.0", "true", "t", "yes", "y", "won", "win", "converted", "closed won"), WON
    ),
    **dict.fromkeys(
        (
            "0",
            "0.0",
            "false",
            "f",
            "no",
            "n",
            "lost",
            "loss",
            "not converted",
            "closed lost",
        ),
        LOST,
    ),
}


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[_\-]", " ", text).split()).casefold()


def read_outcome(text: str) -> tuple[str | None, bool]:
    """How a lead ended: (WON, LOST or None for still open, whether the cell was understood).

    An empty cell is understood: the lead is still open. Anything not in `OUTCOME_SPELLINGS`
    ("maybe", "pending") also leaves it open, but is reported as not understood.
    """
    folded = _folded(text)
    if not folded:
        return None, True
    outcome = OUTCOME_SPELLINGS.get(folded)
    return outcome, outcome is not None


# --- When. ---

_US_DATE = re.compile(
    r"^(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?: ?(?P<half>[ap])\.?m\.?)?)?$",
    re.IGNORECASE,
)
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def read_when(text: str, zone: tzinfo) -> datetime:
    """A date, or a date and time, as an aware UTC datetime.

    - ISO: 2026-03-04, 2026-03-04 14:30, 2026-03-04T14:30:00, with Z or +02:00 when it has
      an offset;
    - US (month/day/year): 03/04/2026, 3/4/2026, 3/4/26, 3/4/2026 14:30, 3/4/2026 2:30 PM.

    Without an offset it is a time in `zone` (the organisation's), and a date alone is that
    day's start there: never midnight UTC. A time the clock skipped (a DST spring-forward)
    reads as the same moment after the change; a time that happened twice reads as the first.
    """
    cell = " ".join(text.split())
    if not cell:
        raise CellError("is empty")
    match = _US_DATE.match(cell)
    if match:
        local = _us_datetime(cell, match)
    elif _ISO_START.match(cell):
        try:
            parsed = datetime.fromisoformat(cell)
        except ValueError:
            raise CellError(f"{cell!r} is not a date") from None
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        local = parsed
    else:
        raise CellError(
            f"{cell!r} is not a date (write 2026-03-04, 2026-03-04 14:30 or 3/4/2026 2:30 PM)"
        )
    # fold=0: the first of a repeated hour; a skipped time takes the offset before the change.
    return local.replace(tzinfo=zone).astimezone(UTC)


def _us_datetime(cell: str, match: re.Match) -> datetime:
    month, day = int(match["month"]), int(match["day"])
    year = int(match["year"])
    if len(match["year"]) == 2:
        year += 2000 if year < 69 else 1900  # as strptime's %y reads it
    try:
        day_of = date(year, month, day)
    except ValueError:
        reason = f"{cell!r} is not a date"
        if month > 12 and day <= 12:
            reason += f" (dates like this one are month/day/year: {day}/{month}/{year}?)"
        raise CellError(reason) from None
    if match["hour"] is None:
        return datetime.combine(day_of, time())
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    half = (match["half"] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise CellError(f"{cell!r} is not a time of day")
        hour = hour % 12 + (12 if half == "p" else 0)
    try:
        return datetime.combine(day_of, time(hour, minute, second))
    except ValueError:
        raise CellError(f"{cell!r} is not a time of day") from None


# --- How much. ---

_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")
_CURRENCY = re.compile(r"^(?:US\$|USD|\$|€|£|EUR|GBP)|(?:USD|EUR|GBP|\$|€|£)$", re.IGNORECASE)
# Lead.outcome_value holds 12 digits, 2 of them after the point.
MAX_VALUE = Decimal("1e10")


def read_money(text: str) -> Decimal:
    """An amount as spreadsheets write it: 1250, 1250.5, 1,250.00, $1,250, USD 1250, €90.

    Rounded to cents. A negative amount, a European "1.250,00" (ambiguous with thousands) or
    anything else is refused with the reason.
    """
    cell = " ".join(text.split())
    bare = _CURRENCY.sub("", cell).strip()
    if bare.startswith("-") or (bare.startswith("(") and bare.endswith(")")):
        raise CellError(f"{cell!r} is below zero")
    bare = bare.replace(" ", "")
    if not _AMOUNT.match(bare):
        raise CellError(f"{cell!r} is not an amount (write 1250, 1,250.00 or $1,250)")
    try:
        amount = Decimal(bare.replace(",", "")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation:
        raise CellError(f"{cell!r} is not an amount (write 1250, 1,250.00 or $1,250)") from None
    if amount >= MAX_VALUE:
        raise CellError(f"{cell!r} is too large")
    return amount
