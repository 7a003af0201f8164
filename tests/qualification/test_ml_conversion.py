"""Conversion model: feature typing, training on synthetic and public data, compilation."""

import ast
import csv
import json
import math
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from qualification.ml import (
    ConversionModel,
    InsufficientData,
    flatten_record,
    train_conversion,
)
from qualification.ml import metrics as m
from qualification.ml.features import (
    MISSING,
    OTHER,
    CategoricalFeature,
    FeatureSet,
    NumericFeature,
    normalise_category,
)

ROOT = Path(__file__).resolve().parents[2]
CARAVAN = ROOT / "tests" / "fixtures" / "datasets" / "caravan.csv"
SOURCES = ["Google Ads", "Facebook", "Referral", "Olark Chat", "Website"]
SOURCE_EFFECT = {"Google Ads": 0.0, "Facebook": -0.3, "Referral": 2.5, "Olark Chat": -1.5}


def synthetic_leads(n=3000, seed=7):
    """Leads whose conversion depends on ``Lead Source`` and ``TotalVisits`` only.

    Attributes are strings as a CSV import delivers them; ``hint`` leaks the outcome and must
    only ever be used when not excluded.
    """
    rng = random.Random(seed)
    records, outcomes = [], []
    for i in range(n):
        source = rng.choices(SOURCES, weights=[30, 25, 15, 20, 10])[0]
        visits = min(int(rng.expovariate(1 / 4)), 60)
        logit = -1.0 + SOURCE_EFFECT.get(source, 0.3) + 0.5 * (visits - 4)
        converted = rng.random() < 1 / (1 + math.exp(-logit))
        visits_text = str(visits)
        roll = rng.random()
        if roll < 0.04:
            visits_text = ""
        elif roll < 0.05:
            visits_text = "unknown"
        records.append(
            {
                "fields": {
                    "source": rng.choice(["web form", "API"]),
                    "channel": "web",
                    "has_phone": rng.random() < 0.7,
                    "hour": rng.randrange(24),
                },
                "attributes": {
                    "Prospect ID": str(uuid.UUID(int=rng.getrandbits(128))),
                    "Lead Number": str(100000 + 3 * i + rng.randrange(3)),
                    "Lead Source": source if rng.random() > 0.02 else "",
                    "TotalVisits": visits_text,
                    "budget": f"{rng.uniform(500, 50000):.2f}",
                    "Do Not Email": rng.choice(["Yes", "No", "No", "No"]),
                    "notes": f"called {rng.randrange(100000)} times",
                    "hint": "yes" if converted else "no",
                    "tags": rng.sample(["vip", "callback", "spam", "repeat"], k=rng.randrange(3)),
                    "nested": {"score": str(rng.randrange(5)), "flag": rng.random() < 0.5},
                },
                "text": "hello",
            }
        )
        outcomes.append(converted)
    return records, outcomes


@pytest.fixture(scope="module")
def trained():
    records, outcomes = synthetic_leads()
    result = train_conversion(records, outcomes, excluded={"attributes.notes", "attributes.hint"})
    return records, outcomes, result


