"""The signal condition language: validation messages, evaluation, explanations, description."""

import time

import pytest

from leadrouter.conditions import (
    MAX_DEPTH,
    MAX_LEAVES,
    InvalidCondition,
    Match,
    compile_condition,
    describe,
    validate,
)

FIELDS = [
    "message",
    "state",
    "postal_code",
    "source",
    "channel",
    "request_type",
    "utm_source",
    "email",
    "phone",
    "company",
    "country",
    "email_kind",
    "score",
    "tier",
    "urgency",
    "hour",
    "weekday",
    "flags",
    "tags",
]


def leaf(field, op, value=None, **extra):
    spec = {"field": field, "op": op, **extra}
    if value is not None:
        spec["value"] = value
    return spec


def match(spec, **values):
    problems = validate(spec, FIELDS)
    assert problems == []
    return compile_condition(spec).matches(values)


# --- text operators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("I need a lawyer today", "lawyer"),
        ("LAWYER please", "lawyer"),
        ("my attorney, John", "attorney"),
        ("(Attorney)", "attorney"),
        ("lawyers everywhere", None),  # whole words only
        ("a paralawyer", None),
        ("", None),
    ],
)
def test_contains_any_matches_whole_words_case_insensitively(message, expected):
    found = match(leaf("message", "contains_any", ["lawyer", "attorney"]), message=message)
    if expected is None:
        assert found is None
    else:
        assert found.explanation == f'message mentions "{expected}"'


def test_contains_any_does_not_match_inside_a_longer_word():
    spec = leaf("message", "contains_any", ["car"])
    assert match(spec, message="I need care") is None
    assert match(spec, message="scar tissue") is None
    assert match(spec, message="my car broke") is not None
    assert match(spec, message="car.") is not None


def test_a_phrase_matches_across_any_whitespace():
    spec = leaf("message", "contains_any", ["car  accident"])
    found = match(spec, message="after a CAR\n\t accident yesterday")
    assert found.explanation == 'message mentions "car  accident"'
    assert match(spec, message="a car-accident") is None


def test_accents_are_folded_both_ways():
    spec = leaf("message", "contains_any", ["urgência"])
    assert match(spec, message="É uma URGENCIA").explanation == 'message mentions "urgência"'
    plain = leaf("message", "contains_any", ["urgencia", "sao paulo"])
    assert match(plain, message="Urgência!") is not None
    assert match(plain, message="em São Paulo") is not None
    assert match(leaf("message", "contains_any", ["straße"]), message="STRASSE 5") is not None


def test_keywords_that_start_or_end_with_punctuation():
    spec = leaf("message", "contains_any", ["c++", "#urgent"])
    assert match(spec, message="We hire C++ devs").explanation == 'message mentions "c++"'
    assert match(spec, message="(#urgent)") is not None
    assert match(spec, message="c") is None


def test_contains_any_reports_a_phrase_rather_than_its_first_word():
    spec = leaf("message", "contains_any", ["car", "car accident"])
    assert match(spec, message="car accident").explanation == 'message mentions "car accident"'


def test_contains_all_needs_every_word():
    spec = leaf("message", "contains_all", ["roof", "leak"])
    found = match(spec, message="The LEAK is in the roof")
    assert found.explanation == 'message mentions "roof" and "leak"'
    assert match(spec, message="roof repair") is None


def test_text_operators_read_numbers_as_text_and_ignore_other_types():
    assert match(leaf("postal_code", "starts_with", "75"), postal_code=75012) is not None
    spec = leaf("message", "contains_any", ["x"])
    for odd in (None, ["x"], {"x": 1}, True, object()):
        assert match(spec, message=odd) is None
    assert match(spec) is None  # field missing altogether


def test_text_beyond_the_limit_is_not_read():
    spec = leaf("message", "contains_any", ["needle"])
    assert match(spec, message="x " * 4000 + "needle") is not None
    assert match(spec, message="x" * 10_000 + " needle") is None


def test_regex_is_case_insensitive_and_explains_the_match():
    spec = leaf("message", "regex", r"\b\d{3}-\d{4}\b")
    found = match(spec, message="call 555-1234 now")
    assert found.explanation == 'message matches /\\b\\d{3}-\\d{4}\\b/ ("555-1234")'
    assert match(leaf("message", "regex", "^hello"), message="HELLO there") is not None
    assert match(spec, message="no number") is None


def test_regex_without_accents_finds_accented_text():
    assert match(leaf("message", "regex", "urgencia"), message="Urgência") is not None
    assert match(leaf("message", "regex", "urgência"), message="urgência") is not None


