import pytest

from intake.quality.household import household_key, street_address


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 Oak Avenue", "12 oak ave."),
        ("400 North Main Street", "400 N Main St"),
        ("7 Elm Ct, Apartment 4B", "7 Elm Court Apt 4B"),
        ("7 Elm Ct #4B", "7 ELM CT UNIT 4B"),
    ],
)
def test_spellings_of_one_dwelling_share_a_key(one, other):
    assert household_key(one, "43215") == household_key(other, "43215-1234") != ""


def test_units_zips_and_vague_addresses_are_not_merged():
    assert household_key("7 Elm Ct Apt 4B", "43215") != household_key("7 Elm Ct Apt 5C", "43215")
    assert household_key("12 Oak Ave", "43215") != household_key("12 Oak Ave", "43216")
    assert household_key("PO Box", "43215") == ""  # no house number
    assert household_key("12 Oak Ave", "") == ""  # no ZIP: not one dwelling


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
