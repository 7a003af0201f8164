import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from intake.models import Lead, LeadEvent, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

GOOD_LEAD = {
    "first_name": "maria",
    "last_name": "GARCIA",
    "email": "  Maria.Garcia@Gmail.com ",
    "phone": "(512) 555-0134 ext. 12",
    "postal_code": "78701",
    "message": "Need a quote for home insurance",
    "request_type": "home",
    "utm_source": "google",
    "utm_campaign": "spring-home",
    "landing_page": "https://agency.example.net/quote",
    "external_id": "V-1001",
    "attributes": {"budget": 5000, "homeowner": True},
}


def test_it_creates_a_lead_with_the_contract_shape(api, source):
    response = post_lead(api, GOOD_LEAD)

    assert response.status_code == 201, response.content
    body = response.json()
    for field in ("id", "status", "owner", "merged_into", "qualification", "routing"):
        assert field in body
    # No routing rule exists here, so the lead waits, visibly, in the review queue.
    assert body["owner"] is None
    assert body["routing"]["outcome"] == "review" and body["status"] == "review"
    qualification = body["qualification"]
    for field in ("score", "tier", "urgency", "request_type", "confidence", "needs_review"):
        assert field in qualification
    assert 0 <= qualification["score"] <= 100 and 0 <= qualification["confidence"] <= 1
    assert all(isinstance(reason, str) for reason in qualification["reasons"])
    assert body["first_name"] == "Maria" and body["last_name"] == "Garcia"
    assert body["email_normalized"] == "Maria.Garcia@gmail.com"
    assert body["phone_e164"] == "+15125550134"
    assert body["phone_extension"] == "12"
    assert body["state"] == "TX" and body["city"] == "Austin"
    assert body["time_zone"] == "America/Chicago"
    assert body["attributes"] == {"budget": 5000, "homeowner": True}
    assert body["source"] == source.name and body["channel"] == source.channel


