"""The admin's pickers: states, languages, time zones and weekly hours parse what a manager
gives them, and refuse the rest with the reason."""

import re

import pytest
from django import forms

from leadrouter.forms import (
    LanguageMultipleChoiceField,
    StateMultipleChoiceField,
    TimeZoneField,
    WeeklyHoursField,
    WeeklyHoursWidget,
    parse_state,
)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("nv", "NV"), ("NV", "NV"), ("Nevada", "NV"), (" tx ", "TX"), ("new  york", "NY")],
)
def test_a_state_typed_as_a_code_or_a_name_in_any_case_reads_as_its_code(typed, code):
    assert parse_state(typed) == code


def test_the_state_field_stores_codes_once_in_order_and_names_what_it_refuses():
    field = StateMultipleChoiceField()

    assert field.clean(["tx", "Nevada", "NV", " ok "]) == ["NV", "OK", "TX"]
    assert field.clean([]) == []
    with pytest.raises(forms.ValidationError, match="Not a US state: Narnia, ZZ"):
        field.clean(["TX", "Narnia", "ZZ"])


def test_states_saved_in_lower_case_show_ticked():
    rendered = forms.Form()
    rendered.fields["states"] = StateMultipleChoiceField(initial=["tx", "NV"])

    html = str(rendered["states"])

    assert re.search(r'value="TX"[^>]*checked', html)
    assert re.search(r'value="NV"[^>]*checked', html)
    assert html.count("checked") == 2


def test_the_language_field_keeps_a_reps_unlisted_codes_and_refuses_unknown_ones():
    field = LanguageMultipleChoiceField()
    field.keep_codes(["en", "yue"])

    assert field.clean(["es", "en", "yue"]) == ["en", "es", "yue"]
    with pytest.raises(forms.ValidationError):
        field.clean(["xx"])


def test_the_time_zone_select_offers_us_zones_first_and_refuses_pacific():
    field = TimeZoneField()

    (first_group, first_choices), _ = field.choices
    assert first_group == "United States"
    assert first_choices[0] == ("America/New_York", "America/New_York")
    assert field.clean("America/Los_Angeles") == "America/Los_Angeles"
    with pytest.raises(forms.ValidationError, match="'Pacific' is not a time zone"):
        field.clean("Pacific")


def test_the_hours_editor_reads_rows_of_time_pickers_with_a_split_shift():
    widget = WeeklyHoursWidget()
    data = {
        "hours_mon_0_start": "09:00",
        "hours_mon_0_end": "12:00",
        "hours_mon_1_start": "13:00",
        "hours_mon_1_end": "17:00",
        "hours_tue_0_start": "",
        "hours_tue_0_end": "",
    }

    value = widget.value_from_datadict(data, {}, "hours")

    assert value == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}
    assert WeeklyHoursField().clean(value) == value


def test_the_hours_editor_shows_saved_hours_in_its_rows():
    rendered = WeeklyHoursWidget().render("hours", {"fri": [["08:30", "16:00"]]})

    assert 'name="hours_fri_0_start" value="08:30"' in rendered
    assert 'name="hours_fri_1_start" value=""' in rendered
    assert 'type="time"' in rendered


def test_every_bad_day_is_reported_at_once():
    with pytest.raises(forms.ValidationError) as raised:
        WeeklyHoursField().clean(
            {
                "mon": [["17:00", "09:00"]],
                "tue": [["09:00", ""]],
                "wed": [["09:00", "13:00"], ["12:00", "17:00"]],
                "thu": [["9am", "5pm"]],
            }
        )

    assert raised.value.messages == [
        "Monday: the end 09:00 is not after the start 17:00.",
        "Tuesday: give both a start and an end.",
        "Wednesday: 09:00-13:00 overlaps 12:00-17:00 (a split shift's second range starts "
        "after the first ends).",
        "Thursday: 9am-5pm is not a time range (HH:MM).",
    ]


def test_no_hours_at_all_is_always_working():
    assert WeeklyHoursField().clean({}) == {}
