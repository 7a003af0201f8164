"""A model version's held-out metrics in words for a manager, beside the previous version's."""

import pytest
from django.urls import reverse

from qualification.ml.in_words import metrics_in_words
from qualification.models import ModelVersion

CONVERSION = {
    "roc_auc": 0.894,
    "precision_at_top": 0.42,
    "top_tier_fraction": 0.2,
    "base_rate_test": 0.14,
    "lift_at_top": 3.0,
    "ece": 0.031,
    "n_test": 250,
    "positives_test": 35,
}


def test_a_conversion_model_in_words_with_the_previous_version():
    sentences = metrics_in_words("conversion", CONVERSION, {"roc_auc": 0.86, "ece": 0.05})

    assert sentences == [
        "Ranks a lead that later converts above one that does not 89 % of the time (50 % "
        "would be a coin toss); the previous version: 86 %.",
        "Of the 20 % of leads it scores highest, 42 % converted, against 14 % of all leads: "
        "3.0 times the average.",
        "Its chance of converting is off by 3.1 points on average (lower is better); the "
        "previous version: 5.0 points.",
        "Measured on the 250 newest closed leads, kept out of its training, 35 of them converted.",
    ]


def test_a_classifier_in_words_without_a_previous_version():
    sentences = metrics_in_words("urgency", {"accuracy": 0.81, "macro_f1": 0.7, "n_test": 90})

    assert sentences == [
        "Gets the urgency right for 81 % of leads.",
        "Counting every urgency as much as the commonest (macro F1): 70 %.",
        "Measured on 90 leads kept out of its training.",
    ]


def test_missing_metrics_say_nothing_rather_than_fail():
    assert metrics_in_words("conversion", {"roc_auc": None}) == []


@pytest.mark.django_db
def test_the_version_page_shows_the_metrics_in_words(admin_client):
    ModelVersion.objects.create(
        kind="conversion", trained_rows=900, metrics={**CONVERSION, "roc_auc": 0.86}, weights={}
    )
    ModelVersion.objects.create(
        kind="urgency", trained_rows=5, metrics={"accuracy": 0.5}, weights={}
    )
    version = ModelVersion.objects.create(
        kind="conversion", trained_rows=1000, metrics=CONVERSION, weights={}
    )

    page = admin_client.get(
        reverse("admin:qualification_modelversion_change", args=[version.pk])
    ).text

    assert (
        "Ranks a lead that later converts above one that does not 89 % of the time (50 % "
        "would be a coin toss); the previous version: 86 %." in page
    )
