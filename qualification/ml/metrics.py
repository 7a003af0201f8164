"""Evaluation metrics in plain Python.

They are written without numpy or scikit-learn so that the web side can also use them, e.g. to
monitor live conversion against the probabilities stored at scoring time. All functions return
built-in ``float``/``int`` values, so their results are JSON-serialisable as they are. The
tests check them against scikit-learn's implementations.
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
    """Area under the ROC curve (Mann-Whitney form, ties count half)."""
    positives = sum(1 for y in outcomes if y)
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs both outcomes")
    ranks = average_ranks(scores)
    rank_sum = math.fsum(r for r, y in zip(ranks, outcomes, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def top_tier_size(n: int, fraction: float) -> int:
    return min(n, max(1, round(fraction * n)))


def precision_at_top(outcomes: Sequence[bool], scores: Sequence[float], fraction: float) -> float:
    """Share of positives among the ``fraction`` highest-scored rows (earlier rows win ties)."""
    k = top_tier_size(len(scores), fraction)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
    return sum(1 for i in order if outcomes[i]) / k


def brier(outcomes: Sequence[bool], probabilities: Sequence[float]) -> float:
    return math.fsum(
        (p - (1.0 if y else 0.0)) ** 2 for y, p in zip(outcomes, probabilities, strict=True)
    ) / len(probabilities)


def log_loss(outcomes: Sequence[bool], probabilities: Sequence[float]) -> float:
    eps = 1e-15
    total = math.fsum(
        -math.log(min(max(p if y else 1.0 - p, eps), 1.0))
        for y, p in zip(outcomes, probabilities, strict=True)
    )
    return total / len(probabilities)


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
    return sum(1 for t, p in zip(truth, predicted, strict=True) if t == p) / len(truth)


def per_class_report(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support per class (0.0 where undefined, as scikit-learn)."""
    report: dict[str, dict[str, float | int]] = {}
    for label in classes:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        predicted_n = sum(1 for p in predicted if p == label)
        support = sum(1 for t in truth if t == label)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * tp / (predicted_n + support) if predicted_n + support else 0.0
        report[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return report


def macro_f1(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> float:
    report = per_class_report(truth, predicted, classes)
    return math.fsum(float(r["f1"]) for r in report.values()) / len(report)