def test_regex_reads_at_most_the_first_10000_characters():
    spec = leaf("message", "regex", "needle")
    assert match(spec, message="x" * 9_990 + "needle") is not None
    assert match(spec, message="x" * 10_000 + "needle") is None


def test_starts_with_takes_text_or_a_list():
    assert match(leaf("phone", "starts_with", "+1"), phone=" +1 555") is not None
    spec = leaf("postal_code", "starts_with", ["75", "92"])
    found = match(spec, postal_code="92100")
    assert found.explanation == 'postal_code "92100" starts with "92"'
    assert match(spec, postal_code="69000") is None
    assert match(leaf("company", "starts_with", "ecole"), company="École Nord") is not None


# --- values --------------------------------------------------------------------------------


def test_equals_ignores_case_accents_and_outer_whitespace():
    spec = leaf("state", "equals", "TX")
    assert match(spec, state=" tx ").explanation == 'state is "tx"'
    assert match(spec, state="TXA") is None
    assert match(leaf("state", "equals", "Sao Paulo"), state="São  Paulo") is not None


def test_equals_compares_numbers_as_numbers():
    assert match(leaf("score", "equals", 5), score=5.0) is not None
    assert match(leaf("attributes.size", "equals", 50), attributes={"size": "50"}) is not None
    assert match(leaf("attributes.size", "equals", "50"), attributes={"size": 50}) is not None
    assert match(leaf("score", "equals", 5), score="five") is None
    assert match(leaf("score", "equals", 1), score=True) is None


def test_equals_and_in_compare_long_ids_digit_for_digit():
    # Vendor ids arrive as JSON numbers past 2^53 or as text; they are keys, not quantities.
    form_id = 1234567890123456789
    spec = leaf("attributes.form_id", "equals", form_id)
    assert match(spec, attributes={"form_id": form_id}) is not None
    assert match(spec, attributes={"form_id": str(form_id)}) is not None
    assert match(spec, attributes={"form_id": form_id + 1}) is None
    assert match(spec, attributes={"form_id": str(form_id + 1)}) is None
    spec = leaf("attributes.form_id", "in", [form_id, 7])
    assert match(spec, attributes={"form_id": str(form_id)}) is not None


def test_equals_true_false():
    spec = leaf("attributes.homeowner", "equals", True)
    assert match(spec, attributes={"homeowner": True}) is not None
    assert match(spec, attributes={"homeowner": "Yes"}) is not None
    assert match(spec, attributes={"homeowner": "no"}) is None
    assert match(spec, attributes={"homeowner": 1}) is None


def test_in_and_not_in():
    in_spec = leaf("state", "in", ["TX", "OK"])
    assert match(in_spec, state="ok").explanation == 'state "ok" is in TX, OK'
    assert match(in_spec, state="CA") is None
    not_in = leaf("state", "not_in", ["TX", "OK"])
    assert match(not_in, state="CA").explanation == 'state "CA" is not in TX, OK'
    assert match(not_in, state="TX") is None
    # "not in" speaks about a value the lead has; a missing value is is_empty's business.
    assert match(not_in, state="") is None
    assert match(not_in) is None


def test_in_on_a_list_valued_field_matches_any_item():
    spec = leaf("tags", "in", ["vip"])
    assert match(spec, tags=["new", "VIP"]).explanation == 'tags "VIP" is in vip'
    assert match(leaf("tags", "not_in", ["vip"]), tags=["new", "vip"]) is None


def test_in_mixes_numbers_and_text():
    spec = leaf("hour", "in", [9, 10, "11"])
    assert match(spec, hour=11) is not None
    assert match(spec, hour="9") is not None
    assert match(spec, hour=12) is None


# --- numbers -------------------------------------------------------------------------------


# The formats numbers are read in: tests/leadrouter/conditions/test_numbers.py.


def test_comparisons_explain_with_the_lead_value():
    spec = leaf("attributes.budget", "gte", 5000)
    found = match(spec, attributes={"budget": "$7,500"})
    assert found.explanation == "attributes.budget 7500 ≥ 5000"
    assert match(spec, attributes={"budget": "4,999.99"}) is None
    assert match(spec, attributes={"budget": "a lot"}) is None
    assert match(spec, attributes={"budget": True}) is None
    assert match(leaf("score", "gt", 50), score=51).explanation == "score 51 > 50"
    assert match(leaf("score", "gt", 50), score=50) is None
    assert match(leaf("score", "lt", "10"), score=9.5).explanation == "score 9.5 < 10"
    assert match(leaf("score", "lte", 10), score=10).explanation == "score 10 ≤ 10"


