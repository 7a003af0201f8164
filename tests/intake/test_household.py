import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.quality.household import household_key, street_address


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 Oak Avenue", "12 oak ave."),
        ("400 North Main Street", "400 N Main St"),
        ("7 Elm Ct, Apartment 4B", "7 Elm Court Apt 4B"),
        ("7 Elm Ct #4B", "7 ELM CT UNIT 4B"),
        ("123 North Main Street Apartment 4", "123 n main st apt 4"),
        ("1 Main Street Suite 200", "1 Main St. Ste 200"),
        ("1600 Pennsylvania Avenue Northwest", "1600 PENNSYLVANIA AVE NW"),
        ("99 South-West Parkway", "99 SW Pkwy"),
        ("123 West 42 Street", "123 W 42nd St"),
        ("5 Harbor Boulevard Trailer 12", "5 Harbor Blvd Trlr 12"),
        ("8 Mill Crossing", "8 Mill Xing"),  # a Publication 28 suffix the old list lacked
        ("12 Oak Avenue Columbus OH", "12 Oak Ave"),  # a city typed without a comma
    ],
)
def test_spellings_of_one_dwelling_share_a_key(one, other):
    assert household_key(one, "43215") == household_key(other, "43215-1234") != ""


def test_units_zips_and_vague_addresses_are_not_merged():
    assert household_key("7 Elm Ct Apt 4B", "43215") != household_key("7 Elm Ct Apt 5C", "43215")
    assert household_key("12 Oak Ave", "43215") != household_key("12 Oak Ave", "43216")
    assert household_key("PO Box", "43215") == ""  # no house number
    assert household_key("12 Oak Ave", "") == ""  # no ZIP: not one dwelling


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("12 Oak Avenue Apartment 4 Apt 5", "43215|12 OAK AVE #4 #5"),  # two units: unparseable
        ("Rural Route 2 Box 5", ""),  # no house number
        ("12", "43215|12"),
    ],
)
def test_an_address_the_parser_cannot_split_still_gets_a_normalized_key(address, key):
    assert household_key(address, "43215") == key


@given(st.text(max_size=80))
def test_any_text_gives_a_key_or_none_and_never_an_error(address):
    key = household_key(address, "43215")
    assert key == "" or key.startswith("43215|")


def test_the_street_line_is_read_from_the_leads_address_attribute():
    assert street_address({"Street Address": "12 Oak Ave, Columbus, OH 43215"}) == "12 Oak Ave"
    assert street_address({"address": ["not", "text"]}) == ""


@pytest.mark.django_db
def test_a_lead_posted_with_an_address_gets_its_household(api):
    from intake.models import Lead
    from tests.conftest import post_lead

    body = post_lead(
        api,
        {
            "full_name": "Ann Lee",
            "email": "ann@gmail.com",
            "postal_code": "78701",
            "address": "12 Oak Avenue",
        },
    ).json()

    lead = Lead.objects.get(pk=body["id"])
    assert (lead.address, lead.household_key) == ("12 Oak Avenue", "78701|12 OAK AVE")
