"""leadrouter.forms.JsonObjectField: the admin's JSON boxes (manual entry's attributes, a
signal's try-out sample, the routing simulator's attributes)."""

import pytest
from django import forms

from leadrouter.forms import JsonObjectField


class SampleForm(forms.Form):
    sample = JsonObjectField(not_object_message="Give a JSON object of lead fields.")


def errors(text: str) -> list[str]:
    form = SampleForm({"sample": text})
    assert not form.is_valid()
    return form.errors["sample"]


def test_an_object_is_cleaned_to_a_dict():
    form = SampleForm({"sample": ' {"budget": 7500, "tags": ["a"]} '})

    assert form.is_valid()
    assert form.cleaned_data["sample"] == {"budget": 7500, "tags": ["a"]}


@pytest.mark.parametrize("text", ["", "   \n"])
def test_a_blank_box_is_none(text):
    form = SampleForm({"sample": text})

    assert form.is_valid()
    assert form.cleaned_data["sample"] is None


def test_broken_json_says_where_it_breaks():
    assert errors('{"budget": 7500,\n "state" "TX"}') == [
        "Not valid JSON: Expecting ':' delimiter (line 2, column 10)."
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[1, 2]", "a list"), ('"TX"', "a string"), ("12", "a number"), ("null", "null")],
)
def test_json_that_is_not_an_object_says_what_it_is(text, kind):
    assert errors(text) == [f"Give a JSON object of lead fields. This is {kind}."]


def test_a_rejected_box_shows_what_was_typed():
    form = SampleForm({"sample": "[1, 2]"})

    assert not form.is_valid()
    assert "[1, 2]" in str(form["sample"])
