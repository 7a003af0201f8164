"""Text + structured classifier (request type, urgency): trained with scikit-learn, scored in
plain Python.

Inputs per lead: the free-text message, TF-IDF encoded (word 1-2 grams, sublinear tf, l2 norm,
smooth idf, at most :data:`MAX_TERMS` terms), next to one-hot tokens of a few structured features
(:data:`DEFAULT_STRUCTURED_FIELDS`: ``fields.source``, ``fields.channel``, ``fields.utm_*``; pass
:data:`URGENCY_STRUCTURED_FIELDS` to add ``fields.request_type`` when predicting urgency) and of
categorical attributes with at most :data:`MAX_ATTRIBUTE_LEVELS` distinct values. A structured
feature that restates the label (the same value on >= 90 % of rows, e.g. ``fields.request_type``
when the label *is* the verified request type) is dropped as a leak: the model would lean on it
and be lost on exactly the leads it is meant for, those where the field is empty.

Training mirrors :mod:`.conversion`: time-ordered hold-out of the newest ``test_fraction``;
classes with fewer than ``min_per_class`` training examples are dropped (and reported); a
multinomial logistic regression with ``class_weight="balanced"`` whose ``C`` is chosen from
:data:`C_GRID` by class-balanced log loss on the newest 20 % of the training part (3.0 when that
slice lacks a class); metrics from
that model on the hold-out; then a refit on all rows of the kept classes with the same ``C``.

The compiled :class:`ClassifierModel` replicates scikit-learn's ``TfidfVectorizer`` analyser
(``str.lower``, token pattern ``(?u)\\b\\w\\w+\\b``, n-grams joined by one space, raw counts →
``1 + ln(tf)`` → times idf → l2 normalised) and the linear layer + softmax. Weights are stored
centred per term across classes: softmax is unchanged, and a term's centred weight for a class
is directly its evidence for that class against the average class.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from . import metrics as m
from .features import (
    MISSING,
    CategoricalFeature,
    FeatureSet,
    InsufficientData,
    flatten_record,
    normalise_category,
    record_text,
)

MODEL_KIND = "leadrouter.classifier"
MODEL_VERSION = 1
WORD_PATTERN = r"(?u)\b\w\w+\b"
NGRAM_RANGE = (1, 2)
MAX_TERMS = 20000
DEFAULT_STRUCTURED_FIELDS = (
    "fields.source",
    "fields.channel",
    "fields.utm_source",
    "fields.utm_medium",
    "fields.utm_campaign",
)
URGENCY_STRUCTURED_FIELDS = (*DEFAULT_STRUCTURED_FIELDS, "fields.request_type")
MAX_ATTRIBUTE_LEVELS = 20
STRUCTURED_MIN_COUNT = 3
LEAK_AGREEMENT = 0.9
LEAK_MIN_ROWS = 10
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
DEFAULT_C = 3.0
MIN_ROWS = 20
VALIDATION_FRACTION = 0.2
TOP_EVIDENCE = 5
MAX_ITER = 5000

_TOKEN = re.compile(WORD_PATTERN)


class Evidence(NamedTuple):
    """A term (or ``name = value`` token) and how much it pushed towards the predicted class."""

    term: str
    weight: float


@dataclass(frozen=True)
class ClassPrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]
    evidence: list[Evidence]


def analyse(text: str) -> list[str]:
    """Word 1-2 grams exactly as scikit-learn's default word analyser produces them."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in pairwise(tokens))
    return grams


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = math.fsum(exps)
    return [e / total for e in exps]


