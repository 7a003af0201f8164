"""The qualification admin: signals (validated, described, tested on a lead), the one settings
row, model versions (metrics, activation, rollback), the review list and the lead admin."""

import html
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intake.models import Lead
from qualification import services
from qualification.models import ModelVersion, QualificationSettings, ReviewTask, Signal
from tests.conftest import post_lead
from tests.qualification.test_training import history_csv

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as a reader sees it: entities such as &quot; unescaped."""
    return html.unescape(response.content.decode())


def signal_form(**overrides):
    data = {
        "name": "Legal trouble",
        "is_active": "on",
        "order": "100",
        "condition": json.dumps({"field": "message", "op": "contains_any", "value": ["lawyer"]}),
        "score_delta": "15",
        "set_urgency": "high",
        "set_request_type": "",
        "add_tag": "legal",
        "review_reason": "",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------------
# Signals


def test_a_signal_with_an_unknown_operator_is_refused_with_the_field_error(admin_client):
    condition = json.dumps({"field": "message", "op": "mentions", "value": ["lawyer"]})

    response = admin_client.post(
        reverse("admin:qualification_signal_add"), signal_form(condition=condition)
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "condition" in errors
    assert 'op: unknown operator "mentions"' in errors["condition"][0]
    assert 'op: unknown operator "mentions"' in text(response)
    assert not Signal.objects.exists()


def test_a_signal_with_an_unknown_field_is_refused_with_a_hint(admin_client):
    condition = json.dumps({"field": "mesage", "op": "contains_any", "value": ["lawyer"]})

    response = admin_client.post(
        reverse("admin:qualification_signal_add"), signal_form(condition=condition)
    )

    assert response.status_code == 200
    assert 'did you mean "message"?' in text(response)
    assert not Signal.objects.exists()


def test_a_signal_whose_regex_needs_lookaround_is_refused_in_plain_words(admin_client):
    condition = json.dumps(
        {"all": [{"field": "message", "op": "regex", "value": "(?<!no )lawyer"}]}
    )

    response = admin_client.post(
        reverse("admin:qualification_signal_add"), signal_form(condition=condition)
    )

    assert response.status_code == 200
    assert (
        'all[0].value: regex: lookbehind "(?<!" is not supported '
        "(RE2 syntax has no backreferences or lookaround"
    ) in text(response)
    assert not Signal.objects.exists()


def test_a_valid_signal_saves(admin_client):
    response = admin_client.post(reverse("admin:qualification_signal_add"), signal_form())

    assert response.status_code == 302
    signal = Signal.objects.get()
    assert signal.condition == {"field": "message", "op": "contains_any", "value": ["lawyer"]}
    assert (signal.score_delta, signal.set_urgency, signal.add_tag) == (15, "high", "legal")


def test_the_signal_list_shows_the_readable_condition_and_effects(admin_client, signal):
    signal(
        "Legal trouble",
        {"field": "message", "op": "contains_any", "value": ["lawyer"]},
        score_delta=15,
        set_urgency="high",
    )

    page = text(admin_client.get(reverse("admin:qualification_signal_changelist")))

    assert 'message contains any of "lawyer"' in page
    assert "score +15; urgency high" in page
    assert "Test on a lead" in page


@pytest.fixture
def lawyer_signal(signal):
    return signal(
        "Legal trouble",
        {"field": "message", "op": "contains_any", "value": ["lawyer"]},
        score_delta=15,
        set_urgency="high",
        add_tag="legal",
    )


def test_testing_a_signal_on_an_existing_lead_that_matches(admin_client, lawyer_signal, api):
    lead_id = post_lead(
        api,
        {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "My lawyer told me to call"},
    ).json()["id"]
    url = reverse("admin:qualification_signal_try", args=[lawyer_signal.pk])

    assert 'message contains any of "lawyer"' in text(admin_client.get(url))
    response = admin_client.post(url, {"lead": str(lead_id), "sample": ""})

    page = text(response)
    assert response.status_code == 200
    assert "It matches" in page and "does not match" not in page
    assert 'Legal trouble: message mentions "lawyer"' in page
    assert "score +15" in page
    assert "urgency high" in page
    assert "tags legal" in page


def test_testing_a_signal_on_a_typed_in_sample_that_does_not_match(admin_client, lawyer_signal):
    response = admin_client.post(
        reverse("admin:qualification_signal_try", args=[lawyer_signal.pk]),
        {"lead": "", "sample": '{"message": "a quote for my car", "state": "TX"}'},
    )

    page = text(response)
    assert response.status_code == 200
    assert "It does not match" in page
    assert "It matches" not in page


def test_testing_a_signal_on_a_typed_in_sample_that_matches(admin_client, lawyer_signal):
    response = admin_client.post(
        reverse("admin:qualification_signal_try", args=[lawyer_signal.pk]),
        {"lead": "", "sample": '{"message": "my LAWYER says"}'},
    )

    assert "It matches" in text(response)


def test_testing_a_signal_with_invalid_json_shows_the_error(admin_client, lawyer_signal):
    response = admin_client.post(
        reverse("admin:qualification_signal_try", args=[lawyer_signal.pk]),
        {"lead": "", "sample": '{"message": "lawyer"'},
    )

    page = text(response)
    assert response.status_code == 200
    assert "Not valid JSON" in page
    assert "It matches" not in page and "It does not match" not in page


def test_testing_a_signal_on_a_missing_lead_or_nothing_says_so(admin_client, lawyer_signal):
    url = reverse("admin:qualification_signal_try", args=[lawyer_signal.pk])

    assert "No lead has this id." in text(admin_client.post(url, {"lead": "999999"}))
    assert "Give a lead id or a sample lead." in text(
        admin_client.post(url, {"lead": "", "sample": ""})
    )
    assert "Give a JSON object of lead fields." in text(
        admin_client.post(url, {"sample": '["lawyer"]'})
    )


# ---------------------------------------------------------------------------------------------
# Settings


def settings_form(config, **overrides):
    data = {
        "review_confidence_below": str(config.review_confidence_below),
        "tier_a_min_score": str(config.tier_a_min_score),
        "tier_b_min_score": str(config.tier_b_min_score),
        "review_score_at_least": "",
        "min_outcomes_to_train": str(config.min_outcomes_to_train),
        "min_labels_to_train": str(config.min_labels_to_train),
        "excluded_features": json.dumps(config.excluded_features),
    }
    data.update(overrides)
    return data


def test_the_settings_list_redirects_to_the_one_row(admin_client):
    response = admin_client.get(reverse("admin:qualification_qualificationsettings_changelist"))

    row = QualificationSettings.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:qualification_qualificationsettings_change", args=[row.pk]
    )
    # Visiting again does not make a second row.
    admin_client.get(reverse("admin:qualification_qualificationsettings_changelist"))
    assert QualificationSettings.objects.count() == 1


def test_tier_b_at_or_above_tier_a_is_refused(admin_client, config):
    url = reverse("admin:qualification_qualificationsettings_change", args=[config.pk])

    response = admin_client.post(
        url, settings_form(config, tier_a_min_score="60", tier_b_min_score="60")
    )

    assert response.status_code == 200
    assert "Must be below the tier A score." in text(response)
    config.refresh_from_db()
    assert (config.tier_a_min_score, config.tier_b_min_score) == (70, 40)


def test_valid_settings_save(admin_client, config):
    url = reverse("admin:qualification_qualificationsettings_change", args=[config.pk])

    response = admin_client.post(
        url,
        settings_form(
            config,
            tier_a_min_score="80",
            tier_b_min_score="50",
            excluded_features='["attributes.rep_notes"]',
        ),
    )

    assert response.status_code == 302
    config.refresh_from_db()
    assert (config.tier_a_min_score, config.tier_b_min_score) == (80, 50)
    assert config.excluded_features == ["attributes.rep_notes"]


# ---------------------------------------------------------------------------------------------
# Model versions


@pytest.fixture
def two_versions(source, tmp_path, config):
    """A good conversion model (active), then a worse one trained without the useful columns
    (kept inactive)."""
    path, _ = history_csv(tmp_path, 400)
    call_command("import_leads", str(path), "--source", source.name, "--outcome", "Won")
    services.models_train()
    first = ModelVersion.objects.get(kind="conversion")
    config.excluded_features = ["attributes.Budget", "attributes.Heard From"]
    config.save()
    services.models_train()
    second = ModelVersion.objects.filter(kind="conversion").exclude(pk=first.pk).get()
    assert first.is_active and not second.is_active
    return first, second


def active_conversion():
    return ModelVersion.objects.get(kind="conversion", is_active=True)


def test_the_versions_list_shows_held_out_metrics(admin_client, two_versions):
    first, _ = two_versions

    page = text(admin_client.get(reverse("admin:qualification_modelversion_changelist")))

    assert "Held-out metrics" in page
    assert f"roc_auc {first.metrics['roc_auc']:.3f}" in page
    assert f"n_test {first.metrics['n_test']}" in page
    detail = text(
        admin_client.get(reverse("admin:qualification_modelversion_change", args=[first.pk]))
    )
    assert "features_used" in detail


def test_the_activate_and_roll_back_actions_switch_the_active_version(admin_client, two_versions):
    first, second = two_versions
    changelist = reverse("admin:qualification_modelversion_changelist")

    response = admin_client.post(
        changelist, {"action": "activate", "_selected_action": [second.pk]}, follow=True
    )

    assert active_conversion() == second
    assert "Activated 1 version(s)." in text(response)

    response = admin_client.post(
        changelist, {"action": "roll_back", "_selected_action": [second.pk]}, follow=True
    )

    assert active_conversion() == first
    # The admin capitalises messages.
    assert f"Conversion: {first} is active again." in text(response)
    assert ModelVersion.objects.filter(kind="conversion", is_active=True).count() == 1


def test_roll_back_without_an_earlier_version_warns(admin_client, source, tmp_path):
    path, _ = history_csv(tmp_path, 400)
    call_command("import_leads", str(path), "--source", source.name, "--outcome", "Won")
    services.models_train()
    only = active_conversion()

    response = admin_client.post(
        reverse("admin:qualification_modelversion_changelist"),
        {"action": "roll_back", "_selected_action": [only.pk]},
        follow=True,
    )

    assert "Conversion: no earlier version to roll back to." in text(response)
    assert active_conversion() == only


# ---------------------------------------------------------------------------------------------
# Review tasks and leads


def test_the_review_list_shows_how_long_each_item_has_waited(admin_client, api):
    post_lead(api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "hi"})
    task = ReviewTask.objects.get()
    ReviewTask.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=3))

    page = text(admin_client.get(reverse("admin:qualification_reviewtask_changelist")))

    assert "Waiting" in page
    assert "3\xa0hours" in page or "3 hours" in page
    assert "not sure of the request type" in page


def test_the_lead_admin_still_renders_for_a_qualified_lead(admin_client, api, signal):
    signal(
        "Legal trouble",
        {"field": "message", "op": "contains_any", "value": ["lawyer"]},
        set_request_type="legal",
        score_delta=10,
    )
    lead_id = post_lead(
        api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "my lawyer said so"}
    ).json()["id"]
    lead = Lead.objects.get(pk=lead_id)
    assert lead.qualification.request_type == "legal"

    change = admin_client.get(reverse("admin:intake_lead_change", args=[lead.pk]))
    listing = admin_client.get(reverse("admin:intake_lead_changelist"))
    qualification = admin_client.get(reverse("admin:qualification_qualification_changelist"))

    assert change.status_code == 200 and "Ann Lee" in text(change)
    assert listing.status_code == 200 and "Ann Lee" in text(listing)
    assert qualification.status_code == 200 and "legal" in text(qualification)


def test_the_lead_page_shows_the_qualification_and_its_reasons(admin_client, api):
    lead_id = post_lead(
        api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}
    ).json()["id"]

    page = admin_client.get(reverse("admin:intake_lead_change", args=[lead_id])).content.decode()
    listing = admin_client.get(reverse("admin:intake_lead_changelist")).content.decode()

    assert "no trained conversion model yet" in page and "has a valid email" in page
    assert "Score" in listing
