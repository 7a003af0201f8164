from typing import Any

from django import forms

from intake.models import Channel, Source
from intake.quality._states import US_STATE_CODES
from leadrouter.widgets import FieldKind, FieldSpec
from qualification.models import Tier, Urgency
from qualification.services.signals import CONDITION_FIELDS


class ReviewDecisionForm(forms.Form):
    request_type = forms.CharField(max_length=50, required=False)
    urgency = forms.ChoiceField(choices=Urgency.choices)
    tier = forms.ChoiceField(choices=Tier.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# How the condition builder offers each lead field a signal may test (CONDITION_FIELDS): its
# label, and the kind that decides its operators and value input. Choices are added per request.
_FIELD_KINDS: dict[str, tuple[str, str]] = {
    "message": ("Message", FieldKind.TEXT),
    "full_name": ("Full name", FieldKind.TEXT),
    "email": ("Email", FieldKind.TEXT),
    "phone": ("Phone", FieldKind.TEXT),
    "company": ("Company", FieldKind.TEXT),
    "company_domain": ("Company domain", FieldKind.TEXT),
    "postal_code": ("Postal code", FieldKind.TEXT),
    "city": ("City", FieldKind.TEXT),
    "state": ("State", FieldKind.CHOICE),
    "country": ("Country", FieldKind.TEXT),
    "time_zone": ("Time zone", FieldKind.TEXT),
    "source": ("Source", FieldKind.CHOICE),
    "channel": ("Channel", FieldKind.CHOICE),
    "request_type": ("Request type", FieldKind.TEXT),
    "utm_source": ("UTM source", FieldKind.TEXT),
    "utm_medium": ("UTM medium", FieldKind.TEXT),
    "utm_campaign": ("UTM campaign", FieldKind.TEXT),
    "landing_page": ("Landing page", FieldKind.TEXT),
    "email_kind": ("Email kind", FieldKind.CHOICE),
    "phone_type": ("Phone type", FieldKind.TEXT),
    "hour": ("Hour it arrived (lead's time, 0 to 23)", FieldKind.NUMBER),
    "weekday": ("Weekday it arrived", FieldKind.CHOICE),
    "touch_count": ("Times it came in", FieldKind.NUMBER),
    "flags": ("Flags", FieldKind.FLAGS),
}
_WEEKDAYS = [(1, "Monday"), (2, "Tuesday"), (3, "Wednesday"), (4, "Thursday"), (5, "Friday")]
_WEEKDAYS += [(6, "Saturday"), (7, "Sunday")]
# qualification.services.records.email_kind's answers.
_EMAIL_KINDS = [
    ("business", "business"),
    ("free", "free"),
    ("disposable", "disposable"),
    ("none", "none (missing or invalid)"),
]


def condition_fields() -> list[FieldSpec]:
    """The fields a signal's condition may test, with today's sources (one query) as choices."""
    sources = Source.objects.order_by("name").values_list("name", flat=True)
    choices: dict[str, list[tuple[Any, str]]] = {
        "state": [(code, code) for code in sorted(US_STATE_CODES)],
        "source": [(name, name) for name in sources],
        "channel": [(value, str(label)) for value, label in Channel.choices],
        "email_kind": list(_EMAIL_KINDS),
        "weekday": list(_WEEKDAYS),
    }
    fields = []
    for name in CONDITION_FIELDS:
        label, kind = _FIELD_KINDS[name]
        fields.append(FieldSpec(name, label, kind, choices.get(name, ())))
    return fields
