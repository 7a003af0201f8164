"""How a report's figures read: counts, durations, shares and money, with an honest "—" for a
figure that could not be computed (no leads, nothing closed)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from reporting.presenters import COUNT, DURATION, MONEY, RATE, duration_words

register = template.Library()

MISSING = "—"
MINUS = "\u2212"  # the minus sign, as wide as the plus


def _number(value: float | Decimal | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@register.filter
def figure(value, kind: str = COUNT) -> str:
    """A figure in words: `{{ row.close_rate|figure:"rate" }}` → "42 %"."""
    if value is None:
        return MISSING
    if kind == DURATION:
        return duration_words(float(value))
    if kind == RATE:
        return f"{100 * float(value):.0f} %"
    if kind == MONEY:
        amount = Decimal(value)
        return f"{MINUS if amount < 0 else ''}${abs(amount):,.0f}"
    return _number(value)


@register.filter
def change(value, kind: str = COUNT) -> str:
    """A difference with its sign ("+12", "-3 min" with a true minus sign, "+5 pts"); "—"
    when it has none."""
    if value is None:
        return MISSING
    value = float(value)
    sign = "+" if value > 0 else MINUS if value < 0 else "±"
    size = abs(value)
    if kind == RATE:
        return f"{sign}{100 * size:.0f} pts"
    return f"{sign}{figure(size, kind)}"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)
