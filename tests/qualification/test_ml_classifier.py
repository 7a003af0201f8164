"""Text + structured classifier: training, compilation to pure Python, explanations."""

import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qualification.ml import ClassifierModel, InsufficientData, train_classifier
from qualification.ml.classifier import URGENCY_STRUCTURED_FIELDS, analyse

ROOT = Path(__file__).resolve().parents[2]

PHRASES = {
    "auto": [
        "my car was hit in a parking lot",
        "rear ended at a red light, bumper is gone",
        "need auto insurance for my pickup truck",
        "collision coverage for my vehicle",
        "windshield cracked on the highway",
        "teen driver needs to be added to our car policy",
    ],
    "home": [
        "roof damage after the hail storm",
        "homeowners policy for a house we just bought",
        "water damage in the basement from a burst pipe",
        "insure my new condo",
        "kitchen fire damaged the cabinets",
        "quote for home insurance, two story house",
    ],
    "life": [
        "life insurance to protect my family",
        "term life policy for twenty years",
        "want coverage for my wife and kids if I die",
        "whole life quote for a non smoker",
        "need to name a beneficiary for a life policy",
        "mortgage protection life cover",
    ],
}
FILLERS = ["hi", "please call me back", "thanks!", "asap", "looking for a quote", "", "hello,"]
SOURCES = {"auto": "Dealer Partner", "home": "Realtor Referral", "life": "Facebook"}


def messages(n=900, seed=1, noise=0.1):
    """Messages whose label follows the wording; ``noise`` of the labels are random."""
    rng = random.Random(seed)
    records, labels = [], []
    for _ in range(n):
        label = rng.choice(sorted(PHRASES))
        text = f"{rng.choice(FILLERS)} {rng.choice(PHRASES[label])} {rng.choice(FILLERS)}"
        source = SOURCES[label] if rng.random() < 0.4 else rng.choice(["Google Ads", "Website"])
        records.append(
            {
                "fields": {"source": source, "channel": "web", "request_type": label},
                "attributes": {
                    "State": rng.choice(["TX", "CA", "NY"]),
                    "Comment ID": str(rng.getrandbits(64)),
                    "Household size": str(rng.randrange(1, 6)),
                },
                "text": text.strip(),
            }
        )
        labels.append(rng.choice(sorted(PHRASES)) if rng.random() < noise else label)
    return records, labels


@pytest.fixture(scope="module")
def trained():
    records, labels = messages()
    return records, labels, train_classifier(records, labels)


def test_sklearn_analyser_is_replicated_exactly():
    texts = [
        "My CAR was hit!! Rear-ended @ 5pm, it's bad; call 555-1234 a I x",
        "Ünïcödé straße naïve café 東京 test_case snake_case",
        "  ",
        "über-cool émigré's résumé, 2nd-hand cars & trucks",
    ]
    analyser = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    for text in texts:
        assert analyse(text) == analyser(text)


def test_learns_request_types(trained):
    _, _, result = trained
    metrics = result.metrics
    assert metrics["classes"] == ["auto", "home", "life"]
    # 10 % of labels are random, so ~93 % is the ceiling; chance is ~33 %.
    assert metrics["accuracy"] > 0.8
    assert metrics["macro_f1"] > 0.8
    assert metrics["accuracy"] > metrics["majority_baseline_accuracy"] + 0.3
    assert metrics["n_train"] == 720
    assert metrics["n_test"] == 180
    assert sum(c["support"] for c in metrics["per_class"].values()) == 180
    assert metrics["dropped_classes"] == {}
    json.dumps(metrics)


def test_structured_tokens(trained):
    _, _, result = trained
    metrics = result.metrics
    assert "fields.source" in metrics["structured_features"]
    assert "attributes.State" in metrics["structured_features"]
    # Ids are never tokens; numbers are not categorical tokens.
    assert "fields.request_type" not in metrics["structured_features"]
    assert metrics["dropped_features"]["attributes.Comment ID"] == "id_like"
    assert metrics["dropped_features"]["attributes.Household size"] == "numeric"
    assert metrics["dropped_features"]["fields.channel"] == "constant"


def test_predictions_confidence_and_evidence(trained):
    _, _, result = trained
    model = result.model
    clear = model.predict({"text": "Hail storm damage on the roof of my house"})
    assert clear.label == "home"
    assert clear.confidence == max(clear.probabilities.values())
    assert sum(clear.probabilities.values()) == pytest.approx(1.0)
    terms = [e.term for e in clear.evidence]
    assert 0 < len(terms) <= 5
    assert {"roof", "storm", "house", "hail storm", "hail"} & set(terms[:2])
    assert all(e.weight > 0 for e in clear.evidence)
    assert [e.weight for e in clear.evidence] == sorted(
        (e.weight for e in clear.evidence), reverse=True
    )

    car = model.predict({"text": "someone hit my car", "fields": {"source": "Dealer Partner"}})
    assert car.label == "auto"
    assert "car" in [e.term for e in car.evidence]
    assert "fields.source = Dealer Partner" in [e.term for e in car.evidence]

    ambiguous = model.predict({"text": "quote for my car, my house and life insurance"})
    assert ambiguous.confidence < clear.confidence
    assert ambiguous.confidence < car.confidence


def test_compiled_model_matches_sklearn(trained):
    records, _, result = trained
    matrix = result.design_matrix(records)
    expected = result.estimator.predict_proba(matrix)
    classes = [str(c) for c in result.estimator.classes_]
    worst = 0.0
    for record, row in zip(records, expected, strict=True):
        probabilities = result.model.predict(record).probabilities
        worst = max(worst, *(abs(probabilities[c] - p) for c, p in zip(classes, row, strict=True)))
    assert worst < 1e-9