def test_between_is_inclusive():
    spec = leaf("hour", "between", [9, 17])
    assert match(spec, hour=9).explanation == "hour 9 is between 9 and 17"
    assert match(spec, hour=17) is not None
    assert match(spec, hour=18) is None
    assert match(spec, hour=None) is None


# --- presence and flags --------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_is_empty(value):
    assert match(leaf("company", "is_empty"), company=value).explanation == "company is empty"
    assert match(leaf("company", "is_not_empty"), company=value) is None


def test_a_missing_field_is_empty_and_zero_is_not():
    assert match(leaf("company", "is_empty")) is not None
    assert match(leaf("score", "is_not_empty"), score=0).explanation == "score is 0"
    found = match(leaf("company", "is_not_empty"), company="Acme")
    assert found.explanation == 'company is "Acme"'


def test_has_flag_reads_the_flags_mapping():
    spec = {"op": "has_flag", "value": "disposable_email"}
    found = match(spec, flags={"disposable_email": "mailinator.com is a throwaway domain"})
    assert found.explanation == 'flag "disposable_email": mailinator.com is a throwaway domain'
    assert match(spec, flags={"other": "x"}) is None
    assert match(spec, flags=None) is None
    assert match(spec, flags={"disposable_email": ""}).explanation == 'flag "disposable_email"'
    assert match({**spec, "field": "flags"}, flags=["disposable_email"]) is not None


# --- composites and paths ------------------------------------------------------------------


def test_all_collects_every_part_any_stops_at_the_first():
    spec = {
        "all": [
            leaf("message", "contains_any", ["lawyer", "attorney"]),
            {"any": [leaf("state", "in", ["TX", "OK"]), leaf("score", "gte", 80)]},
        ]
    }
    found = match(spec, message="need an attorney", state="TX", score=90)
    assert isinstance(found, Match)
    assert found.parts == ('message mentions "attorney"', 'state "TX" is in TX, OK')
    assert str(found) == 'message mentions "attorney"; state "TX" is in TX, OK'
    assert match(spec, message="need an attorney", state="CA", score=10) is None
    assert match(spec, message="hello", state="TX") is None


def test_not_explains_what_did_not_match():
    spec = {"not": leaf("email_kind", "in", ["free", "disposable"])}
    found = match(spec, email_kind="business")
    assert found.explanation == "not (email_kind in free, disposable)"
    assert match(spec, email_kind="free") is None


def test_attributes_nested_or_flat_and_deeper():
    spec = leaf("attributes.budget", "gt", 100)
    assert match(spec, attributes={"budget": 200}) is not None
    assert compile_condition(spec).matches({"attributes.budget": 200}) is not None
    deep = leaf("attributes.vehicle.year", "gte", 2020)
    assert match(deep, attributes={"vehicle": {"year": "2021"}}) is not None
    assert match(deep, attributes={"vehicle": "2021"}) is None
    assert match(deep, attributes="not a dict") is None
    assert match(deep) is None


class Exploding(dict):
    def __contains__(self, key):
        raise RuntimeError("boom")


def test_evaluation_never_raises_on_odd_lead_data():
    condition = compile_condition(
        {
            "any": [
                leaf("message", "contains_any", ["x"]),
                leaf("attributes.a.b", "gt", 1),
                leaf("score", "between", [1, 2]),
                {"op": "has_flag", "value": "f"},
                leaf("state", "in", ["TX"]),
                leaf("state", "regex", "x"),
            ]
        }
    )
    for values in (
        {},
        Exploding(),
        {"message": b"x", "attributes": [1], "score": "1..2", "flags": "f", "state": {"a": 1}},
        {"message": 12, "attributes": {"a": None}, "score": float("nan"), "flags": 3},
    ):
        assert condition.matches(values) is None


# --- validation ----------------------------------------------------------------------------


def test_a_valid_spec_has_no_problems():
    spec = {
        "all": [
            leaf("message", "contains_any", ["lawyer"]),
            {"not": leaf("state", "not_in", ["CA"])},
            leaf("attributes.budget", "between", ["1,000", 5000]),
            leaf("company", "is_not_empty"),
            {"op": "has_flag", "value": "vip"},
            leaf("message", "regex", r"(\d{3}-)+\d{4}"),
        ]
    }
    assert validate(spec, FIELDS) == []