def _is_plain_json(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain_json(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --- value parsing and feature typing ------------------------------------------------------


# Values are read as numbers as the signals read them: tests/leadrouter/conditions/test_numbers.py.


def test_normalise_category():
    assert normalise_category("  Olark   Chat ") == "olark chat"
    assert normalise_category("OLARK CHAT") == normalise_category("olark chat")
    assert normalise_category(3) == normalise_category("3") == normalise_category(3.0)
    assert normalise_category(True) == "true"
    assert normalise_category(["b", "A"]) == normalise_category(["a", "B"]) == "a, b"
    for missing in (None, "", "  ", "NaN", "null", "None", [], {}):
        assert normalise_category(missing) == MISSING


def test_flatten_record_dots_nested_and_ignores_odd_shapes():
    record = {"fields": {"source": "x"}, "attributes": {"a": {"b": {"c": 1}}, "d": [1]}}
    assert flatten_record(record) == {
        "fields.source": "x",
        "attributes.a.b.c": 1,
        "attributes.d": [1],
    }
    assert flatten_record(None) == {}
    assert flatten_record({"fields": ["x"], "attributes": "y"}) == {}


def _learn(columns, **kwargs):
    n = len(next(iter(columns.values())))
    rows = [{name: values[i] for name, values in columns.items()} for i in range(n)]
    feature_set = FeatureSet.learn(rows, **kwargs)
    return {f.name: f for f in feature_set.features}, feature_set.dropped


def test_feature_typing_rules():
    rng = random.Random(1)
    n = 200
    features, dropped = _learn(
        {
            "csv_numbers": [str(rng.randrange(10)) for _ in range(n)],
            "mostly_numbers": [str(i % 7) if i % 40 else "unknown" for i in range(n)],
            "bools": [rng.random() < 0.5 for _ in range(n)],
            "words": [rng.choice(["a", "b", "c"]) for _ in range(n)],
            "one_number": ["5" if i % 3 else "" for i in range(n)],
            "constant": ["same"] * n,
            "empty": [None] * n,
            "api_numbers": [rng.choice([1, 2.5, "3"]) for _ in range(n)],
        }
    )
    assert isinstance(features["csv_numbers"], NumericFeature)
    assert not features["csv_numbers"].has_missing
    # 2.5 % non-numbers: still numeric, the odd values count as missing.
    assert isinstance(features["mostly_numbers"], NumericFeature)
    assert features["mostly_numbers"].has_missing
    assert isinstance(features["api_numbers"], NumericFeature)
    assert isinstance(features["bools"], CategoricalFeature)
    assert isinstance(features["words"], CategoricalFeature)
    # One distinct number: its information is present vs missing, a category.
    assert isinstance(features["one_number"], CategoricalFeature)
    assert set(features["one_number"].levels) == {"5", MISSING}
    assert dropped == {"constant": "constant", "empty": "constant"}


def test_numeric_missing_values_get_median_and_indicator():
    rows = [{"x": str(v)} for v in [1, 2, 3, 4, 100]] + [{"x": ""}, {}]
    (feature,) = FeatureSet.learn(rows).features
    assert isinstance(feature, NumericFeature)
    assert feature.median == 3.0
    assert feature.has_missing
    assert feature.encode(None) == (feature.encode("3")[0], 1.0, None)
    assert feature.encode("lots")[1] == 1.0
    # Outside the training range: clipped, so a typo cannot dominate a score.
    assert feature.encode("1e12")[0] == feature.encode("100")[0]


def test_rare_categories_are_pooled_and_unknown_values_join_them():
    rows = [{"c": "common"}] * 50 + [{"c": "other"}] * 50 + [{"c": f"rare{i}"} for i in range(4)]
    (feature,) = FeatureSet.learn(rows, min_count=5).features
    assert feature.levels == ["common", "other", OTHER]
    assert feature.level_of("rare1") == OTHER
    assert feature.level_of("never seen") == OTHER
    assert feature.level_of(" COMMON ") == "common"
    assert feature.describe("never seen") == "c = never seen (rare value)"


def test_id_like_detection():
    rng = random.Random(3)
    n = 300
    features, dropped = _learn(
        {
            "uuid": [str(uuid.uuid4()) for _ in range(n)],
            "lead_number": [str(5000 + i) for i in range(n)],
            "shuffled_ids": [str(v) for v in rng.sample(range(10**6), n)],
            # Auto-increment ids with some re-imported duplicates: mostly distinct and rising.
            "reimported_ids": [str(1000 + i - (i % 12 == 0)) for i in range(n)],
            "continuous": [f"{rng.gauss(50, 10):.3f}" for _ in range(n)],
            "counts": [str(rng.randrange(2000)) for _ in range(n)],
            "city": [f"city{rng.randrange(40)}" for _ in range(n)],
        }
    )
    assert dropped == {
        "uuid": "id_like",
        "lead_number": "id_like",
        "shuffled_ids": "id_like",
        "reimported_ids": "id_like",
    }
    # Many distinct values alone do not make a number an id.
    assert isinstance(features["continuous"], NumericFeature)
    assert isinstance(features["counts"], NumericFeature)
    assert isinstance(features["city"], CategoricalFeature)


def test_small_columns_are_never_id_like():
    features, dropped = _learn(
        {"n": [str(i) for i in range(30)], "s": [f"x{i}" for i in range(30)]}
    )
    assert "n" in features
    assert dropped == {"s": "constant"}  # 30 singletons, all pooled into "other"


def test_skewed_non_negative_numbers_use_log_scale():
    rng = random.Random(5)
    features, _ = _learn(
        {
            "visits": [str(int(rng.expovariate(1 / 3) ** 2)) for _ in range(500)],
            "score": [str(rng.gauss(0, 1)) for _ in range(500)],
        }
    )
    assert features["visits"].log
    assert not features["score"].log


# --- training on synthetic data ----------------------------------------------------------


def test_learns_the_signal(trained):
    _, _, result = trained
    assert result.metrics["roc_auc"] > 0.8
    assert result.metrics["precision_at_top"] > result.metrics["base_rate_test"]


def test_time_ordered_split_and_metrics_shape(trained):
    _, outcomes, result = trained
    metrics = result.metrics
    assert metrics["n_train"] == 2400
    assert metrics["n_test"] == 600
    assert metrics["positives_train"] == sum(outcomes[:2400])
    assert metrics["positives_test"] == sum(outcomes[2400:])
    assert metrics["C"] in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
    assert metrics["C_selection"] == "validation"
    assert 0 <= metrics["brier"] < 0.25
    assert 0 <= metrics["ece"] < 0.1
    assert sum(b["count"] for b in metrics["calibration"]) == 600
    assert metrics["n_features"] == len(metrics["features_used"])
    assert _is_plain_json(metrics)
    json.dumps(metrics)


def test_feature_selection(trained):
    _, _, result = trained
    used = set(result.metrics["features_used"])
    dropped = result.metrics["dropped_features"]
    assert {"attributes.Lead Source", "attributes.TotalVisits", "attributes.budget"} <= used
    assert {"attributes.nested.score", "attributes.nested.flag", "attributes.tags"} <= used
    assert dropped["attributes.notes"] == "excluded"
    assert dropped["attributes.hint"] == "excluded"
    assert dropped["attributes.Prospect ID"] == "id_like"
    assert dropped["attributes.Lead Number"] == "id_like"
    assert dropped["fields.channel"] == "constant"
    assert not used & {"attributes.notes", "attributes.hint", "attributes.Prospect ID"}
    by_name = {f.name: f for f in result.model.features}
    assert isinstance(by_name["attributes.TotalVisits"], NumericFeature)
    assert by_name["attributes.TotalVisits"].has_missing
    assert isinstance(by_name["attributes.budget"], NumericFeature)
    assert isinstance(by_name["fields.has_phone"], CategoricalFeature)


def test_excluded_leak_would_otherwise_dominate():
    records, outcomes = synthetic_leads(n=600, seed=11)
    result = train_conversion(records, outcomes, excluded={"attributes.notes"})
    assert "attributes.hint" in result.metrics["features_used"]
    assert result.metrics["roc_auc"] > 0.99


def test_contributions_name_the_drivers(trained):
    _, _, result = trained
    model = result.model
    hot = {"attributes": {"Lead Source": "Referral", "TotalVisits": "15"}}
    cold = {"attributes": {"Lead Source": "Olark Chat", "TotalVisits": "0"}}
    hot_score, cold_score = model.predict(hot), model.predict(cold)
    assert hot_score.probability > 0.8 > 0.1 > cold_score.probability
    assert len(hot_score.contributions) <= 5
    top = {c.feature: c for c in hot_score.contributions[:2]}
    assert set(top) == {"attributes.Lead Source", "attributes.TotalVisits"}
    assert top["attributes.Lead Source"].label == "attributes.Lead Source = Referral"
    assert top["attributes.Lead Source"].value > 0
    assert top["attributes.TotalVisits"].label == "attributes.TotalVisits = 15 (above typical)"
    assert top["attributes.TotalVisits"].value > 0
    cold_top = {c.feature: c for c in cold_score.contributions[:2]}
    assert cold_top["attributes.Lead Source"].label == "attributes.Lead Source = Olark Chat"
    assert cold_top["attributes.Lead Source"].value < 0
    values = [abs(c.value) for c in hot_score.contributions]
    assert values == sorted(values, reverse=True)
    assert all(v > 0 for v in values)


def test_contributions_are_additive_over_the_average_lead(trained):
    records, _, result = trained
    model = result.model
    for record in records[:20]:
        score = model.predict(record, top=None)
        logit = model.base_logit + math.fsum(c.value for c in score.contributions)
        assert logit == pytest.approx(model.logit(record), abs=1e-9)
        assert score.probability == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-12)
        assert model.predict(record).contributions == score.contributions[:5]


def test_compiled_model_matches_sklearn(trained):
    records, _, result = trained
    held_out = records[2400:]
    expected = result.estimator.predict_proba(result.design_matrix(held_out))[:, 1]
    compiled = [result.model.predict(r).probability for r in held_out]
    assert max(abs(a - b) for a, b in zip(expected, compiled, strict=True)) < 1e-9


def test_json_round_trip_gives_identical_predictions(trained):
    records, _, result = trained
    data = json.loads(json.dumps(result.model.to_json()))
    restored = ConversionModel.from_json(data)
    for record in records[:300]:
        assert restored.predict(record) == result.model.predict(record)
    with pytest.raises(ValueError, match="not a"):
        ConversionModel.from_json({**data, "kind": "something else"})


def _cyclic_list():
    value = ["a"]
    value.append(value)
    return value


def _cyclic_dict():
    value = {"a": 1}
    value["self"] = value
    return value


@pytest.mark.parametrize(
    "record",
    [
        {},
        None,
        "not a record",
        {"fields": None, "attributes": None},
        {"attributes": {"Lead Source": "Brand new source", "TotalVisits": "lots"}},
        {"attributes": {"Lead Source": ["Referral", "Facebook"], "TotalVisits": [1, 2]}},
        {"attributes": {"Lead Source": {"nested": 1}, "TotalVisits": {"x": "1"}}},
        {"attributes": {"TotalVisits": float("nan"), "budget": float("inf")}},
        {"attributes": {"TotalVisits": "1e400", "budget": -1e308, "tags": [None, {}]}},
        {"attributes": {"nested": "flat now", "Do Not Email": True}, "fields": {"hour": "x"}},
        {"fields": {1: object()}, "attributes": {"Lead Source": object()}},
        {"attributes": {"Lead Source": _cyclic_list(), "tags": [[["deep"]], []]}},
        {"attributes": {"Lead Source": [_cyclic_dict()], "nested": _cyclic_dict()}},
    ],
)
def test_odd_input_never_raises(trained, record):
    _, _, result = trained
    score = result.model.predict(record)
    assert 0.0 < score.probability < 1.0
    assert all(isinstance(c.label, str) for c in score.contributions)


def test_missing_and_unknown_values_are_explained(trained):
    _, _, result = trained
    score = result.model.predict({"attributes": {"Lead Source": "", "TotalVisits": "lots"}})
    labels = {c.feature: c.label for c in score.contributions}
    assert labels.get("attributes.Lead Source") == "attributes.Lead Source is missing"
    assert labels.get("attributes.TotalVisits") == "attributes.TotalVisits = 'lots' (not a number)"


def test_insufficient_data():
    records, outcomes = synthetic_leads(n=400, seed=2)
    with pytest.raises(InsufficientData, match="at least 50"):
        train_conversion(records[:30], outcomes[:30])
    with pytest.raises(InsufficientData, match="non-conversions"):
        train_conversion(records, [True] * 300 + [False] * 100)
    with pytest.raises(InsufficientData, match="held-out"):
        train_conversion(records, [i % 2 == 0 for i in range(320)] + [False] * 80)
    with pytest.raises(ValueError, match="booleans"):
        train_conversion(records, ["Yes"] * 400)
    with pytest.raises(ValueError, match="outcomes"):
        train_conversion(records, outcomes[:10])


# --- metrics -----------------------------------------------------------------------------


def test_metrics_on_small_cases_worked_by_hand():
    outcomes = [True, False, True, False]
    assert m.roc_auc(outcomes, [0.9, 0.8, 0.8, 0.1]) == pytest.approx(3.5 / 4)  # a tie is half
    with pytest.raises(ValueError, match="both outcomes"):
        m.roc_auc([True, True], [0.9, 0.1])
    assert m.brier([True, False], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)
    assert m.log_loss([True, False], [0.8, 0.4]) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2
    )
    # Class a's mean loss and class b's weigh the same although a has two rows and b one.
    balanced = m.balanced_log_loss(
        ["a", "a", "b"], ["a", "b"], [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]
    )
    assert balanced == pytest.approx(((-math.log(0.9) - math.log(0.5)) / 2 - math.log(0.8)) / 2)
    truth, guess = ["a", "a", "b"], ["a", "b", "b"]
    report = m.per_class_report(truth, guess, ["a", "b", "c"])
    assert report == {
        "a": {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2},
        "b": {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1},
        "c": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0},  # undefined: 0.0
    }
    assert m.macro_f1(truth, guess, ["a", "b", "c"]) == pytest.approx(4 / 9)
    assert m.accuracy(truth, guess) == pytest.approx(2 / 3)
    assert json.dumps([report, m.accuracy(truth, guess), m.brier([True], [0.5])])  # built-ins
    assert m.precision_at_top([True, False, True, False], [0.9, 0.8, 0.1, 0.2], 0.5) == 0.5
    bins = m.calibration_bins([True, False, False], [0.95, 0.05, 0.15])
    assert [(b["count"], b["observed_rate"]) for b in bins] == [(1, 0.0), (1, 0.0), (1, 1.0)]
    assert m.expected_calibration_error([True, False], [1.0, 0.0]) == 0.0


