"""Reasons in plain words: each stored shape, the manager's labels, and the pages showing them."""

import pytest
from django.urls import reverse

from qualification.models import FieldLabel, Qualification
from qualification.reasons import label_for, mentions, percent, plain_reason, plain_reasons
from tests.conftest import post_lead
from tests.qualification.test_review import held, manager  # noqa: F401 (fixtures)

REFERRED_MISSING = {"kind": "feature", "text": "attributes.referred is missing", "weight": 0.216}
BUDGET = {"kind": "feature", "text": "attributes.budget = 5000 (typical)", "weight": -0.08}
CLASSIFIER = {
    "kind": "classifier",
    "text": "plumbing (82%, request-type model v3; words: heater, heater is, is)",
}


@pytest.mark.parametrize(
    ("reason", "plain"),
    [
        (REFERRED_MISSING, "Referred: not given (+0.22)"),
        (BUDGET, "Budget 5,000 — typical (\N{MINUS SIGN}0.08)"),
        (
            {
                "kind": "feature",
                "text": "attributes.budget = 1.25e+04 (above typical)",
                "weight": 1,
            },
            "Budget 12,500 — above typical (+1.00)",
        ),
        (
            {"kind": "feature", "text": "attributes.budget = 'lots' (not a number)", "weight": 0.1},
            "Budget 'lots' — not a number (+0.10)",
        ),
        (
            {"kind": "feature", "text": "utm_source = google", "weight": -0.3},
            "Campaign source: google (\N{MINUS SIGN}0.30)",
        ),
        (
            {"kind": "feature", "text": "channel = fax (rare value)", "weight": 0.05},
            "Channel: fax — rare value (+0.05)",
        ),
        (CLASSIFIER, "plumbing (82 %, request-type model v3). Mentions: heater"),
        (
            {
                "kind": "classifier",
                "text": "plumbing (90%, request-type model v3; "
                "words: water heater, heater, leaking)",
            },
            "plumbing (90 %, request-type model v3). Mentions: water heater, leaking",
        ),
        (
            {"kind": "model", "text": "conversion model v2: 41% likely to convert", "weight": 0.41},
            "conversion model v2: 41 % likely to convert",
        ),
        ({"kind": "rule", "text": "has a phone number", "weight": 10}, "has a phone number (10)"),
        ({"kind": "signal", "text": "VIP source"}, "VIP source"),
        (
            {"kind": "feature", "text": "something new and odd", "weight": 0.5},
            "something new and odd (0.5)",
        ),
        (
            "request type unsure: 40% (review below 60%)",
            "request type unsure: 40 % (review below 60 %)",
        ),
    ],
)
def test_each_stored_reason_shape_reads_in_plain_words(reason, plain):
    assert plain_reason(reason) == plain


def test_mentions_drop_stop_words_and_unigrams_a_bigram_covers():
    assert mentions(["heater", "heater is", "is"]) == ["heater"]
    assert mentions(["water heater", "heater", "leaking", "the"]) == ["water heater", "leaking"]


def test_labels_default_to_the_humanised_name():
    assert label_for("attributes.referred") == "Referred"
    assert label_for("attributes.move_in_date") == "Move in date"
    assert label_for("utm_source") == "Campaign source"


def test_percent_reads_confidences_as_percentages():
    assert percent(0.82) == "82 %"
    assert percent(None) == ""


@pytest.mark.django_db
def test_a_managers_label_overrides_the_default():
    assert plain_reasons([REFERRED_MISSING])[0].startswith("Referred:")  # labels now cached
    FieldLabel.objects.create(field="attributes.referred", label="Referral")
    FieldLabel.objects.create(field="attributes.budget", label="Stated budget")

    assert plain_reasons([REFERRED_MISSING, BUDGET]) == [
        "Referral: not given (+0.22)",
        "Stated budget 5,000 — typical (\N{MINUS SIGN}0.08)",
    ]


@pytest.mark.django_db
def test_the_pages_show_reasons_in_plain_words_and_confidence_as_percent(
    client,
    admin_client,
    manager,  # noqa: F811
    held,  # noqa: F811
):
    Qualification.objects.filter(lead_id=held.lead_id).update(
        reasons=[REFERRED_MISSING, BUDGET, CLASSIFIER], confidence=0.82
    )
    FieldLabel.objects.create(field="attributes.referred", label="Referral")
    client.force_login(manager)
    pages = {
        "review task": client.get(reverse("qualification:review-task", args=[held.pk])),
        "lead admin": admin_client.get(reverse("admin:intake_lead_change", args=[held.lead_id])),
        "lead page": admin_client.get(reverse("routing:lead", args=[held.lead_id])),
    }

    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert "Referral: not given (+0.22)" in page, name
        assert "Budget 5,000 — typical (\N{MINUS SIGN}0.08)" in page, name
        assert "Mentions: heater" in page, name
        assert "82 %" in page, name
        assert "is missing" not in page, name
        assert "heater is" not in page, name


@pytest.mark.django_db
def test_the_api_keeps_reasons_and_adds_them_in_plain_words(api):
    response = post_lead(
        api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "quote please"}
    )
    qualification = response.json()["qualification"]

    # The contract's shape is kept: reasons are the stored texts, details the stored dicts.
    assert qualification["reasons"] == [r["text"] for r in qualification["reason_details"]]
    assert len(qualification["reasons_text"]) == len(qualification["reasons"])
    weighted = next(r for r in qualification["reason_details"] if r.get("weight"))
    assert f"{weighted['text']} ({weighted['weight']})" in qualification["reasons_text"]


@pytest.mark.django_db
def test_deleting_a_label_brings_the_default_back():
    label = FieldLabel.objects.create(field="attributes.referred", label="Referral")
    assert plain_reasons([REFERRED_MISSING]) == ["Referral: not given (+0.22)"]

    label.delete()

    assert plain_reasons([REFERRED_MISSING]) == ["Referred: not given (+0.22)"]
