"""The condition language of signals: JSON rules that managers write in the admin.

A condition is a tree of plain JSON:

    {"all": [cond, ...]}   {"any": [cond, ...]}   {"not": cond}
    {"field": "message", "op": "contains_any", "value": ["lawyer", "attorney"]}

`validate(spec, allowed_fields)` lists every problem with its location (``all[1].op: ...``) so
the admin form can show them all at once. `compile_condition(spec)` turns a valid spec into a
tree of small objects with the expensive parts (keyword patterns, regexes, number parsing of
the expected values) prepared once, so that evaluating many signals per lead stays cheap.
`Condition.matches(lead_values)` answers a `Match` that explains in words what matched (shown
in the lead's reasons), or None. Evaluation never raises on lead data: a value of the wrong
type simply does not match.

Lead values are a mapping keyed by field name; attributes are a nested dict under
``"attributes"`` and flags a dict (code -> reason) under ``"flags"``. A path such as
``attributes.budget`` is first looked up as a flat key (``lead_values["attributes.budget"]``),
then by walking the nested mappings (``lead_values["attributes"]["budget"]``).

Text is compared folded: case-insensitive and without accents ("Urgência" equals "urgencia").
Keywords match whole words ("car" does not match "care") and a phrase matches across any run
of whitespace. Text operators read at most the first 10 000 characters of a value, which bounds
the cost of a signal whatever a lead sends.

Regexes run on RE2 (google-re2), whose time is linear in the text for any pattern: no lead
can make a signal slow, so patterns such as (a|a)*b are fine; backreferences and lookaround,
which only a backtracking engine can offer, are refused by validation. Matching ignores case
(``(?-i:...)`` turns it back on) and accents: the pattern runs on the text without its accents,
with accented letters in the pattern written plain too, because RE2's \\b, \\w, \\d and \\s know
only ASCII. Python's ``\\Z`` and ``{,n}`` keep their meaning (see `_re2_spelling`).

Numbers: JSON numbers, and text that reads as one number in the formats leads come in
("5000", "$5,000", "5,000.50", "5.000,50 €", "1 234,5", "1'234.50", "15%", "USD 5000",
"(1,200)"); see `qualification.ml.numbers` for the rules, shared with the conversion model. A
single dot then three digits is a decimal ("5.000" is 5) unless the value says euros ("€5.000"
is 5000). Long ids beyond 10^15 are not quantities: `equals`/`in` compare them digit for digit.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from qualification.ml.numbers import parse_number

TEXT_LIMIT = 10_000
MAX_DEPTH = 10
MAX_LEAVES = 200
MAX_REGEX_LENGTH = 300
MAX_WORDS = 500
MAX_WORD_LENGTH = 200
MAX_LIST = 1000

TEXT_OPS = ("contains_any", "contains_all", "regex", "starts_with")
VALUE_OPS = ("equals", "in", "not_in")
NUMBER_OPS = ("gt", "gte", "lt", "lte", "between")
PRESENCE_OPS = ("is_empty", "is_not_empty")
OPERATORS = (*TEXT_OPS, *VALUE_OPS, *NUMBER_OPS, *PRESENCE_OPS, "has_flag")

COMPOSITES = ("all", "any", "not")
LEAF_KEYS = ("field", "op", "value")

_COMPARISON_SIGNS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


class InvalidCondition(ValueError):
    """A spec that cannot be compiled; `problems` lists what `validate` found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Match:
    """What matched, in words: one part per leaf condition that took part in the match."""

    parts: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.parts)

    def __str__(self) -> str:
        return self.explanation


