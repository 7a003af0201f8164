"""What every vendor door shares: URL, limits, audit of rejects, rotation from the admin,
deliverability off the request path, and the create_source command."""

import json
import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import reverse

from intake import services
from intake.models import Lead, Source, Submission, VendorFetch
from tests.intake.hooks.conftest import hook_url, post_hook

pytestmark = pytest.mark.django_db

KEY = "google-key"


def google_body(**changes) -> bytes:
    data = {
        "lead_id": "L-1",
        "google_key": KEY,
        "user_column_data": [{"column_id": "EMAIL", "string_value": "ann@acme-roofing.com"}],
        **changes,
    }
    return json.dumps(data).encode()


@pytest.fixture
def google(hook_source):
    return hook_source("google_ads", secret=KEY)


def test_the_api_adapter_reads_the_api_json_shape(client, source):
    body = json.dumps({"full_name": "Ann Lee", "email": "ann@gmail.com"}).encode()

    response = post_hook(client, source, body, HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")

    assert response.status_code == 201
    assert Lead.objects.get().full_name == "Ann Lee"


def test_an_inactive_source_is_404(client, google):
    Source.objects.filter(pk=google.pk).update(is_active=False)
    assert post_hook(client, google, google_body()).status_code == 404


def test_an_oversized_delivery_is_413_before_anything_reads_it(client, google, settings):
    settings.INTAKE_MAX_BODY_BYTES = 100
    response = post_hook(client, google, google_body(padding="x" * 200))

    assert response.status_code == 413
    assert "larger than 100 bytes" in response.json()["errors"]["body"][0]


def test_deliveries_are_throttled_per_source(client, google):
    Source.objects.filter(pk=google.pk).update(rate_limit_per_minute=2)
    codes = [post_hook(client, google, google_body(lead_id=f"L-{i}")).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_a_get_on_a_post_only_hook_is_405(client, google):
    assert client.get(hook_url(google)).status_code == 405


def test_the_api_can_mark_a_lead_as_a_test(api):
    from tests.conftest import post_lead

    response = post_lead(api, {"full_name": "QA Person", "email": "qa@gmail.com", "is_test": True})

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.is_test and lead.flags["test"] == "the sender marked it as a test lead"
    bad = post_lead(api, {"full_name": "QA", "is_test": "maybe"})
    assert bad.json()["errors"]["is_test"] == ["must be true or false, not str"]


def test_the_source_admin_shows_the_hook_url_counts_and_last_problems(admin_client, google):
    post_hook(client=admin_client, source=google, body=google_body())
    post_hook(admin_client, google, google_body(google_key="wrong"))

    page = admin_client.get(reverse("admin:intake_source_change", args=[google.pk]))

    html = page.content.decode()
    assert f"/hooks/google_ads/{google.public_id}/" in html
    assert "google_key is missing or does not match" in html
    assert "processed: 1" in html and "rejected: 1" in html


def test_changing_the_secret_in_the_admin_keeps_the_old_one_valid_for_a_while(
    admin_client, google, client
):
    url = reverse("admin:intake_source_change", args=[google.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(secret="rotated-key", field_map="{}", rate_limit_per_minute="")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    google.refresh_from_db()
    assert (google.secret, google.previous_secret) == ("rotated-key", KEY)
    assert post_hook(client, google, google_body()).status_code == 200
    assert (
        post_hook(client, google, google_body(lead_id="L-2", google_key="rotated-key")).status_code
        == 200
    )


def test_a_fetch_that_gave_up_is_listed_and_can_be_retried_from_the_admin(
    admin_client, hook_source
):
    meta = hook_source("meta", secret="s")
    notification = services.submission_store(source=meta, door="hook", body=b"{}")
    fetch = VendorFetch.objects.create(
        source=meta,
        notification=notification,
        vendor_lead_id="42",
        status=VendorFetch.Status.GAVE_UP,
        attempts=6,
        last_error="GET /v21.0/42 answered 500",
    )

    listing = admin_client.get(reverse("admin:intake_vendorfetch_changelist") + "?status=gave_up")
    assert b"answered 500" in listing.content
    admin_client.post(
        reverse("admin:intake_vendorfetch_changelist"),
        {"action": "retry_now", "_selected_action": [fetch.pk]},
    )
    fetch.refresh_from_db()
    assert fetch.status == VendorFetch.Status.PENDING


def test_create_source_prints_the_hook_url_and_what_the_secret_is(capsys):
    call_command(
        "create_source",
        "Google lead forms",
        "--channel",
        "vendor",
        "--adapter",
        "google_ads",
        "--secret",
        "k-123",
    )
    out = capsys.readouterr().out
    source = Source.objects.get(name="Google lead forms")
    assert f"/hooks/google_ads/{source.public_id}/" in out
    assert "google_key" in out
    assert re.search(r"API key:\s+lrs_", out)


def test_email_deliverability_runs_in_a_task_after_commit_not_in_the_request(
    api, settings, django_capture_on_commit_callbacks
):
    import dns.resolver
    from django_q.models import OrmQ

    from tests.conftest import post_lead
    from tests.intake.test_quality_email import StubResolver

    settings.INTAKE_EMAIL_CHECK_DELIVERABILITY = True
    with django_capture_on_commit_callbacks(execute=True):
        response = post_lead(api, {"full_name": "Ann", "email": "ann@acme-nope.com"})
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.checks["email"]["deliverability"] == "not_checked"
    assert OrmQ.objects.get().func() == "intake.tasks.check_email_deliverability"

    resolver = StubResolver(error=dns.resolver.NXDOMAIN())
    assert services.lead_check_deliverability(lead.pk, dns_resolver=resolver) == "undeliverable"
    lead.refresh_from_db()
    assert "email_undeliverable" in lead.flags
    assert lead.checks["email"]["deliverability"] == "undeliverable"
    assert lead.events.filter(message__startswith="Email deliverability: undeliverable").exists()


def test_without_the_setting_no_lookup_is_queued(api, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ

    from tests.conftest import post_lead

    with django_capture_on_commit_callbacks(execute=True):
        post_lead(api, {"full_name": "Ann", "email": "ann@acme-nope.com"})
    assert not OrmQ.objects.exists()
    assert Submission.objects.get().status == "processed"


def test_the_demo_prints_vendor_hooks_that_accept_the_vendor_test_data(client, capsys):
    from tests.intake.hooks.conftest import sample

    call_command("demo", "--leads", "5")
    out = capsys.readouterr().out
    url, secret = re.search(r"(http\S+/hooks/google_ads/\S+/)\s+secret (\S+)", out).groups()

    data = json.loads(sample("google_ads_lead_form.json"))
    data["google_key"] = secret
    response = client.post(urlparse(url).path, json.dumps(data), content_type="application/json")
    assert response.status_code == 200
