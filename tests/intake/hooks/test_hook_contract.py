"""What every vendor hook promises, run against each hook as its vendor calls it (drivers.py).

A delivery signed with the source's credential is accepted; one without it, signed with another
secret, or changed after signing is refused with 401 (Twilio Voice: 403) and kept for audit
without a lead; a source without a secret refuses every delivery; during a secret rotation the
previous secret verifies until its grace period ends; a vendor's retry of a delivery is answered
as before without a second lead or touch, also when its id holds a NUL (which PostgreSQL refuses
in text).
Vendor-specific cases (field mapping, each vendor's quirks) stay in the vendor's own file.
"""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from intake import services
from intake.hooks import get_hook
from intake.hooks.base import DeferredHook
from intake.models import Adapter, Lead, Submission, VendorFetch
from tests.intake.hooks.conftest import post_hook
from tests.intake.hooks.drivers import DRIVERS

pytestmark = pytest.mark.django_db

SECRET = "the-vendors-secret"
ACCEPTED = (200, 201)


def fetches_later(driver) -> bool:
    """A hook that keeps the delivery and fetches the lead from its vendor afterwards."""
    return isinstance(driver.hook, DeferredHook)


def each_driver(where=lambda driver: True):
    return pytest.mark.parametrize(
        "driver", [driver for driver in DRIVERS if where(driver)], ids=lambda driver: driver.name
    )


@pytest.fixture
def vendor_source(hook_source, driver):
    return hook_source(driver.adapter, secret=SECRET)


def deliver(client, driver, source, delivery_id: str = "1001", *, secret=None):
    body, headers = driver.sign(source, driver.body(delivery_id), secret)
    return post_hook(client, source, body, driver.content_type, **headers)


def made(driver) -> int:
    """What the deliveries made: touches on leads or, for a hook that fetches each lead
    afterwards (Meta), the fetches queued."""
    if fetches_later(driver):
        return VendorFetch.objects.count()
    return Lead.objects.aggregate(touches=Sum("touch_count"))["touches"] or 0


def assert_refused_and_kept_for_audit(response, driver):
    assert response.status_code == driver.refused_status, response.content[:300]
    assert driver.refusal_names in driver.errors(response)[driver.refusal_field][0]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.REJECTED
    assert submission.lead is None
    assert made(driver) == 0


def test_every_hook_has_a_driver():
    hooks = {adapter for adapter in Adapter if get_hook(adapter) is not None}

    assert {driver.adapter for driver in DRIVERS} == hooks


@each_driver()
def test_a_delivery_signed_with_the_sources_credential_is_accepted(client, driver, vendor_source):
    response = deliver(client, driver, vendor_source)

    assert response.status_code == driver.created_status, response.content[:300]
    kept = Submission.Status.DEFERRED if fetches_later(driver) else Submission.Status.PROCESSED
    assert Submission.objects.get().status == kept
    assert made(driver) == 1


@each_driver()
def test_a_delivery_without_its_credential_is_401_and_kept_for_audit(client, driver, vendor_source):
    response = post_hook(client, vendor_source, driver.body("1001"), driver.content_type)

    assert_refused_and_kept_for_audit(response, driver)


@each_driver()
def test_a_delivery_signed_with_another_secret_is_401_and_kept_for_audit(
    client, driver, vendor_source
):
    response = deliver(client, driver, vendor_source, secret="someone-elses-secret")

    assert_refused_and_kept_for_audit(response, driver)


@each_driver(where=lambda driver: driver.signs_body)
def test_a_body_changed_after_signing_is_401_and_kept_for_audit(client, driver, vendor_source):
    _, headers = driver.sign(vendor_source, driver.body("1001"))

    response = post_hook(client, vendor_source, driver.body("1002"), driver.content_type, **headers)

    assert_refused_and_kept_for_audit(response, driver)


@each_driver(where=lambda driver: driver.hook.requires_secret)
def test_a_source_without_a_secret_refuses_every_delivery(client, driver, hook_source):
    source = hook_source(driver.adapter)

    response = deliver(client, driver, source, secret=SECRET)

    assert response.status_code == driver.refused_status
    assert "no vendor secret" in driver.errors(response)["signature"][0]
    assert made(driver) == 0


@each_driver(where=lambda driver: driver.rotates)
def test_the_previous_secret_verifies_during_a_rotation_and_not_after_it(
    client, driver, vendor_source, settings, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    services.source_set_secret(source=vendor_source, secret="new-secret")
    assert deliver(client, driver, vendor_source, "1001", secret=SECRET).status_code in ACCEPTED
    assert deliver(client, driver, vendor_source, "1002").status_code in ACCEPTED

    time_machine.shift(timedelta(hours=settings.INTAKE_SECRET_ROTATION_HOURS, seconds=1))
    assert deliver(client, driver, vendor_source, "1003", secret=SECRET).status_code == (
        driver.refused_status
    )
    assert deliver(client, driver, vendor_source, "1003").status_code in ACCEPTED

    # A rotation without a grace period ends the previous secret at once.
    services.source_set_secret(source=vendor_source, secret="newer-secret", grace_hours=0)
    refused = deliver(client, driver, vendor_source, "1004", secret="new-secret")
    assert refused.status_code == driver.refused_status
    assert deliver(client, driver, vendor_source, "1004").status_code in ACCEPTED


@each_driver(where=lambda driver: driver.has_delivery_id)
@pytest.mark.parametrize("delivery_id", ["1001", "10\x0001"], ids=["plain", "with_a_nul"])
def test_a_retry_of_a_delivery_is_answered_as_before_without_a_second_lead_or_touch(
    client, driver, vendor_source, delivery_id
):
    body, headers = driver.sign(vendor_source, driver.body(delivery_id))

    first = post_hook(client, vendor_source, body, driver.content_type, **headers)
    retry = post_hook(client, vendor_source, body, driver.content_type, **headers)

    assert first.status_code == driver.created_status, first.content[:300]
    assert retry.status_code == 200, retry.content[:300]
    assert retry["Content-Type"] == first["Content-Type"]
    assert made(driver) == 1
    handled, retried = Submission.objects.order_by("pk")
    assert retried.lead_id == handled.lead_id
    # Meta keeps no lead per delivery: its retry is deferred again and queues no second fetch.
    duplicate = Submission.Status.DEFERRED if fetches_later(driver) else Submission.Status.DUPLICATE
    assert retried.status == duplicate
    # The id is stored cleaned (where each hook keeps it), so the retry finds it.
    stored = [
        *Submission.objects.values_list("delivery_id", flat=True),
        *VendorFetch.objects.values_list("vendor_lead_id", flat=True),
    ]
    assert any(stored_id.startswith("1001") for stored_id in stored)
    assert not any("\x00" in stored_id for stored_id in stored)