def test_it_stores_the_raw_submission_before_parsing(api, source):
    raw = json.dumps(GOOD_LEAD).encode()
    response = post_lead(
        api, raw, HTTP_USER_AGENT="VendorBot/1.0", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    submission = Submission.objects.get()
    assert bytes(submission.body) == raw
    assert submission.source == source
    assert submission.status == Submission.Status.PROCESSED
    assert submission.lead_id == response.json()["id"]
    assert submission.headers["user-agent"] == "VendorBot/1.0"
    assert submission.headers["x-forwarded-for"] == "203.0.113.9"
    assert "authorization" not in submission.headers  # the key is never stored
    assert submission.remote_addr == "127.0.0.1"


def test_it_records_the_timeline(api):
    lead_id = post_lead(api, GOOD_LEAD).json()["id"]

    kinds = list(LeadEvent.objects.filter(lead_id=lead_id).values_list("kind", flat=True))
    assert kinds[:2] == ["received", "verified"]
    enriched = LeadEvent.objects.get(lead_id=lead_id, kind="enriched")
    assert enriched.data["filled"]["state"] == "TX"


def test_unknown_fields_are_kept_in_attributes(api):
    body = post_lead(api, {"email": "a@acme-roofing.com", "roof_age": "15 years"}).json()

    assert body["attributes"] == {"roof_age": "15 years"}


def test_source_defaults_fill_request_type_and_campaign(make_source):
    source = make_source(name="Vendor", default_request_type="quote", default_campaign="feed-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")

    body = post_lead(client, {"email": "x@acme-roofing.com"}).json()

    assert body["request_type"] == "quote" and body["utm_campaign"] == "feed-1"


def test_bad_data_is_flagged_not_refused(api):
    response = post_lead(api, {"full_name": "Bob", "phone": "000-000-0000", "email": "bob@@x"})

    assert response.status_code == 201
    flags = response.json()["flags"]
    assert {"phone_invalid", "email_invalid", "uncontactable"} <= set(flags)
    assert all(isinstance(reason, str) and reason for reason in flags.values())


def test_a_wrong_type_is_400_naming_field_and_reason_and_keeps_the_submission(api):
    response = post_lead(api, {"email": ["a@b.com"], "attributes": "nope"})

    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["email"] == ["must be a string, not an array"]
    assert body["errors"]["attributes"] == ["must be an object, not str"]
    submission = Submission.objects.get(pk=body["submission"])
    assert submission.status == Submission.Status.INVALID
    assert submission.errors == body["errors"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer lrs_wrong"}, 401),
        ({"HTTP_AUTHORIZATION": "Token abc"}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer"}, 401),
    ],
)
def test_a_missing_or_wrong_key_is_401(db, headers, expected):
    response = post_lead(APIClient(), GOOD_LEAD, **headers)

    assert response.status_code == expected
    assert "authorization" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_an_inactive_source_is_refused(api, source):
    source.is_active = False
    source.save()

    assert post_lead(api, GOOD_LEAD).status_code == 401


def test_a_user_token_cannot_submit(db, django_user_model):
    from intake import services

    django_user_model.objects.create_user("rep")
    _, raw = services.api_token_create(username="rep")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert post_lead(client, GOOD_LEAD).status_code == 403


def test_an_oversized_body_is_413_as_json_before_parsing(api, settings):
    settings.INTAKE_MAX_BODY_BYTES = 1000
    response = post_lead(api, {"message": "x" * 2000})

    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["errors"]["detail"][0]
    assert not Submission.objects.exists()


def test_the_source_key_is_throttled_with_429(api, source):
    source.rate_limit_per_minute = 3
    source.save()

    codes = [post_lead(api, {"email": f"p{i}@acme-roofing.com"}).status_code for i in range(5)]

    assert codes == [201, 201, 201, 429, 429]
    assert int(post_lead(api, GOOD_LEAD)["Retry-After"]) >= 1


def test_rotating_a_key_stops_the_old_one(api, source):
    from intake import services

    new_key = services.source_rotate_key(source=source)

    assert post_lead(api, GOOD_LEAD).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new_key}")
    assert post_lead(api, GOOD_LEAD).status_code == 201


def test_an_unexpected_failure_keeps_the_submission_and_answers_202(api, monkeypatch):
    from intake.services import leads

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(leads, "contact_resolve", explode)
    response = post_lead(api, GOOD_LEAD)

    assert response.status_code == 202
    submission = Submission.objects.get(pk=response.json()["submission"])
    assert submission.status == Submission.Status.FAILED
    assert "disk on fire" in submission.error_detail

    monkeypatch.undo()
    from leadrouter import pipeline

    result = pipeline.process_submission(submission.pk)
    assert result.created
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSED


def test_the_rate_limit_counts_every_concurrent_request_once(transactional_db, make_source):
    """On the database counter, 40 requests from 8 threads count exactly 40 (a read-then-write
    counter would lose some and let a source past its limit)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from intake.models import RateWindow
    from intake.rate_limit import source_rate_check

    source = make_source(name="Busy vendor")

    def hit(_):
        try:
            return source_rate_check(source)[0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(hit, range(40)))

    assert sum(RateWindow.objects.filter(source=source).values_list("count", flat=True)) == 40


def test_old_rate_counters_are_purged_by_their_own_hourly_schedule(source):
    from django_q.models import Schedule

    from intake.models import RateWindow
    from intake.tasks import rate_windows_purge

    now_minute = int(timezone.now().timestamp() // 60)
    RateWindow.objects.create(source=source, minute=now_minute - 120, count=5)
    RateWindow.objects.create(source=source, minute=now_minute, count=1)

    rate_windows_purge()

    assert list(RateWindow.objects.values_list("minute", flat=True)) == [now_minute]
    schedule = Schedule.objects.get(name="intake: purge old rate limit windows")
    assert (schedule.func, schedule.schedule_type) == ("intake.tasks.rate_windows_purge", "H")
