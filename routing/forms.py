"""The forms of the lead page and the manager board. They only parse input: the rules (what a
status needs, who may take a lead) live in `routing.services.work`."""

from typing import cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from intake.models import LostReason
from leadrouter.forms import (
    LanguageMultipleChoiceField,
    StateMultipleChoiceField,
    TimeZoneField,
    WeeklyHoursField,
)
from leadrouter.widgets import FieldKind, FieldSpec
from qualification.forms import condition_fields
from qualification.models import Tier, Urgency
from routing.availability import next_local_time
from routing.models import Activity, Rep, Team, Territory
from routing.services.work import SETTABLE_STATUSES


class LeadActionForm(forms.Form):
    """Several of these share the lead page: each form's ids start with its own prefix
    (field names stay plain)."""

    id_prefix = "lead"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed in the viewer's zone (`zone`), whatever zone the server runs in.

    Django refuses a time that does not exist or happens twice there (a DST change)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *, zone: ZoneInfo | None = None, **kwargs):
        super().__init__(**kwargs)
        self.zone = zone or timezone.get_default_timezone()

    def to_python(self, value):
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(self.zone):
            return super().prepare_value(value)


def _in_zone(form: LeadActionForm, name: str, zone: ZoneInfo, label: str) -> None:
    """Read the form's time field `name` in the viewer's zone, and say so on its label; its
    help text is the element `<prefix>_<name>_help`."""
    field = cast(ZonedDateTimeField, form.fields[name])
    field.zone = zone
    field.label = f"{label} ({zone.key} time)"
    field.widget.attrs["aria-describedby"] = f"{form.id_prefix}_{name}_help"


class ActivityForm(LeadActionForm):
    id_prefix = "activity"
    kind = forms.ChoiceField(choices=Activity.Kind.choices)
    outcome = forms.ChoiceField(choices=Activity.Outcome.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    callback_at = ZonedDateTimeField(
        required=False,
        help_text="Optional: the time the customer agreed to; the SLA clock waits until then.",
    )

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        _in_zone(self, "callback_at", zone, "Call back at")


# The outcomes of a phone call the lead page logs in one tap (a call, no note): the ones a rep
# has right after hanging up. Anything else (a note, a call-back time) takes the full form.
QUICK_CALL_OUTCOMES = [
    (outcome.value, outcome.label)
    for outcome in (
        Activity.Outcome.REACHED,
        Activity.Outcome.NO_ANSWER,
        Activity.Outcome.LEFT_VOICEMAIL,
        Activity.Outcome.WRONG_NUMBER,
    )
]


class WaitForm(LeadActionForm):
    """The lead waits on the customer; the SLA clock pauses (unless its policy says not)."""

    id_prefix = "wait"
    until = ZonedDateTimeField(
        required=False,
        help_text="Optional: when the SLA clock resumes anyway. Without it, it resumes when "
        "the customer inquires again or you log a contact.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        _in_zone(self, "until", zone, "Resume at")


class StatusForm(LeadActionForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in SETTABLE_STATUSES])
    value = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, label="Deal value (won)"
    )
    lost_reason = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *LostReason.choices],
        label="Lost because",
        help_text="Lost: pick the reason; recycling rules may give the lead another try.",
    )
    reason = forms.CharField(required=False, max_length=200, label="Reason (lost, disqualified)")


class NoteForm(LeadActionForm):
    id_prefix = "note"
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note")


class HandBackForm(LeadActionForm):
    id_prefix = "hand_back"
    reason = forms.CharField(max_length=250, label="Why you hand it back")


