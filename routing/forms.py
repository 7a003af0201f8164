"""The forms of the lead page and the manager board. They only parse input: the rules (what a
status needs, who may take a lead) live in `routing.services.work`."""

from typing import cast

from django import forms

from routing.models import Activity, Rep, Team
from routing.services.work import SETTABLE_STATUSES


class LeadActionForm(forms.Form):
    """Several of these share the lead page: each form's ids start with its own prefix
    (field names stay plain)."""

    id_prefix = "lead"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ActivityForm(LeadActionForm):
    id_prefix = "activity"
    kind = forms.ChoiceField(choices=Activity.Kind.choices)
    outcome = forms.ChoiceField(choices=Activity.Outcome.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(LeadActionForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in SETTABLE_STATUSES])
    value = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, label="Deal value (won)"
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