# --- public data -------------------------------------------------------------------------


def test_caravan_public_dataset():
    with CARAVAN.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5822
    records = [
        {"fields": {}, "attributes": {k: v for k, v in row.items() if k != "Purchase"}}
        for row in rows
    ]
    outcomes = [row["Purchase"] == "Yes" for row in rows]
    result = train_conversion(records, outcomes)
    metrics = result.metrics
    # Published logistic regression: test ROC AUC about 0.72-0.76; this split gives about 0.74.
    assert metrics["roc_auc"] >= 0.68
    assert metrics["n_test"] == 1164
    assert metrics["positives_train"] + metrics["positives_test"] == 348
    assert metrics["n_features"] == 85
    assert all(isinstance(f, NumericFeature) for f in result.model.features)


# --- run-time cost -----------------------------------------------------------------------


def test_compiled_predict_is_fast(trained):
    records, _, result = trained
    model = ConversionModel.from_json(result.model.to_json())
    timings = []
    for record in records[:1000]:
        start = time.perf_counter()
        model.predict(record)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 1e-3


def wide_leads(n, seed=0):
    """~30 mixed columns, as a busy CRM import might have them."""
    rng = random.Random(seed)
    states = [f"S{i}" for i in range(50)]
    records, outcomes = [], []
    for i in range(n):
        attributes = {f"num{k}": f"{rng.gauss(k, 3):.2f}" for k in range(10)}
        attributes.update({f"cat{k}": rng.choice("abcdefgh"[: k + 2]) for k in range(8)})
        attributes.update({f"flag{k}": rng.random() < 0.3 for k in range(3)})
        attributes.update(
            {
                "state": rng.choice(states),
                "tags": rng.sample(["x", "y", "z"], k=rng.randrange(3)),
                "profile": {"age": str(rng.randrange(18, 80)), "kids": rng.randrange(4)},
                "visits": "" if rng.random() < 0.1 else str(int(rng.expovariate(0.2))),
                "Lead Number": str(10**6 + i),
                "email": f"user{i}@example.com",
            }
        )
        fields = {"source": rng.choice(SOURCES), "channel": rng.choice(["web", "api", "phone"])}
        fields.update({"hour": rng.randrange(24), "weekday": rng.randrange(7)})
        logit = -1 + float(attributes["num0"]) * 0.3 + (attributes["cat3"] == "a") * 1.5
        records.append({"fields": fields, "attributes": attributes})
        outcomes.append(rng.random() < 1 / (1 + math.exp(-logit)))
    return records, outcomes


