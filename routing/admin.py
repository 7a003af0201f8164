from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.urls import path

from intake.models import Channel, Lead, Source
from leadrouter.forms import JsonObjectField
from routing import services
from routing.models import (
    Assignment,
    Rep,
    RoutingDecision,
    RoutingRule,
    Skill,
    Team,
    Territory,
    TimeOff,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "time_zone"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "states", "zip_prefixes", "countries"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Rep)
class RepAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "team",
        "is_active",
        "paused",
        "weight",
        "max_open_leads",
        "max_new_per_day",
        "licensed_states",
        "time_zone",
    ]
    list_filter = ["team", "is_active", "paused"]
    list_editable = ["is_active", "paused", "weight"]
    filter_horizontal = ["skills", "territories"]
    inlines = [TimeOffInline]
    list_select_related = ["user", "team"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class SimulateLeadForm(forms.Form):
    """An existing lead by id, or a lead typed in field by field."""

    TYPED = (
        "full_name",
        "email",
        "phone",
        "company",
        "state",
        "postal_code",
        "channel",
        "request_type",
        "message",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "attributes",
    )

    lead = forms.IntegerField(
        required=False,
        min_value=1,
        label="Existing lead id",
        help_text="Routed as if it had just arrived. Leave empty to type a lead below.",
    )
    source = forms.ModelChoiceField(
        Source.objects.all(), required=False, empty_label="(the first source)"
    )
    full_name = forms.CharField(required=False)
    email = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    company = forms.CharField(required=False)
    state = forms.CharField(required=False, help_text="e.g. TX")
    postal_code = forms.CharField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", "(the source's)"), *Channel.choices])
    request_type = forms.CharField(required=False)
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    utm_source = forms.CharField(required=False)
    utm_medium = forms.CharField(required=False)
    utm_campaign = forms.CharField(required=False)
    attributes = JsonObjectField(help_text='A JSON object, e.g. {"budget": "7500"}')

    def lead_fields(self) -> dict:
        """The typed-in lead: the fields filled in."""
        fields = {name: self.cleaned_data[name] for name in self.TYPED if self.cleaned_data[name]}
        if fields and self.cleaned_data["source"]:
            fields["source"] = self.cleaned_data["source"].name
        return fields


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, [f"{name}: {message}" for message in messages])


REPLAY_SUBMIT = "_replay"
REPLAY_LEADS = "_replay_leads"


def _replay_form(form_class: type[forms.ModelForm], request) -> type[forms.ModelForm]:
    """The rule's form that replays instead of saving (the "Replay" button).

    The admin saves whatever form is valid; this one validates, replays the last leads with
    its values, keeps the result on the request for the page, and then answers "not valid" so
    the admin shows the edited form again, unsaved, for the manager to save or discard.
    """

    class ReplayRuleForm(form_class):  # type: ignore[misc, valid-type]  # the admin's own form
        def is_valid(self) -> bool:
            if not super().is_valid():
                return False
            try:
                leads = int(request.POST.get(REPLAY_LEADS) or services.DEFAULT_REPLAY_LEADS)
                edit = services.RuleEdit(
                    rule=self.instance if self.instance.pk else None,
                    values=dict(self.cleaned_data),
                )
                request.routing_replay = services.routing_replay(rule_changes=[edit], leads=leads)
            except ValueError:
                self.add_error(None, "Give the number of leads to replay.")
            except ValidationError as exc:
                self.add_error(None, exc.messages)
            return False

    return ReplayRuleForm


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "is_active", "method", "pool_team", "fallback"]
    list_editable = ["order", "is_active"]
    filter_horizontal = ["pool_reps", "required_skills"]

    def get_urls(self):
        return [
            path(
                "simulate/",
                self.admin_site.admin_view(self.simulate_view),
                name="routing_routingrule_simulate",
            ),
            *super().get_urls(),
        ]

    def simulate_view(self, request):
        """Where would a lead go now? The live decision, with nothing assigned or recorded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SimulateLeadForm(request.POST if request.method == "POST" else None)
        decision = None
        if request.method == "POST" and form.is_valid():
            lead_id, typed = form.cleaned_data["lead"], form.lead_fields()
            lead = Lead.objects.filter(pk=lead_id).first() if lead_id else None
            if lead_id and lead is None:
                form.add_error("lead", "No lead has this id.")
            elif lead is None and not typed:
                form.add_error(None, "Give a lead id or type a lead.")
            else:
                try:
                    decision = services.routing_simulate(
                        lead=lead, lead_fields=None if lead else typed
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": "Simulate a lead",
            "opts": self.model._meta,
            "form": form,
            "decision": decision,
        }
        return TemplateResponse(request, "admin/routing/routingrule/simulate.html", context)

    def _replaying(self, request) -> bool:
        return request.method == "POST" and REPLAY_SUBMIT in request.POST

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if self._replaying(request) and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        return _replay_form(form_class, request) if self._replaying(request) else form_class

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        replay = context["replay"] = getattr(request, "routing_replay", None)
        if replay is not None:
            context["replay_tables"] = [
                ("Rep", replay.per_rep),
                ("Rule", replay.per_rule),
                ("Outcome", replay.per_outcome),
            ]
        context["replay_leads"] = request.POST.get(REPLAY_LEADS) or services.DEFAULT_REPLAY_LEADS
        context["replay_max"] = services.MAX_REPLAY_LEADS
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "lead",
        "rep",
        "user",
        "queue_team",
        "reason",
        "rule",
        "assigned_at",
        "ended_at",
    ]
    list_filter = ["reason", "rule", "queue_team"]
    list_select_related = ["lead", "rep__user", "user", "queue_team", "rule"]
    readonly_fields = [field.name for field in Assignment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ["lead", "outcome", "rule", "rep", "duration_ms", "created_at"]
    list_filter = ["outcome", "rule"]
    list_select_related = ["lead", "rule", "rep__user"]
    readonly_fields = [field.name for field in RoutingDecision._meta.fields]

    def has_add_permission(self, request):
        return False
