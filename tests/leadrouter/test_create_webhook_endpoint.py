"""`manage.py create_webhook_endpoint URL [--events …] [--team NAME]`."""

import pytest
from django.core.management import CommandError, call_command

from intake.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_it_creates_an_endpoint_and_prints_its_secret_once(capsys, team):
    call_command(
        "create_webhook_endpoint",
        "https://hooks.zapier.com/hooks/catch/1/abc/",
        "--events",
        "lead.created, lead.assigned",
        "--team",
        "Austin office",
    )

    out = capsys.readouterr().out
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["lead.created", "lead.assigned"]
    assert endpoint.team == team
    assert out.count(endpoint.secret) == 1 and endpoint.secret.startswith("whsec_")


def test_without_events_it_subscribes_to_all_of_them(capsys):
    call_command("create_webhook_endpoint", "https://crm.example.org/hook")
    assert len(WebhookEndpoint.objects.get().events) == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--events", "lead.created,lead.exploded"],
            "--events: unknown event type(s): lead.exploded",
        ),
        (["--team", "Nowhere"], "--team: no team is named 'Nowhere'"),
        (["--source", "Nowhere"], "--source: no source is named 'Nowhere'"),
    ],
)
def test_bad_options_are_clear_errors(args, message):
    with pytest.raises(CommandError) as error:
        call_command("create_webhook_endpoint", "https://crm.example.org/hook", *args)
    assert message in str(error.value)
    assert not WebhookEndpoint.objects.exists()


def test_a_loopback_url_is_refused_unless_the_setting_allows_it(settings, capsys):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(CommandError) as error:
        call_command("create_webhook_endpoint", "http://127.0.0.1:8080/hook")
    assert "loopback" in str(error.value) and "WEBHOOKS_ALLOW_PRIVATE_TARGETS" in str(error.value)

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    call_command("create_webhook_endpoint", "http://127.0.0.1:8080/hook")
    assert WebhookEndpoint.objects.count() == 1
