"""What qualifying needs besides the lead is cached per process, and a change saved through the
ORM (a service, the shell), not only the admin, reaches the very next lead."""

import itertools

import pytest

from qualification.ml import ConversionModel
from qualification.models import ModelVersion, Signal
from qualification.services import model_activate
from qualification.services.registry import loaded
from tests.conftest import post_lead
from tests.qualification.test_qualify import GOOD

pytestmark = pytest.mark.django_db

LAWYER = {"field": "message", "op": "contains_any", "value": ["lawyer"]}
_people = itertools.count(10)


def submit(api, **changes):
    """A new lead from a new person (the same person again would merge into the first)."""
    n = next(_people)
    person = {"email": f"person{n}@acme-roofing.com", "phone": f"(512) 555-01{n:02d}"}
    response = post_lead(api, {**GOOD, **person, **changes})
    assert response.status_code == 201, response.content
    return response


def test_a_signal_saved_from_the_shell_applies_to_the_very_next_lead(
    api, django_assert_num_queries
):
    response = submit(api, message="My lawyer asked me to get a quote")
    assert response.json()["qualification"]["needs_review"] is False
    with django_assert_num_queries(1):  # cached: only the version token is read
        loaded()

    signal = Signal.objects.create(
        name="Legal", condition=LAWYER, send_to_review=True, review_reason="mentions a lawyer"
    )
    response = submit(api, message="My lawyer asked me to get a quote")

    assert "mentions a lawyer (Legal)" in response.json()["qualification"]["reasons"]

    signal.delete()
    response = submit(api, message="My lawyer asked me to get a quote")

    assert response.json()["qualification"]["needs_review"] is False


def test_thresholds_changed_through_the_orm_apply_to_the_very_next_lead(api, config):
    response = submit(api)
    assert response.json()["qualification"]["tier"] == "A"

    config.tier_a_min_score = 95
    config.save()
    response = submit(api)

    assert response.json()["qualification"]["tier"] != "A"


def test_a_version_activated_by_the_service_scores_the_very_next_lead(api):
    response = submit(api)
    assert response.json()["qualification"]["score_source"] == "rules"
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.CONVERSION,
        trained_rows=400,
        weights=ConversionModel([], [], [], 0.0).to_json(),
    )

    model_activate(version=version)  # a queryset update: no save signal
    response = submit(api)

    assert response.json()["qualification"]["score_source"] == "model"
