"""Conversion-probability model: trained with scikit-learn, scored in plain Python.

Training (:func:`train_conversion`):

1. Records arrive oldest first. The newest ``test_fraction`` is held out (time-ordered, no
   shuffling), so the metrics say how a model trained on the past does on later leads.
2. Features are learned on the training part only (see :mod:`.features` for typing, rare-category
   pooling and ID detection) and encoded into standardised numbers plus one-hot categories.
3. ``C`` of the L2 logistic regression is chosen from :data:`C_GRID` by log loss on the newest
   20 % of the training part (models fitted on the older 80 %), again time-ordered. Log loss
   rather than AUC because the product shows the probability itself, and it is steadier than AUC
   on small, imbalanced slices. Ties go to the smaller (more regularised) ``C``; when the slice
   lacks one outcome, ``C = 1.0``. No class weighting, so probabilities stay calibrated.
4. The held-out metrics are computed with that model, then features and model are refitted on
   *all* rows with the same ``C``: the deployed model knows the newest sources and campaigns, and
   the metrics are a fair (slightly pessimistic) estimate of it.
5. The fitted coefficients are compiled into :class:`ConversionModel`, per-feature weight tables
   that score a lead with the same pure-Python feature code used to build the training matrix.

Contributions are log-odds relative to the average training lead: each feature's term minus its
mean term over the training rows, so ``logit = base_logit + sum(contributions over all
features)``, and a contribution of +0.7 means "this value raises the odds about twice compared
with a typical lead".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import metrics as m
from .features import (
    CategoricalFeature,
    Feature,
    FeatureSet,
    InsufficientData,
    feature_from_json,
    flatten_record,
)

MODEL_KIND = "leadrouter.conversion"
MODEL_VERSION = 1
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
DEFAULT_C = 1.0
MIN_ROWS = 50
MIN_PER_OUTCOME_TRAIN = 5
VALIDATION_FRACTION = 0.2
TOP_CONTRIBUTIONS = 5
MAX_ITER = 5000


class Contribution(NamedTuple):
    """One feature's push on a score, in log-odds relative to an average training lead."""

    feature: str
    label: str
    value: float


@dataclass(frozen=True)
class ConversionScore:
    probability: float
    contributions: list[Contribution]


def _sigmoid(logit: float) -> float:
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    e = math.exp(logit)
    return e / (1.0 + e)


class ConversionModel:
    """A compiled conversion model: feature encoders plus their logistic-regression weights."""

    def __init__(
        self,
        features: Sequence[Feature],
        weights: Sequence[Sequence[float]],
        baselines: Sequence[float],
        intercept: float,
        *,
        dropped: Mapping[str, str] | None = None,
    ) -> None:
        if not len(features) == len(weights) == len(baselines):
            raise ValueError("features, weights and baselines must align")
        self.features = list(features)
        self.weights = [[float(w) for w in ws] for ws in weights]
        self.baselines = [float(b) for b in baselines]
        self.intercept = float(intercept)
        self.dropped = dict(dropped or {})
        for feature, ws in zip(self.features, self.weights, strict=True):
            if len(ws) != len(feature.columns()):
                raise ValueError(f"weights of {feature.name} do not match its columns")
        self.base_logit = self.intercept + math.fsum(self.baselines)
        # Per-category weights as dicts: one lookup per feature at scoring time.
        self._level_weights: list[dict[str, float] | None] = [
            dict(zip(f.levels, ws, strict=True)) if isinstance(f, CategoricalFeature) else None
            for f, ws in zip(self.features, self.weights, strict=True)
        ]

    def logit(self, record: Any) -> float:
        flat = flatten_record(record)
        return self.intercept + math.fsum(self._terms(flat))

    def _terms(self, flat: Mapping[str, Any]) -> list[float]:
        terms = []
        for feature, ws, levels in zip(
            self.features, self.weights, self._level_weights, strict=True
        ):
            value = flat.get(feature.name)
            if isinstance(feature, CategoricalFeature):
                # A level never seen in training and no pooled bucket: the all-zero one-hot.
                terms.append((levels or {}).get(feature.level_of(value), 0.0))
            else:
                z, missing, _ = feature.encode(value)
                term = ws[0] * z
                if len(ws) > 1:
                    term += ws[1] * missing
                terms.append(term)
        return terms

    def predict(self, record: Any, *, top: int | None = TOP_CONTRIBUTIONS) -> ConversionScore:
        """Probability of conversion and the ``top`` strongest contributions (None: all)."""
        flat = flatten_record(record)
        terms = self._terms(flat)
        probability = _sigmoid(self.intercept + math.fsum(terms))
        ranked = sorted(
            (
                (term - baseline, i)
                for i, (term, baseline) in enumerate(zip(terms, self.baselines, strict=True))
                if abs(term - baseline) > 1e-12
            ),
            key=lambda item: (-abs(item[0]), item[1]),
        )[:top]
        contributions = [
            Contribution(
                self.features[i].name,
                self.features[i].describe(flat.get(self.features[i].name)),
                value,
            )
            for value, i in ranked
        ]
        return ConversionScore(probability, contributions)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": MODEL_KIND,
            "version": MODEL_VERSION,
            "intercept": self.intercept,
            "features": [
                {**f.to_json(), "weights": ws, "baseline": b}
                for f, ws, b in zip(self.features, self.weights, self.baselines, strict=True)
            ],
            "dropped": dict(self.dropped),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConversionModel:
        if data.get("kind") != MODEL_KIND or data.get("version") != MODEL_VERSION:
            raise ValueError(
                f"not a {MODEL_KIND} v{MODEL_VERSION} model: "
                f"{data.get('kind')!r} v{data.get('version')!r}"
            )
        features = [feature_from_json(f) for f in data["features"]]
        return cls(
            features,
            [f["weights"] for f in data["features"]],
            [f["baseline"] for f in data["features"]],
            data["intercept"],
            dropped=data.get("dropped"),
        )