class ClassifierModel:
    """A compiled text + structured classifier."""

    def __init__(
        self,
        classes: Sequence[str],
        intercepts: Sequence[float],
        vocabulary: Mapping[str, Sequence[float]],
        structured: Sequence[CategoricalFeature],
        structured_weights: Sequence[Sequence[Sequence[float]]],
        *,
        dropped: Mapping[str, str] | None = None,
    ) -> None:
        """``vocabulary``: term → ``[idf, weight per class...]``; ``structured_weights``: per
        feature, per level (aligned with ``feature.levels``), the weight per class."""
        self.classes = [str(c) for c in classes]
        k = len(self.classes)
        if k < 2 or len(intercepts) != k:
            raise ValueError("need at least two classes and one intercept per class")
        self.intercepts = [float(b) for b in intercepts]
        self.vocabulary: dict[str, tuple[float, list[float]]] = {}
        for term, row in vocabulary.items():
            if len(row) != k + 1:
                raise ValueError(f"term {term!r} needs an idf and {k} weights")
            self.vocabulary[str(term)] = (float(row[0]), [float(w) for w in row[1:]])
        self.structured = list(structured)
        if len(structured_weights) != len(self.structured):
            raise ValueError("one weight table per structured feature is needed")
        self._level_weights: list[dict[str, list[float]]] = []
        for feature, table in zip(self.structured, structured_weights, strict=True):
            if len(table) != len(feature.levels) or any(len(ws) != k for ws in table):
                raise ValueError(f"weights of {feature.name} do not match its levels")
            self._level_weights.append(
                {
                    level: [float(w) for w in ws]
                    for level, ws in zip(feature.levels, table, strict=True)
                }
            )
        self.dropped = dict(dropped or {})

    def _text_vector(self, text: str) -> list[tuple[str, float, list[float]]]:
        counts = Counter(g for g in analyse(text) if g in self.vocabulary)
        entries = []
        for term, count in counts.items():
            idf, weights = self.vocabulary[term]
            entries.append((term, (1.0 + math.log(count)) * idf, weights))
        norm = math.sqrt(math.fsum(v * v for _, v, _ in entries))
        return [(term, v / norm, weights) for term, v, weights in entries] if norm > 0 else []

    def predict(self, record: Any) -> ClassPrediction:
        """Most likely label, its probability, all probabilities and the top evidence."""
        k = len(self.classes)
        scores = list(self.intercepts)
        parts: list[tuple[str, float, list[float]]] = self._text_vector(record_text(record))
        flat = flatten_record(record)
        for feature, table in zip(self.structured, self._level_weights, strict=True):
            value = flat.get(feature.name)
            weights = table.get(feature.level_of(value))
            if weights is not None:
                parts.append((feature.describe(value), 1.0, weights))
        for j in range(k):
            scores[j] += math.fsum(x * weights[j] for _, x, weights in parts)
        probabilities = _softmax(scores)
        best = max(range(k), key=lambda j: (probabilities[j], -j))
        evidence = sorted(
            (
                Evidence(term, x * weights[best])
                for term, x, weights in parts
                if x * weights[best] > 1e-12
            ),
            key=lambda e: (-e.weight, e.term),
        )[:TOP_EVIDENCE]
        return ClassPrediction(
            self.classes[best],
            probabilities[best],
            dict(zip(self.classes, probabilities, strict=True)),
            evidence,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": MODEL_KIND,
            "version": MODEL_VERSION,
            "analyser": {
                "lowercase": True,
                "token_pattern": WORD_PATTERN,
                "ngram_range": list(NGRAM_RANGE),
                "sublinear_tf": True,
                "norm": "l2",
            },
            "classes": list(self.classes),
            "intercepts": list(self.intercepts),
            "vocabulary": {term: [idf, *ws] for term, (idf, ws) in self.vocabulary.items()},
            "structured": [
                {**f.to_json(), "weights": [table[level] for level in f.levels]}
                for f, table in zip(self.structured, self._level_weights, strict=True)
            ],
            "dropped": dict(self.dropped),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClassifierModel:
        if data.get("kind") != MODEL_KIND or data.get("version") != MODEL_VERSION:
            raise ValueError(
                f"not a {MODEL_KIND} v{MODEL_VERSION} model: "
                f"{data.get('kind')!r} v{data.get('version')!r}"
            )
        return cls(
            data["classes"],
            data["intercepts"],
            data["vocabulary"],
            [CategoricalFeature.from_json(f) for f in data["structured"]],
            [f["weights"] for f in data["structured"]],
            dropped=data.get("dropped"),
        )


@dataclass
class TrainedClassifier:
    """Result of :func:`train_classifier`.

    ``model`` and ``metrics`` are what to store; ``estimator``, ``vectorizer`` (None when no
    lead had text) and ``feature_set`` are the scikit-learn objects the compiled model came
    from, kept for inspection and tests.
    """

    model: ClassifierModel
    metrics: dict[str, Any]
    estimator: Any = field(repr=False)
    vectorizer: Any = field(repr=False)
    feature_set: FeatureSet = field(repr=False)

    def design_matrix(self, records: Iterable[Any]) -> Any:
        """The final model's input matrix for ``records`` (scipy CSR), as used in training."""
        records = list(records)
        return _design_matrix(
            self.vectorizer,
            self.feature_set,
            [record_text(r) for r in records],
            [flatten_record(r) for r in records],
        )


@dataclass
class _Fitted:
    estimator: Any
    vectorizer: Any
    feature_set: FeatureSet


def _label(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _learn_structured(
    rows: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    structured_fields: Sequence[str],
    excluded: frozenset[str],
    use_attributes: bool,
) -> FeatureSet:
    learned = FeatureSet.learn(
        rows,
        names=structured_fields,
        excluded=excluded,
        min_count=STRUCTURED_MIN_COUNT,
        allow_numeric=False,
    )
    features = list(learned.features)
    dropped = dict(learned.dropped)
    if use_attributes:
        attribute_names = {name for row in rows for name in row if name.startswith("attributes.")}
        attributes = FeatureSet.learn(
            rows,
            names=attribute_names,
            excluded=excluded,
            min_count=STRUCTURED_MIN_COUNT,
            allow_numeric=False,
            max_levels=MAX_ATTRIBUTE_LEVELS,
        )
        features.extend(attributes.features)
        dropped.update(attributes.dropped)
    normalised_labels = [normalise_category(label) for label in labels]
    kept: list[CategoricalFeature] = []
    for feature in features:
        assert isinstance(feature, CategoricalFeature)
        pairs = [
            (level, label)
            for level, label in zip(
                (normalise_category(row.get(feature.name)) for row in rows),
                normalised_labels,
                strict=True,
            )
            if level != MISSING
        ]
        agreeing = sum(1 for level, label in pairs if level == label)
        if len(pairs) >= LEAK_MIN_ROWS and agreeing >= LEAK_AGREEMENT * len(pairs):
            dropped[feature.name] = "label_leak"
        else:
            kept.append(feature)
    return FeatureSet(list(kept), dropped)


def _design_matrix(
    vectorizer: Any,
    feature_set: FeatureSet,
    texts: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
) -> Any:
    from scipy import sparse

    row_ids, col_ids, data = feature_set.encode_rows(rows)
    structured = sparse.csr_matrix(
        (data, (row_ids, col_ids)), shape=(len(rows), feature_set.n_columns), dtype=float
    )
    if vectorizer is None:
        return structured
    return sparse.hstack([vectorizer.transform(texts), structured], format="csr")


def _learn_inputs(
    texts: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    structured_fields: Sequence[str],
    excluded: frozenset[str],
    use_attributes: bool,
) -> tuple[Any, FeatureSet, Any]:
    """Vectoriser, structured features and the design matrix of a training set."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer: Any = TfidfVectorizer(
        lowercase=True,
        token_pattern=WORD_PATTERN,
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        min_df=2 if len(texts) >= 100 else 1,
        max_features=MAX_TERMS,
    )
    try:
        vectorizer.fit(texts)
    except ValueError:
        # No lead had a (repeated) word: classify from the structured tokens alone.
        vectorizer = None
    feature_set = _learn_structured(rows, labels, structured_fields, excluded, use_attributes)
    if vectorizer is None and not feature_set.features:
        raise InsufficientData("the leads have neither message text nor usable fields")
    return vectorizer, feature_set, _design_matrix(vectorizer, feature_set, texts, rows)


def _logistic_regression(matrix: Any, labels: Sequence[str], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(C=c, class_weight="balanced", max_iter=MAX_ITER)
    return estimator.fit(matrix, list(labels))


def _fit(
    texts: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    c: float,
    *options: Any,
) -> _Fitted:
    vectorizer, feature_set, matrix = _learn_inputs(texts, rows, labels, *options)
    return _Fitted(_logistic_regression(matrix, labels, c), vectorizer, feature_set)


def _predict_proba(fitted: _Fitted, texts: Sequence[str], rows: Sequence[Mapping]) -> Any:
    matrix = _design_matrix(fitted.vectorizer, fitted.feature_set, texts, rows)
    return fitted.estimator.predict_proba(matrix)


def _compile(fitted: _Fitted) -> ClassifierModel:
    classes = [str(c) for c in fitted.estimator.classes_]
    coef = [[float(w) for w in row] for row in fitted.estimator.coef_]
    intercepts = [float(b) for b in fitted.estimator.intercept_]
    if len(classes) == 2 and len(coef) == 1:
        # Binary problems have one logistic row; as a two-class softmax it is +-half of it.
        coef = [[-w / 2 for w in coef[0]], [w / 2 for w in coef[0]]]
        intercepts = [-intercepts[0] / 2, intercepts[0] / 2]
    k = len(classes)
    n_columns = len(coef[0])
    centred = [[0.0] * n_columns for _ in range(k)]
    for column in range(n_columns):
        mean = math.fsum(coef[j][column] for j in range(k)) / k
        for j in range(k):
            centred[j][column] = coef[j][column] - mean
    intercept_mean = math.fsum(intercepts) / k
    intercepts = [b - intercept_mean for b in intercepts]

    vocabulary: dict[str, list[float]] = {}
    n_terms = 0
    if fitted.vectorizer is not None:
        idf = fitted.vectorizer.idf_
        for term, column in fitted.vectorizer.vocabulary_.items():
            vocabulary[term] = [float(idf[column])] + [centred[j][column] for j in range(k)]
        n_terms = len(fitted.vectorizer.vocabulary_)
    structured: list[CategoricalFeature] = []
    tables: list[list[list[float]]] = []
    feature_set = fitted.feature_set
    for feature, offset in zip(feature_set.features, feature_set.offsets, strict=True):
        assert isinstance(feature, CategoricalFeature)
        structured.append(feature)
        tables.append(
            [
                [centred[j][n_terms + offset + i] for j in range(k)]
                for i in range(len(feature.levels))
            ]
        )
    return ClassifierModel(
        classes, intercepts, vocabulary, structured, tables, dropped=fitted.feature_set.dropped
    )


def train_classifier(
    records: Sequence[Any],
    labels: Sequence[Any],
    *,
    test_fraction: float = 0.2,
    min_per_class: int = 5,
    structured_fields: Sequence[str] = DEFAULT_STRUCTURED_FIELDS,
    excluded: Iterable[str] = (),
    use_attributes: bool = True,
) -> TrainedClassifier:
    """Train, evaluate (time-ordered hold-out) and compile a text + structured classifier.

    ``records`` oldest first; ``labels`` one per record (``None``/``""`` = unlabelled, skipped).
    ``excluded`` feature names are never used as structured tokens. Raises
    :class:`InsufficientData` with fewer than 20 labelled leads, fewer than two classes with
    ``min_per_class`` training examples, or no held-out lead of a trained class.
    """
    records = list(records)
    labels = list(labels)
    if len(records) != len(labels):
        raise ValueError(f"{len(records)} records but {len(labels)} labels")
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    excluded_names = frozenset(excluded)
    labelled = [(r, lab) for r, lab in zip(records, map(_label, labels), strict=True) if lab]
    n = len(labelled)
    if n < MIN_ROWS:
        raise InsufficientData(f"{n} labelled leads; at least {MIN_ROWS} are needed")
    n_test = max(1, round(test_fraction * n))
    train_part, test_part = labelled[: n - n_test], labelled[n - n_test :]

    train_counts = Counter(lab for _, lab in train_part)
    classes = sorted(lab for lab, count in train_counts.items() if count >= min_per_class)
    dropped_classes = {
        lab: count for lab, count in sorted(train_counts.items()) if count < min_per_class
    }
    if len(classes) < 2:
        raise InsufficientData(
            f"{len(classes)} label(s) with at least {min_per_class} training examples "
            f"({dict(sorted(train_counts.items()))}); at least two are needed"
        )
    kept = set(classes)
    train_part = [(r, lab) for r, lab in train_part if lab in kept]
    test_all = len(test_part)
    test_part = [(r, lab) for r, lab in test_part if lab in kept]
    if not test_part:
        raise InsufficientData("no held-out lead has one of the trained labels")

    def split(pairs: Sequence[tuple[Any, str]]) -> tuple[list[str], list[dict], list[str]]:
        return (
            [record_text(r) for r, _ in pairs],
            [flatten_record(r) for r, _ in pairs],
            [lab for _, lab in pairs],
        )

    train_texts, train_rows, train_labels = split(train_part)
    test_texts, test_rows, test_labels = split(test_part)
    options = (structured_fields, excluded_names, use_attributes)

    c, c_scores = DEFAULT_C, []
    n_valid = max(1, round(VALIDATION_FRACTION * len(train_part)))
    inner_labels, valid_labels = train_labels[:-n_valid], train_labels[-n_valid:]
    if set(inner_labels) == kept:
        inner = slice(None, -n_valid)
        valid = slice(-n_valid, None)
        vectorizer, feature_set, inner_matrix = _learn_inputs(
            train_texts[inner], train_rows[inner], inner_labels, *options
        )
        valid_matrix = _design_matrix(
            vectorizer, feature_set, train_texts[valid], train_rows[valid]
        )
        for candidate in C_GRID:
            estimator = _logistic_regression(inner_matrix, inner_labels, candidate)
            probabilities = estimator.predict_proba(valid_matrix)
            estimator_classes = [str(x) for x in estimator.classes_]
            loss = m.balanced_log_loss(valid_labels, estimator_classes, probabilities)
            c_scores.append({"C": candidate, "log_loss": loss})
        c = min(c_scores, key=lambda s: (round(s["log_loss"], 12), s["C"]))["C"]

    evaluated = _fit(train_texts, train_rows, train_labels, c, *options)
    probabilities = _predict_proba(evaluated, test_texts, test_rows)
    estimator_classes = [str(x) for x in evaluated.estimator.classes_]
    predicted = [estimator_classes[int(row.argmax())] for row in probabilities]
    report = m.per_class_report(test_labels, predicted, classes)
    for label in classes:
        report[label]["support_train"] = train_counts[label]
    majority = max(classes, key=lambda lab: (train_counts[lab], lab))

    final = _fit(
        train_texts + test_texts,
        train_rows + test_rows,
        train_labels + test_labels,
        c,
        *options,
    )
    model = _compile(final)
    metrics = {
        "accuracy": m.accuracy(test_labels, predicted),
        "macro_f1": m.macro_f1(test_labels, predicted, classes),
        "majority_baseline_accuracy": m.accuracy(test_labels, [majority] * len(test_labels)),
        "per_class": report,
        "classes": classes,
        "dropped_classes": dropped_classes,
        "n_train": len(train_part),
        "n_test": len(test_part),
        "n_test_excluded": test_all - len(test_part),
        "C": c,
        "C_selection": "validation" if c_scores else "default",
        "C_validation": c_scores,
        # The deployed model is the refit on all rows of the kept classes; these describe it.
        "refit": "all_rows",
        "n_final": len(train_part) + len(test_part),
        "n_terms": len(model.vocabulary),
        "structured_features": [f.name for f in model.structured],
        "dropped_features": dict(sorted(final.feature_set.dropped.items())),
    }
    return TrainedClassifier(model, metrics, final.estimator, final.vectorizer, final.feature_set)