# ---------------------------------------------------------------------------------------------
# Values: folding text, reading numbers, finding a path in the lead.

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
    (`qualification.ml.numbers`), so a signal and the score never disagree about a value."""
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


# ---------------------------------------------------------------------------------------------
# Regexes: RE2, whose matching time is linear in the text whatever the pattern.
#
# A backtracking engine (Python's re) takes exponential time on patterns such as (a|a)*b, and no
# syntactic guard catches them all; RE2 has no backtracking, at the price of backreferences and
# lookaround, which validation refuses in plain words.

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.case_sensitive = False  # the pattern can turn it back on: (?-i:ABC)
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the manager, not to stderr

_OPEN_REPEAT = re.compile(r"\{,(\d*)\}")
_BACKREFERENCE = re.compile(r"\(\?P=[^)]*\)?")
_LOOKAROUND = {
    "(?=": "lookahead",
    "(?!": "lookahead",
    "(?<=": "lookbehind",
    "(?<!": "lookbehind",
}
_NO_BACKTRACKING = (
    "RE2 syntax has no backreferences or lookaround, which is what keeps every pattern fast "
    "on any text"
)


def _re2_spelling(pattern: str) -> str:
    """`pattern` with the Python spellings RE2 reads differently rewritten: ``\\Z`` (end of
    text) becomes ``\\z``, and ``{,n}`` (RE2: literal text) becomes ``{0,n}``. Signals saved
    before RE2 used Python's re, and must keep matching the same leads."""
    out: list[str] = []
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\" and pattern.startswith("\\Q", index):
            end = pattern.find("\\E", index + 2)
            end = length if end < 0 else end + 2
            out.append(pattern[index:end])  # quoted literal text
            index = end
            continue
        if char == "\\":
            escaped = pattern[index : index + 2]
            out.append("\\z" if escaped == "\\Z" and not in_class else escaped)
            index += 2
            continue
        if in_class:
            if pattern.startswith("[:", index) and (close := pattern.find(":]", index)) > 0:
                out.append(pattern[index : close + 2])  # [:alpha:]
                index = close + 2
                continue
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            # A ] right after [ or [^ is a literal, not the end of the class.
            for literal in ("^", "]"):
                if pattern.startswith(literal, index):
                    out.append(literal)
                    index += 1
            continue
        elif char == "{" and (repeat := _OPEN_REPEAT.match(pattern, index)):
            out.append(f"{{0,{repeat.group(1)}}}")
            index = repeat.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _deaccent_pattern(pattern: str) -> str:
    """`pattern` with accented letters written without their accent, to search de-accented
    text (`deaccent`).

    RE2's \\b and \\w know only ASCII letters: in "cafés" it sees a word boundary after "caf"
    and after "café". In the de-accented text "cafes" the pattern ``\\bcafe\\b`` sees words as
    Python's re did. Escaped characters are left alone, and so is a letter whose plain form is
    not a single letter ("æ").
    """
    out: list[str] = []
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if not char.isascii():
            plain = _deaccent_char(char)
            if len(plain) == 1 and plain.isalnum():
                char = plain
        out.append(char)
        index += 1
    return "".join(out)