def test_binary_classifier_matches_sklearn():
    records, labels = messages(400, seed=5, noise=0.0)
    kept = [(r, lab) for r, lab in zip(records, labels, strict=True) if lab != "life"]
    result = train_classifier([r for r, _ in kept], [lab for _, lab in kept])
    assert result.model.classes == ["auto", "home"]
    expected = result.estimator.predict_proba(result.design_matrix([r for r, _ in kept]))
    for (record, _), row in zip(kept, expected, strict=True):
        probabilities = result.model.predict(record).probabilities
        assert abs(probabilities["home"] - row[1]) < 1e-9
    prediction = result.model.predict({"text": "my car was hit"})
    assert prediction.label == "auto"
    assert "car" in [e.term for e in prediction.evidence]


def test_json_round_trip(trained):
    records, _, result = trained
    data = json.loads(json.dumps(result.model.to_json()))
    restored = ClassifierModel.from_json(data)
    for record in records[:200]:
        assert restored.predict(record) == result.model.predict(record)
    assert len(data["vocabulary"]) == result.metrics["n_terms"] <= 20000
    with pytest.raises(ValueError, match="not a"):
        ClassifierModel.from_json({**data, "version": 99})


@pytest.mark.parametrize(
    "record",
    [
        {},
        None,
        {"text": None},
        {"text": 42, "fields": {"source": ["a", "b"]}},
        {"text": "zzz qqq never seen words"},
        {"text": "", "attributes": {"State": {"nested": True}}},
        {"fields": "nope", "attributes": [1, 2]},
    ],
)
def test_odd_input_never_raises(trained, record):
    _, _, result = trained
    prediction = result.model.predict(record)
    assert prediction.label in {"auto", "home", "life"}
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)


def test_rare_classes_are_dropped_and_reported():
    records, labels = messages(300, seed=2)
    labels = list(labels)
    for i in (10, 50, 90):
        labels[i] = "boat"
    labels[280] = "boat"
    labels[5] = None
    labels[6] = "  "
    result = train_classifier(records, labels, min_per_class=5)
    assert result.metrics["dropped_classes"] == {"boat": 3}
    assert result.metrics["classes"] == ["auto", "home", "life"]
    assert result.metrics["n_test_excluded"] == 1
    assert result.metrics["n_train"] + result.metrics["n_test"] == 298 - 4


def test_a_field_restating_the_label_is_dropped_as_a_leak():
    records, labels = messages(300, seed=4)
    result = train_classifier(records, labels, structured_fields=URGENCY_STRUCTURED_FIELDS)
    assert result.metrics["dropped_features"]["fields.request_type"] == "label_leak"


def test_urgency_can_use_request_type_as_a_token():
    rng = random.Random(9)
    records, labels = [], []
    for _ in range(400):
        request_type = rng.choice(["auto", "home"])
        urgent = rng.random() < 0.5
        text = rng.choice(["need it today", "asap please", "urgent"]) if urgent else "hello"
        # Home requests are urgent more often: the request-type token carries signal.
        label = "urgent" if urgent or (request_type == "home" and rng.random() < 0.3) else "normal"
        records.append({"fields": {"request_type": request_type}, "text": text})
        labels.append(label)
    result = train_classifier(records, labels, structured_fields=URGENCY_STRUCTURED_FIELDS)
    assert "fields.request_type" in result.metrics["structured_features"]
    home = result.model.predict({"fields": {"request_type": "home"}, "text": "hello"})
    auto = result.model.predict({"fields": {"request_type": "auto"}, "text": "hello"})
    assert home.probabilities["urgent"] > auto.probabilities["urgent"]
    excluded = train_classifier(
        records,
        labels,
        structured_fields=URGENCY_STRUCTURED_FIELDS,
        excluded={"fields.request_type"},
    )
    assert excluded.metrics["dropped_features"]["fields.request_type"] == "excluded"


def test_structured_only_when_no_text():
    rng = random.Random(3)
    records = [{"fields": {"source": rng.choice(["A", "B"])}} for _ in range(200)]
    labels = ["x" if r["fields"]["source"] == "A" else "y" for r in records]
    result = train_classifier(records, labels)
    assert result.vectorizer is None
    assert result.metrics["accuracy"] == 1.0
    assert result.model.predict({"fields": {"source": "A"}}).label == "x"


def test_cold_start():
    records, _ = messages(100)
    with pytest.raises(InsufficientData, match="at least two"):
        train_classifier(records, ["home"] * 100)
    with pytest.raises(InsufficientData, match="at least two"):
        train_classifier(records, ["home"] * 97 + ["auto"] * 3)
    with pytest.raises(InsufficientData, match="labelled leads"):
        train_classifier(records[:10], ["home", "auto"] * 5)
    with pytest.raises(InsufficientData, match="held-out"):
        train_classifier(records, ["home", "auto"] * 40 + ["life"] * 20)
    with pytest.raises(ValueError, match="labels"):
        train_classifier(records, ["home"])


def test_compiled_predict_is_fast(trained):
    records, _, result = trained
    model = ClassifierModel.from_json(result.model.to_json())
    timings = []
    for record in (records * 2)[:1000]:
        start = time.perf_counter()
        model.predict(record)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 1e-3


def test_scoring_needs_neither_sklearn_nor_numpy(trained, tmp_path):
    _, _, result = trained
    model_path = tmp_path / "model.json"
    model_path.write_text(json.dumps(result.model.to_json()))
    script = f"""
import json, sys
from qualification.ml import ClassifierModel
model = ClassifierModel.from_json(json.load(open({str(model_path)!r})))
model.predict({{"text": "roof damage", "fields": {{"source": "Website"}}}})
heavy = sorted(m for m in ("sklearn", "numpy", "scipy", "django") if m in sys.modules)
print(json.dumps(heavy))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
