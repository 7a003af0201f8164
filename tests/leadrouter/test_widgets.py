"""The condition builder widget on the server: what it renders (the JSON textarea, the fields
for the script, the sentence), what it reads back (the JSON, untouched), and the field lists the
rule and signal admins give it."""

import html
import json
import re

import pytest
from django import forms
from django.urls import reverse

from leadrouter.widgets import ConditionBuilderWidget, FieldKind, FieldSpec
from qualification.forms import condition_fields
from qualification.services.signals import CONDITION_FIELDS
from routing.forms import rule_condition_fields
from routing.models import RoutingRule
from routing.services.conditions import ROUTING_FIELDS

FIELDS = [
    FieldSpec("state", "State", FieldKind.CHOICE, [("NV", "NV"), ("AZ", "AZ")]),
    FieldSpec("score", "Score", FieldKind.NUMBER),
    FieldSpec("weekday", "Weekday", FieldKind.CHOICE, [(6, "Saturday")]),
]
NESTED = {
    "any": [
        {"field": "score", "op": "gte", "value": 70},
        {
            "all": [
                {"field": "state", "op": "in", "value": ["NV", "AZ"]},
                {"field": "tags", "op": "not_in", "value": ["spam"]},
            ]
        },
    ]
}


class ConditionForm(forms.Form):
    condition = forms.JSONField(widget=ConditionBuilderWidget(FIELDS, empty_text="Every lead."))


def _render(value):
    return ConditionBuilderWidget(FIELDS, empty_text="Every lead.").render(
        "condition", value, attrs={"id": "id_condition"}
    )


def _textarea(page):
    return html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)[1]).strip()


def _sentence(page):
    return html.unescape(re.search(r'<p class="cb-sentence"[^>]*>(.*?)</p>', page, re.S)[1])


def _fields(page):
    found = re.search(
        r'<script id="id_condition-fields" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(found[1])


def test_it_renders_the_json_in_the_textarea_and_the_fields_for_the_script():
    page = _render(json.dumps(NESTED))
    assert re.search(r'<textarea name="condition" cols="80" rows="6" id="id_condition">', page)
    assert json.loads(_textarea(page)) == NESTED
    assert 'data-condition-builder data-fields="id_condition-fields"' in page
    assert _fields(page) == [
        {
            "name": "state",
            "label": "State",
            "kind": "choice",
            "choices": [["NV", "NV"], ["AZ", "AZ"]],
        },
        {"name": "score", "label": "Score", "kind": "number", "choices": []},
        {"name": "weekday", "label": "Weekday", "kind": "choice", "choices": [[6, "Saturday"]]},
    ]


def test_a_source_name_cannot_break_out_of_the_fields_script():
    widget = ConditionBuilderWidget(
        [FieldSpec("source", "Source", FieldKind.CHOICE, [("</script><b>x", "</script><b>x")])]
    )
    rendered = widget.render("condition", "{}", attrs={"id": "id_condition"})
    assert "</script><b>" not in rendered
    assert "\\u003C/script\\u003E" in rendered


def test_the_sentence_reads_nested_groups_in_words():
    sentence = _sentence(_render(json.dumps(NESTED)))
    assert sentence == "score ≥ 70 OR (state in NV, AZ AND tags not in spam)"


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("{}", "Every lead."),
        ("null", "Every lead."),
        ("", "Every lead."),
        ({"field": "score", "op": "between", "value": [50, 80]}, "score between 50 and 80"),
        ('{"not": {"field": "state", "op": "in", "value": ["TX"]}}', "NOT state in TX"),
        ('{"all": [', ""),  # broken JSON: the form's error speaks, not the sentence
    ],
)
def test_the_sentence_of_each_value(value, sentence):
    assert _sentence(_render(value)) == sentence


def test_the_submitted_json_is_the_value_read_back_unchanged():
    text = json.dumps(NESTED, indent=1)
    widget = ConditionBuilderWidget(FIELDS)
    assert widget.value_from_datadict({"condition": text}, {}, "condition") == text
    form = ConditionForm({"condition": text})
    assert form.is_valid()
    assert form.cleaned_data["condition"] == NESTED


def test_invalid_json_is_refused_by_the_field_as_before_and_shown_back_as_typed():
    form = ConditionForm({"condition": '{"all": ['})
    assert not form.is_valid()
    assert form.errors["condition"] == ["Enter a valid JSON."]
    assert _textarea(str(form["condition"])) == '{"all": ['


def test_a_field_kind_must_be_one_the_builder_knows():
    with pytest.raises(ValueError, match="unknown field kind 'date'"):
        FieldSpec("received", "Received", "date")


@pytest.mark.django_db
def test_the_rule_and_signal_builders_offer_exactly_the_fields_their_validation_allows(
    make_source,
):
    make_source("Zillow")
    make_source("Website")
    signal_fields = condition_fields()
    assert [field.name for field in signal_fields] == list(CONDITION_FIELDS)
    rule_fields = rule_condition_fields()
    assert [field.name for field in rule_fields] == list(ROUTING_FIELDS)
    by_name = {field.name: field for field in rule_fields}
    assert by_name["source"].choices == [("Website", "Website"), ("Zillow", "Zillow")]
    assert ("NV", "NV") in by_name["state"].choices
    assert (by_name["score"].kind, by_name["tags"].kind) == (FieldKind.NUMBER, FieldKind.LIST)
    assert [value for value, _ in by_name["tier"].choices] == ["A", "B", "C"]


@pytest.mark.django_db
def test_the_rule_change_page_shows_the_saved_condition_in_words(admin_client, make_source):
    make_source("Zillow")
    rule = RoutingRule.objects.create(
        name="Hot Zillow",
        condition={
            "all": [
                {"field": "source", "op": "equals", "value": "Zillow"},
                {"field": "score", "op": "gte", "value": 70},
            ]
        },
    )
    response = admin_client.get(reverse("admin:routing_routingrule_change", args=[rule.pk]))
    page = response.content.decode()
    assert _sentence(page) == "source equals Zillow AND score ≥ 70"
    source = {
        "name": "source",
        "label": "Source",
        "kind": "choice",
        "choices": [["Zillow", "Zillow"]],
    }
    assert source in _fields(page)
    assert re.search(r'<script src="[^"]*leadrouter/condition_builder.js"', page)