def test_training_ten_thousand_wide_records_is_quick():
    records, outcomes = wide_leads(10_000)
    start = time.perf_counter()
    result = train_conversion(records, outcomes)
    elapsed = time.perf_counter() - start
    assert elapsed < 60
    assert result.metrics["n_features"] >= 28
    assert result.metrics["dropped_features"] == {
        "attributes.Lead Number": "id_like",
        "attributes.email": "id_like",
    }


# --- import hygiene ----------------------------------------------------------------------


def test_scoring_needs_neither_sklearn_nor_numpy(trained, tmp_path):
    _, _, result = trained
    model_path = tmp_path / "model.json"
    model_path.write_text(json.dumps(result.model.to_json()))
    script = f"""
import json, sys
import qualification.ml as ml
model = ml.ConversionModel.from_json(json.load(open({str(model_path)!r})))
model.predict({{"attributes": {{"Lead Source": "Referral", "TotalVisits": "3"}}}})
heavy = sorted(m for m in ("sklearn", "numpy", "scipy", "django") if m in sys.modules)
print(json.dumps(heavy))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_library_has_no_django_or_eager_sklearn_imports():
    for path in (ROOT / "qualification" / "ml").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level: what importing the library loads
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"django", "sklearn", "numpy", "scipy"}, path
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert not (module or "").startswith("django"), path
