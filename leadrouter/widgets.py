"""The condition builder: a form widget that edits a condition's JSON with rows of field /
operator / value, nested "all of" / "any of" groups and a readable sentence.

The JSON stays the value: the widget renders the usual textarea (hidden behind "Show JSON")
and the script in ``static/leadrouter/condition_builder.js`` rewrites it on every change, so
the form field, the model's validation and its error messages are exactly those of a plain
JSON textarea. Without JavaScript the textarea is simply shown.

Like the condition language, this module imports no app: each admin passes the fields its
conditions may test as `FieldSpec`s, with the choices it knows (states, sources, tiers…).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from leadrouter.conditions import describe


class FieldKind:
    """What a field holds, which decides its operators and its value input in the builder."""

    TEXT = "text"  # free text: keyword, pattern, prefix, equality and list operators
    CHOICE = "choice"  # one of known values: a select (equals) or a multi-select (in, not in)
    NUMBER = "number"  # numbers: comparisons, between, equality
    LIST = "list"  # a list of words such as tags: in (any of them), not in
    FLAGS = "flags"  # the lead's quality flags: has flag


KINDS = (FieldKind.TEXT, FieldKind.CHOICE, FieldKind.NUMBER, FieldKind.LIST, FieldKind.FLAGS)


@dataclass(frozen=True)
class FieldSpec:
    """One field a condition may test, as the builder offers it."""

    name: str
    label: str
    kind: str = FieldKind.TEXT
    choices: Sequence[tuple[Any, str]] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} (use one of {', '.join(KINDS)})")

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "choices": [[value, str(label)] for value, label in self.choices],
        }


def _sentence(value: Any, empty_text: str) -> str:
    """The condition in words (`describe`); `empty_text` for none; nothing for broken JSON,
    whose problem the form's error already names."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except json.JSONDecodeError:
            return ""
    return empty_text if value in ({}, None) else describe(value)


class ConditionBuilderWidget(forms.Textarea):
    """A condition's JSON textarea with the builder on top of it (see the module docstring).

    `fields` are what the builder offers; a condition naming another field (an attribute, an
    old name) still shows in the builder as typed, and the form's validation names the problem.
    """

    template_name = "leadrouter/widgets/condition_builder.html"

    class Media:
        css = {"all": ["leadrouter/condition_builder.css"]}
        js = ["leadrouter/condition_builder.js"]

    def __init__(
        self,
        fields: Iterable[FieldSpec],
        *,
        empty_text: str = "No condition yet.",
        attrs: dict[str, Any] | None = None,
    ):
        super().__init__(attrs={"rows": 6, "cols": 80, **(attrs or {})})
        self.fields = list(fields)
        # What an empty condition ({}) means where the widget is used ("Every lead." for rules).
        self.empty_text = empty_text

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["builder"] = {
            "fields": [field.as_json() for field in self.fields],
            "fields_id": f"{context['widget']['attrs'].get('id') or name}-fields",
            # The sentence as the server reads it, shown before the script runs and after save.
            "sentence": _sentence(value, self.empty_text),
            "empty_text": self.empty_text,
        }
        return context