class AssignForm(LeadActionForm):
    """One select of "rep:<id>" and "team:<id>" choices: the reps and queues the manager may
    use (given by the view from `routing.selectors.assign_targets`)."""

    id_prefix = "assign"

    target = forms.ChoiceField(label="Give to")
    note = forms.CharField(required=False, max_length=250)

    def __init__(self, *args, reps: list[Rep], teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self.reps = {str(rep.pk): rep for rep in reps}
        self.teams = {str(team.pk): team for team in teams}
        cast(forms.ChoiceField, self.fields["target"]).choices = assign_choices(reps, teams)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        kind, _, pk = data.get("target", "").partition(":")
        data["rep"] = self.reps.get(pk) if kind == "rep" else None
        data["team"] = self.teams.get(pk) if kind == "team" else None
        return data


def assign_groups(reps: list[Rep], teams: list[Team]) -> list:
    """[(group, [(value, label), …]), …]: the reps, then the team queues."""
    return [
        ("Reps", [(f"rep:{rep.pk}", f"{rep} ({rep.team})") for rep in reps]),
        ("Team queues", [(f"team:{team.pk}", f"{team} queue") for team in teams]),
    ]


def assign_choices(reps: list[Rep], teams: list[Team]) -> list:
    return [("", "—"), *assign_groups(reps, teams)]


class ReceivingForm(forms.Form):
    """The queue page's "Receiving leads" switch: on, or off with an optional time to come
    back ("back at 14:00", the next time the clock reads it in the rep's zone)."""

    receiving = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on"
    )
    back_at = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Optional: receiving starts again by itself then (today, or tomorrow if that "
        "time has passed).",
    )

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        kwargs.setdefault("auto_id", "receiving_%s")
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["back_at"].label = f"Back at ({zone.key} time)"

    def clean(self):
        super().clean()
        data = self.cleaned_data
        data["until"] = None
        if data.get("receiving") is False and data.get("back_at") is not None:
            try:
                data["until"] = next_local_time(data["back_at"], self.zone, timezone.now())
            except ValueError as exc:
                self.add_error("back_at", str(exc))
        return data


def rule_condition_fields() -> list[FieldSpec]:
    """The fields a routing rule's condition may test (ROUTING_FIELDS): a signal's, then the
    lead's qualification."""
    return [
        *condition_fields(),
        FieldSpec("score", "Score (0 to 100)", FieldKind.NUMBER),
        FieldSpec("tier", "Tier", FieldKind.CHOICE, Tier.choices),
        FieldSpec("urgency", "Urgency", FieldKind.CHOICE, Urgency.choices),
        FieldSpec("confidence", "Confidence (0 to 1)", FieldKind.NUMBER),
        FieldSpec("tags", "Tags", FieldKind.LIST),
    ]


# --- The admin's pickers for reps, territories, teams and calendars. ---

PICKER_MEDIA = forms.Media(css={"all": ["leadrouter/admin_pickers.css"]})


class RepForm(forms.ModelForm):
    """A rep's licences, languages, time zone and hours as pickers, never typed JSON."""

    licensed_states = StateMultipleChoiceField(
        help_text=Rep._meta.get_field("licensed_states").help_text.split(", e.g.")[0] + "."
    )
    languages = LanguageMultipleChoiceField(help_text="The languages the rep sells in.")
    time_zone = TimeZoneField(help_text="Working hours are read in this zone.")
    working_hours = WeeklyHoursField(
        help_text="In the rep's time zone. No hours at all: always working."
    )

    class Meta:
        model = Rep
        fields = [
            "user",
            "team",
            "is_active",
            "paused",
            "paused_until",
            "weight",
            "max_open_leads",
            "max_new_per_day",
            "skills",
            "languages",
            "licensed_states",
            "territories",
            "time_zone",
            "working_hours",
            "phone",
            "notify_webhook_url",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(LanguageMultipleChoiceField, self.fields["languages"]).keep_codes(
            self.instance.languages
        )

    @property
    def media(self):
        return super().media + PICKER_MEDIA


class TerritoryForm(forms.ModelForm):
    states = StateMultipleChoiceField(help_text="Leads from these states match.")

    class Meta:
        model = Territory
        fields = ["name", "states", "zip_prefixes", "zip_ranges", "countries"]

    @property
    def media(self):
        return super().media + PICKER_MEDIA


class TeamForm(forms.ModelForm):
    time_zone = TimeZoneField(initial="America/Chicago")

    class Meta:
        model = Team
        fields = [
            "name",
            "manager",
            "time_zone",
            "notify_webhook_url",
            "calendar",
            "one_rotation_for_team",
            "reps_may_claim_queue",
        ]


class NewRepForm(forms.Form):
    """ "Add a rep": a new person's name and e-mail with their rep settings; the account is
    created with them and they choose their own password."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="They receive a link here to choose their password.")
    team = forms.ModelChoiceField(Team.objects.none())
    licensed_states = StateMultipleChoiceField(help_text="States the rep is licensed in.")
    languages = LanguageMultipleChoiceField(initial=["en"])
    time_zone = TimeZoneField(initial="America/Chicago")
    working_hours = WeeklyHoursField(
        help_text="In the rep's time zone. No hours at all: always working."
    )

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams

    @property
    def media(self):
        return super().media + PICKER_MEDIA
