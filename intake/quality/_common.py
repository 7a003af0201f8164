"""Pieces shared by every check: the Flag type and text cleaning.

Everything the gate outputs ends up in PostgreSQL text and JSON columns, which reject NUL and
cannot store lone surrogates, so every input string passes through `clean_text` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest value kept in any single-line field: the longest legal email address, and longer
# than any real name, company, city or phone number.
MAX_FIELD_LENGTH = 254

# Characters that are never part of a single-line contact field: C0/C1 controls that are not
# whitespace, lone surrogates (not encodable as UTF-8), and invisible bidi/zero-width marks that
# copy-paste drags in and that break equality and dedup. Whitespace controls (tab, newline, NEL,
# the Unicode line/paragraph separators, NBSP) are left for str.split() to turn into spaces.
# ZWJ/ZWNJ (U+200C/U+200D) are kept: some scripts need them to spell names correctly.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


@dataclass(frozen=True, slots=True)
class Flag:
    """One problem or notable fact about a lead's contact data.

    `code` is stable snake_case for filters and rules; `reason` is for people.
    """

    code: str
    reason: str


def to_text(value: object) -> str:
    """Turn any field value into a str: None -> "", non-str -> str(value), never raising."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # a hostile __str__ must not take the gate down
        return ""


def clean_text(value: object) -> str:
    """Return `value` as a single-line str without invisible characters and with runs of
    whitespace collapsed to one space, stripped at both ends."""
    text = to_text(value)
    if not text:
        return ""
    # Fast path: most values are printable already (isprintable is False for every control,
    # format, surrogate and non-space whitespace character), so only strip/collapse spaces.
    if text.isprintable():
        if "  " in text or text[0] == " " or text[-1] == " ":
            return " ".join(text.split())
        return text
    return " ".join(_INVISIBLE.sub("", text).split())


def truncate(text: str, limit: int = MAX_FIELD_LENGTH) -> tuple[str, bool]:
    """Cut `text` to at most `limit` characters; return it and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip(), True


def is_single_case(text: str) -> bool:
    """True when `text` has cased letters and they are all lower or all upper case.

    Such text was typed with caps lock or without shift, so re-casing it is safe; mixed case
    ("DeShawn", "van Dyke") is a deliberate choice and is left alone.
    """
    lower = text.lower()
    upper = text.upper()
    if lower == upper:  # no cased letters (digits, CJK, Arabic...)
        return False
    return text in (lower, upper)


def words(text: str) -> frozenset[str]:
    """A set from whitespace-separated words: long vocabulary lists stay compact to read."""
    return frozenset(text.split())


def quote(text: str, limit: int = 60) -> str:
    """Quote user text for a human-readable reason, shortened so reasons stay readable."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"