def test_problems_are_listed_with_their_path():
    spec = {
        "all": [
            leaf("message", "contains_any", ["lawyer"]),
            leaf("message", "containz", ["x"]),
            {"any": [leaf("message", "contains_any", [])]},
        ]
    }
    problems = validate(spec, FIELDS)
    assert problems[0].startswith('all[1].op: unknown operator "containz" (use one of ')
    assert "contains_any, contains_all, regex" in problems[0]
    assert problems[1] == "all[2].any[0].value: contains_any needs a non-empty list of words"
    assert len(problems) == 2


def test_an_unknown_field_suggests_the_closest():
    problems = validate(leaf("mesage", "is_empty"), FIELDS)
    assert problems == [
        f'field: unknown field "mesage" (did you mean "message"? use one of '
        f"{', '.join(sorted(FIELDS))} or attributes.<name>)"
    ]
    assert validate(leaf("attributes.anything.at_all", "is_empty"), FIELDS) == []
    assert validate(leaf("attributes.", "is_empty"), FIELDS) == [
        'field: "attributes." needs an attribute name after each dot'
    ]
    # Without a list of fields, any name is accepted.
    assert validate(leaf("whatever", "is_empty")) == []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ([], 'condition: a condition is an object with "all", "any", "not"'),
        ({"all": []}, 'all: "all" needs a non-empty list of conditions'),
        ({"any": "x"}, 'any: "any" needs a non-empty list of conditions'),
        ({"all": [leaf("state", "is_empty")], "any": []}, 'condition: "all" stands alone'),
        ({"not": 3}, 'not: a condition is an object with "all", "any", "not"'),
        ({"field": "state", "op": "is_empty", "vale": 1}, 'condition: unknown key "vale"'),
        ({"op": "is_empty"}, "field: missing"),
        ({"field": "state"}, "op: missing (use one of contains_any"),
        ({"field": 3, "op": "is_empty"}, "field: must be a field name"),
        (leaf("state", "contains_any", "lawyer"), "value: contains_any needs a non-empty list"),
        (leaf("state", "contains_all", ["ok", " "]), "value[1]: each word must be non-empty"),
        (leaf("state", "contains_any", ["x" * 201]), "value[0]: a word is at most 200"),
        (leaf("state", "contains_any", ["x"] * 501), "value: contains_any takes at most 500"),
        (leaf("state", "regex", ""), "value: regex needs a pattern"),
        (leaf("state", "regex", "a" * 301), "value: regex pattern is 301 characters (at most"),
        (leaf("state", "regex", "(unclosed"), "value: regex does not compile: missing )"),
        (leaf("state", "starts_with", []), "value: starts_with needs text or a non-empty list"),
        (leaf("state", "starts_with", 5), "value: starts_with needs text"),
        (leaf("state", "equals", None), "value: equals needs a value (use is_empty"),
        (leaf("state", "equals", ["TX"]), "value: equals compares with text, a number"),
        (leaf("state", "in", []), "value: in needs a non-empty list of values"),
        (leaf("state", "not_in", "TX"), "value: not_in needs a non-empty list of values"),
        (leaf("state", "in", ["TX", None]), "value[1]: must be text, a number or true/false"),
        (leaf("score", "gt", "lots"), 'value: gt needs a number (got "lots")'),
        (leaf("score", "gte", True), "value: gte needs a number (got true)"),
        (leaf("score", "lt", 10**16), "value: lt needs a number of at most 10^15 in size (got"),
        (leaf("score", "between", [1]), "value: between needs [low, high], two numbers"),
        (leaf("score", "between", [5, 1]), "value: between needs low ≤ high (got 5 > 1)"),
        (leaf("state", "is_empty", "x"), "value: is_empty takes no value"),
        ({"op": "has_flag", "value": ""}, "value: has_flag needs a flag code"),
        (leaf("state", 7), 'op: unknown operator "7"'),
    ],
)
def test_each_problem_has_a_clear_message(spec, problem):
    problems = validate(spec, FIELDS)
    assert any(found.startswith(problem) for found in problems), problems


def test_is_empty_accepts_an_explicit_null_value():
    assert validate({"field": "state", "op": "is_empty", "value": None}, FIELDS) == []


