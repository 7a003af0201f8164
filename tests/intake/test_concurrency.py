"""Dedup and idempotency with real concurrent connections (run on SQLite and PostgreSQL).

Each thread has its own database connection; a barrier releases them together so that their
transactions genuinely overlap.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from intake import services
from intake.models import ContactIdentity, Door, Lead, Submission
from leadrouter import pipeline
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 20


def run_together(count, work):
    barrier = threading.Barrier(count)

    def one(index):
        try:
            barrier.wait(timeout=30)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_20_simultaneous_submissions_of_one_person_make_one_lead(source):
    body = json.dumps(
        {"full_name": "Ann Lee", "email": "ann.lee@gmail.com", "phone": "512-555-0134"}
    ).encode()

    def submit(_):
        submission = services.submission_store(
            source=source, door=Door.API, body=body, content_type="application/json"
        )
        return pipeline.process_submission(submission.pk)

    results = run_together(WRITERS, submit)

    assert not any(r.failed or r.errors for r in results)
    assert Lead.objects.count() == 1
    assert sum(r.created for r in results) == 1
    assert sum(r.merged for r in results) == WRITERS - 1
    lead = Lead.objects.get()
    assert lead.touch_count == WRITERS
    assert ContactIdentity.objects.count() == 2
    assert Submission.objects.filter(lead=lead).count() == WRITERS


def test_simultaneous_retries_of_one_vendor_lead_id_make_one_lead(source):
    def submit(index):
        body = json.dumps({"external_id": "G-1", "full_name": f"Ann {index}"}).encode()
        submission = services.submission_store(
            source=source, door=Door.API, body=body, content_type="application/json"
        )
        return pipeline.process_submission(submission.pk)

    results = run_together(WRITERS, submit)

    assert not any(r.failed for r in results)
    assert Lead.objects.count() == 1


def test_simultaneous_requests_with_one_idempotency_key_make_one_lead(source):
    payload = {"full_name": "Ann Lee", "email": "ann.lee@gmail.com"}

    def submit(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")
        return post_lead(client, payload, HTTP_IDEMPOTENCY_KEY="same-key").status_code

    codes = run_together(10, submit)

    assert codes.count(201) == 1
    assert set(codes) <= {201, 200, 409}
    assert Lead.objects.count() == 1
    assert Submission.objects.count() == 1


def test_different_people_at_the_same_time_each_get_a_lead(source):
    def submit(index):
        body = json.dumps({"email": f"person{index}@gmail.com"}).encode()
        submission = services.submission_store(
            source=source, door=Door.API, body=body, content_type="application/json"
        )
        return pipeline.process_submission(submission.pk)

    results = run_together(WRITERS, submit)

    assert sum(r.created for r in results) == WRITERS
    assert Lead.objects.count() == WRITERS
