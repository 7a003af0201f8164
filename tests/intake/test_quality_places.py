"""resolve_place: ZIP, state, city, country and time zone normalization and enrichment."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.quality import PlaceCheck, resolve_place


def place(
    postal_code=None, state=None, city=None, country=None, phone_state=None, phone_time_zone=None
) -> PlaceCheck:
    return resolve_place(
        postal_code=postal_code,
        state=state,
        city=city,
        country=country,
        phone_state=phone_state,
        phone_time_zone=phone_time_zone,
    )


def codes(check: PlaceCheck) -> list[str]:
    return [flag.code for flag in check.flags]


def reason(check: PlaceCheck, code: str) -> str:
    return next(flag.reason for flag in check.flags if flag.code == code)


# --- ZIP codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("zip_text", ["94105", "94105-1420", " 94105 ", "94105 1420", "941051420"])
def test_it_fills_city_state_zone_and_country_from_a_us_zip(zip_text):
    check = place(postal_code=zip_text)

    assert check.postal_code == "94105"  # ZIP+4 is reduced to the ZIP
    assert (check.city, check.state, check.country) == ("San Francisco", "CA", "US")
    assert check.time_zone == "America/Los_Angeles"
    assert check.flags == []


def test_it_reads_a_spreadsheet_float_zip():
    assert place(postal_code="94105.0").postal_code == "94105"


@pytest.mark.parametrize(("typed", "zip5"), [("2134", "02134"), ("501", "00501")])
def test_it_repairs_a_zip_that_lost_its_leading_zeros(typed, zip5):
    check = place(postal_code=typed)

    assert check.postal_code == zip5
    assert check.state in {"MA", "NY"}
    assert codes(check) == ["postal_code_repaired"]
    assert reason(check, "postal_code_repaired") == (
        f"ZIP {typed} lost its leading zero (spreadsheet export); read as {zip5}"
    )


def test_it_flags_a_zip_that_does_not_exist():
    check = place(postal_code="99999")

    assert check.postal_code == "99999"
    assert check.state == ""
    assert codes(check) == ["postal_code_unknown"]
    assert reason(check, "postal_code_unknown") == "ZIP 99999 does not exist"


@pytest.mark.parametrize("typed", ["12", "ABCDE", "9410-5", "941O5", "SW1A 1AA"])
def test_it_flags_a_malformed_zip_but_keeps_it(typed):
    check = place(postal_code=typed)

    assert codes(check) == ["postal_code_invalid"]
    assert check.postal_code == typed.upper()


def test_it_keeps_a_foreign_postal_code_unchecked_when_the_country_says_so():
    check = place(postal_code="k1a 0b1", state="Ontario", city="Ottawa", country="Canada")

    assert check.postal_code == "K1A 0B1"
    assert (check.state, check.city, check.country) == ("Ontario", "Ottawa", "CA")
    assert check.flags == []


def test_a_five_digit_foreign_postal_code_is_not_looked_up_as_a_us_zip():
    check = place(postal_code="10115", city="Berlin", country="DE")

    assert check.postal_code == "10115"
    assert check.state == ""  # 10115 is not New York here
    assert check.time_zone is None


def test_a_military_zip_has_no_time_zone():
    check = place(postal_code="09000")

    assert check.state == "AE"
    assert check.time_zone is None


def test_a_territory_zip_gives_the_territory_as_state():
    check = place(postal_code="00601")

    assert (check.state, check.country, check.time_zone) == ("PR", "US", "America/Puerto_Rico")


# --- states --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Texas", "TX"),
        ("tx", "TX"),
        ("TEXAS", "TX"),
        ("Calif.", "CA"),
        ("N.Y.", "NY"),
        ("Washington D.C.", "DC"),
        ("District of Columbia", "DC"),
        ("new  york", "NY"),
        ("Pensylvania", "PA"),  # misspelt: matched phonetically
        ("Puerto Rico", "PR"),
    ],
)
def test_it_turns_a_state_name_or_abbreviation_into_its_code(typed, code):
    check = place(state=typed)

    assert check.state == code
    assert check.country == "US"
    assert check.flags == []


def test_it_flags_an_unknown_state_and_keeps_the_text():
    check = place(state="Narnia")

    assert check.state == "Narnia"
    assert check.country == ""
    assert reason(check, "state_unknown") == "state 'Narnia' is not a US state or territory"


def test_the_zips_state_wins_over_a_contradicting_typed_state():
    check = place(postal_code="94105", state="TX")

    assert check.state == "CA"
    assert codes(check) == ["state_mismatch_zip"]
    assert reason(check, "state_mismatch_zip") == (
        "state TX contradicts ZIP 94105 (CA); kept CA from the ZIP "
        "(more reliable than a typed state)"
    )


def test_an_unknown_state_with_a_zip_uses_the_zips_state():
    check = place(postal_code="94105", state="Cal")

    assert check.state == "CA"
    assert check.flags == []  # "Cal" is a known abbreviation
    check = place(postal_code="94105", state="Narnia")
    assert check.state == "CA"
    assert reason(check, "state_unknown").endswith("; used CA from ZIP 94105")


def test_a_missing_state_comes_from_the_phone_when_there_is_no_zip():
    check = place(phone_state="CA", phone_time_zone="America/Los_Angeles")

    assert (check.state, check.country, check.time_zone) == ("CA", "US", "America/Los_Angeles")


def test_the_phone_does_not_fill_the_state_of_a_foreign_address():
    check = place(country="Germany", phone_state="CA", phone_time_zone="America/Los_Angeles")

    assert check.state == ""
    assert check.country == "DE"


# --- time zones ----------------------------------------------------------------------------


def test_the_zips_zone_wins_over_the_phones():
    check = place(postal_code="10001", phone_state="CA", phone_time_zone="America/Los_Angeles")

    assert check.time_zone == "America/New_York"


def test_a_single_zone_state_gives_its_zone():
    assert place(state="NY").time_zone == "America/New_York"
    assert place(state="AS").time_zone == "Pacific/Pago_Pago"


def test_a_state_spanning_zones_gives_no_zone():
    assert place(state="TX").time_zone is None


def test_a_phone_from_another_state_does_not_set_the_zone_of_the_address():
    check = place(state="NY", phone_state="CA", phone_time_zone="America/Los_Angeles")

    assert check.time_zone == "America/New_York"


def test_a_phone_from_the_same_state_refines_a_multi_zone_state():
    check = place(state="TX", phone_state="TX", phone_time_zone="America/Chicago")

    assert check.time_zone == "America/Chicago"


# --- cities and countries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cased"),
    [
        ("SAN FRANCISCO", "San Francisco"),
        ("st. louis", "St. Louis"),
        ("o'fallon", "O'Fallon"),
        ("martha's vineyard", "Martha's Vineyard"),
        ("WINSTON-SALEM", "Winston-Salem"),
        ("McAllen", "McAllen"),
        ("DeKalb", "DeKalb"),
    ],
)
def test_it_recases_a_city_typed_in_one_case_only(typed, cased):
    assert place(city=typed).city == cased


def test_the_zip_fills_a_missing_city_but_never_replaces_a_typed_one():
    assert place(postal_code="02134").city == "Allston"
    assert place(postal_code="02134", city="Boston").city == "Boston"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("US", "US"),
        ("usa", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Germany", "DE"),
        ("de", "DE"),
        ("Canada", "CA"),
        ("Mexico", "MX"),
    ],
)
def test_it_turns_a_country_into_its_iso_code(typed, code):
    assert place(country=typed).country == code


def test_it_flags_an_unknown_country_and_leaves_the_code_empty():
    check = place(country="Atlantis", postal_code="94105")

    assert check.country == "US"  # the ZIP still makes it a US address
    assert reason(check, "country_unknown") == "country 'Atlantis' is not a known country"


def test_ca_in_the_country_field_next_to_a_us_zip_means_california():
    check = place(postal_code="94105", state="CA", country="CA")

    assert (check.country, check.state, check.postal_code) == ("US", "CA", "94105")
    assert check.time_zone == "America/Los_Angeles"
    assert codes(check) == ["country_corrected"]


def test_ca_with_a_canadian_postal_code_stays_canada():
    check = place(postal_code="M5V 3L9", state="ON", country="CA")

    assert (check.country, check.state, check.postal_code) == ("CA", "ON", "M5V 3L9")
    assert check.flags == []


def test_it_does_not_invent_a_country_from_nothing():
    check = place(city="Springfield")

    assert check.country == ""
    assert check.flags == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_it_never_raises_and_returns_clean_strings(postal_code, state, city, country):
    check = place(postal_code, state, city, country)

    for value in (check.postal_code, check.city, check.state, check.country):
        assert "\x00" not in value
        value.encode("utf-8")
    assert len(check.country) in (0, 2)
