"""Real-browser tests of the condition builder (leadrouter/widgets.py and its script) in the
admin, in Debian's chromium: a manager builds a rule's condition with the controls and saves it,
an expert edits the JSON and comes back to the builder, a signal picks a source by name; and the
script's sentence and input parsing checked against the server's (`describe`)."""

import json

import pytest

from leadrouter.conditions import describe
from qualification.models import Signal
from routing.models import RoutingRule

PASSWORD = "a-long-password-1"


@pytest.fixture
def admin_page(page, live_server, django_user_model):
    """The page signed in to the admin as a superuser; script errors fail the test."""
    django_user_model.objects.create_superuser("mia", "mia@example.com", PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    yield page
    assert errors == []


def _row(page, index):
    return page.locator(".cb-row").nth(index)


@pytest.mark.django_db(transaction=True)
def test_a_manager_builds_state_in_nv_az_and_score_at_least_70_and_saves_it(
    admin_page, live_server
):
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/routing/routingrule/add/")
    page.fill("#id_name", "Nevada and Arizona, hot")
    assert page.inner_text(".cb-sentence") == "Every lead (no condition)."
    assert not page.is_visible("#id_condition")  # the JSON waits behind "Show JSON"

    page.click(".cb-add-row")
    _row(page, 0).locator(".cb-field").select_option(label="State")
    _row(page, 0).locator(".cb-op").select_option(label="is one of")
    _row(page, 0).locator(".cb-value").select_option(["NV", "AZ"])
    assert page.inner_text(".cb-sentence") == "state in AZ, NV"
    page.click(".cb-add-row")
    _row(page, 1).locator(".cb-field").select_option(label="Score (0 to 100)")
    # A number field offers number operators only.
    ops = _row(page, 1).locator(".cb-op option").all_inner_texts()
    assert ops[:5] == ["is at least", "is more than", "is at most", "is less than", "is between"]
    assert "mentions any of" not in ops
    _row(page, 1).locator(".cb-value").fill("70")
    assert page.inner_text(".cb-sentence") == "state in AZ, NV AND score ≥ 70"
    box = page.locator(".condition-builder").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390

    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/routing/routingrule/")
    rule = RoutingRule.objects.get(name="Nevada and Arizona, hot")
    assert rule.condition == {
        "all": [
            {"field": "state", "op": "in", "value": ["AZ", "NV"]},
            {"field": "score", "op": "gte", "value": 70},
        ]
    }

    page.goto(f"{live_server.url}/admin/routing/routingrule/{rule.pk}/change/")
    assert page.inner_text(".cb-sentence") == "state in AZ, NV AND score ≥ 70"
    assert _row(page, 0).locator(".cb-value").evaluate(
        "select => Array.from(select.selectedOptions, option => option.text)"
    ) == ["AZ", "NV"]
    # The long list of states opens on what is picked, not on its first option.
    assert _row(page, 0).locator(".cb-value").evaluate("select => select.scrollTop") > 0
    assert _row(page, 1).locator(".cb-value").input_value() == "70"


@pytest.mark.django_db(transaction=True)
def test_an_expert_edits_the_json_and_the_builder_waits_for_valid_json(admin_page, live_server):
    page = admin_page
    rule = RoutingRule.objects.create(
        name="Hot", condition={"field": "score", "op": "gte", "value": 70}
    )
    page.goto(f"{live_server.url}/admin/routing/routingrule/{rule.pk}/change/")
    assert page.inner_text(".cb-sentence") == "score ≥ 70"

    page.click("text=Show JSON")
    assert json.loads(page.input_value("#id_condition")) == rule.condition
    page.fill("#id_condition", '{"any": [{"field": "score", "op": "gte", "value": 80},')
    assert page.inner_text(".cb-problem").startswith("Not valid JSON:")
    page.click("text=Use the builder")
    assert page.is_visible("#id_condition")  # the builder waits

    page.fill(
        "#id_condition",
        '{"any": [{"field": "score", "op": "gte", "value": 80}, '
        '{"all": [{"field": "tier", "op": "equals", "value": "A"}, '
        '{"field": "tags", "op": "in", "value": ["commercial", "vip"]}]}]}',
    )
    assert not page.is_visible(".cb-problem")
    page.click("text=Use the builder")
    assert not page.is_visible("#id_condition")
    assert page.locator(".cb-mode").first.input_value() == "any"
    assert _row(page, 0).locator(".cb-value").input_value() == "80"
    assert _row(page, 1).locator(".cb-value").input_value() == "0"  # tier A, the first choice
    assert _row(page, 2).locator(".cb-value").input_value() == "commercial, vip"
    sentence = "score ≥ 80 OR (tier equals A AND tags in commercial, vip)"
    assert page.inner_text(".cb-sentence") == sentence

    # Nested groups with the controls: remove the tags row, flip the inner group to "any".
    _row(page, 2).locator(".cb-remove").click()
    page.locator(".cb-nested .cb-add-row").click()
    _row(page, 2).locator(".cb-field").select_option(label="Urgency")
    _row(page, 2).locator(".cb-op").select_option(label="is")
    _row(page, 2).locator(".cb-value").select_option(label="Urgent")
    page.locator(".cb-nested .cb-mode").select_option("any")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/routing/routingrule/")
    rule.refresh_from_db()
    assert rule.condition == {
        "any": [
            {"field": "score", "op": "gte", "value": 80},
            {
                "any": [
                    {"field": "tier", "op": "equals", "value": "A"},
                    {"field": "urgency", "op": "equals", "value": "urgent"},
                ]
            },
        ]
    }


@pytest.mark.django_db(transaction=True)
def test_a_condition_the_builder_cannot_show_opens_as_json_and_saves_unchanged(
    admin_page, live_server
):
    page = admin_page
    condition = {"not": {"field": "state", "op": "in", "value": ["TX"]}}
    rule = RoutingRule.objects.create(name="Not Texas", condition=condition)
    page.goto(f"{live_server.url}/admin/routing/routingrule/{rule.pk}/change/")
    assert page.is_visible("#id_condition")
    assert 'uses "not"' in page.inner_text(".cb-problem")
    assert page.inner_text(".cb-sentence") == "NOT state in TX"
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/routing/routingrule/")
    rule.refresh_from_db()
    assert rule.condition == condition


@pytest.mark.django_db(transaction=True)
def test_a_signal_picks_a_source_by_name_and_a_bad_value_is_refused_in_plain_words(
    admin_page, live_server, make_source
):
    page = admin_page
    make_source("Zillow")
    make_source("Website")
    page.goto(f"{live_server.url}/admin/qualification/signal/add/")
    page.fill("#id_name", "From Zillow")
    page.fill("#id_score_delta", "10")
    page.click(".cb-add-row")
    _row(page, 0).locator(".cb-field").select_option(label="Source")
    _row(page, 0).locator(".cb-op").select_option(label="is")
    assert _row(page, 0).locator(".cb-value option:not([disabled])").all_inner_texts() == [
        "Website",
        "Zillow",
    ]
    _row(page, 0).locator(".cb-value").select_option(label="Zillow")
    page.click(".cb-add-row")
    _row(page, 1).locator(".cb-field").select_option(label="Times it came in")
    _row(page, 1).locator(".cb-op").select_option(label="is at least")
    page.click("input[name=_save]")  # the number left blank

    page.wait_for_selector(".errorlist")
    assert "all[1].value: gte needs a number (got null)" in page.inner_text(".errorlist")
    assert not Signal.objects.exists()
    _row(page, 1).locator(".cb-value").fill("2")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/qualification/signal/")
    assert Signal.objects.get().condition == {
        "all": [
            {"field": "source", "op": "equals", "value": "Zillow"},
            {"field": "touch_count", "op": "gte", "value": 2},
        ]
    }


SENTENCE_CASES = [
    {},
    {"field": "state", "op": "in", "value": ["NV", "AZ"]},
    {"all": [{"field": "state", "op": "in", "value": ["NV"]}, {"any": []}]},
    {
        "any": [
            {"field": "message", "op": "contains_any", "value": ["lawyer", "attorney", "a, b"]},
            {"all": [{"field": "score", "op": "between", "value": [50, 80.5]}]},
            {"all": [{"not": {"any": [{"field": "flags", "op": "has_flag", "value": "vip"}]}}]},
        ]
    },
    {"field": "message", "op": "contains_all", "value": [f"w{n}" for n in range(12)]},
    {"field": "confidence", "op": "lt", "value": 0.123456789},
    {"field": "attributes.budget", "op": "gt", "value": 2500000.5},
    {"field": "confidence", "op": "gte", "value": 0.00001},
    {"field": "city", "op": "equals", "value": "São Paulo"},
    {"field": "city", "op": "equals", "value": "New York"},
    {"field": "postal_code", "op": "starts_with", "value": "89"},
    {"field": "message", "op": "regex", "value": r"\bre-?fi\b"},
    {"field": "weekday", "op": "not_in", "value": [6, 7, True, "x y"]},
    {"field": "phone", "op": "is_empty"},
    {"field": "phone", "op": "is_not_empty"},
    {"op": "has_flag", "value": "disposable_email"},
    {"field": "state", "op": "bogus", "value": {"a": [1, None]}},
    {"field": "score", "op": "gte", "value": None},
    [1, 2],
]


@pytest.mark.django_db(transaction=True)
def test_the_scripts_sentence_is_the_servers(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/admin/routing/routingrule/add/")
    in_browser = page.evaluate("cases => cases.map(LeadRouterConditions.describe)", SENTENCE_CASES)
    assert in_browser == [describe(case) for case in SENTENCE_CASES]


@pytest.mark.django_db(transaction=True)
def test_each_value_input_parses_what_is_typed_or_picked(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/admin/routing/routingrule/add/")
    parsed = page.evaluate(
        """() => {
        const parse = LeadRouterConditions.parse;
        const select = document.createElement("select");
        select.multiple = true;
        ["NV", "AZ", "TX"].forEach((code, index) => select.add(new Option(code, String(index))));
        select.options[0].selected = select.options[2].selected = true;
        const weekdays = [[6, "Saturday"], [7, "Sunday"]];
        const one = document.createElement("select");
        weekdays.forEach((day, index) => one.add(new Option(day[1], String(index))));
        one.value = "1";
        return {
          words: parse.words(" lawyer , attorney,, ,court "),
          noWords: parse.words("  "),
          number: [parse.number("70"), parse.number(" 0.5 "), parse.number(""), parse.number("7e1"),
                   parse.number("abc")],
          numbers: parse.numbers("9, 10,x, 11.5"),
          range: [parse.range("50", "80"), parse.range("", "3")],
          prefixes: [parse.prefixes("89"), parse.prefixes("89, 90"), parse.prefixes("")],
          choices: parse.choices(select, [["NV", "NV"], ["AZ", "AZ"], ["TX", "TX"]]),
          choice: parse.choice(one, weekdays),
          format: [LeadRouterConditions.formatWords(["a", 2, " b "]),
                   LeadRouterConditions.formatWords(["a, b"]),
                   LeadRouterConditions.formatWords("one")],
        };
      }"""
    )
    assert parsed == {
        "words": ["lawyer", "attorney", "court"],
        "noWords": [],
        "number": [70, 0.5, None, 70, "abc"],
        "numbers": [9, 10, "x", 11.5],
        "range": [[50, 80], [None, 3]],
        "prefixes": ["89", ["89", "90"], []],
        "choices": ["NV", "TX"],
        "choice": 7,
        "format": ["a, 2, b", None, "one"],
    }
