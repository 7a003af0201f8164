"""`lead_submit`, called directly: store, run the pipeline and answer, once per
Idempotency-Key."""

import json

import pytest
from django.test import RequestFactory

from intake import services as intake_services
from intake.models import IdempotencyKey, Lead, Submission
from leadrouter import pipeline
from leadrouter.api.services import SubmitAnswer, lead_submit

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann.lee@acme-roofing.com"}


def submit(source, payload, key=None):
    body = json.dumps(payload).encode()
    request = RequestFactory().post("/api/v1/leads/", body, content_type="application/json")
    return lead_submit(request=request, source=source, body=body, idempotency_key=key)


def test_a_new_person_makes_a_lead_answered_201(source):
    answer = submit(source, LEAD)

    assert (answer.status, answer.replayed) == (201, False)
    lead = Lead.objects.get()
    assert answer.body["id"] == lead.pk and answer.body["email_normalized"] == lead.email
    assert Submission.objects.get().status == Submission.Status.PROCESSED


def test_the_same_person_again_is_merged_into_their_open_lead_answered_200(source):
    first = submit(source, LEAD)

    again = submit(source, {**LEAD, "message": "Any news?"})

    assert (again.status, again.body["id"]) == (200, first.body["id"])
    assert Lead.objects.count() == 1 and Submission.objects.count() == 2


def test_a_body_that_cannot_become_a_lead_is_400_naming_the_field_and_kept(source):
    answer = submit(source, {**LEAD, "attributes": []})

    submission = Submission.objects.get()
    assert answer == SubmitAnswer(
        400,
        {
            "errors": {"attributes": ["must be an object, not an array"]},
            "submission": submission.pk,
        },
    )


def test_a_replayed_key_gets_the_first_answer_as_200_without_a_second_submission(source):
    first = submit(source, LEAD, key="order-1")

    replay = submit(source, LEAD, key="order-1")

    assert (first.status, first.replayed) == (201, False)
    assert replay == SubmitAnswer(200, first.body, replayed=True)
    assert Submission.objects.count() == 1


def test_a_key_used_with_another_body_is_422_and_nothing_is_stored(source):
    submit(source, LEAD, key="order-1")

    answer = submit(source, {**LEAD, "message": "changed"}, key="order-1")

    assert answer == SubmitAnswer(
        422, {"errors": {"idempotency_key": ["was already used with a different request body"]}}
    )
    assert Submission.objects.count() == 1


def test_a_key_whose_first_request_is_still_running_is_409_and_nothing_is_stored(source):
    body = json.dumps(LEAD).encode()
    intake_services.idempotency_claim(source=source, key="order-1", body=body)

    answer = submit(source, LEAD, key="order-1")

    assert answer == SubmitAnswer(
        409, {"errors": {"idempotency_key": ["a request with this key is still being processed"]}}
    )
    assert not Submission.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "zero\u200bwidth"])
def test_a_key_that_is_not_1_to_255_printable_characters_is_400(source, key):
    answer = submit(source, LEAD, key=key)

    assert answer == SubmitAnswer(
        400, {"errors": {"idempotency_key": ["must be 1 to 255 printable characters"]}}
    )
    assert not Submission.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_failure_before_the_answer_releases_the_claim_so_a_retry_is_processed(
    source, monkeypatch
):
    def crash(submission, **kwargs):
        raise RuntimeError("the worker died")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "process_submission", crash)
        with pytest.raises(RuntimeError):
            submit(source, LEAD, key="order-1")
    assert not IdempotencyKey.objects.exists()

    retry = submit(source, LEAD, key="order-1")

    assert (retry.status, retry.replayed) == (201, False)
    assert IdempotencyKey.objects.get().response_status == 201
