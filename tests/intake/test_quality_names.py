"""split_name: splitting, casing, junk and company detection for person names."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.quality import NameCheck, split_name


def split(first=None, last=None, full=None) -> NameCheck:
    return split_name(first_name=first, last_name=last, full_name=full)


def codes(check: NameCheck) -> list[str]:
    return [flag.code for flag in check.flags]


def reason(check: NameCheck, code: str) -> str:
    return next(flag.reason for flag in check.flags if flag.code == code)


@pytest.mark.parametrize(
    ("full", "first", "last", "stored"),
    [
        ("john smith", "John", "Smith", "John Smith"),
        ("SMITH, JOHN A.", "John", "Smith", "John A. Smith"),
        ("Dr. María de la Cruz Jr.", "María", "de la Cruz", "Dr. María de la Cruz Jr."),
        ("O'NEIL, shaun", "Shaun", "O'Neil", "Shaun O'Neil"),
        ("de la cruz, maría", "María", "de la Cruz", "María de la Cruz"),
        ("JOHN MCDONALD", "John", "McDonald", "John McDonald"),
        ("mary-jane o'brien", "Mary-Jane", "O'Brien", "Mary-Jane O'Brien"),
        ("Smith, John", "John", "Smith", "John Smith"),
        ('Robert "Bob" Smith', "Robert", "Smith", 'Robert "Bob" Smith'),
    ],
)
def test_it_splits_a_full_name_into_first_and_last(full, first, last, stored):
    check = split(full=full)

    assert (check.first_name, check.last_name, check.full_name) == (first, last, stored)
    assert check.flags == []


def test_a_single_name_becomes_the_first_name():
    check = split(full="madonna")

    assert (check.first_name, check.last_name, check.full_name) == ("Madonna", "", "Madonna")


@pytest.mark.parametrize("name", ["McDonald", "DeShawn", "van Dyke", "MacKenzie", "d'Arcy"])
def test_it_keeps_deliberate_mixed_case(name):
    assert split(first=name).first_name == name


def test_it_recases_caps_lock_first_and_last_names_keeping_particles_lowercase():
    check = split(first="JOHN", last="DE LA CRUZ")

    assert (check.first_name, check.last_name) == ("John", "de la Cruz")
    assert check.full_name == "John de la Cruz"


def test_it_recases_each_field_on_its_own():
    check = split(first="DeShawn", last="WILLIAMS")

    assert (check.first_name, check.last_name) == ("DeShawn", "Williams")


def test_it_builds_the_full_name_from_first_and_last():
    assert split(first="Jane", last="Doe").full_name == "Jane Doe"
    assert split(last="Doe").full_name == "Doe"


def test_it_fills_only_the_missing_part_from_the_full_name():
    check = split(first="Bob", full="Robert Smith")

    assert (check.first_name, check.last_name, check.full_name) == ("Bob", "Smith", "Robert Smith")


def test_it_keeps_all_three_when_all_are_given():
    check = split(first="Jane", last="Doe", full="Jane Q. Doe")

    assert (check.first_name, check.last_name, check.full_name) == ("Jane", "Doe", "Jane Q. Doe")


def test_it_strips_control_characters_and_collapses_whitespace():
    check = split(first="  Jane\x00 ", last="Mc\u200bDonald\t", full=None)

    assert (check.first_name, check.last_name) == ("Jane", "McDonald")


@pytest.mark.parametrize("values", [{}, {"full": ""}, {"first": "  ", "last": "\x00"}])
def test_it_flags_a_missing_name(values):
    check = split(**values)

    assert codes(check) == ["name_missing"]
    assert (check.first_name, check.last_name, check.full_name) == ("", "", "")


@pytest.mark.parametrize("skipped", ["-", ".", "?", "!!!", "--"])
def test_punctuation_typed_to_skip_a_required_name_counts_as_missing(skipped):
    check = split(first=skipped, last=skipped)

    assert (check.first_name, check.last_name, check.full_name) == ("", "", "")
    assert reason(check, "name_missing") == (
        f"no first, last or full name was given: '{skipped}' has no letters"
    )


@pytest.mark.parametrize(
    ("full", "word"),
    [
        ("Acme Corp", "Corp"),
        ("Acme, Inc.", "Inc."),
        ("Smith Plumbing LLC", "LLC"),
        ("Jones & Co", "& Co"),
        ("Widgets Co.", "Co."),
        ("Bright Dental Group", "Group"),
        ("Müller GmbH", "GmbH"),
    ],
)
def test_it_keeps_a_company_in_a_name_field_whole(full, word):
    check = split(full=full)

    assert (check.first_name, check.last_name, check.full_name) == ("", "", full)
    assert codes(check) == ["name_looks_like_company"]
    assert word in reason(check, "name_looks_like_company")


def test_a_company_split_over_first_and_last_is_joined_back():
    check = split(first="Acme", last="LLC")

    assert (check.first_name, check.last_name, check.full_name) == ("", "", "Acme LLC")


def test_a_person_with_a_company_full_name_keeps_their_own_fields():
    check = split(first="Jane", last="Doe", full="Acme Inc")

    assert (check.first_name, check.last_name, check.full_name) == ("Jane", "Doe", "Acme Inc")
    assert codes(check) == ["name_looks_like_company"]


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"full": "12345"}, "has no letters"),
        ({"full": "12-34"}, "has no letters"),
        ({"first": "John", "last": "Smith3"}, "contains digits"),
        ({"full": "test"}, "placeholder"),
        ({"full": "Mr Test Smith"}, "test data"),
        ({"first": "Test", "last": "User"}, "placeholder"),
        ({"full": "asdf"}, "placeholder"),
        ({"first": "aaa"}, "one letter repeated"),
        ({"first": "sdfg", "last": "Smith"}, "keyboard mash"),
        ({"first": "Xzcvbn"}, "keyboard mash"),
        ({"first": "asdasd"}, "repeated letters"),
        ({"full": "jane@acme.com"}, "email address"),
        ({"full": "www.acme.com"}, "web address"),
        ({"full": "Dr."}, "no first or last name found"),
    ],
)
def test_it_flags_junk_but_keeps_it(values, why):
    check = split(**values)

    assert codes(check) == ["name_suspicious"]
    assert why in reason(check, "name_suspicious")
    assert check.full_name  # bad data is flagged, never dropped


def test_it_does_not_recase_an_email_typed_as_a_name():
    assert split(full="jane@acme.com").full_name == "jane@acme.com"


@pytest.mark.parametrize(
    "values",
    [
        {"first": "Terry", "last": "Perry"},  # letters from one keyboard row, but real
        {"first": "Aaron", "last": "Ng"},
        {"full": "John Smith III"},
        {"first": "李", "last": "小龍"},
        {"full": "محمد عبد الله"},
        {"first": "Zoë", "last": "Brontë"},
    ],
)
def test_real_names_are_not_flagged(values):
    assert split(**values).flags == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=300))
def test_it_never_raises_and_returns_clean_strings(first, last, full):
    check = split(first=first, last=last, full=full)

    for value in (check.first_name, check.last_name, check.full_name):
        assert isinstance(value, str)
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates
    assert all(code.startswith("name_") for code in codes(check))
