"""Compiled conditions: one small class per operator, with its expensive parts prepared once."""

from __future__ import annotations

import contextlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

import re2

from .regex import _READS_ACCENTS, _compile_regex, _deaccent_pattern, _re2_search
from .spec import _COMPARISON_SIGNS, _COMPARISONS, _FALSE_WORDS, _TRUE_WORDS, TEXT_LIMIT, Match
from .values import (
    _as_text,
    _format_number,
    _is_empty,
    _lookup,
    _original_span,
    _show,
    _squash,
    deaccent,
    fold,
    to_number,
)


class Condition(ABC):
    """A compiled condition; `matches` explains a match or answers None."""

    __slots__ = ()

    @abstractmethod
    def matches(self, values: Mapping[str, Any]) -> Match | None:
        """A Match when the lead's values satisfy the condition, else None; never raises."""


class _All(Condition):
    __slots__ = ("children",)

    def __init__(self, children: list[Condition]):
        self.children = children

    def matches(self, values: Mapping[str, Any]) -> Match | None:
        parts: list[str] = []
        for child in self.children:
            found = child.matches(values)
            if found is None:
                return None
            parts.extend(found.parts)
        return Match(tuple(parts))


class _Any(Condition):
    __slots__ = ("children",)

    def __init__(self, children: list[Condition]):
        self.children = children

    def matches(self, values: Mapping[str, Any]) -> Match | None:
        for child in self.children:
            found = child.matches(values)
            if found is not None:
                return found
        return None


class _Not(Condition):
    __slots__ = ("child", "text")

    def __init__(self, child: Condition, text: str):
        self.child = child
        self.text = text

    def matches(self, values: Mapping[str, Any]) -> Match | None:
        if self.child.matches(values) is None:
            return Match((f"not ({self.text})",))
        return None


class _Leaf(Condition):
    __slots__ = ("field",)

    def __init__(self, field: str):
        self.field = field

    def matches(self, values: Mapping[str, Any]) -> Match | None:
        try:
            return self.test(_lookup(values, self.field))
        except Exception:  # lead data of any shape must never break routing
            return None

    @abstractmethod
    def test(self, value: Any) -> Match | None:
        """The verdict on the field's value (_MISSING when the lead has none)."""


def _word_pattern(word: str) -> str:
    folded = _squash(fold(word))
    body = r"\s+".join(re.escape(part) for part in folded.split(" "))
    # Boundaries only where the keyword itself starts or ends with a letter or digit, so that
    # "c++" or "#urgent" still match next to a space or punctuation.
    before = r"(?<!\w)" if re.match(r"\w", folded) else ""
    after = r"(?!\w)" if re.search(r"\w\Z", folded) else ""
    return f"{before}{body}{after}"


def _quoted(words: Iterable[str]) -> str:
    return ", ".join(json.dumps(word, ensure_ascii=False) for word in words)


class _ContainsAny(_Leaf):
    __slots__ = ("by_folded", "pattern")

    def __init__(self, field: str, words: list[str]):
        super().__init__(field)
        self.by_folded = {_squash(fold(word)): word.strip() for word in words}
        # Longer keywords first, so a phrase wins over a word it starts with.
        ordered = sorted(self.by_folded.values(), key=lambda w: -len(w))
        self.pattern = re.compile("|".join(_word_pattern(word) for word in ordered))

    def test(self, value: Any) -> Match | None:
        text = _as_text(value)
        if not text:
            return None
        found = self.pattern.search(fold(text))
        if found is None:
            return None
        word = self.by_folded.get(_squash(found.group()), found.group())
        return Match((f"{self.field} mentions {_quoted([word])}",))


class _ContainsAll(_Leaf):
    __slots__ = ("patterns", "words")

    def __init__(self, field: str, words: list[str]):
        super().__init__(field)
        self.words = list(dict.fromkeys(word.strip() for word in words))
        self.patterns = [re.compile(_word_pattern(word)) for word in self.words]

    def test(self, value: Any) -> Match | None:
        text = _as_text(value)
        if not text:
            return None
        folded = fold(text)
        if all(pattern.search(folded) for pattern in self.patterns):
            return Match(
                (f"{self.field} mentions {' and '.join(_quoted([w]) for w in self.words)}",)
            )
        return None


class _Regex(_Leaf):
    """RE2, case-insensitive, on the text without its accents; see `_deaccent_pattern`."""

    __slots__ = ("pattern", "plain_pattern", "reads_accents", "source")

    def __init__(self, field: str, source: str):
        super().__init__(field)
        self.source = source
        self.pattern = _compile_regex(source)
        plain = _deaccent_pattern(source)
        self.plain_pattern = self.pattern
        if plain != source:
            with contextlib.suppress(re2.error):  # [z-é] became the backwards range [z-e]
                self.plain_pattern = _compile_regex(plain)
        self.reads_accents = bool(_READS_ACCENTS.search(plain))

    def test(self, value: Any) -> Match | None:
        text = _as_text(value)
        if text is None:
            return None
        plain = deaccent(text)
        found = _re2_search(self.plain_pattern, plain)
        if found is not None:
            shown = found.group() if plain is text else _original_span(text, *found.span())
        elif plain is not text and self.reads_accents:
            found = _re2_search(self.pattern, text)
            shown = found.group() if found is not None else ""
        if found is None:
            return None
        return Match((f"{self.field} matches /{self.source}/ ({_show(shown, 40)})",))


