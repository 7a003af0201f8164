"""Description for the admin: one readable line per condition."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .operators import _quoted, _render_list, _render_value
from .spec import _COMPARISON_SIGNS, MAX_DEPTH


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
