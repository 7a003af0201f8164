from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

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


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, [f"{name}: {message}" for message in messages])


class ReplayForm(forms.Form):
    """How many of the last routed leads the rule form's "Replay" button routes again."""

    # Not required: the box sits inside the rule form, and an empty one must not stop a save.
    leads = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=services.MAX_REPLAY_LEADS,
        initial=services.DEFAULT_REPLAY_LEADS,
        label="Leads to replay",
    )
    prefix = "replay"


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
            # Before the admin's own "<object_id>/…" patterns, which would take "add/replay/".
            path(
                "add/replay/",
                self.admin_site.admin_view(self.replay_view),
                name="routing_routingrule_replay_add",
            ),
            path(
                "<path:object_id>/replay/",
                self.admin_site.admin_view(self.replay_view),
                name="routing_routingrule_replay",
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

    def replay_view(self, request, object_id=None):
        """The rule form's "Replay" button: where the last leads would go with the form's
        values, shown above the same form, still unsaved, for the manager to save or discard.

        1. Only a POST (the button submits the rule form here), by someone who may change
           rules; anything else goes back to the form.
        2. Validate the rule form and the number of leads; errors are shown, nothing replayed.
        3. Replay (`routing_replay`: rolled back, nothing saved); an invalid edit's error goes
           on the form.
        4. Show the change form with the edited values; it still saves through the change view.
        """
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if object_id and obj is None:
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # the admin's own
                request, self.opts, object_id
            )
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form_url = (
            reverse("admin:routing_routingrule_change", args=[obj.pk])
            if obj
            else reverse("admin:routing_routingrule_add")
        )
        if request.method != "POST":
            return redirect(form_url)
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=obj is not None, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, request.FILES, instance=obj)
        replay_form = ReplayForm(request.POST)
        replay = None
        if all([form.is_valid(), replay_form.is_valid()]):  # both, to show both's errors
            edit = services.RuleEdit(rule=obj, values=dict(form.cleaned_data))
            leads = replay_form.cleaned_data["leads"] or services.DEFAULT_REPLAY_LEADS
            try:
                replay = services.routing_replay(rule_changes=[edit], leads=leads)
            except ValidationError as exc:
                _add_errors(form, exc)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),  # type: ignore[arg-type]  # the stubs type AdminForm's narrower than get_fieldsets()
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        title = "Change %s" if obj else "Add %s"
        context = {
            **self.admin_site.each_context(request),
            "title": title % self.opts.verbose_name,
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "replay": replay,
            "replay_form": replay_form,
        }
        if replay is not None:
            context["replay_tables"] = [
                ("Rep", replay.per_rep),
                ("Rule", replay.per_rule),
                ("Outcome", replay.per_outcome),
            ]
        return self.render_change_form(
            request, context, add=obj is None, change=obj is not None, form_url=form_url, obj=obj
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.setdefault("replay_form", ReplayForm())
        context["replay_url"] = (
            reverse("admin:routing_routingrule_replay", args=[obj.pk])
            if obj
            else reverse("admin:routing_routingrule_replay_add")
        )
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
