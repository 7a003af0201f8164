"""Meta Lead Ads: subscription handshake, signed notifications, and the Graph API fetch in a
background task (run here the way a qcluster worker runs it), against a real HTTP server."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from intake import services, tasks
from intake.models import Lead, Submission, VendorFetch
from tests.fake_http import FakeServer
from tests.intake.hooks.conftest import hook_url, post_hook, sample
from tests.intake.hooks.drivers import meta_signed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbound_to_fake_server")]

APP_SECRET = "meta-app-secret"


def graph_lead(lead_id="123123123123", **extra) -> dict:
    lead = json.loads(sample("meta_lead_graph_object.json"))
    lead.update(id=lead_id, ad_id="12312312312", form_id="12312312312", **extra)
    return lead


@pytest.fixture
def graph(settings):
    with FakeServer() as server:
        settings.META_GRAPH_BASE_URL = f"{server.url}/v21.0"
        yield server


@pytest.fixture
def meta(hook_source):
    return hook_source(
        "meta", secret=APP_SECRET, verify_token="vt-123", access_token="EAAB-page-token"
    )


def notify(client, meta, body=None):
    body = body if body is not None else sample("meta_leadgen_webhook.json")
    return post_hook(client, meta, body, **meta_signed(body, APP_SECRET))


def run_queued_fetches() -> list[str]:
    """What a qcluster worker does with the queued fetches."""
    return [
        tasks.vendor_fetch_run(fetch.pk) for fetch in VendorFetch.objects.filter(status="pending")
    ]


def test_the_subscription_check_echoes_the_challenge_for_the_right_verify_token(client, meta):
    url = hook_url(meta)
    ok = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "vt-123", "hub.challenge": "1158201444"}
    )
    wrong = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
    )

    assert ok.status_code == 200 and ok.content == b"1158201444"
    assert wrong.status_code == 403


def test_a_notification_is_answered_at_once_and_the_lead_fetched_in_a_task(
    client, meta, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(client, meta)

    assert response.status_code == 200
    assert response.json()["leads"] == 1
    assert not Lead.objects.exists()  # nothing slow happened in the request
    assert Submission.objects.get().status == Submission.Status.DEFERRED
    assert OrmQ.objects.count() == 1  # queued for the qcluster
    fetch = VendorFetch.objects.get()
    assert fetch.vendor_lead_id == "123123123123"  # a JSON number, kept as a string

    graph.reply(200, graph_lead())
    run_queued_fetches()

    request = graph.requests[0]
    assert request.path.startswith("/v21.0/123123123123?fields=")
    assert request.headers["authorization"] == "Bearer EAAB-page-token"
    lead = Lead.objects.get()
    assert (lead.full_name, lead.email) == ("Joe Example", "joe@example.com")
    assert lead.external_id == "123123123123"
    assert lead.attributes["car_make"] == "Honda"
    assert lead.attributes["meta_page_id"] == "123123123"
    assert lead.utm_source == "facebook"
    fetch.refresh_from_db()
    assert fetch.status == VendorFetch.Status.DONE
    assert fetch.result.lead == lead
    assert fetch.result.body  # the Graph answer is stored raw, like any delivery


def test_custom_question_names_and_a_real_lead(client, meta, graph):
    notify(client, meta, sample("meta_leadgen_webhook_organic.json"))
    graph.reply(200, json.loads(sample("meta_lead_graph_object_2016.json")))
    run_queued_fetches()

    lead = Lead.objects.get()
    assert lead.phone == "6552467291"  # "phone_number_(eg.65xxxxxxxx)" is the phone
    assert lead.email == "tom_cook@gmail.com"
    assert not lead.is_test
    assert lead.utm_medium == "organic"  # ad_id 0


def test_a_testing_tool_lead_is_stored_and_flagged_test(client, meta, graph):
    notify(client, meta)
    graph.reply(
        200,
        graph_lead(
            field_data=[
                {"name": "full_name", "values": ["<test lead: dummy data for full_name>"]},
                {"name": "email", "values": ["test@fb.com"]},
            ]
        ),
    )
    run_queued_fetches()

    lead = Lead.objects.get()
    assert lead.is_test and "test" in lead.flags


def test_a_failing_graph_api_is_retried_with_backoff_then_gives_up_visibly(
    client, meta, graph, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.VENDOR_FETCH_MAX_ATTEMPTS = 3
    time_machine.move_to(timezone.now(), tick=False)
    notify(client, meta)
    fetch = VendorFetch.objects.get()

    graph.reply(500, {"error": {"message": "An unknown error occurred"}})
    with django_capture_on_commit_callbacks(execute=True):
        tasks.vendor_fetch_run(fetch.pk)
    fetch.refresh_from_db()
    assert fetch.status == VendorFetch.Status.PENDING
    assert fetch.next_attempt_at == timezone.now() + timedelta(seconds=30)
    retry = Schedule.objects.get(func="intake.tasks.vendor_fetch_run")
    assert retry.next_run == fetch.next_attempt_at
    assert "500" in fetch.last_error

    graph.reply(503, {})
    tasks.vendor_fetch_run(fetch.pk)
    fetch.refresh_from_db()
    assert fetch.next_attempt_at == timezone.now() + timedelta(minutes=2)

    graph.reply(500, {})
    tasks.vendor_fetch_run(fetch.pk)
    fetch.refresh_from_db()
    assert fetch.status == VendorFetch.Status.GAVE_UP
    assert fetch.attempts == 3
    assert not Lead.objects.exists()

    # From the admin: retry now.
    services.vendor_fetch_retry(fetch=fetch)
    graph.reply(200, graph_lead())
    tasks.vendor_fetch_run(fetch.pk)
    assert Lead.objects.count() == 1


def test_an_expired_token_is_not_retried(client, meta, graph):
    notify(client, meta)
    graph.reply(400, {"error": {"message": "Error validating access token", "code": 190}})
    run_queued_fetches()

    fetch = VendorFetch.objects.get()
    assert fetch.status == VendorFetch.Status.GAVE_UP
    assert "access token" in fetch.last_error


def test_a_graph_timeout_is_retried(client, meta, graph, settings):
    settings.VENDOR_HTTP_TIMEOUT = 0.2
    notify(client, meta)
    graph.reply(200, graph_lead(), delay=1.0)
    run_queued_fetches()

    fetch = VendorFetch.objects.get()
    assert fetch.status == VendorFetch.Status.PENDING
    assert "timed out" in fetch.last_error


def test_a_malformed_notification_is_400_naming_the_field(client, meta):
    body = b'{"object": "page", "entry": "not a list"}'
    response = notify(client, meta, body)

    assert response.status_code == 400
    assert "entry" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID

    broken = b'{"object": "page", '
    assert notify(client, meta, broken).status_code == 400


def test_a_graph_answer_without_answers_is_kept_invalid_not_lost(client, meta, graph):
    notify(client, meta)
    graph.reply(200, {"id": "123123123123", "field_data": "nope"})
    run_queued_fetches()

    fetched = Submission.objects.get(options__fetched=True)
    assert fetched.status == Submission.Status.INVALID
    assert "field_data" in fetched.errors
