from datetime import timedelta

import pytest
from django.utils import timezone

from intake import services
from intake.models import IdempotencyKey, Lead, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann.lee@acme-roofing.com"}


def test_a_replay_returns_the_first_answer_with_200(api):
    first = post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api):
    post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1")
    response = post_lead(api, {**LEAD, "phone": "512-555-0134"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert "idempotency_key" in response.json()["errors"]


def test_a_request_still_in_flight_is_409(api, source):
    claim = services.idempotency_claim(source=source, key="k-1", body=b'{"full_name": "x"}')
    assert claim.state is services.Claim.NEW

    response = post_lead(api, b'{"full_name": "x"}', HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 409


def test_an_abandoned_claim_can_be_taken_over(api, source, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    services.idempotency_claim(source=source, key="k-1", body=b'{"full_name": "x"}')
    time_machine.shift(timedelta(minutes=5))

    response = post_lead(api, b'{"full_name": "x"}', HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201


def test_a_400_answer_is_replayed_too(api):
    first = post_lead(api, {"email": 5.5, "attributes": []}, HTTP_IDEMPOTENCY_KEY="bad")
    replay = post_lead(api, {"email": 5.5, "attributes": []}, HTTP_IDEMPOTENCY_KEY="bad")

    assert first.status_code == replay.status_code == 400
    assert replay.json() == first.json()


def test_keys_are_scoped_per_source(api, make_source):
    from rest_framework.test import APIClient

    other = make_source(name="Other")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")

    post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1")
    response = post_lead(client, {"full_name": "Bob"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201


def test_keys_are_kept_at_least_24_hours_then_purged(api, source, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1")

    time_machine.shift(timedelta(hours=24))
    assert services.idempotency_purge_expired() == 0
    assert post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 200

    time_machine.shift(timedelta(hours=25))
    assert services.idempotency_purge_expired() == 1
    assert not IdempotencyKey.objects.exists()


def test_an_invalid_key_is_400(api):
    response = post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="x" * 300)

    assert response.status_code == 400
    assert "idempotency_key" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_a_nul_in_the_key_is_cleaned_like_lead_text_and_replays_still_match(api):
    first = post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-\x001")
    replay = post_lead(api, LEAD, HTTP_IDEMPOTENCY_KEY="k-\x001")

    assert first.status_code == 201, first.content
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().key == "k-1"
    assert Lead.objects.count() == 1
