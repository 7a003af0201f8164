"""Business-time arithmetic (routing/business_time.py): explicit instants, no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.business_time import (
    CalendarSpec,
    Closure,
    add_business_minutes,
    business_days_ago,
    business_minutes_between,
    is_open,
    next_opening,
)

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE = ((time(9), time(17)),)


def weekdays(zone: str, hours=NINE_TO_FIVE, **fields) -> CalendarSpec:
    return CalendarSpec(time_zone=zone, hours={day: hours for day in range(5)}, **fields)


def every_day(zone: str, hours, **fields) -> CalendarSpec:
    return CalendarSpec(time_zone=zone, hours={day: hours for day in range(7)}, **fields)


def at(zone: ZoneInfo, year: int, month: int, day: int, *clock: int) -> datetime:
    """A wall-clock instant in a zone: at(CHICAGO, 2026, 11, 20, 16, 58)."""
    return datetime(year, month, day, *clock, tzinfo=zone)


US_CHICAGO = weekdays("America/Chicago", holiday_country="US")


def test_friday_1658_with_a_five_minute_target_is_due_monday_0903():
    friday = at(CHICAGO, 2026, 11, 20, 16, 58)
    due = add_business_minutes(US_CHICAGO, friday, 5)
    assert due == at(CHICAGO, 2026, 11, 23, 9, 3)
    assert due.tzinfo is UTC
    assert business_minutes_between(US_CHICAGO, friday, due) == 5


def test_a_lead_after_hours_counts_from_the_next_opening():
    evening = at(CHICAGO, 2026, 11, 17, 20, 0)
    assert not is_open(US_CHICAGO, evening)
    assert next_opening(US_CHICAGO, evening) == at(CHICAGO, 2026, 11, 18, 9, 0)
    assert add_business_minutes(US_CHICAGO, evening, 30) == at(CHICAGO, 2026, 11, 18, 9, 30)


@pytest.mark.parametrize(
    ("day", "next_working_day"),
    [(date(2026, 7, 3), date(2026, 7, 6)), (date(2026, 11, 26), date(2026, 11, 27))],
    ids=["Independence Day observed on Friday", "Thanksgiving"],
)
def test_a_federal_holiday_is_closed_all_day(day, next_working_day):
    day_before_8am = at(CHICAGO, day.year, day.month, day.day, 8, 0) - timedelta(days=1)
    assert not is_open(US_CHICAGO, at(CHICAGO, day.year, day.month, day.day, 12, 0))
    # 8 hours and a minute from 08:00 the day before: that whole day, then past the holiday.
    due = add_business_minutes(US_CHICAGO, day_before_8am, 8 * 60 + 1)
    assert due == datetime.combine(next_working_day, time(9, 1), tzinfo=CHICAGO)


def test_without_a_country_a_holiday_is_a_working_day():
    thanksgiving = at(CHICAGO, 2026, 11, 26, 12, 0)
    assert is_open(weekdays("America/Chicago"), thanksgiving)


def test_a_subdivision_holiday_closes_that_state_only():
    texas_independence_day = at(CHICAGO, 2026, 3, 2, 10, 0)
    texas = weekdays("America/Chicago", holiday_country="US", holiday_subdivision="TX")
    new_york = weekdays("America/Chicago", holiday_country="US", holiday_subdivision="NY")
    assert not is_open(texas, texas_independence_day)
    assert is_open(new_york, texas_independence_day)
    assert is_open(US_CHICAGO, texas_independence_day)


def test_a_whole_day_closure():
    closed = weekdays(
        "America/Chicago", closures=(Closure(date(2026, 12, 24), reason="Christmas Eve"),)
    )
    assert not is_open(closed, at(CHICAGO, 2026, 12, 24, 10, 0))
    assert add_business_minutes(closed, at(CHICAGO, 2026, 12, 23, 16, 0), 90) == at(
        CHICAGO, 2026, 12, 25, 9, 30
    )


def test_a_partial_closure_takes_out_part_of_the_day():
    training = Closure(date(2026, 12, 2), time(11, 0), time(13, 30), reason="Team training")
    spec = weekdays("America/Chicago", closures=(training,))
    assert is_open(spec, at(CHICAGO, 2026, 12, 2, 10, 59))
    assert not is_open(spec, at(CHICAGO, 2026, 12, 2, 11, 0))
    assert next_opening(spec, at(CHICAGO, 2026, 12, 2, 12, 0)) == at(CHICAGO, 2026, 12, 2, 13, 30)
    assert add_business_minutes(spec, at(CHICAGO, 2026, 12, 2, 10, 0), 120) == at(
        CHICAGO, 2026, 12, 2, 14, 30
    )
    assert business_minutes_between(
        spec, at(CHICAGO, 2026, 12, 2, 0, 0), at(CHICAGO, 2026, 12, 3, 0, 0)
    ) == (8 * 60 - 150)


def test_a_closure_from_a_time_to_the_end_of_the_day():
    early_close = Closure(date(2026, 12, 31), start=time(15, 0), reason="New Year's Eve")
    spec = weekdays("America/Chicago", closures=(early_close,))
    assert is_open(spec, at(CHICAGO, 2026, 12, 31, 14, 59))
    assert not is_open(spec, at(CHICAGO, 2026, 12, 31, 15, 0))


def test_split_shifts_skip_the_lunch_break():
    split = weekdays("America/Chicago", hours=((time(9), time(12)), (time(13), time(17))))
    eleven = at(CHICAGO, 2026, 12, 1, 11, 0)
    assert add_business_minutes(split, eleven, 180) == at(CHICAGO, 2026, 12, 1, 15, 0)
    assert not is_open(split, at(CHICAGO, 2026, 12, 1, 12, 30))
    assert next_opening(split, at(CHICAGO, 2026, 12, 1, 12, 30)) == at(CHICAGO, 2026, 12, 1, 13)


def test_twenty_four_seven_counts_every_minute():
    always = CalendarSpec(time_zone="America/Chicago", always_open=True)
    sunday_3am = at(CHICAGO, 2026, 11, 29, 3, 0)
    assert is_open(always, sunday_3am)
    assert add_business_minutes(always, sunday_3am, 5) == sunday_3am + timedelta(minutes=5)
    assert add_business_minutes(always, sunday_3am, 3 * 24 * 60) == sunday_3am + timedelta(days=3)
    assert business_minutes_between(always, sunday_3am, sunday_3am + timedelta(hours=49)) == (
        49 * 60
    )


def test_twenty_four_seven_still_closes_on_its_holidays():
    always = CalendarSpec(time_zone="America/Chicago", always_open=True, holiday_country="US")
    assert not is_open(always, at(CHICAGO, 2026, 12, 25, 12, 0))
    assert next_opening(always, at(CHICAGO, 2026, 12, 25, 12, 0)) == at(CHICAGO, 2026, 12, 26)


def test_spring_forward_day_keeps_its_wall_clock_hours():
    weekend = every_day("America/New_York", NINE_TO_FIVE)
    sunday = (2026, 3, 8)
    assert business_minutes_between(
        weekend, at(NEW_YORK, *sunday, 0, 0), at(NEW_YORK, *sunday, 23, 0)
    ) == (8 * 60)
    # Saturday 16:00 → Sunday 10:00: across the night that lost an hour, 2 business hours.
    assert add_business_minutes(weekend, at(NEW_YORK, 2026, 3, 7, 16, 0), 120) == at(
        NEW_YORK, *sunday, 10, 0
    )


def test_spring_forward_interval_containing_the_skipped_hour_is_an_hour_shorter():
    night_shift = every_day("America/New_York", ((time(0), time(6)),))
    sunday_midnight = at(NEW_YORK, 2026, 3, 8, 0, 0)
    assert business_minutes_between(
        night_shift, sunday_midnight, at(NEW_YORK, 2026, 3, 8, 12, 0)
    ) == (5 * 60)
    # Three real hours after midnight it is 04:00 EDT (02:00 never happened).
    assert add_business_minutes(night_shift, sunday_midnight, 180) == at(NEW_YORK, 2026, 3, 8, 4)


def test_fall_back_interval_containing_the_repeated_hour_is_an_hour_longer():
    night_shift = every_day("America/New_York", ((time(0), time(6)),))
    sunday_midnight = at(NEW_YORK, 2026, 11, 1, 0, 0)
    assert business_minutes_between(
        night_shift, sunday_midnight, at(NEW_YORK, 2026, 11, 1, 12, 0)
    ) == (7 * 60)
    # Two real hours after midnight EDT it is 01:00 EST, the second 01:00 of the night.
    due = add_business_minutes(night_shift, sunday_midnight, 120)
    assert due == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).fold == 1


def test_fall_back_day_keeps_its_wall_clock_hours():
    weekend = every_day("America/New_York", NINE_TO_FIVE)
    assert business_minutes_between(
        weekend, at(NEW_YORK, 2026, 10, 31, 16, 0), at(NEW_YORK, 2026, 11, 1, 10, 0)
    ) == (2 * 60)
    assert add_business_minutes(weekend, at(NEW_YORK, 2026, 11, 1, 9, 0), 8 * 60) == at(
        NEW_YORK, 2026, 11, 1, 17, 0
    )


def test_an_interval_closing_at_midnight_runs_to_the_end_of_the_day():
    evenings = every_day("America/New_York", ((time(18), time(0)),))
    assert is_open(evenings, at(NEW_YORK, 2026, 12, 1, 23, 59))
    assert not is_open(evenings, at(NEW_YORK, 2026, 12, 2, 0, 0))
    assert add_business_minutes(evenings, at(NEW_YORK, 2026, 12, 1, 23, 0), 90) == at(
        NEW_YORK, 2026, 12, 2, 18, 30
    )
    late = every_day("America/New_York", ((time(18), time.max),))
    assert business_minutes_between(late, at(NEW_YORK, 2026, 12, 1), at(NEW_YORK, 2026, 12, 2)) == (
        6 * 60
    )


def test_a_calendar_in_one_zone_and_an_instant_in_another():
    la = weekdays("America/Los_Angeles")
    london_evening = at(LONDON, 2026, 12, 1, 17, 30)  # 09:30 in Los Angeles
    assert is_open(la, london_evening)
    assert add_business_minutes(la, london_evening, 60) == at(LOS_ANGELES, 2026, 12, 1, 10, 30)
    london_morning = at(LONDON, 2026, 12, 1, 9, 0)  # 01:00 in Los Angeles
    assert next_opening(la, london_morning) == at(LOS_ANGELES, 2026, 12, 1, 9, 0)


def test_starting_exactly_at_closing_and_exactly_at_opening():
    close = at(CHICAGO, 2026, 12, 1, 17, 0)
    opening = at(CHICAGO, 2026, 12, 1, 9, 0)
    assert not is_open(US_CHICAGO, close)
    assert is_open(US_CHICAGO, opening)
    assert next_opening(US_CHICAGO, opening) == opening
    assert add_business_minutes(US_CHICAGO, close, 1) == at(CHICAGO, 2026, 12, 2, 9, 1)
    assert add_business_minutes(US_CHICAGO, opening, 0) == opening
    # A target that ends exactly at closing is due at closing, not at the next opening.
    assert add_business_minutes(US_CHICAGO, opening, 8 * 60) == close


def test_fractional_minutes():
    start = at(CHICAGO, 2026, 12, 1, 16, 59)
    due = add_business_minutes(US_CHICAGO, start, 1.5)
    assert due == at(CHICAGO, 2026, 12, 2, 9, 0, 30)
    assert business_minutes_between(US_CHICAGO, start, due) == 1.5


def test_between_is_negative_backwards_and_zero_when_closed():
    monday = at(CHICAGO, 2026, 11, 30, 10, 0)
    assert business_minutes_between(US_CHICAGO, monday, monday - timedelta(hours=1)) == -60
    saturday = at(CHICAGO, 2026, 11, 28, 10, 0)
    assert business_minutes_between(US_CHICAGO, saturday, saturday + timedelta(hours=5)) == 0


def test_a_calendar_that_never_opens_says_so_instead_of_looping():
    never = CalendarSpec(time_zone="America/Chicago")
    start = at(CHICAGO, 2026, 12, 1, 10, 0)
    with pytest.raises(ValueError, match="no open time in the 366 days"):
        add_business_minutes(never, start, 5)
    with pytest.raises(ValueError, match="no open time"):
        next_opening(never, start)
    assert not is_open(never, start)
    assert business_minutes_between(never, start, start + timedelta(days=800)) == 0


def test_a_naive_datetime_is_refused_rather_than_read_in_the_servers_zone():
    naive = datetime(2026, 12, 1, 10, 0)
    with pytest.raises(ValueError, match="Give an aware datetime"):
        add_business_minutes(US_CHICAGO, naive, 5)
    with pytest.raises(ValueError, match="Give an aware datetime"):
        is_open(US_CHICAGO, naive)
    with pytest.raises(ValueError, match="Give an aware datetime"):
        business_minutes_between(US_CHICAGO, at(CHICAGO, 2026, 12, 1, 9, 0), naive)


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_minutes(US_CHICAGO, at(CHICAGO, 2026, 12, 1, 10, 0), -1)


PROPERTY_CALENDARS = [
    US_CHICAGO,
    every_day("America/New_York", ((time(0), time(6)), (time(9), time(17)))),
    CalendarSpec(
        time_zone="America/Los_Angeles",
        hours={0: ((time(8), time(12)), (time(13), time(0))), 6: ((time(1, 30), time(2, 30)),)},
        holiday_country="US",
        holiday_subdivision="CA",
        closures=(Closure(date(2026, 3, 9), time(10), time(11)),),
    ),
    CalendarSpec(time_zone="Europe/London", always_open=True, holiday_country="GB"),
]


@settings(max_examples=150, deadline=None)
@given(
    calendar=st.sampled_from(PROPERTY_CALENDARS),
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.floats(min_value=0, max_value=20_000, allow_nan=False),
)
def test_between_is_the_inverse_of_add(calendar, start, minutes):
    due = add_business_minutes(calendar, start, minutes)
    assert due >= start
    assert business_minutes_between(calendar, start, due) == pytest.approx(minutes, abs=1e-4)
    # Due at an open instant's end, or at the next opening when nothing is left to count.
    assert is_open(calendar, due - timedelta(microseconds=1)) or due == next_opening(
        calendar, start
    )


# --- whole business days (recycling) --------------------------------------------------------


def test_business_days_ago_counts_ended_open_days_skipping_the_weekend_and_thanksgiving():
    # Friday Nov 20 2026: Mon 23, Tue 24, Wed 25 open, Thu 26 Thanksgiving, Fri 27 open.
    friday_evening = at(CHICAGO, 2026, 11, 27, 17, 0)
    assert business_days_ago(US_CHICAGO, friday_evening, 1) == at(CHICAGO, 2026, 11, 27, 0, 0)
    assert business_days_ago(US_CHICAGO, friday_evening, 2) == at(CHICAGO, 2026, 11, 25, 0, 0)
    assert business_days_ago(US_CHICAGO, friday_evening, 4) == at(CHICAGO, 2026, 11, 23, 0, 0)
    # Before Friday's close Friday has not ended: the 4th day back is the Friday before.
    before_close = at(CHICAGO, 2026, 11, 27, 16, 59)
    assert business_days_ago(US_CHICAGO, before_close, 4) == at(CHICAGO, 2026, 11, 20, 0, 0)
    assert business_days_ago(US_CHICAGO, friday_evening, 1).tzinfo is UTC


def test_business_days_ago_on_a_weekend_counts_back_from_friday():
    sunday = at(CHICAGO, 2026, 11, 22, 12, 0)
    assert business_days_ago(US_CHICAGO, sunday, 1) == at(CHICAGO, 2026, 11, 20, 0, 0)


def test_business_days_ago_on_a_24_7_calendar_counts_whole_days_ended():
    always = CalendarSpec(time_zone="America/Chicago", always_open=True)
    tuesday_10 = at(CHICAGO, 2026, 11, 24, 10, 0)
    assert business_days_ago(always, tuesday_10, 1) == at(CHICAGO, 2026, 11, 23, 0, 0)
    assert business_days_ago(always, tuesday_10, 3) == at(CHICAGO, 2026, 11, 21, 0, 0)


def test_business_days_ago_refuses_a_calendar_that_never_opens():
    with pytest.raises(ValueError, match="no open time"):
        business_days_ago(CalendarSpec(time_zone="UTC"), at(CHICAGO, 2026, 11, 24, 10), 1)
    with pytest.raises(ValueError, match="at least one"):
        business_days_ago(US_CHICAGO, at(CHICAGO, 2026, 11, 24, 10), 0)