def _re2_error(exc: Exception) -> str:
    message = exc.args[0] if exc.args else ""
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _regex_problem(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, in words (``regex: …``), or None when it can."""
    spelled = _re2_spelling(pattern)
    if "\\C" in spelled.replace("\\\\", ""):
        # RE2 compiles \C, but it matches one byte of a UTF-8 character, not a character.
        return "regex: \\C (any byte) is not supported; use . for any character"
    try:
        re2.compile(spelled, _RE2_OPTIONS)
    except UnicodeEncodeError:
        return "regex contains a character that is not valid text (a lone surrogate)"
    except re2.error as exc:
        error = _re2_error(exc)
        operator = error.removeprefix("invalid perl operator: ")
        reference = re.fullmatch(r"invalid escape sequence: (\\[1-9])", error)
        if reference or (operator == "(?P" and _BACKREFERENCE.search(pattern)):
            shown = reference[1] if reference else _BACKREFERENCE.search(pattern)[0]
            return f'regex: backreference "{shown}" is not supported ({_NO_BACKTRACKING})'
        if operator in _LOOKAROUND:
            kind = _LOOKAROUND[operator]
            return f'regex: {kind} "{operator}" is not supported ({_NO_BACKTRACKING})'
        if operator != error and re.fullmatch(r"\(\?[a-zA-Z]", operator):
            return (
                f'regex: "{operator}" is not supported (the flags are i, m, s and U, as in '
                "(?s) or (?-i:ABC); matching ignores case unless the pattern turns it back on)"
            )
        if operator != error:
            return f'regex: "{operator}" is not supported in RE2 syntax ({_NO_BACKTRACKING})'
        if error.startswith("pattern too large"):
            return "regex is too large to run: repeat less, e.g. \\w{100} rather than \\w{1000}"
        return f"regex does not compile: {error}"
    return None


def _compile_regex(pattern: str) -> Any:
    return re2.compile(_re2_spelling(pattern), _RE2_OPTIONS)


# What only the lead's own text can answer: letters that have no plain form, and classes or
# escapes that can name an accented letter ([^a-z], \p{L}, \x{e9}, octal \351); and patterns that
# turn case sensitivity back on, since de-accenting does not keep "É" apart from "E".
_READS_ACCENTS = re.compile(r"[^\x00-\x7f]|\[\^|\\[pPx0-7]|\(\?[imsU]*-")


def _re2_search(pattern: Any, text: str) -> Any:
    try:
        return pattern.search(text)
    except UnicodeEncodeError:  # RE2 reads UTF-8, which cannot hold a lone surrogate
        return pattern.search(text.encode("utf-8", "replace").decode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Validation.


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or (
        isinstance(value, int | float) and math.isfinite(value)
    )


def _number_value(value: Any) -> bool:
    return to_number(value) is not None


def _check_words(op: str, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: {op} needs a non-empty list of words")
        return
    if len(value) > MAX_WORDS:
        problems.append(f"{where}: {op} takes at most {MAX_WORDS} words (got {len(value)})")
        return
    for index, word in enumerate(value):
        if not isinstance(word, str) or not word.strip():
            problems.append(f"{where}[{index}]: each word must be non-empty text")
        elif len(word) > MAX_WORD_LENGTH:
            problems.append(f"{where}[{index}]: a word is at most {MAX_WORD_LENGTH} characters")


def _check_regex(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not value:
        problems.append(f"{where}: regex needs a pattern (text)")
        return
    if len(value) > MAX_REGEX_LENGTH:
        problems.append(
            f"{where}: regex pattern is {len(value)} characters (at most {MAX_REGEX_LENGTH})"
        )
        return
    problem = _regex_problem(value)
    if problem:
        problems.append(f"{where}: {problem}")


def _check_value(op: str, spec: Mapping[str, Any], where: str, problems: list[str]) -> None:
    has_value = "value" in spec
    value = spec.get("value")
    if op in ("contains_any", "contains_all"):
        _check_words(op, value, where, problems)
    elif op == "regex":
        _check_regex(value, where, problems)
    elif op == "starts_with":
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str) and item.strip() for item in items):
            problems.append(f"{where}: starts_with needs text or a non-empty list of texts")
    elif op == "equals":
        if value is None:
            problems.append(f"{where}: equals needs a value (use is_empty for a missing value)")
        elif not _scalar(value):
            problems.append(f"{where}: equals compares with text, a number or true/false")
    elif op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            problems.append(f"{where}: {op} needs a non-empty list of values")
        elif len(value) > MAX_LIST:
            problems.append(f"{where}: {op} takes at most {MAX_LIST} values (got {len(value)})")
        else:
            for index, item in enumerate(value):
                if not _scalar(item):
                    problems.append(f"{where}[{index}]: must be text, a number or true/false")
    elif op in _COMPARISONS:
        if not _number_value(value):
            beyond = _scalar(value) and not isinstance(value, bool | str)
            limit = " of at most 10^15 in size" if beyond else ""
            problems.append(f"{where}: {op} needs a number{limit} (got {_show(value)})")
    elif op == "between":
        bounds = [to_number(item) for item in value] if isinstance(value, list) else []
        low, high = [*bounds, None, None][:2]
        if len(bounds) != 2 or low is None or high is None:
            problems.append(f"{where}: between needs [low, high], two numbers")
        elif low > high:
            problems.append(f"{where}: between needs low ≤ high (got {value[0]} > {value[1]})")
    elif op in PRESENCE_OPS:
        if has_value and value is not None:
            problems.append(f"{where}: {op} takes no value")
    elif op == "has_flag" and (not isinstance(value, str) or not value.strip()):
        problems.append(f"{where}: has_flag needs a flag code (text)")


def _check_field(
    spec: Mapping[str, Any],
    op: Any,
    where: str,
    allowed_fields: Iterable[str] | None,
    problems: list[str],
) -> None:
    if "field" not in spec:
        if op != "has_flag":
            problems.append(f"{where}: missing (the lead field to test)")
        return
    field = spec["field"]
    if not isinstance(field, str) or not field.strip():
        problems.append(f"{where}: must be a field name (text)")
        return
    if field.startswith("attributes."):
        if not all(part.strip() for part in field.split(".")[1:]):
            problems.append(f'{where}: "{field}" needs an attribute name after each dot')
        return
    if allowed_fields is None:
        return
    allowed = sorted(set(allowed_fields))
    if field not in allowed:
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        problems.append(
            f'{where}: unknown field "{field}" ({hint}use one of {", ".join(allowed)} '
            "or attributes.<name>)"
        )


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


def _validate_node(
    spec: Any,
    location: str,
    depth: int,
    allowed_fields: Iterable[str] | None,
    problems: list[str],
    counter: list[int],
) -> None:
    here = location or "condition"
    if depth > MAX_DEPTH:
        if not counter[1]:
            counter[1] = 1  # once is enough: every branch below would say the same
            problems.append(f"{here}: nested deeper than {MAX_DEPTH} levels")
        return
    if not isinstance(spec, Mapping):
        problems.append(
            f'{here}: a condition is an object with "all", "any", "not" '
            'or "field", "op" and "value"'
        )
        return
    composites = [key for key in COMPOSITES if key in spec]
    if composites:
        if len(spec) != 1:
            others = ", ".join(f'"{key}"' for key in spec if key != composites[0])
            problems.append(f'{here}: "{composites[0]}" stands alone (remove {others})')
            return
        key = composites[0]
        children = spec[key]
        if key == "not":
            _validate_node(
                children, _join(location, "not"), depth + 1, allowed_fields, problems, counter
            )
            return
        if not isinstance(children, list) or not children:
            problems.append(f'{_join(location, key)}: "{key}" needs a non-empty list of conditions')
            return
        for index, child in enumerate(children):
            child_location = f"{location}.{key}[{index}]" if location else f"{key}[{index}]"
            _validate_node(child, child_location, depth + 1, allowed_fields, problems, counter)
        return

    counter[0] += 1
    unknown = [str(key) for key in spec if key not in LEAF_KEYS]
    if unknown:
        problems.append(
            f"{here}: unknown key {', '.join(json.dumps(k) for k in unknown)} "
            '(a condition has "all", "any", "not", or "field", "op" and "value")'
        )
    op = spec.get("op")
    _check_field(spec, op, _join(location, "field"), allowed_fields, problems)
    if "op" not in spec:
        problems.append(f"{_join(location, 'op')}: missing (use one of {', '.join(OPERATORS)})")
        return
    if not isinstance(op, str) or op not in OPERATORS:
        shown = op if isinstance(op, str) else json.dumps(op, default=str)
        problems.append(
            f'{_join(location, "op")}: unknown operator "{shown}" '
            f"(use one of {', '.join(OPERATORS)})"
        )
        return
    _check_value(op, spec, _join(location, "value"), problems)


def validate(spec: Any, allowed_fields: Iterable[str] | None = None) -> list[str]:
    """Every problem in `spec`, each prefixed with where it is; empty when the spec is valid.

    `allowed_fields` are the plain lead fields a condition may test (``attributes.<name>`` is
    always allowed); None skips that check.
    """
    if allowed_fields is not None:
        allowed_fields = frozenset(allowed_fields)
    problems: list[str] = []
    counter = [0, 0]  # leaves seen, depth problem reported
    _validate_node(spec, "", 1, allowed_fields, problems, counter)
    if counter[0] > MAX_LEAVES:
        problems.append(f"condition: {counter[0]} conditions (at most {MAX_LEAVES})")
    return problems


# ---------------------------------------------------------------------------------------------
# Compiled conditions.


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


def _compile_leaf(spec: Mapping[str, Any]) -> Condition:
    op = spec["op"]
    field = spec.get("field", "flags")
    value = spec.get("value")
    if op == "contains_any":
        return _ContainsAny(field, value)
    if op == "contains_all":
        return _ContainsAll(field, value)
    if op == "regex":
        return _Regex(field, value)
    if op == "starts_with":
        return _StartsWith(field, value)
    if op == "equals":
        return _Equals(field, value)
    if op in ("in", "not_in"):
        return _In(field, value, negate=op == "not_in")
    if op in _COMPARISONS:
        return _Compare(field, op, value)
    if op == "between":
        return _Between(field, value)
    if op in PRESENCE_OPS:
        return _Presence(field, want_empty=op == "is_empty")
    return _HasFlag(field, value)


def _compile(spec: Mapping[str, Any]) -> Condition:
    if "all" in spec:
        return _All([_compile(child) for child in spec["all"]])
    if "any" in spec:
        return _Any([_compile(child) for child in spec["any"]])
    if "not" in spec:
        return _Not(_compile(spec["not"]), describe(spec["not"]))
    return _compile_leaf(spec)


def compile_condition(spec: Any) -> Condition:
    """Prepare `spec` for fast evaluation; raises InvalidCondition when it is not valid.

    Field names are not checked against a list here (that is `validate`'s job, with the
    fields the caller knows): an unknown field simply never has a value.
    """
    problems = validate(spec)
    if problems:
        raise InvalidCondition(problems)
    return _compile(spec)


# ---------------------------------------------------------------------------------------------
# Description for the admin.


def _describe_leaf(spec: Mapping[str, Any]) -> str:
    op = spec.get("op")
    field = spec.get("field", "flags")
    value = spec.get("value")
    field_text = str(field)
    if op in ("contains_any", "contains_all") and isinstance(value, list):
        kind = "any" if op == "contains_any" else "all"
        words = [str(word) for word in value]
        shown = _quoted(words[:10]) + (f", … (+{len(words) - 10} more)" if len(words) > 10 else "")
        return f"{field_text} contains {kind} of {shown}"
    if op == "regex":
        return f"{field_text} matches /{value}/"
    if op == "starts_with":
        items = value if isinstance(value, list) else [value]
        return f"{field_text} starts with {_quoted(str(item) for item in items)}"
    if op == "equals":
        return f"{field_text} equals {_render_value(value)}"
    if op in ("in", "not_in") and isinstance(value, list):
        return f"{field_text} {'in' if op == 'in' else 'not in'} {_render_list(value)}"
    if op in _COMPARISON_SIGNS:
        return f"{field_text} {_COMPARISON_SIGNS[op]} {_render_value(value)}"
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return f"{field_text} between {_render_value(value[0])} and {_render_value(value[1])}"
    if op == "is_empty":
        return f"{field_text} is empty"
    if op == "is_not_empty":
        return f"{field_text} is not empty"
    if op == "has_flag":
        return f"has flag {_render_value(value)}"
    return json.dumps(dict(spec), ensure_ascii=False, default=str)


def _describe(spec: Any, depth: int) -> str:
    if depth > MAX_DEPTH + 1 or not isinstance(spec, Mapping):
        return json.dumps(spec, ensure_ascii=False, default=str)[:200]
    for key, joiner in (("all", " AND "), ("any", " OR ")):
        if key in spec and isinstance(spec[key], list):
            parts = []
            for child in spec[key]:
                text = _describe(child, depth + 1)
                nested = isinstance(child, Mapping) and ("all" in child or "any" in child)
                parts.append(f"({text})" if nested and len(spec[key]) > 1 else text)
            return joiner.join(parts)
    if "not" in spec:
        inner = spec["not"]
        text = _describe(inner, depth + 1)
        if isinstance(inner, Mapping) and ("all" in inner or "any" in inner):
            return f"NOT ({text})"
        return f"NOT {text}"
    return _describe_leaf(spec)


def describe(spec: Any) -> str:
    """One readable line for the admin list, e.g.
    ``message contains any of "lawyer", "attorney" AND state in TX, OK``. Never raises."""
    try:
        return _describe(spec, 1)
    except Exception:  # the admin list must render even a broken spec
        return json.dumps(spec, ensure_ascii=False, default=str)[:200]
