"""The endpoints' admin: ticks, the secret shown once, refusals on the form, the delivery log
and Resend."""

import json

import pytest
from django.urls import reverse

from intake.models import WebhookDelivery, WebhookEndpoint
from intake.webhooks.services import webhooks_sweep
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

ANN = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}


def add(admin_client, **fields):
    return admin_client.post(
        reverse("admin:intake_webhookendpoint_add"),
        {
            "url": "https://crm.example.org/hooks/leadrouter",
            "description": "Our CRM",
            "events": ["lead.created", "lead.won"],
            "state": "active",
            **fields,
        },
        follow=True,
    )


def test_adding_an_endpoint_shows_its_secret_once(admin_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    page = add(admin_client).content.decode()

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["lead.created", "lead.won"]
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page
    change = reverse("admin:intake_webhookendpoint_change", args=[endpoint.pk])
    assert endpoint.secret not in admin_client.get(change).content.decode()


def test_a_private_url_is_refused_on_the_form_naming_the_setting(admin_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    page = add(admin_client, url="http://169.254.169.254/latest/").content.decode()
    assert "WEBHOOKS_ALLOW_PRIVATE_TARGETS" in page
    assert not WebhookEndpoint.objects.exists()


def test_no_ticked_event_is_refused(admin_client):
    add(admin_client, events=[])
    assert not WebhookEndpoint.objects.exists()


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_signing(
    admin_client, make_endpoint
):
    endpoint = make_endpoint()
    response = admin_client.post(
        reverse("admin:intake_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()
    assert endpoint.previous_secret == endpoint.raw_secret
    change = reverse("admin:intake_webhookendpoint_change", args=[endpoint.pk])
    assert "still signing too until" in admin_client.get(change).content.decode()


def test_the_log_shows_each_attempt_and_resend_sends_the_same_message_again(
    admin_client, api, receiver, make_endpoint, monkeypatch
):
    from django_q.conf import Conf

    from intake.tasks import lead_detail

    monkeypatch.setattr(Conf, "SYNC", True)
    endpoint = make_endpoint(url=receiver.url, events=["lead.created"])
    post_lead(api, ANN)
    receiver.reply(500, {"error": "database down"})
    webhooks_sweep(render=lead_detail)

    change = reverse("admin:intake_webhookendpoint_change", args=[endpoint.pk])
    page = admin_client.get(change).content.decode()
    assert "lead.created" in page and "500" in page and "answered 500" in page
    delivery = WebhookDelivery.objects.get()
    detail = reverse("admin:intake_webhookdelivery_change", args=[delivery.pk])
    assert "database down" in admin_client.get(detail).content.decode()

    receiver.reply(200)
    admin_client.post(
        reverse("admin:intake_webhookdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )

    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == delivery.message_id
    assert first.body == again.body
    assert json.loads(again.body)["type"] == "lead.created"


def test_a_paused_endpoint_set_back_to_active_sends_what_waited(
    admin_client, api, receiver, make_endpoint
):
    endpoint = make_endpoint(url=receiver.url, events=["lead.created"])
    endpoint.state = WebhookEndpoint.State.PAUSED
    endpoint.save()
    post_lead(api, ANN)

    admin_client.post(
        reverse("admin:intake_webhookendpoint_changelist"),
        {"action": "resume", "_selected_action": [endpoint.pk]},
    )

    endpoint.refresh_from_db()
    assert endpoint.state == WebhookEndpoint.State.ACTIVE
    assert WebhookDelivery.objects.get().next_attempt_at is not None
