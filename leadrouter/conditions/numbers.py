"""Reading a lead value as a number: one parser for the signals' conditions and for the model.

A budget typed as "5.000,50 €" must be the same number to a signal (``budget ≥ 5000``) and to
the conversion model, or the two explain the same lead differently. Leads come mostly from the
US, some from Europe; the rules follow from that:

1. A JSON number is itself (not a bool; finite; at most 10^15 in size: no lead quantity is
   that large, only long digit keys are).
2. Text of at most 100 characters, outer space ignored, is a number when it holds:

   * one sign (``-``, ``+``, the minus sign U+2212), or accounting parentheses: ``"(1,200)"``
     is -1200;
   * at most one currency sign (``$ € £ ¥``) and at most one currency code (``USD EUR GBP CAD
     AUD NZD CHF JPY MXN``, any case), each before or after: ``"$5,000"``, ``"5000 USD"``,
     ``"$5,000 USD"``; or else a percent sign after, which is dropped: ``"15%"`` is 15;
   * digits in thousands groups, separated by commas (``"5,000.50"``), dots (``"5.000,50"``),
     spaces, no-break and narrow no-break ones too (``"1 234,5"``), or apostrophes, straight or
     typographic (``"1'234.50"``); a first group of one to three digits not starting with 0,
     then groups of exactly three;
   * a decimal part after the one separator that is not the thousands separator;
   * or plain digits with a decimal dot, and an exponent when nothing else decorates them:
     ``"1.5e6"``, ``".5"``, ``"5."``.

3. A single separator followed by exactly three digits could be either; US leads decide:

   * ``"1,500"`` is 1500 (a comma before three digits is always a thousands separator);
   * ``"1.500"`` is 1.5 ("48.125" is a decimal in a US export), unless the value says euros
     (``€`` or ``EUR``): ``"€5.000"`` and ``"5.000 €"`` are 5000;
   * any other comma is a decimal comma: ``"12,5"`` and ``"0,500"`` are 12.5 and 0.5.

Nothing else is a number: not ``"5k"``, ``"1.2M"``, ``"1,2,3"``, ``"$5$"``, ``"nan"``, nor digits
other than 0-9. Pure and dependency-free: the model library runs without Django.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

NUMBER_LIMIT = 1e15
MAX_TEXT = 100

SYMBOLS = ("$", "€", "£", "¥")
CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "MXN")
_SIGNS = {"-": -1.0, "\u2212": -1.0, "+": 1.0}

_PLAIN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# A thousands-grouped integer part: the first group never starts with 0.
_GROUPED = r"[1-9][0-9]{{0,2}}(?:{sep}[0-9]{{3}})+"
_COMMA_GROUPS = re.compile(_GROUPED.format(sep=",") + r"(?:\.[0-9]*)?")
_DOT_GROUPS = re.compile(_GROUPED.format(sep=r"\.") + r"(?:,[0-9]+)?")
_SPACE_GROUPS = re.compile(_GROUPED.format(sep=" ") + r"(?:[.,][0-9]+)?")
_APOSTROPHE_GROUPS = re.compile(_GROUPED.format(sep="['\u2019]") + r"(?:[.,][0-9]+)?")
_GROUP_MARKS = re.compile("[ '\u2019]")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
_ONE_DOT_GROUP = re.compile(r"[1-9][0-9]{0,2}\.[0-9]{3}")


def parse_number(value: Any) -> float | None:
    """The number `value` stands for, or None (see the module docstring for the rules)."""
    if isinstance(value, str):
        return _parse_text(value) if len(value) <= MAX_TEXT else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if abs(value) <= NUMBER_LIMIT else None  # NaN fails this too
    return None


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> float | None:
    # Cached: model training reads the same few strings ("0", "Yes", "12") over and over.
    text = " ".join(text.split())  # any run of space, no-break ones included, is one space
    if text.isascii() and text.isdigit():
        whole = float(text)
        return whole if whole <= NUMBER_LIMIT else None
    parts = _peel(text)
    if parts is None:
        return None
    sign, core, symbols, codes, percent = parts
    euros = "€" in symbols or "EUR" in codes
    decorated = bool(symbols or codes or percent)
    if percent and (symbols or codes):
        return None
    number = _read_core(core, euros=euros, exponent=not decorated)
    if number is None:
        return None
    number *= sign
    return number if abs(number) <= NUMBER_LIMIT else None


def _peel(text: str) -> tuple[float, str, list[str], list[str], bool] | None:
    """Split `text` into (sign, digits, currency signs, currency codes, percent), or None."""
    sign = 0.0
    if text.startswith("(") and text.endswith(")"):
        sign, text = -1.0, text[1:-1].strip()  # accounting negative
    symbols: list[str] = []
    codes: list[str] = []
    percent = False
    while text:  # before the digits: sign, currency
        if text[0] in _SIGNS and not sign:
            sign, text = _SIGNS[text[0]], text[1:].lstrip()
        elif text[0] in SYMBOLS:
            symbols.append(text[0])
            text = text[1:].lstrip()
        elif text[:3].upper() in CODES and not text[3:4].isalpha():
            codes.append(text[:3].upper())
            text = text[3:].lstrip()
        else:
            break
    while text:  # after the digits: currency, percent
        if text[-1] in SYMBOLS:
            symbols.append(text[-1])
            text = text[:-1].rstrip()
        elif text[-3:].upper() in CODES and not text[-4:-3].isalpha():
            codes.append(text[-3:].upper())
            text = text[:-3].rstrip()
        elif text[-1] == "%" and not percent:
            percent, text = True, text[:-1].rstrip()
        else:
            break
    if len(symbols) > 1 or len(codes) > 1 or not text:
        return None
    return (sign or 1.0), text, symbols, codes, percent


def _read_core(core: str, *, euros: bool, exponent: bool) -> float | None:
    """The unsigned number written in `core`, or None."""
    if _ONE_DOT_GROUP.fullmatch(core):
        # "5.000": five in the US, five thousand in Europe; euros settle it.
        return float(core.replace(".", "")) if euros else float(core)
    if (_PLAIN if exponent else _DIGITS).fullmatch(core):
        return float(core)
    if _COMMA_GROUPS.fullmatch(core):
        return float(core.replace(",", ""))
    if _DOT_GROUPS.fullmatch(core):
        return float(core.replace(".", "").replace(",", "."))
    if _SPACE_GROUPS.fullmatch(core) or _APOSTROPHE_GROUPS.fullmatch(core):
        return float(_GROUP_MARKS.sub("", core).replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(core):
        return float(core.replace(",", "."))
    return None