@dataclass
class TrainedConversion:
    """Result of :func:`train_conversion`.

    ``model`` and ``metrics`` are what to store. ``estimator`` and ``feature_set`` are the
    scikit-learn model and encoder the compiled model came from, kept for inspection and tests.
    """

    model: ConversionModel
    metrics: dict[str, Any]
    estimator: Any = field(repr=False)
    feature_set: FeatureSet = field(repr=False)

    def design_matrix(self, records: Iterable[Any]) -> Any:
        """The final model's input matrix for ``records`` (scipy CSR), as used in training."""
        return _design_matrix(self.feature_set, [flatten_record(r) for r in records])


def _outcome(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError(f"outcomes must be booleans or 0/1, got {value!r}")


def _design_matrix(feature_set: FeatureSet, rows: Sequence[Mapping[str, Any]]) -> Any:
    from scipy import sparse

    row_ids, col_ids, data = feature_set.encode_rows(rows)
    shape = (len(rows), feature_set.n_columns)
    return sparse.csr_matrix((data, (row_ids, col_ids)), shape=shape, dtype=float)


def _fit(
    rows: Sequence[Mapping[str, Any]], y: Sequence[bool], c: float, excluded: Iterable[str]
) -> tuple[FeatureSet, Any, Any]:
    from sklearn.linear_model import LogisticRegression

    feature_set = FeatureSet.learn(rows, excluded=excluded)
    if not feature_set.features:
        raise InsufficientData("no usable features: every column is constant, ID-like or excluded")
    matrix = _design_matrix(feature_set, rows)
    estimator = LogisticRegression(C=c, max_iter=MAX_ITER)
    estimator.fit(matrix, list(y))
    return feature_set, estimator, matrix


def _positive_probabilities(estimator: Any, matrix: Any) -> list[float]:
    column = list(estimator.classes_).index(True)
    return [float(p) for p in estimator.predict_proba(matrix)[:, column]]


def _choose_c(
    rows: Sequence[Mapping[str, Any]], y: Sequence[bool], excluded: Iterable[str]
) -> tuple[float, list[dict[str, float]]]:
    n_valid = max(1, round(VALIDATION_FRACTION * len(rows)))
    fit_rows, fit_y = rows[:-n_valid], y[:-n_valid]
    valid_rows, valid_y = rows[-n_valid:], y[-n_valid:]
    if len(set(fit_y)) < 2 or len(set(valid_y)) < 2:
        return DEFAULT_C, []
    # Learning the encoder once per grid is wasted work: it does not depend on C.
    feature_set = FeatureSet.learn(fit_rows, excluded=excluded)
    if not feature_set.features:
        return DEFAULT_C, []
    from sklearn.linear_model import LogisticRegression

    fit_matrix = _design_matrix(feature_set, fit_rows)
    valid_matrix = _design_matrix(feature_set, valid_rows)
    scores = []
    for c in C_GRID:
        estimator = LogisticRegression(C=c, max_iter=MAX_ITER).fit(fit_matrix, list(fit_y))
        loss = m.log_loss(valid_y, _positive_probabilities(estimator, valid_matrix))
        scores.append({"C": c, "log_loss": loss})
    best = min(scores, key=lambda s: (round(s["log_loss"], 12), s["C"]))
    return best["C"], scores


def _compile(feature_set: FeatureSet, estimator: Any, matrix: Any) -> ConversionModel:
    sign = 1.0 if list(estimator.classes_) == [False, True] else -1.0
    coef = [sign * float(w) for w in estimator.coef_[0]]
    intercept = sign * float(estimator.intercept_[0])
    column_means = [float(v) for v in matrix.mean(axis=0).A1]
    weights, baselines = [], []
    for feature, offset in zip(feature_set.features, feature_set.offsets, strict=True):
        width = len(feature.columns())
        ws = coef[offset : offset + width]
        weights.append(ws)
        means = column_means[offset : offset + width]
        baselines.append(math.fsum(w * mean for w, mean in zip(ws, means, strict=True)))
    return ConversionModel(
        feature_set.features, weights, baselines, intercept, dropped=feature_set.dropped
    )


def train_conversion(
    records: Sequence[Any],
    outcomes: Sequence[Any],
    *,
    excluded: Iterable[str] = (),
    test_fraction: float = 0.2,
    top_tier_fraction: float = 0.2,
) -> TrainedConversion:
    """Train, evaluate (time-ordered hold-out) and compile a conversion model.

    ``records`` oldest first; ``outcomes`` booleans (or 0/1), True = converted. ``excluded``
    feature names (``"attributes.notes"``) are never used. Raises :class:`InsufficientData` when
    there are fewer than 50 rows, fewer than 5 of either outcome in the training part, or only
    one outcome in the held-out part.
    """
    records = list(records)
    y = [_outcome(o) for o in outcomes]
    if len(records) != len(y):
        raise ValueError(f"{len(records)} records but {len(y)} outcomes")
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    excluded = frozenset(excluded)
    n = len(records)
    if n < MIN_ROWS:
        raise InsufficientData(f"{n} leads with an outcome; at least {MIN_ROWS} are needed")
    n_test = max(1, round(test_fraction * n))
    n_train = n - n_test
    y_train, y_test = y[:n_train], y[n_train:]
    positives_train, positives_test = sum(y_train), sum(y_test)
    if min(positives_train, n_train - positives_train) < MIN_PER_OUTCOME_TRAIN:
        raise InsufficientData(
            f"the training part ({n_train} older leads) has {positives_train} conversions and "
            f"{n_train - positives_train} non-conversions; at least {MIN_PER_OUTCOME_TRAIN} "
            "of each are needed"
        )
    if positives_test in (0, n_test):
        raise InsufficientData(
            f"the held-out part ({n_test} newest leads) has only "
            f"{'conversions' if positives_test else 'non-conversions'}; it cannot be evaluated"
        )

    rows = [flatten_record(r) for r in records]
    train_rows, test_rows = rows[:n_train], rows[n_train:]
    c, c_scores = _choose_c(train_rows, y_train, excluded)

    eval_features, eval_estimator, _ = _fit(train_rows, y_train, c, excluded)
    p_test = _positive_probabilities(eval_estimator, _design_matrix(eval_features, test_rows))

    final_features, final_estimator, final_matrix = _fit(rows, y, c, excluded)
    model = _compile(final_features, final_estimator, final_matrix)

    precision = m.precision_at_top(y_test, p_test, top_tier_fraction)
    base_rate = positives_test / n_test
    metrics = {
        "roc_auc": m.roc_auc(y_test, p_test),
        "precision_at_top": precision,
        "top_tier_fraction": float(top_tier_fraction),
        "top_tier_size": m.top_tier_size(n_test, top_tier_fraction),
        "base_rate_test": base_rate,
        "lift_at_top": precision / base_rate,
        "brier": m.brier(y_test, p_test),
        "ece": m.expected_calibration_error(y_test, p_test),
        "calibration": m.calibration_bins(y_test, p_test),
        "n_train": n_train,
        "n_test": n_test,
        "positives_train": positives_train,
        "positives_test": positives_test,
        "C": c,
        "C_selection": "validation" if c_scores else "default",
        "C_validation": c_scores,
        # The deployed model is the refit on all rows; these describe it.
        "refit": "all_rows",
        "n_final": n,
        "n_features": len(final_features.features),
        "n_columns": final_features.n_columns,
        "features_used": [f.name for f in final_features.features],
        "dropped_features": dict(sorted(final_features.dropped.items())),
    }
    return TrainedConversion(model, metrics, final_estimator, final_features)
