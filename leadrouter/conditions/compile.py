"""Compiling a valid spec into a tree of `Condition` objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .description import describe
from .operators import (
    Condition,
    _All,
    _Any,
    _Between,
    _Compare,
    _ContainsAll,
    _ContainsAny,
    _Equals,
    _HasFlag,
    _In,
    _Not,
    _Presence,
    _Regex,
    _StartsWith,
)
from .spec import _COMPARISONS, PRESENCE_OPS, InvalidCondition
from .validation import validate


def _compile_leaf(spec: Mapping[str, Any]) -> Condition:
    op = spec["op"]
    field = spec.get("field", "flags")
    value: Any = spec.get("value")  # validated: the type its operator needs
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
