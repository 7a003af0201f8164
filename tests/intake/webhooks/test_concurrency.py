"""Two sweeps at once (each thread its own connection, as two clusters would be), on SQLite
and PostgreSQL: every delivery is sent exactly once, and each lead's events in order."""

import json
from collections import Counter

import pytest

from intake.models import WebhookAttempt, WebhookDelivery
from intake.services import webhook_event_record
from intake.tasks import lead_detail
from intake.webhooks.services import webhooks_sweep
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 15
EVENTS = ("lead.created", "lead.qualified", "lead.status_changed")


def test_two_sweeps_at_once_deliver_each_message_once_and_in_order(
    receiver, make_endpoint, make_leads
):
    make_endpoint(url=receiver.url)
    for lead in make_leads(LEADS):
        for event_type in EVENTS:
            webhook_event_record(event_type=event_type, lead=lead)
    for _ in range(LEADS * len(EVENTS)):
        receiver.reply(200)

    attempted = together(lambda: webhooks_sweep(render=lead_detail))

    assert sum(attempted) == LEADS * len(EVENTS)
    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == LEADS * len(EVENTS) and set(ids.values()) == {1}
    assert WebhookAttempt.objects.count() == LEADS * len(EVENTS)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    by_lead: dict[int, list[str]] = {}
    for request in receiver.requests:
        parsed = json.loads(request.body)
        by_lead.setdefault(parsed["data"]["lead"]["id"], []).append(parsed["type"])
    assert all(types == list(EVENTS) for types in by_lead.values())