# Patterns that a backtracking engine takes exponential time on; RE2 runs them in time linear in
# the text. The guard that used to refuse nested quantifiers let the first two through.
@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("(a|a)*b", "a" * 10_000, None),
        ("(a|a)*b", "a" * 9_999 + "b", "a" * 9_999 + "b"),
        (r"(\w|\d)+x", "1" * 10_000, None),
        (r"(\w|\d)+x", "1" * 9_999 + "x", "1" * 9_999 + "x"),
        ("^(a+)+$", "a" * 9_999 + "!", None),
        (r"(?:\w+\s?)+$", "ab " * 3_333 + "!", None),
    ],
)
def test_regex_takes_linear_time_on_patterns_that_backtrack(pattern, text, expected):
    condition = compile_condition(leaf("message", "regex", pattern))
    started = time.perf_counter()
    found = condition.matches({"message": text})
    elapsed = time.perf_counter() - started
    if expected is None:
        assert found is None
    else:
        assert found is not None
        # The whole text matched; the explanation shows its first 39 characters.
        assert found.explanation == f'message matches /{pattern}/ ("{expected[:39]}…")'
    # Linear time: a few milliseconds here; a backtracking engine takes longer than the age of
    # the universe. Generous for a loaded CI machine.
    assert elapsed < 0.5, f"{elapsed:.2f} s"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"(a)\1", 'backreference "\\1"'),
        ("(?P<x>a)(?P=x)", 'backreference "(?P=x)"'),
        ("urgent(?!ly)", 'lookahead "(?!"'),
        ("a(?=b)", 'lookahead "(?="'),
        ("(?<=\\$)5", 'lookbehind "(?<="'),
        ("(?<!no )lawyer", 'lookbehind "(?<!"'),
    ],
)
def test_backreferences_and_lookaround_are_refused_in_plain_words(pattern, problem):
    problems = validate({"any": [leaf("message", "regex", pattern)]}, FIELDS)
    assert len(problems) == 1
    assert problems[0].startswith(f"any[0].value: regex: {problem} is not supported"), problems
    assert "RE2 syntax has no backreferences or lookaround" in problems[0]
    with pytest.raises(InvalidCondition):
        compile_condition(leaf("message", "regex", pattern))


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(?x) a b", 'regex: "(?x" is not supported (the flags are i, m, s and U'),
        ("a++", "regex does not compile: bad repetition operator: ++"),
        ("(?>a)", 'regex: "(?>" is not supported'),
        (r"\u00e9", "regex does not compile: invalid escape sequence: \\u"),
        ("x{1001}", "regex does not compile: invalid repetition size: {1001}"),
        (r"\C", "regex: \\C (any byte) is not supported"),
    ],
)
def test_other_syntax_re2_lacks_is_refused_with_the_reason(pattern, problem):
    problems = validate(leaf("message", "regex", pattern), FIELDS)
    assert len(problems) == 1
    assert problems[0].startswith(f"value: {problem}"), problems


def test_python_spellings_of_end_and_open_repeats_keep_their_meaning():
    # Python's \Z is RE2's \z, and Python reads a{,3} as a{0,3} where RE2 would read it
    # as literal text: both are rewritten so that saved signals keep matching the same leads.
    assert match(leaf("message", "regex", r"the end\Z"), message="at the end") is not None
    assert match(leaf("message", "regex", r"the end\Z"), message="the end?") is None
    assert match(leaf("message", "regex", "^x{,3}y"), message="xxy") is not None
    assert match(leaf("message", "regex", "^x{,3}y"), message="xxxxy") is None
    assert match(leaf("message", "regex", "^x{,3}y"), message="x{,3}y") is None
    assert match(leaf("message", "regex", r"[{,3}]"), message="{") is not None


def test_regex_flags_and_word_boundaries_around_accented_letters():
    assert match(leaf("message", "regex", r"\bcafé\b"), message="Un CAFÉ, por favor") is not None
    assert match(leaf("message", "regex", r"\bcafé\b"), message="cafés") is None
    assert match(leaf("message", "regex", r"\bcaf\b"), message="cafés") is None
    assert match(leaf("message", "regex", r"urg\w+cia"), message="Urgência!") is not None
    assert match(leaf("message", "regex", "strasse"), message="Hauptstraße 5") is not None
    assert match(leaf("message", "regex", "[^\\x00-\\x7f]"), message="café") is not None
    # The explanation quotes the lead's own words, accents and all.
    found = match(leaf("message", "regex", r"urgencia \w+"), message="Es una Urgência grande")
    assert found.explanation == 'message matches /urgencia \\w+/ ("Urgência grande")'
    # Case-insensitive unless the pattern turns it off itself.
    assert match(leaf("message", "regex", "(?-i:URGENT)"), message="urgent") is None
    assert match(leaf("message", "regex", "(?-i:URGENT)"), message="URGENT") is not None
    assert match(leaf("message", "regex", "(?-i:URGENT)"), message="URGENT, señor") is not None
    assert match(leaf("message", "regex", "(?s)a.b"), message="a\nb") is not None
    assert match(leaf("message", "regex", "a.b"), message="a\nb") is None


