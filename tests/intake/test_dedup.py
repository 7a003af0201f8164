import pytest
from rest_framework.test import APIClient

from intake.models import Contact, Lead, LeadEvent, LeadStatus, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


def test_a_repeat_inquiry_while_open_merges_as_a_touch(api):
    first = post_lead(api, {"full_name": "Ann Lee", "email": "ann.lee@gmail.com"})
    again = post_lead(
        api, {"full_name": "Ann Lee", "email": "ANN.LEE@GMAIL.COM", "message": "still there?"}
    )

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert lead.touch_count == 2
    merged = LeadEvent.objects.get(lead=lead, kind="merged")
    assert merged.data["message"] == "still there?"
    assert Submission.objects.filter(status=Submission.Status.MERGED).count() == 1


def test_phone_in_another_format_is_the_same_person(api):
    post_lead(api, {"full_name": "Ann Lee", "phone": "(512) 555-0134"})
    response = post_lead(api, {"full_name": "Ann Lee", "phone": "+1 512.555.0134"})

    assert response.status_code == 200
    assert Lead.objects.count() == 1


def test_a_merge_fills_contact_data_the_lead_lacked(api):
    post_lead(api, {"full_name": "Ann Lee", "email": "ann.lee@gmail.com"})
    body = post_lead(api, {"email": "ann.lee@gmail.com", "phone": "512-555-0134"}).json()

    assert body["phone_e164"] == "+15125550134"
    lead = Lead.objects.get()
    assert "phone_e164" in lead.events.get(kind="merged").data["filled"]


def test_a_returning_person_whose_lead_is_closed_gets_a_new_lead_on_the_same_contact(api):
    first_id = post_lead(api, {"full_name": "Ann Lee", "email": "ann.lee@gmail.com"}).json()["id"]
    Lead.objects.filter(pk=first_id).update(status=LeadStatus.WON)

    response = post_lead(api, {"full_name": "Ann Lee", "email": "ann.lee@gmail.com"})

    assert response.status_code == 201
    second = Lead.objects.get(pk=response.json()["id"])
    assert second.contact_id == Lead.objects.get(pk=first_id).contact_id
    linked = second.events.get(kind="linked")
    assert linked.data["previous_lead"] == first_id


def test_the_same_vendor_id_never_makes_a_second_lead(api):
    post_lead(api, {"external_id": "G-77", "full_name": "Ann Lee"})
    Lead.objects.update(status=LeadStatus.LOST)
    response = post_lead(api, {"external_id": "G-77", "full_name": "Ann Lee"})

    assert response.status_code == 200
    assert Lead.objects.count() == 1


def test_the_same_external_id_from_another_source_is_another_lead(api, make_source):
    other = make_source(name="Other vendor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")

    post_lead(api, {"external_id": "G-77", "full_name": "Ann Lee"})
    response = post_lead(client, {"external_id": "G-77", "full_name": "Bob Stone"})

    assert response.status_code == 201
    assert Lead.objects.count() == 2


def test_people_without_email_or_phone_are_never_merged(api):
    post_lead(api, {"full_name": "Ann Lee"})
    post_lead(api, {"full_name": "Ann Lee"})

    assert Lead.objects.count() == 2
    assert Contact.objects.count() == 2


def test_an_email_and_a_phone_of_one_person_join_on_one_contact(api):
    post_lead(api, {"email": "ann.lee@gmail.com", "phone": "512-555-0134"})
    Lead.objects.update(status=LeadStatus.LOST)
    response = post_lead(api, {"phone": "512-555-0134"})

    assert response.status_code == 201
    assert Contact.objects.count() == 1
