"""Lead values as conditions read them: folded text, numbers, a path in the lead, emptiness."""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .numbers import parse_number
from .spec import TEXT_LIMIT

# Letters that Unicode does not decompose into a base letter and an accent.
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


@lru_cache(maxsize=256)
def fold(text: str) -> str:
    """Lowercase without accents. Cached: every signal of a lead folds the same message."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().translate(_EXTRA_FOLDS)


# The same, upper case included, for regexes: they keep the case so that a pattern can turn case
# sensitivity back on, and RE2 ignores case otherwise.
_EXTRA_DEACCENTS = str.maketrans(
    {
        **{"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"},
        **{"Ø": "O", "Đ": "D", "Ł": "L", "Ħ": "H", "Æ": "AE", "Œ": "OE", "Þ": "TH"},
        **{"ß": "ss", "ẞ": "SS"},
    }
)


def _deaccent_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_EXTRA_DEACCENTS)


@lru_cache(maxsize=256)
def deaccent(text: str) -> str:
    """`text` without accents, case kept ("Urgência" → "Urgencia"). ASCII text is returned
    as is (the same object). Cached like `fold`."""
    return text if text.isascii() else _deaccent_text(text)


_deaccent_char = lru_cache(maxsize=4096)(_deaccent_text)


def _original_span(text: str, start: int, end: int) -> str:
    """The part of `text` whose de-accented form is ``deaccent(text)[start:end]``.

    Removing accents changes lengths ("ß" → "ss", a lone combining accent → ""), so positions
    are mapped character by character; only done for a match, to explain it in the lead's words.
    """
    if start == end:
        return ""
    position, begin = 0, None
    for index, char in enumerate(text):
        if begin is None and position + len(_deaccent_char(char)) > start:
            begin = index
        position += len(_deaccent_char(char))
        if position >= end and begin is not None:
            return text[begin : index + 1]
    return text[begin or 0 :] if begin is not None else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def to_number(value: Any) -> float | None:
    """The number a lead value stands for, or None: the reading the conversion model uses too
    (`leadrouter.conditions.numbers`), so a signal and the score never disagree about a value."""
    return parse_number(value)


def _format_number(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:g}"


_MISSING = object()


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    try:
        if path in values:
            return values[path]
        if "." not in path:
            return _MISSING
        current: Any = values
        for part in path.split("."):
            if not isinstance(current, Mapping) or part not in current:
                return _MISSING
            current = current[part]
        return current
    except Exception:  # a lead's odd mapping must never break routing
        return _MISSING


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value[:TEXT_LIMIT]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _format_number(float(value)) if math.isfinite(value) else None
    return None


def _show(value: Any, limit: int = 60) -> str:
    """A lead value as it appears in an explanation: short, quoted when it is text."""
    if isinstance(value, str):
        text = _squash(value)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = to_number(value)
        return _format_number(number) if number is not None else str(value)
    return json.dumps(value, ensure_ascii=False, default=str)[:limit]


def _is_empty(value: Any) -> bool:
    if value is _MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return len(value) == 0
    return False
