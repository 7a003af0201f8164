"""Validation: every problem in a spec, each with where it is, for the admin form."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .regex import _regex_problem
from .spec import (
    _COMPARISONS,
    COMPOSITES,
    LEAF_KEYS,
    MAX_DEPTH,
    MAX_LEAVES,
    MAX_LIST,
    MAX_REGEX_LENGTH,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    OPERATORS,
    PRESENCE_OPS,
)
from .values import _show, to_number


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
    value: Any = spec.get("value")
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
