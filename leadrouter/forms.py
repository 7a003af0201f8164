"""Form fields the apps' admin pages share."""

import json

from django import forms

_KINDS = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}


class JsonObjectField(forms.CharField):
    """Text typed as a JSON object: cleans to a dict, or None when left blank.

    Errors say what is wrong in plain words: where the JSON breaks, or what was given instead
    of an object.
    """

    def __init__(self, *, not_object_message: str = "Give a JSON object.", **kwargs):
        self.not_object_message = not_object_message
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
                code="invalid",
            ) from None
        if not isinstance(parsed, dict):
            kind = _KINDS.get(type(parsed), "a number")
            raise forms.ValidationError(
                f"{self.not_object_message} This is {kind}.", code="not_object"
            )
        return parsed

    def prepare_value(self, value):
        # A re-displayed form shows the object as JSON, not as a Python dict.
        return json.dumps(value) if isinstance(value, dict) else value
