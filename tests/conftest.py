import itertools
import json
import os
import shutil

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from intake import services
from intake.models import Adapter, Channel, Contact, Lead, LeadStatus
from routing.models import LicenceRequirement, Rep, RoutingRule, Team


def pytest_configure(config):
    from django.conf import settings

    # Hashed static names exist only after collectstatic; tests serve files by plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_loaded_models():
    # Models, signals and settings are cached per process; each test starts from its database.
    from intake.webhooks.services import forget_webhook_endpoints
    from qualification.services.registry import forget_loaded_models
    from routing.services.config import forget_routing_setup

    forget_loaded_models()
    forget_routing_setup()
    forget_webhook_endpoints()
    yield
    forget_loaded_models()
    forget_routing_setup()
    forget_webhook_endpoints()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Each test starts with an empty cache (the Redis rate-limit counters in a run with Redis).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outbound_to_fake_server(settings):
    """tests.fake_http listens on 127.0.0.1, which outbound calls refuse unless allowed."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False


@pytest.fixture
def make_source(db):
    def make(name="Website", channel=Channel.API, adapter=Adapter.API, **fields):
        source, raw_key = services.source_create(
            name=name, channel=channel, adapter=adapter, **fields
        )
        source.raw_key = raw_key
        return source

    return make


@pytest.fixture
def source(make_source):
    return make_source()


@pytest.fixture
def api(source):
    """An API client that submits as `source`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")
    return client


_rep_numbers = itertools.count(1)


@pytest.fixture
def team(db):
    return Team.objects.create(name="Austin office", time_zone="America/Chicago")


@pytest.fixture
def make_rep(team, django_user_model):
    def make(name=None, **fields):
        name = name or f"rep{next(_rep_numbers)}"
        user = django_user_model.objects.create_user(name, first_name=name.title())
        return Rep.objects.create(user=user, team=fields.pop("team", team), **fields)

    return make


@pytest.fixture
def make_rule(team):
    def make(name="Everyone", pool_reps=(), **fields):
        fields.setdefault("pool_team", None if pool_reps else team)
        fields.setdefault("require_working_now", False)
        rule = RoutingRule.objects.create(name=name, **fields)
        rule.pool_reps.set(pool_reps)
        return rule

    return make


@pytest.fixture
def require_licence(db):
    """Say which leads need a rep licensed in their state, as a manager does in the admin:
    every lead by default, or those of `request_types`."""

    def require(*request_types):
        applies_to = (
            LicenceRequirement.AppliesTo.REQUEST_TYPES
            if request_types
            else LicenceRequirement.AppliesTo.EVERY_LEAD
        )
        LicenceRequirement.objects.update_or_create(
            pk=1, defaults={"applies_to": applies_to, "request_types": list(request_types)}
        )

    return require


@pytest.fixture
def make_leads(source):
    """n open, qualified-or-not leads written directly (no pipeline), fast enough for load tests."""

    def make(n, **fields):
        contacts = Contact.objects.bulk_create([Contact() for _ in range(n)])
        now = timezone.now()
        return Lead.objects.bulk_create(
            [
                Lead(
                    contact=contact,
                    source=source,
                    channel=source.channel,
                    status=LeadStatus.NEW,
                    received_at=now,
                    last_touch_at=now,
                    **fields,
                )
                for contact in contacts
            ]
        )

    return make


# A lead qualification lets straight through to routing (a phone and a request type): the
# browser tests' rep finds it in their queue.
ROUTABLE_LEAD = {
    "full_name": "Ann Lee",
    "email": "ann@gmail.com",
    "phone": "+1 512 555 0134",
    "request_type": "home",
}


def sign_in_at(page, url, username, password="a-long-password-1"):  # noqa: S107 - a test user
    """Open a page that needs signing in, sign in on the form it sends to, and come back."""
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(url)


def post_lead(client, payload, **headers):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.generic(
        "POST",
        "/api/v1/leads/",
        body,
        content_type=headers.pop("content_type", "application/json"),
        **headers,
    )


# bin/test installs Debian's chromium when it is missing; browser tests never skip.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def page(live_server):
    """A Playwright page in Debian's chromium (never a downloaded browser)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the ORM calls in these tests are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs use their own connection (Django keeps
        # connections per context); close it, or PostgreSQL cannot drop the test database.
        connections.close_all()


@pytest.fixture
def make_policy(db):
    """An SLA policy (the default unless a scope is given) with its targets (urgency, tier,
    business minutes) and ladder (kind, percent, offset), as an admin would enter it."""
    from routing.models import SlaPolicy, SlaStep, SlaTarget

    def make(
        name="Standard",
        *,
        targets=(("", "", 30),),
        steps=((SlaStep.Kind.REMIND, 50, None), (SlaStep.Kind.REASSIGN, 100, None)),
        **fields,
    ):
        if not any(fields.get(scope) for scope in ("rule", "team", "source", "channel")):
            fields.setdefault("is_default", True)
        policy = SlaPolicy.objects.create(name=name, **fields)
        for urgency, tier, minutes in targets:
            SlaTarget.objects.create(policy=policy, urgency=urgency, tier=tier, minutes=minutes)
        for order, (kind, percent, offset) in enumerate(steps, start=1):
            SlaStep.objects.create(
                policy=policy, order=order, kind=kind, percent=percent, offset_minutes=offset
            )
        return policy

    return make
