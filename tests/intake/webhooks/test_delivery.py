"""Sending: a real receiver on 127.0.0.1 (tests.fake_http), a frozen clock, the sweep called
directly, on-commit work run explicitly."""

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from intake.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from intake.services import webhook_endpoint_rotate_secret
from intake.tasks import lead_detail, webhooks_send_for_lead
from intake.webhooks.events import RETRY_DELAYS
from intake.webhooks.services import webhooks_sweep
from tests.conftest import post_lead
from tests.fake_http import FakeServer

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
ANN = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}
README = Path(__file__).resolve().parents[3] / "README.md"


def readme_verify():
    """The README's verification recipe, run as written."""
    section = README.read_text().split("## Outbound webhooks", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the README's own snippet
    return scope["verify"]


def sweep(now=None) -> int:
    return webhooks_sweep(render=lead_detail, now=now)


@pytest.fixture
def sync_cluster(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def test_a_change_is_delivered_after_commit_signed_with_the_lead_as_the_api_shows_it(
    api, receiver, make_endpoint, sync_cluster, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(url=f"{receiver.url}/hooks/crm", events=["lead.created"])
    receiver.reply(200, {"ok": True})

    with django_capture_on_commit_callbacks(execute=True):
        lead_id = post_lead(api, ANN).json()["id"]

    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/hooks/crm"
    assert request.headers["content-type"] == "application/json"
    assert readme_verify()(endpoint.raw_secret, request.headers, request.body)
    assert not readme_verify()("whsec_" + "A" * 44, request.headers, request.body)
    body = json.loads(request.body)
    assert body["type"] == "lead.created"
    assert body["timestamp"].endswith("Z")
    assert body["data"]["version"] == 1
    assert body["data"]["lead"]["id"] == lead_id
    assert body["data"]["lead"]["email"] == "ann@gmail.com"
    assert body["data"]["lead"]["events"][0]["kind"] == "received"  # the API's detail
    delivery = WebhookDelivery.objects.get()
    assert request.headers["webhook-id"] == delivery.message_id
    assert delivery.state == WebhookDelivery.State.DELIVERED
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == '{"ok": true}'


def test_a_later_event_of_a_lead_waits_for_the_earlier_one_and_they_arrive_in_order(
    api, receiver, make_endpoint, time_machine
):
    time_machine.move_to(T0, tick=False)
    make_endpoint(url=receiver.url, events=["lead.created", "lead.qualified"])
    post_lead(api, ANN)
    other = post_lead(api, {**ANN, "email": "bo@gmail.com"}).json()["id"]
    receiver.reply(500)  # Ann's lead.created
    receiver.reply(200)  # Bo's lead.created: another lead is not held up
    receiver.reply(200)  # Bo's lead.qualified

    assert sweep() == 3
    assert [json.loads(r.body)["type"] for r in receiver.requests] == [
        "lead.created",
        "lead.created",
        "lead.qualified",
    ]
    assert json.loads(receiver.requests[2].body)["data"]["lead"]["id"] == other

    time_machine.shift(RETRY_DELAYS[0] + timedelta(seconds=1))
    receiver.reply(200)
    receiver.reply(200)
    # Ann's lead.created; only once it is delivered is her lead.qualified first in line.
    assert sweep() == 2
    ann = [json.loads(r.body)["type"] for r in receiver.requests[3:]]
    assert ann == ["lead.created", "lead.qualified"]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_failures_are_retried_on_the_schedule_then_given_up_with_the_same_id_and_body(
    api, receiver, make_endpoint, time_machine
):
    time_machine.move_to(T0, tick=False)
    make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    delivery = WebhookDelivery.objects.get()

    for attempt, delay in enumerate([*RETRY_DELAYS, None], start=1):
        receiver.reply(503, {"error": "down"})
        assert sweep() == 1
        assert sweep() == 0  # not due again yet
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if delay is None:
            break
        wait = delivery.next_attempt_at - datetime.now(UTC)
        assert delay <= wait < delay + timedelta(seconds=1)
        time_machine.shift(wait)

    assert delivery.state == WebhookDelivery.State.FAILED and delivery.next_attempt_at is None
    assert len(receiver.requests) == 11
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    assert sum(RETRY_DELAYS, timedelta()) > timedelta(days=2, hours=21)
    assert WebhookAttempt.objects.filter(status_code=503, error="answered 503").count() == 11


def test_410_gone_disables_the_endpoint_and_nothing_more_is_recorded_for_it(
    api, receiver, make_endpoint
):
    endpoint = make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    receiver.reply(410)

    sweep()

    endpoint.refresh_from_db()
    assert endpoint.state == WebhookEndpoint.State.DISABLED
    assert "410 Gone" in endpoint.state_reason
    post_lead(api, {**ANN, "email": "bo@gmail.com"})
    assert endpoint.deliveries.count() == 1


def test_repeated_failures_pause_the_endpoint_and_tell_the_admins_once(
    api,
    receiver,
    make_endpoint,
    settings,
    mailoutbox,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 3
    django_user_model.objects.create_superuser("root", "root@example.com")
    endpoint = make_endpoint(url=receiver.url, events=["lead.created"])
    for n in range(5):
        post_lead(api, {**ANN, "email": f"person{n}@gmail.com"})
    for _ in range(3):
        receiver.reply(500)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 3  # the third failure pauses it: the others wait
        assert sweep() == 0

    endpoint.refresh_from_db()
    assert endpoint.state == WebhookEndpoint.State.PAUSED
    assert "3 deliveries in a row failed" in endpoint.state_reason
    assert [m.to for m in mailoutbox] == [["root@example.com"]]
    assert endpoint.url in mailoutbox[0].body
    post_lead(api, {**ANN, "email": "later@gmail.com"})  # still recorded while paused
    assert endpoint.deliveries.count() == 6

    # Resumed: everything waiting goes out, in order.
    from intake.services import webhook_endpoint_set_state

    webhook_endpoint_set_state(endpoint=endpoint, state=WebhookEndpoint.State.ACTIVE)
    for _ in range(6):
        receiver.reply(200)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 6
    assert endpoint.deliveries.filter(state="delivered").count() == 6
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://localhost/hook"],
)
def test_private_and_loopback_targets_are_refused_unless_the_setting_allows_them(
    make_endpoint, settings, url
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        make_endpoint(url=url)
    assert "WEBHOOKS_ALLOW_PRIVATE_TARGETS" in refused.value.message_dict["url"][0]

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert make_endpoint(url=url).pk


def test_a_target_that_became_private_is_refused_at_send_time(
    api, receiver, make_endpoint, settings
):
    make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    sweep()

    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "loopback" in attempt.error
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PENDING  # retried


def test_a_redirect_is_not_followed(api, receiver, make_endpoint):
    make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    with FakeServer() as elsewhere:
        receiver.reply(302, headers={"Location": f"{elsewhere.url}/steal"})
        sweep()
        assert elsewhere.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302 and "do not follow redirects" in attempt.error


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    api, receiver, make_endpoint, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    receiver.reply(200, delay=1.5)

    started = time.monotonic()
    sweep()

    assert time.monotonic() - started < 1.2
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error


def test_a_huge_answer_is_cut_and_only_its_start_is_kept(api, receiver, make_endpoint):
    make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    receiver.reply(200, raw=b"x" * 5_000_000)

    sweep()

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "x" * 1000
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.DELIVERED


def test_during_a_rotation_both_secrets_verify(api, receiver, make_endpoint):
    endpoint = make_endpoint(url=receiver.url, events=["lead.created"])
    new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
    post_lead(api, ANN)
    receiver.reply(200)

    sweep()

    (request,) = receiver.requests
    verify = readme_verify()
    assert verify(new_secret, request.headers, request.body)
    assert verify(endpoint.raw_secret, request.headers, request.body)
    assert len(request.headers["webhook-signature"].split(" ")) == 2


def test_the_task_sends_a_leads_due_deliveries(api, receiver, make_endpoint):
    make_endpoint(url=receiver.url, events=["lead.created", "lead.qualified"])
    lead_id = post_lead(api, ANN).json()["id"]
    receiver.reply(200)
    receiver.reply(200)

    assert webhooks_send_for_lead(lead_id) == "delivered 2 webhook(s)"
    assert webhooks_send_for_lead(lead_id) == "delivered 0 webhook(s)"  # delivered twice
    assert len(receiver.requests) == 2
