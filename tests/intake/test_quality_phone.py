"""check_phone: parsing, specific reasons, normalization and enrichment of phone numbers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.quality import PhoneCheck, check_phone

# 4155552671 typed with full-width digits (a Japanese/Chinese input method).
FULL_WIDTH_NUMBER = "".join(chr(0xFF10 + int(digit)) for digit in "4155552671")


def codes(check: PhoneCheck) -> list[str]:
    return [flag.code for flag in check.flags]


def reason(check: PhoneCheck, code: str) -> str:
    return next(flag.reason for flag in check.flags if flag.code == code)


@pytest.mark.parametrize(
    "raw",
    [
        "(415) 555-2671",
        "415.555.2671",
        "1-415-555-2671",
        "+1 415 555 2671",
        "4155552671",
        "  415 555 2671  ",
        "+1 (415) 555-2671",
        FULL_WIDTH_NUMBER,
    ],
)
def test_it_normalizes_us_national_formats_to_e164(raw):
    check = check_phone(raw)

    assert check.is_valid
    assert check.is_possible
    assert check.e164 == "+14155552671"
    assert check.national == "(415) 555-2671"
    assert check.region == "US"
    assert check.number_type == "FIXED_LINE_OR_MOBILE"
    assert check.flags == []


def test_it_finds_state_and_time_zone_from_the_area_code():
    check = check_phone("(415) 555-2671")

    assert check.state == "CA"
    assert check.time_zone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("raw", "state", "zone"),
    [
        ("512-555-0100", "TX", "America/Chicago"),
        ("(305) 555-0100", "FL", "America/New_York"),
        ("212 555 0100", "NY", "America/New_York"),
        ("808-555-0100", "HI", "Pacific/Honolulu"),
        ("206-555-0100", "WA", "America/Los_Angeles"),  # geocoder: "Washington State"
    ],
)
def test_it_maps_the_geocoders_state_names_to_codes(raw, state, zone):
    check = check_phone(raw)

    assert (check.state, check.time_zone) == (state, zone)


def test_it_maps_washington_dc_to_dc():
    # The geocoder says "Washington D.C.", which `us.states.lookup` does not know.
    assert check_phone("+1 202 555 0123").state == "DC"


def test_it_leaves_the_time_zone_empty_when_the_area_code_spans_two_zones():
    check = check_phone("+1 907 555 1234")  # Alaska: Anchorage and Adak

    assert check.is_valid
    assert check.state == "AK"
    assert check.time_zone is None


def test_it_treats_us_territories_as_states():
    check = check_phone("+1 787 555 1234")

    assert check.region == "PR"
    assert check.state == "PR"
    assert check.time_zone == "America/Puerto_Rico"


def test_it_gives_no_us_state_for_a_canadian_number():
    check = check_phone("+1 416 555 1234")

    assert check.is_valid
    assert check.region == "CA"
    assert check.state is None
    assert check.time_zone == "America/Toronto"


def test_it_parses_international_numbers_in_their_own_country():
    check = check_phone("+44 20 7946 0958")

    assert check.is_valid
    assert check.e164 == "+442079460958"
    assert check.region == "GB"
    assert check.national == "020 7946 0958"
    assert check.state is None
    assert check.time_zone == "Europe/London"


def test_it_understands_the_us_international_dialing_prefix():
    assert check_phone("011 44 20 7946 0958").e164 == "+442079460958"


def test_it_reads_national_numbers_in_the_default_region():
    assert check_phone("020 7946 0958", default_region="GB").e164 == "+442079460958"
    assert check_phone("020 7946 0958").is_valid is False


@pytest.mark.parametrize(
    "raw",
    ["415-555-2671 ext. 23", "415-555-2671 x23", "415-555-2671 #23", "(415) 555-2671 ext 23"],
)
def test_it_keeps_the_extension_separately(raw):
    check = check_phone(raw)

    assert check.is_valid
    assert check.extension == "23"
    assert check.e164 == "+14155552671"
    assert check.national == "(415) 555-2671"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("1-800-FLOWERS", "+18003569377"), ("(888) GET-LOAN", "+18884385626")],
)
def test_it_converts_vanity_letters_to_digits(raw, e164):
    check = check_phone(raw)

    assert check.is_valid
    assert check.e164 == e164


def test_it_flags_toll_free_numbers_but_keeps_them_valid_without_a_place():
    check = check_phone("1-800-FLOWERS")

    assert check.is_valid
    assert check.number_type == "TOLL_FREE"
    assert codes(check) == ["phone_toll_free"]
    assert "toll-free" in reason(check, "phone_toll_free")
    # 800 numbers have dozens of candidate zones and no home state.
    assert check.state is None
    assert check.time_zone is None


def test_it_flags_premium_rate_numbers():
    check = check_phone("1-900-555-1212")

    assert check.is_valid
    assert check.number_type == "PREMIUM_RATE"
    assert codes(check) == ["phone_premium_rate"]


def test_it_accepts_fictional_555_01xx_numbers_as_the_library_does():
    assert check_phone("(415) 555-0123").is_valid


def test_it_says_when_a_number_is_too_short():
    check = check_phone("415-555")

    assert not check.is_valid
    assert codes(check) == ["phone_invalid"]
    assert reason(check, "phone_invalid") == (
        "phone '415-555' is too short for region US (6 digits)"
    )


def test_it_says_when_a_number_is_too_long():
    check = check_phone("415 555 2671 2345")

    assert reason(check, "phone_invalid") == (
        "phone '415 555 2671 2345' is too long for region US (14 digits)"
    )


def test_it_says_when_the_area_code_is_missing():
    check = check_phone("555-2671")

    assert not check.is_valid
    assert check.is_possible  # dialable locally, so "possible" in the library's terms
    assert "missing its area code" in reason(check, "phone_invalid")


def test_it_says_when_the_country_code_is_unknown():
    check = check_phone("+999 123 4567")

    assert "unknown country calling code" in reason(check, "phone_invalid")


def test_it_rejects_a_possible_number_with_an_impossible_area_code():
    check = check_phone("(123) 555-2671")

    assert check.is_possible
    assert not check.is_valid
    assert check.e164 is None
    assert reason(check, "phone_invalid") == (
        "phone '(123) 555-2671' is not a valid number in US "
        "(area code 123: area codes never start with 0 or 1)"
    )


@pytest.mark.parametrize(
    "raw",
    ["000-000-0000", "111-111-1111", "123-456-7890", "555-555-5555", "987-654-3210", "9999999999"],
)
def test_it_rejects_placeholder_numbers(raw):
    check = check_phone(raw)

    assert not check.is_valid
    assert check.e164 is None
    assert "placeholder" in reason(check, "phone_invalid")


@pytest.mark.parametrize("raw", ["n/a", "call me", "asdf", "N/A - email only", "-"])
def test_it_says_garbage_is_not_a_phone_number(raw):
    check = check_phone(raw)

    assert not check.is_valid
    assert reason(check, "phone_invalid").endswith("is not a phone number")


@pytest.mark.parametrize("raw", [None, "", "   ", "\x00\u200f"])
def test_it_gives_no_flag_for_a_missing_phone(raw):
    check = check_phone(raw)

    assert not check.is_valid
    assert check.flags == []
    assert check.raw == ""


def test_it_rejects_absurdly_long_input_without_parsing_it():
    check = check_phone("4" * 5000)

    assert not check.is_valid
    assert codes(check) == ["phone_invalid"]
    assert len(reason(check, "phone_invalid")) < 120


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_it_never_raises_and_only_flags_phone_problems(raw):
    check = check_phone(raw)

    assert all(code.startswith("phone_") for code in codes(check))
    assert check.is_valid == (check.e164 is not None)
    assert "\x00" not in check.raw