class _StartsWith(_Leaf):
    __slots__ = ("prefixes",)

    def __init__(self, field: str, value: str | list[str]):
        super().__init__(field)
        items = value if isinstance(value, list) else [value]
        self.prefixes = [(fold(item.strip()), item.strip()) for item in items]

    def test(self, value: Any) -> Match | None:
        text = _as_text(value)
        if not text:
            return None
        folded = fold(text.lstrip())
        for prefix, original in self.prefixes:
            if folded.startswith(prefix):
                return Match((f"{self.field} {_show(text)} starts with {_quoted([original])}",))
        return None


class _Expected:
    """One expected value of equals/in/not_in, with its comparable forms prepared."""

    __slots__ = ("flag", "integer", "number", "original", "text")

    def __init__(self, original: Any):
        self.original = original
        self.flag: bool | None = original if isinstance(original, bool) else None
        self.text = _squash(fold(original)) if isinstance(original, str) else None
        self.number = to_number(original) if self.flag is None else None
        # Whole numbers compare exactly: ids past 2^53 (or 10^15, where numbers stop) still
        # equal themselves and nothing else.
        self.integer = original if type(original) is int else None

    def equals(self, value: Any) -> bool:
        if self.flag is not None:
            if isinstance(value, bool):
                return value is self.flag
            if isinstance(value, str):
                word = value.strip().lower()
                return word in (_TRUE_WORDS if self.flag else _FALSE_WORDS)
            return False
        if isinstance(value, bool):
            return False
        if self.integer is not None and type(value) is int:
            return value == self.integer
        if isinstance(value, str):
            if self.text is not None:
                return _squash(fold(value[:TEXT_LIMIT])) == self.text
            if self.integer is not None and _INTEGER.fullmatch(value.strip()):
                return int(value) == self.integer
            number = to_number(value)
            return number is not None and number == self.number
        if isinstance(value, int | float):
            return self.number is not None and to_number(value) == self.number
        return False


_INTEGER = re.compile(r"[+-]?[0-9]{1,50}")


def _candidates(value: Any) -> list[Any]:
    """A list-valued field (tags, say) is in a set when any of its items is."""
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _render_value(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[\w.@+-]+", value):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _format_number(float(value))
    return json.dumps(value, ensure_ascii=False, default=str)


def _render_list(values: list[Any], limit: int = 10) -> str:
    shown = ", ".join(_render_value(value) for value in values[:limit])
    if len(values) > limit:
        shown += f", … (+{len(values) - limit} more)"
    return shown


class _Equals(_Leaf):
    __slots__ = ("expected",)

    def __init__(self, field: str, value: Any):
        super().__init__(field)
        self.expected = _Expected(value)

    def test(self, value: Any) -> Match | None:
        if self.expected.equals(value):
            return Match((f"{self.field} is {_show(value)}",))
        return None


class _In(_Leaf):
    __slots__ = ("expected", "listed", "negate")

    def __init__(self, field: str, values: list[Any], negate: bool):
        super().__init__(field)
        self.expected = [_Expected(value) for value in values]
        self.listed = _render_list(values)
        self.negate = negate

    def test(self, value: Any) -> Match | None:
        if _is_empty(value):
            return None  # "not in" speaks about a value the lead has: use is_empty otherwise
        for item in _candidates(value):
            if any(expected.equals(item) for expected in self.expected):
                if self.negate:
                    return None
                return Match((f"{self.field} {_show(item)} is in {self.listed}",))
        if self.negate:
            return Match((f"{self.field} {_show(value)} is not in {self.listed}",))
        return None


class _Compare(_Leaf):
    __slots__ = ("bound", "compare", "sign")

    def __init__(self, field: str, op: str, bound: Any):
        super().__init__(field)
        self.bound = to_number(bound)
        self.compare = _COMPARISONS[op]
        self.sign = _COMPARISON_SIGNS[op]

    def test(self, value: Any) -> Match | None:
        number = to_number(value)
        if number is None or self.bound is None or not self.compare(number, self.bound):
            return None
        shown = f"{self.field} {_format_number(number)} {self.sign} {_format_number(self.bound)}"
        return Match((shown,))


class _Between(_Leaf):
    __slots__ = ("high", "low")

    def __init__(self, field: str, bounds: list[Any]):
        super().__init__(field)
        self.low, self.high = to_number(bounds[0]), to_number(bounds[1])

    def test(self, value: Any) -> Match | None:
        number = to_number(value)
        if number is None or self.low is None or self.high is None:
            return None
        if not self.low <= number <= self.high:
            return None
        return Match(
            (
                f"{self.field} {_format_number(number)} is between "
                f"{_format_number(self.low)} and {_format_number(self.high)}",
            )
        )


class _Presence(_Leaf):
    __slots__ = ("want_empty",)

    def __init__(self, field: str, want_empty: bool):
        super().__init__(field)
        self.want_empty = want_empty

    def test(self, value: Any) -> Match | None:
        empty = _is_empty(value)
        if empty != self.want_empty:
            return None
        if empty:
            return Match((f"{self.field} is empty",))
        return Match((f"{self.field} is {_show(value)}",))


class _HasFlag(_Leaf):
    __slots__ = ("code",)

    def __init__(self, field: str, code: str):
        super().__init__(field)
        self.code = code.strip()

    def test(self, value: Any) -> Match | None:
        if isinstance(value, Mapping):
            if self.code not in value:
                return None
            reason = value[self.code]
            if isinstance(reason, str) and reason.strip():
                return Match((f"flag {_quoted([self.code])}: {_squash(reason)[:120]}",))
            return Match((f"flag {_quoted([self.code])}",))
        if isinstance(value, list | tuple | set | frozenset) and self.code in value:
            return Match((f"flag {_quoted([self.code])}",))
        return None
