"""A trained model's held-out metrics in sentences a sales manager can weigh ("ranks a lead
that later converts above one that does not 89 % of the time"), each beside the previous
version's figure when there is one. Pure: metrics dicts in, sentences out."""

from collections.abc import Callable

Metrics = dict


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _then(previous: Metrics | None, key: str, show: Callable[[float], str] = _pct) -> str:
    if not previous or not isinstance(previous.get(key), int | float):
        return ""
    return f"; the previous version: {show(previous[key])}"


def _points(value: float) -> str:
    return f"{value * 100:.1f} points"


def conversion_sentences(metrics: Metrics, previous: Metrics | None) -> list[str]:
    sentences = []
    if isinstance(metrics.get("roc_auc"), int | float):
        sentences.append(
            "Ranks a lead that later converts above one that does not "
            f"{_pct(metrics['roc_auc'])} of the time (50 % would be a coin toss)"
            f"{_then(previous, 'roc_auc')}."
        )
    if all(
        isinstance(metrics.get(key), int | float)
        for key in ("precision_at_top", "top_tier_fraction", "base_rate_test")
    ):
        lift = metrics.get("lift_at_top")
        times = f": {lift:.1f} times the average" if isinstance(lift, int | float) else ""
        sentences.append(
            f"Of the {_pct(metrics['top_tier_fraction'])} of leads it scores highest, "
            f"{_pct(metrics['precision_at_top'])} converted, against "
            f"{_pct(metrics['base_rate_test'])} of all leads{times}"
            f"{_then(previous, 'precision_at_top')}."
        )
    if isinstance(metrics.get("ece"), int | float):
        sentences.append(
            "Its chance of converting is off by "
            f"{_points(metrics['ece'])} on average (lower is better)"
            f"{_then(previous, 'ece', _points)}."
        )
    if isinstance(metrics.get("n_test"), int):
        converted = metrics.get("positives_test")
        of_which = f", {converted} of them converted" if isinstance(converted, int) else ""
        sentences.append(
            f"Measured on the {metrics['n_test']} newest closed leads, kept out of its "
            f"training{of_which}."
        )
    return sentences


def classifier_sentences(metrics: Metrics, previous: Metrics | None, what: str) -> list[str]:
    sentences = []
    if isinstance(metrics.get("accuracy"), int | float):
        sentences.append(
            f"Gets the {what} right for {_pct(metrics['accuracy'])} of leads"
            f"{_then(previous, 'accuracy')}."
        )
    if isinstance(metrics.get("macro_f1"), int | float):
        sentences.append(
            f"Counting every {what} as much as the commonest (macro F1): "
            f"{_pct(metrics['macro_f1'])}{_then(previous, 'macro_f1')}."
        )
    if isinstance(metrics.get("n_test"), int):
        sentences.append(f"Measured on {metrics['n_test']} leads kept out of its training.")
    return sentences


def metrics_in_words(kind: str, metrics: Metrics, previous: Metrics | None = None) -> list[str]:
    """The sentences for a model of `kind` ("conversion", "request_type", "urgency")."""
    if kind == "conversion":
        return conversion_sentences(metrics, previous)
    what = "request type" if kind == "request_type" else "urgency"
    return classifier_sentences(metrics, previous, what)