def test_regex_reads_text_with_a_lone_surrogate():
    found = match(leaf("message", "regex", r"\d{3}"), message="\ud800 call 555")
    assert found is not None and found.explanation.endswith('("555")')


def test_depth_and_size_limits():
    spec = leaf("state", "is_empty")
    for _ in range(MAX_DEPTH - 1):
        spec = {"not": spec}
    assert validate(spec, FIELDS) == []
    too_deep = {"all": [{"not": spec}, {"not": spec}]}
    problems = validate(too_deep, FIELDS)
    assert len(problems) == 1
    assert problems[0].endswith(f"nested deeper than {MAX_DEPTH} levels")

    assert validate({"any": [leaf("state", "is_empty")] * MAX_LEAVES}, FIELDS) == []
    assert validate({"any": [leaf("state", "is_empty")] * (MAX_LEAVES + 1)}, FIELDS) == [
        f"condition: {MAX_LEAVES + 1} conditions (at most {MAX_LEAVES})"
    ]


def test_compiling_an_invalid_spec_raises_with_the_problems():
    with pytest.raises(InvalidCondition) as raised:
        compile_condition({"all": [leaf("state", "nope")]})
    assert raised.value.problems[0].startswith('all[0].op: unknown operator "nope"')
    assert isinstance(raised.value, ValueError)


# --- description ---------------------------------------------------------------------------


def test_describe_renders_one_readable_line():
    spec = {
        "all": [
            leaf("message", "contains_any", ["lawyer", "attorney"]),
            leaf("state", "in", ["TX", "OK"]),
        ]
    }
    assert describe(spec) == 'message contains any of "lawyer", "attorney" AND state in TX, OK'


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (
            leaf("message", "contains_all", ["roof", "leak"]),
            'message contains all of "roof", "leak"',
        ),
        (leaf("message", "regex", r"\d+"), r"message matches /\d+/"),
        (leaf("postal_code", "starts_with", ["75", "92"]), 'postal_code starts with "75", "92"'),
        (leaf("state", "equals", "TX"), "state equals TX"),
        (leaf("city", "equals", "New York"), 'city equals "New York"'),
        (leaf("state", "not_in", ["CA"]), "state not in CA"),
        (leaf("attributes.budget", "gte", 5000), "attributes.budget ≥ 5000"),
        (leaf("score", "lt", 2.5), "score < 2.5"),
        (leaf("hour", "between", [9, 17]), "hour between 9 and 17"),
        (leaf("company", "is_empty"), "company is empty"),
        (leaf("company", "is_not_empty"), "company is not empty"),
        ({"op": "has_flag", "value": "vip"}, "has flag vip"),
        ({"not": leaf("state", "in", ["TX"])}, "NOT state in TX"),
        (
            {"any": [{"all": [leaf("a", "is_empty"), leaf("b", "is_empty")]}, leaf("c", "gt", 1)]},
            "(a is empty AND b is empty) OR c > 1",
        ),
        (
            {"not": {"any": [leaf("a", "is_empty"), leaf("b", "is_empty")]}},
            "NOT (a is empty OR b is empty)",
        ),
    ],
)
def test_describe_each_operator(spec, text):
    assert describe(spec) == text


def test_describe_shortens_long_lists_and_survives_broken_specs():
    words = [f"w{i}" for i in range(15)]
    assert describe(leaf("message", "contains_any", words)).endswith('"w9", … (+5 more)')
    assert describe(None) == "null"
    assert describe({"all": "x"}) == '{"all": "x"}'
    assert describe({"field": "a", "op": "nope"}) == '{"field": "a", "op": "nope"}'


# --- speed ---------------------------------------------------------------------------------


def test_a_simple_condition_evaluates_in_well_under_50_microseconds():
    condition = compile_condition(leaf("message", "contains_any", ["lawyer", "attorney", "legal"]))
    values = {"message": "Hello, I was in a car accident and I need an attorney. " * 10}
    condition.matches(values)
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        condition.matches(values)
    per_call = (time.perf_counter() - started) / rounds
    # Generous headroom for a loaded CI machine; the budget is 50 µs.
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs"
