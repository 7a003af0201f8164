"""Stored reasons in plain words, read at display time.

A qualification's reasons are stored as the model and signals wrote them
(``attributes.referred is missing``, ``… words: heater, heater is, is``); they are turned into
plain words only when shown, so a manager's label edits (``FieldLabel``) apply to every lead,
old and new, and the stored shape (the API contract) never changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import cache

from qualification.models import FieldLabel

# Field names whose humanised form would still be jargon.
DEFAULT_LABELS = {
    "utm_source": "Campaign source",
    "utm_medium": "Campaign medium",
    "utm_campaign": "Campaign",
    "utm_term": "Campaign term",
    "utm_content": "Campaign content",
}

# Words that say nothing on their own in a "Mentions:" list.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
        "your",
    }
)

MINUS = "\N{MINUS SIGN}"

_MISSING = re.compile(r"^(?P<field>[\w.]+) is missing$")
_NUMERIC = re.compile(
    r"^(?P<field>[\w.]+) = (?P<number>-?[\d.e+]+) "
    r"\((?P<where>typical|above typical|below typical)\)$"
)
_NOT_NUMBER = re.compile(r"^(?P<field>[\w.]+) = (?P<value>.*) \(not a number\)$")
_RARE = re.compile(r"^(?P<field>[\w.]+) = (?P<value>.*) \(rare value\)$")
_CATEGORY = re.compile(r"^(?P<field>[\w.]+) = (?P<value>.+)$")
_WORDS = re.compile(r"; words: (?P<words>[^)]*)")
_PERCENT = re.compile(r"(\d)%")


def field_labels() -> dict[str, str]:
    """The labels managers set, by field name (cached; pass it to ``plain_reason``)."""
    labels = cache.get(FieldLabel.CACHE_KEY)
    if labels is None:
        labels = dict(FieldLabel.objects.values_list("field", "label"))
        cache.set(FieldLabel.CACHE_KEY, labels, FieldLabel.CACHE_SECONDS)
    return labels


def label_for(field: str, labels: Mapping[str, str] | None = None) -> str:
    """The manager's label for ``field``, else its name humanised."""
    if labels and field in labels:
        return labels[field]
    if field in DEFAULT_LABELS:
        return DEFAULT_LABELS[field]
    name = field.removeprefix("attributes.").rsplit(".", 1)[-1]
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else field


def signed(weight: float) -> str:
    """A contribution with a real minus sign and two decimals: ``\N{MINUS SIGN}0.08``, ``+0.22``."""
    return f"{MINUS}{abs(weight):.2f}" if weight < 0 else f"+{weight:.2f}"


def percent(value: float | None) -> str:
    """A confidence 0..1 as ``82 %``."""
    return "" if value is None else f"{value * 100:.0f} %"


def mentions(terms: Iterable[str]) -> list[str]:
    """Evidence n-grams as a reader wants them: stop words trimmed, covered unigrams dropped.

    ``heater, heater is, is`` → ``heater``; ``water heater, heater, leaking`` →
    ``water heater, leaking``.
    """
    cleaned: list[str] = []
    for term in terms:
        words = term.split()
        while words and words[0].lower() in STOP_WORDS:
            words.pop(0)
        while words and words[-1].lower() in STOP_WORDS:
            words.pop()
        phrase = " ".join(words)
        if phrase and phrase not in cleaned:
            cleaned.append(phrase)
    return [
        phrase
        for phrase in cleaned
        if not any(other != phrase and f" {phrase} " in f" {other} " for other in cleaned)
    ]


def _number(text: str) -> str:
    number = float(text)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _feature_text(text: str, labels: Mapping[str, str] | None) -> str | None:
    if match := _MISSING.match(text):
        return f"{label_for(match['field'], labels)}: not given"
    if match := _NUMERIC.match(text):
        try:
            number = _number(match["number"])
        except ValueError:
            return None
        return f"{label_for(match['field'], labels)} {number} — {match['where']}"
    if match := _NOT_NUMBER.match(text):
        return f"{label_for(match['field'], labels)} {match['value']} — not a number"
    if match := _RARE.match(text):
        return f"{label_for(match['field'], labels)}: {match['value']} — rare value"
    if match := _CATEGORY.match(text):
        return f"{label_for(match['field'], labels)}: {match['value']}"
    return None


def plain_reason(reason: Any, labels: Mapping[str, str] | None = None) -> str:
    """One stored reason in plain words, e.g. ``Budget 5,000 — typical (\N{MINUS SIGN}0.08)``.

    Feature contributions of the conversion model get the field's label and a signed two-decimal
    contribution; the request-type classifier's evidence becomes ``Mentions: …``; anything of a
    shape not recognised reads as stored.
    """
    # Percentages read "82 %" everywhere, as the pages show confidences.
    if isinstance(reason, str):
        return _PERCENT.sub(r"\1 %", reason)
    if not isinstance(reason, Mapping) or not isinstance(reason.get("text"), str):
        return str(reason)
    text, kind = reason["text"], reason.get("kind")
    stored = reason.get("weight")
    weight = stored if isinstance(stored, int | float) and not isinstance(stored, bool) else None
    if kind == "feature":
        plain = _feature_text(text, labels)
        if plain is not None:
            return f"{plain} ({signed(weight)})" if weight else plain
    text = _PERCENT.sub(r"\1 %", text)
    if kind == "classifier" and (match := _WORDS.search(text)):
        terms = mentions(term.strip() for term in match["words"].split(","))
        rest = text[: match.start()] + text[match.end() :]
        return f"{rest}. Mentions: {', '.join(terms)}" if terms else rest
    if kind == "model" or not weight:
        return text
    return f"{text} ({weight})"


def plain_reasons(reasons: Iterable[Any]) -> list[str]:
    """Every reason of a qualification or review task in plain words (one label query)."""
    reasons = list(reasons or [])
    labels = field_labels() if reasons else {}
    return [plain_reason(reason, labels) for reason in reasons]
