"""Evaluation metrics for training: scikit-learn's where it has one.

This module is loaded with the scoring code (the models import it), which must never load
scikit-learn (1.3-1.8 s, ~270 MB), so each function imports ``sklearn.metrics`` when called.
What scikit-learn lacks stays in plain Python: precision in the top tier, equal-width
calibration bins with their sizes, and the Spearman correlation the feature learner uses to spot
ID columns. All functions return built-in ``float``/``int`` values, so their results are
JSON-serialisable as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of ``values``; ties share their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2.0 + 1.0
        for k in range(start, end + 1):
            ranks[order[k]] = average
        start = end + 1
    return ranks


def rank_correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman correlation; 0.0 when either side is constant."""
    rx, ry = average_ranks(xs), average_ranks(ys)
    n = len(rx)
    if n < 2:
        return 0.0
    mx, my = sum(rx) / n, sum(ry) / n
    cov = math.fsum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = math.fsum((a - mx) ** 2 for a in rx)
    vy = math.fsum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx > 0 and vy > 0 else 0.0


def roc_auc(outcomes: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve (ties count half)."""
    if len(set(outcomes)) < 2:
        raise ValueError("ROC AUC needs both outcomes")
    from sklearn import metrics

    return float(metrics.roc_auc_score(outcomes, scores))


def top_tier_size(n: int, fraction: float) -> int:
    return min(n, max(1, round(fraction * n)))


def precision_at_top(outcomes: Sequence[bool], scores: Sequence[float], fraction: float) -> float:
    """Share of positives among the ``fraction`` highest-scored rows (earlier rows win ties)."""
    k = top_tier_size(len(scores), fraction)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
    return sum(1 for i in order if outcomes[i]) / k


def brier(outcomes: Sequence[bool], probabilities: Sequence[float]) -> float:
    from sklearn import metrics

    return float(metrics.brier_score_loss(outcomes, probabilities, labels=[False, True]))


def log_loss(outcomes: Sequence[bool], probabilities: Sequence[float]) -> float:
    from sklearn import metrics

    return float(metrics.log_loss(outcomes, probabilities, labels=[False, True]))


def balanced_log_loss(labels: Sequence[str], classes: Sequence[str], probabilities: Any) -> float:
    """Mean over the classes present in ``labels`` of each class's mean log loss, so a rare
    class weighs as much as a common one. ``probabilities`` has one column per ``classes``
    (sorted, as scikit-learn's estimators give them)."""
    from sklearn import metrics
    from sklearn.utils.class_weight import compute_sample_weight

    weights = compute_sample_weight("balanced", list(labels))
    return float(
        metrics.log_loss(labels, probabilities, labels=list(classes), sample_weight=weights)
    )


def calibration_bins(
    outcomes: Sequence[bool], probabilities: Sequence[float], bins: int = 10
) -> list[dict[str, Any]]:
    """Equal-width probability bins with their mean prediction, observed rate and size.

    Empty bins are left out.
    """
    members: list[list[int]] = [[] for _ in range(bins)]
    for i, p in enumerate(probabilities):
        members[min(int(p * bins), bins - 1)].append(i)
    out = []
    for b, rows in enumerate(members):
        if not rows:
            continue
        out.append(
            {
                "lower": b / bins,
                "upper": (b + 1) / bins,
                "mean_predicted": math.fsum(probabilities[i] for i in rows) / len(rows),
                "observed_rate": sum(1 for i in rows if outcomes[i]) / len(rows),
                "count": len(rows),
            }
        )
    return out


def expected_calibration_error(
    outcomes: Sequence[bool], probabilities: Sequence[float], bins: int = 10
) -> float:
    """Size-weighted mean gap between predicted and observed rates over equal-width bins."""
    n = len(probabilities)
    return math.fsum(
        b["count"] / n * abs(b["mean_predicted"] - b["observed_rate"])
        for b in calibration_bins(outcomes, probabilities, bins)
    )


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn import metrics

    return float(metrics.accuracy_score(truth, predicted))


def per_class_report(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support per class (0.0 where undefined)."""
    from sklearn import metrics

    columns = metrics.precision_recall_fscore_support(
        truth, predicted, labels=list(classes), zero_division=0.0
    )
    return {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
        for label, p, r, f, n in zip(classes, *columns, strict=True)
    }


def macro_f1(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> float:
    from sklearn import metrics

    return float(
        metrics.f1_score(truth, predicted, labels=list(classes), average="macro", zero_division=0.0)
    )
