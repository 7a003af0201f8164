"""Reading a history file's cells: outcomes in the spellings spreadsheets use, ISO and US dates
in the organisation's zone (DST days included), and money as people write it."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from intake.history import LOST, WON, CellError, read_money, read_outcome, read_when

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    "cell",
    ["1", "true", "TRUE", "True", "yes", "Y", "won", "WON", "converted", "Converted",
     "closed won", "Closed Won", "CLOSED-WON", "closed_won", "  closed   won ", "win", "t"],
)  # fmt: skip
def test_every_usual_spelling_of_won_reads_as_won(cell):
    assert read_outcome(cell) == (WON, True)


@pytest.mark.parametrize(
    "cell",
    ["0", "false", "FALSE", "no", "No", "N", "lost", "LOST", "closed lost", "Closed Lost",
     "closed-lost", " closed_lost ", "not converted", "f"],
)  # fmt: skip
def test_every_usual_spelling_of_lost_reads_as_lost(cell):
    assert read_outcome(cell) == (LOST, True)


def test_an_empty_outcome_is_still_open_and_understood():
    assert read_outcome("") == (None, True)
    assert read_outcome("   ") == (None, True)


@pytest.mark.parametrize("cell", ["maybe", "pending", "2", "open?", "won't"])
def test_any_other_outcome_is_still_open_and_not_understood(cell):
    assert read_outcome(cell) == (None, False)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-03-04", utc(2026, 3, 4, 6, 0)),  # that day's start in Chicago, not midnight UTC
        ("2026-03-04 14:30", utc(2026, 3, 4, 20, 30)),
        ("2026-03-04T14:30:00", utc(2026, 3, 4, 20, 30)),
        ("2026-03-04T14:30:00Z", utc(2026, 3, 4, 14, 30)),  # an offset wins over the zone
        ("2026-03-04T14:30:00+02:00", utc(2026, 3, 4, 12, 30)),
        ("03/04/2026", utc(2026, 3, 4, 6, 0)),  # US: month/day/year
        ("3/4/2026", utc(2026, 3, 4, 6, 0)),
        ("3/4/26", utc(2026, 3, 4, 6, 0)),
        ("3/4/2026 2:30 PM", utc(2026, 3, 4, 20, 30)),
        ("3/4/2026 2:30pm", utc(2026, 3, 4, 20, 30)),
        ("3/4/2026 12:05 AM", utc(2026, 3, 4, 6, 5)),
        ("3/4/2026 12:05 p.m.", utc(2026, 3, 4, 18, 5)),
        ("3/4/2026 14:30", utc(2026, 3, 4, 20, 30)),
        ("03/04/2026 14:30:15", utc(2026, 3, 4, 20, 30, 15)),
        ("  2026-03-04  ", utc(2026, 3, 4, 6, 0)),
    ],
)
def test_iso_and_us_dates_read_in_the_organisations_zone(cell, expected):
    assert read_when(cell, CHICAGO) == expected


def test_a_date_alone_is_midnight_in_the_zone_given_not_in_utc():
    assert read_when("2026-03-04", ZoneInfo("UTC")) == utc(2026, 3, 4)
    assert read_when("2026-03-04", ZoneInfo("Asia/Tokyo")) == utc(2026, 3, 3, 15)
    assert read_when("2026-07-04", CHICAGO) == utc(2026, 7, 4, 5)  # summer: CDT, UTC-5


def test_dst_days_start_at_their_own_midnight():
    # Chicago springs forward at 02:00 on Sunday 2026-03-08 and falls back on 2026-11-01.
    assert read_when("2026-03-07", CHICAGO) == utc(2026, 3, 7, 6)
    assert read_when("2026-03-08", CHICAGO) == utc(2026, 3, 8, 6)  # still CST at midnight
    assert read_when("2026-03-09", CHICAGO) == utc(2026, 3, 9, 5)
    assert read_when("2026-11-01", CHICAGO) == utc(2026, 11, 1, 5)  # still CDT at midnight
    assert read_when("2026-11-02", CHICAGO) == utc(2026, 11, 2, 6)


def test_a_skipped_time_reads_after_the_change_and_a_repeated_one_as_the_first():
    assert read_when("3/8/2026 2:30 AM", CHICAGO) == utc(2026, 3, 8, 8, 30)  # 03:30 CDT
    assert read_when("2026-11-01 01:30", CHICAGO) == utc(2026, 11, 1, 6, 30)  # the CDT one


def test_a_day_starting_after_a_midnight_change_starts_when_the_clock_does():
    # Santiago springs forward at midnight (2026-09-06 00:00 → 01:00): the day starts at 01:00.
    assert read_when("2026-09-06", ZoneInfo("America/Santiago")) == utc(2026, 9, 6, 4)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("31/31/2026", "'31/31/2026' is not a date"),
        ("2026-02-30", "'2026-02-30' is not a date"),
        ("2/30/2026", "'2/30/2026' is not a date"),
        ("yesterday", "'yesterday' is not a date (write 2026-03-04"),
        ("3/4/2026 13:30 PM", "'3/4/2026 13:30 PM' is not a time of day"),
        ("3/4/2026 25:00", "'3/4/2026 25:00' is not a time of day"),
        ("", "is empty"),
    ],
)
def test_a_cell_that_is_not_a_date_says_so_quoting_it(cell, reason):
    with pytest.raises(CellError) as error:
        read_when(cell, CHICAGO)

    assert str(error.value).startswith(reason)


def test_a_european_day_month_date_gets_a_hint_at_the_us_order():
    with pytest.raises(CellError, match=r"month/day/year: 12/31/2026\?"):
        read_when("31/12/2026", CHICAGO)


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1250", "1250.00"),
        ("1,250.00", "1250.00"),
        ("$1,250", "1250.00"),
        ("$ 1,250.50", "1250.50"),
        ("USD 1250", "1250.00"),
        ("1250 USD", "1250.00"),
        ("€90.5", "90.50"),
        ("1,234,567.891", "1234567.89"),
        ("0", "0.00"),
        (".5", "0.50"),
    ],
)
def test_money_as_spreadsheets_write_it(cell, amount):
    assert read_money(cell) == Decimal(amount)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1.250,00", "'1.250,00' is not an amount"),
        ("12,50", "'12,50' is not an amount"),
        ("lots", "'lots' is not an amount"),
        ("-5", "'-5' is below zero"),
        ("($1,250)", "'($1,250)' is below zero"),
        ("99999999999", "'99999999999' is too large"),
    ],
)
def test_money_that_cannot_be_read_says_why(cell, reason):
    with pytest.raises(CellError) as error:
        read_money(cell)

    assert str(error.value).startswith(reason)
