"""Qualifying new leads: signals, cold start, the review reasons, the API shape."""

import pytest

from intake.models import Account, Lead, LeadStatus
from qualification.models import Qualification, ReviewTask
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

GOOD = {
    "full_name": "Maria Garcia",
    "email": "maria@acme-roofing.com",
    "phone": "(512) 555-0134",
    "postal_code": "78701",
    "request_type": "home",
    "message": "We need a quote for our office building insurance this month",
}


def submit(api, **changes):
    response = post_lead(api, {**GOOD, **changes})
    assert response.status_code == 201, response.content
    return response, Lead.objects.get(pk=response.json()["id"])


def test_a_cold_start_lead_gets_a_transparent_rule_score_that_says_so(api):
    response, lead = submit(api)

    qualification = response.json()["qualification"]
    assert qualification["score_source"] == "rules"
    assert qualification["score"] == 20 + 20 + 15 + 10 + 10 + 5  # base + the points it earned
    assert qualification["tier"] == "A"  # 80 ≥ the default tier A threshold, 70
    assert qualification["request_type"] == "home"
    assert qualification["urgency"] == "normal"
    assert qualification["needs_review"] is False
    assert any("no trained conversion model yet" in text for text in qualification["reasons"])
    assert lead.events.filter(kind="qualified").exists()


def test_signals_add_score_set_urgency_and_type_and_tag(api, signal):
    signal(
        "Storm damage",
        {"field": "message", "op": "contains_any", "value": ["storm", "hail"]},
        score_delta=15,
        set_urgency="urgent",
        set_request_type="claim",
        add_tag="storm",
    )
    signal("Texas", {"field": "state", "op": "equals", "value": "TX"}, score_delta=-5)

    response, _ = submit(api, message="Hail storm broke the roof yesterday, please call")

    qualification = response.json()["qualification"]
    assert (qualification["urgency"], qualification["request_type"]) == ("urgent", "claim")
    assert qualification["tags"] == ["storm"]
    assert any("Storm damage" in text and "hail" in text for text in qualification["reasons"])
    assert qualification["score"] == 20 + 20 + 15 + 10 + 10 + 5 + 15 - 5


def test_a_signal_can_send_a_lead_to_review_with_its_reason(api, signal):
    signal(
        "Legal",
        {"field": "message", "op": "contains_any", "value": ["lawyer", "attorney"]},
        send_to_review=True,
        review_reason="mentions lawyer",
    )

    response, lead = submit(api, message="My lawyer told me to ask for your policy terms")

    assert response.json()["qualification"]["needs_review"] is True
    task = ReviewTask.objects.get(lead=lead)
    assert task.reasons == ["mentions lawyer (Legal)"]
    assert task.suggestion["request_type"] == "home"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REVIEW


def test_an_unknown_request_type_is_not_sure_and_goes_to_review(api):
    _, lead = submit(api, request_type="")

    task = ReviewTask.objects.get(lead=lead)
    assert task.reasons == ["not sure of the request type: unknown at 30% (review below 55%)"]


def test_unusable_contact_data_goes_to_review(api):
    _, lead = submit(api, email="", phone="000-000-0000")

    reasons = ReviewTask.objects.get(lead=lead).reasons
    assert any(reason.startswith("contact data unusable") for reason in reasons)


def test_urgent_but_incomplete_is_a_conflict(api, signal):
    signal(
        "ASAP", {"field": "message", "op": "contains_any", "value": ["asap"]}, set_urgency="urgent"
    )

    _, lead = submit(api, full_name="", email="", phone="", message="call me asap about a policy")

    reasons = ReviewTask.objects.get(lead=lead).reasons
    assert any("urgent but incomplete" in reason for reason in reasons)


def test_a_strategic_account_goes_to_review(api):
    Account.objects.create(domain="acme-roofing.com", is_strategic=True)

    _, lead = submit(api)

    assert ReviewTask.objects.get(lead=lead).reasons == ["strategic account acme-roofing.com"]


def test_an_exceptional_score_goes_to_review(api, config):
    config.review_score_at_least = 75
    config.save()

    _, lead = submit(api)

    assert ReviewTask.objects.get(lead=lead).reasons == ["exceptional: score 80 (review at 75+)"]


def test_a_test_lead_is_judged_but_never_held_for_review(api):
    _, lead = submit(api, request_type="", email="qa@example.com")

    assert lead.is_test
    assert Qualification.objects.get(lead=lead).needs_review is False
    assert not ReviewTask.objects.exists()


def test_a_merged_touch_keeps_the_first_qualification(api):
    submit(api)
    again = post_lead(api, {**GOOD, "message": "any news?"})

    assert again.status_code == 200
    assert Qualification.objects.count() == 1


def test_historical_imports_are_not_qualified(source, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "history.csv"
    path.write_text("Name,Email,Won\nAnn Lee,ann@gmail.com,yes\n")
    call_command("import_leads", str(path), "--source", source.name, "--outcome", "Won")

    assert Lead.objects.get().status == LeadStatus.WON
    assert not Qualification.objects.exists()


def test_a_lead_with_only_answers_is_kept_and_judged(api):
    response = post_lead(api, {"attributes": {"TotalVisits": "3", "Lead Origin": "API"}})

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert "uncontactable" in lead.flags
    assert lead.qualification.needs_review


def test_a_failing_qualification_never_loses_the_lead(api, monkeypatch):
    from qualification.services import qualify

    def broken(*args, **kwargs):
        raise RuntimeError("model file corrupted")

    monkeypatch.setattr(qualify, "lead_judge", broken)
    response, lead = submit(api)

    assert response.json()["qualification"] is None
    assert lead.events.filter(message__startswith="Qualification failed").exists()

    monkeypatch.undo()
    from django.core.management import call_command

    call_command("qualify_leads")
    assert Qualification.objects.filter(lead=lead).exists()


def test_the_condition_is_validated_when_a_manager_saves_a_signal(db):
    from django.core.exceptions import ValidationError

    from qualification.models import Signal

    bad = Signal(
        name="x", condition={"field": "mesage", "op": "contains_any", "value": []}, score_delta=1
    )
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "condition" in caught.value.message_dict

    no_effect = Signal(name="y", condition={"field": "message", "op": "is_not_empty"})
    with pytest.raises(ValidationError, match="at least one effect"):
        no_effect.full_clean()
