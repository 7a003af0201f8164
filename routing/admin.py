from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

from intake.models import Channel, Lead, LostReason, Source
from leadrouter.forms import JsonObjectField, TimeZoneField
from leadrouter.widgets import ConditionBuilderWidget
from qualification.admin import QualifiedLeadAdmin
from routing import selectors, services
from routing.business_time import is_open, next_opening
from routing.forms import (
    NewRepForm,
    RepForm,
    TeamForm,
    TerritoryForm,
    rule_condition_fields,
)
from routing.models import (
    Assignment,
    AvailabilityChange,
    BusinessCalendar,
    CalendarClosure,
    HeldLead,
    LicenceRequirement,
    OpeningHours,
    PhoneCall,
    RecyclingRule,
    Rep,
    RoutingDecision,
    RoutingRule,
    Skill,
    SlaPolicy,
    SlaStep,
    SlaStepRecord,
    SlaTarget,
    Team,
    Territory,
    TimeOff,
    holiday_countries,
    holiday_subdivisions,
    validate_opening_hours,
)

# Webhook addresses typed without a scheme are read as https.
HTTPS_URLS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = [
        "name",
        "manager",
        "time_zone",
        "calendar",
        "one_rotation_for_team",
        "reps_may_claim_queue",
    ]
    list_select_related = ["manager", "calendar"]
    formfield_overrides = HTTPS_URLS


# Opening and closing times as the browser's own time picker, in hours and minutes.
TIME_PICKER = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """The calendar's week as a whole: no overlapping intervals on a weekday, and at least one
    interval unless it is open 24/7 (the calendar form has already set `always_open`)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # a row's own error first; the week is checked once every row is valid
        intervals = [
            (form.cleaned_data["weekday"], form.cleaned_data["opens"], form.cleaned_data["closes"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        validate_opening_hours(always_open=self.instance.always_open, intervals=intervals)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    formfield_overrides = {models.TimeField: TIME_PICKER}

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 1  # a new calendar starts with one row to fill in


class CalendarClosureInline(admin.TabularInline):
    model = CalendarClosure
    extra = 0
    formfield_overrides = {models.TimeField: TIME_PICKER}


def subdivision_choices() -> list:
    """Every country's states or regions with holidays of their own, grouped by country; a
    choice's value is "US-TX" (ISO 3166-2) so that the same code in two countries stays apart."""
    groups: list = [("", "(none: the country's holidays only)")]
    for country, name in holiday_countries().items():
        subdivisions = holiday_subdivisions(country)
        if subdivisions:
            groups.append(
                (
                    f"{name} ({country})",
                    [
                        (f"{country}-{code}", f"{label} ({code})")
                        for code, label in subdivisions.items()
                    ],
                )
            )
    return groups


class BusinessCalendarForm(forms.ModelForm):
    time_zone = TimeZoneField(initial="America/Chicago")
    holiday_subdivision = forms.ChoiceField(
        label="State or region",
        required=False,
        choices=subdivision_choices,
        help_text=BusinessCalendar._meta.get_field("holiday_subdivision").help_text,
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "always_open", "holiday_country", "holiday_subdivision"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.holiday_subdivision:
            self.initial["holiday_subdivision"] = (
                f"{self.instance.holiday_country}-{self.instance.holiday_subdivision}"
            )

    def clean_holiday_subdivision(self) -> str:
        """ "US-TX" → "TX", once it is sure to be the chosen country's."""
        chosen = self.cleaned_data["holiday_subdivision"]
        if not chosen:
            return ""
        country, _, code = chosen.partition("-")
        if country != self.cleaned_data.get("holiday_country"):
            name = holiday_countries().get(country, country)
            raise ValidationError(
                f"{holiday_subdivisions(country).get(code, code)} is in {name}: choose the "
                "same country above, or a state or region of the country chosen."
            )
        return code


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "time_zone", "always_open", "holiday_country", "holiday_subdivision"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, CalendarClosureInline]
    readonly_fields = ["open_now"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone", "open_now"]}),
        ("Opening", {"fields": ["always_open"]}),
        ("Public holidays", {"fields": ["holiday_country", "holiday_subdivision"]}),
    ]

    @admin.display(description="Open now")
    def open_now(self, calendar: BusinessCalendar) -> str:
        """Whether the saved calendar is open now, and if not when it opens next."""
        if calendar.pk is None:
            return "Shown once the calendar is saved."
        spec = selectors.calendar_spec(calendar)
        now = timezone.now()
        if is_open(spec, now):
            return "Yes, open now."
        try:
            opening = next_opening(spec, now).astimezone(spec.zone)
        except ValueError:
            return "No, and it does not open in the next year: give it opening hours."
        return (
            f"No. Next opening: {opening:%a %d %b %Y %H:%M} {opening.tzname()} "
            f"({calendar.time_zone}), in {timeuntil(opening, now)}."
        )


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    form = TerritoryForm
    list_display = ["name", "states", "zip_prefixes", "countries"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Rep)
class RepAdmin(admin.ModelAdmin):
    form = RepForm
    list_display = [
        "__str__",
        "team",
        "is_active",
        "paused",
        "paused_until",
        "weight",
        "max_open_leads",
        "max_new_per_day",
        "licensed_states",
        "time_zone",
    ]
    list_filter = ["team", "is_active", "paused"]
    # Also what the SLA policy's on-call rep picker searches.
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_editable = ["is_active", "paused", "weight"]
    filter_horizontal = ["skills", "territories"]
    inlines = [TimeOffInline]
    list_select_related = ["user", "team"]
    formfield_overrides = HTTPS_URLS

    def get_urls(self):
        return [
            path(
                "new-person/",
                self.admin_site.admin_view(self.add_person_view),
                name="routing_rep_add_person",
            ),
            *super().get_urls(),
        ]

    def add_person_view(self, request):
        """ "Add a rep": a new person's account and rep in one form, for anyone who may add
        reps (a manager, not only a superuser); they get an e-mail to choose a password."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        teams = selectors.teams_for_new_reps(user=request.user)
        form = NewRepForm(request.POST or None, teams=teams)
        if request.method == "POST" and form.is_valid():
            try:
                rep = services.rep_create_with_user(
                    **form.cleaned_data, site_url=request.build_absolute_uri("/")
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                self.log_addition(request, rep, [{"added": {}}])
                self.message_user(
                    request,
                    f"{rep} is a rep of {rep.team} (username {rep.user.get_username()}). "
                    f"An e-mail to {rep.user.email} lets them choose a password.",
                )
                if self.has_change_permission(request, rep):
                    return redirect("admin:routing_rep_change", rep.pk)
                return redirect("admin:routing_rep_changelist")
        admin_form = helpers.AdminForm(
            form,  # type: ignore[arg-type]  # the stubs want a ModelForm; any form renders
            [(None, {"fields": list(form.fields)})],
            {},
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a rep",
            "subtitle": "A new person: their account and their rep settings",
            "opts": self.model._meta,
            "adminform": admin_form,
            "form": form,
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]  # as above
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/routing/rep/add_person.html", context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A pause set here is a change of availability like the rep's own switch: reports
        # count it (`AvailabilityChange`).
        if change and {"paused", "paused_until"} & set(form.changed_data):
            services.availability_change_record(rep=obj, by_user=request.user)


@admin.register(PhoneCall)
class PhoneCallAdmin(admin.ModelAdmin):
    """Calls as Twilio reported them: read only (each row is moved by Twilio's callbacks)."""

    list_display = ["started_at", "lead", "direction", "state", "rep", "answered_by", "ended_at"]
    list_filter = ["direction", "state", "source"]
    list_select_related = ["lead", "rep__user", "answered_by__user"]
    search_fields = ["call_sid", "lead__phone_e164", "lead__full_name"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AvailabilityChange)
class AvailabilityChangeAdmin(admin.ModelAdmin):
    list_display = ["rep", "receiving", "until", "at", "by"]
    list_filter = ["receiving", "rep__team"]
    list_select_related = ["rep__user", "by"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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


class LicenceRequirementForm(forms.ModelForm):
    """The licence setting in plain words: which leads, and for "some", a tick per request
    type the installation knows plus any other typed in."""

    request_types = forms.MultipleChoiceField(
        label="Request types that need a licence",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The request type qualification judged, else the one the lead arrived with; "
        "compared without case.",
    )
    other_request_types = forms.CharField(
        label="Other request types",
        required=False,
        help_text="Not listed above yet: names separated by commas, e.g. quote, refinance.",
    )

    class Meta:
        model = LicenceRequirement
        fields = ["applies_to", "request_types"]
        widgets = {"applies_to": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = list(self.instance.request_types or [])
        known = selectors.known_request_types()
        folded = {name.casefold() for name in known}
        names = known + [name for name in saved if name.casefold() not in folded]
        choices = cast(forms.MultipleChoiceField, self.fields["request_types"])
        choices.choices = [(name, name) for name in names]
        self.initial["request_types"] = saved

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        names: list[str] = []
        typed = (cleaned.get("other_request_types") or "").split(",")
        for name in [*(cleaned.get("request_types") or []), *typed]:
            name = name.strip()
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
        # The ticks and the typed names, one list; the model's `clean()` checks it.
        cleaned["request_types"] = names
        return cleaned


@admin.register(LicenceRequirement)
class LicenceRequirementAdmin(admin.ModelAdmin):
    """One row: which leads only a rep licensed in their state may hold (never a rule's
    option)."""

    form = LicenceRequirementForm
    fields = ["applies_to", "request_types", "other_request_types"]

    def has_add_permission(self, request):
        return not LicenceRequirement.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row of settings: the list is just a way to it.
        row, _ = LicenceRequirement.objects.get_or_create(pk=1)
        return redirect("admin:routing_licencerequirement_change", row.pk)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "is_active",
        "method",
        "pool_team",
        "rotation",
        "after_hours",
        "fallback",
    ]
    list_editable = ["order", "is_active"]
    list_select_related = ["pool_team"]
    filter_horizontal = ["pool_reps", "required_skills"]
    readonly_fields = ["rotation"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The condition is edited with the builder; its fields' choices (sources) are read
        # per request. The JSON, its validation and its errors stay the model's.
        if db_field.name == "condition":
            kwargs["widget"] = ConditionBuilderWidget(
                rule_condition_fields(), empty_text="Every lead (no condition)."
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="rotation")
    def rotation(self, rule: RoutingRule) -> str:
        """Per rule by default; the pool team's "one rotation for the whole team" shares it."""
        return selectors.rule_rotation_in_force(rule)

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


class SlaStepRecordInline(admin.TabularInline):
    """What the SLA sweep did on this assignment's clock (written by the sweep only)."""

    model = SlaStepRecord
    fields = readonly_fields = ("order", "kind", "due_at", "done_at", "outcome", "detail")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
        "sla_state",
        "sla_due_at",
    ]
    list_filter = ["reason", "sla_state", "pinned", "rule", "queue_team"]
    list_select_related = ["lead", "rep__user", "user", "queue_team", "rule"]
    readonly_fields = [field.name for field in Assignment._meta.fields]
    inlines = [SlaStepRecordInline]

    def has_add_permission(self, request):
        return False


@admin.register(HeldLead)
class HeldLeadAdmin(admin.ModelAdmin):
    """Leads held until their opening, and the holds that ended: read-only (the engine holds,
    the sweep `routing.tasks.release_held_leads` releases)."""

    list_display = ["lead", "rule", "team", "held_at", "hold_until", "urgency_rank", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter), "team", "rule"]
    list_select_related = ["lead", "rule", "team"]
    readonly_fields = [field.name for field in HeldLead._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ["lead", "outcome", "rule", "rep", "duration_ms", "created_at"]
    list_filter = ["outcome", "rule"]
    list_select_related = ["lead", "rule", "rep__user"]
    readonly_fields = [field.name for field in RoutingDecision._meta.fields]

    def has_add_permission(self, request):
        return False


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 1


class SlaStepInline(admin.TabularInline):
    """The ladder, in order; each step at a share of the target or a fixed offset
    (`SlaStep.clean`)."""

    model = SlaStep
    extra = 1


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "rule", "team", "source", "channel", "calendar"]
    list_filter = ["is_default", "worked_by"]
    list_select_related = ["rule", "team", "source", "calendar"]
    search_fields = ["name"]
    autocomplete_fields = ["calendar", "on_call_rep"]
    inlines = [SlaTargetInline, SlaStepInline]
    fieldsets = [
        (None, {"fields": ["name", "calendar", "worked_by", "pause_while_waiting_on_customer"]}),
        (
            "Which leads (the most specific policy wins: rule, team, source, channel, default)",
            {"fields": ["is_default", "rule", "team", "source", "channel"]},
        ),
        ("Escalation", {"fields": ["escalate_after_reassignments", "escalate_to"]}),
        ("After hours", {"fields": ["after_hours_urgent", "on_call_rep"]}),
    ]


class RecyclingRuleForm(forms.ModelForm):
    """The lost reasons as ticks from the list, never typed JSON."""

    lost_reasons = forms.TypedMultipleChoiceField(
        choices=LostReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=RecyclingRule._meta.get_field("lost_reasons").help_text,
    )

    class Meta:
        model = RecyclingRule
        fields = [
            "name",
            "order",
            "is_active",
            "kind",
            "business_days",
            "days",
            "lost_reasons",
            "team",
            "target",
            "target_rule",
            "target_team",
            "exclude_previous_owner",
            "max_recycles",
        ]


@admin.register(RecyclingRule)
class RecyclingRuleAdmin(admin.ModelAdmin):
    form = RecyclingRuleForm
    list_display = ["name", "order", "is_active", "when", "sends_to", "max_recycles"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "kind", "target"]
    list_select_related = ["team", "target_rule", "target_team"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "order", "is_active"]}),
        (
            "Which leads",
            {
                "fields": ["kind", "business_days", "days", "lost_reasons", "team"],
                "description": "Open and not worked: counted in whole business days of the "
                "owner's team calendar, from the last contact attempt, status change or "
                "assignment. Lost: counted in days since the lead was lost.",
            },
        ),
        (
            "Where they go",
            {"fields": ["target", "target_rule", "target_team", "exclude_previous_owner"]},
        ),
        ("How often", {"fields": ["max_recycles"]}),
    ]

    @admin.display(description="Recycles leads")
    def when(self, rule: RecyclingRule) -> str:
        team = f" ({rule.team})" if rule.team else ""
        if rule.kind == RecyclingRule.Kind.NOT_WORKED:
            return f"open, not worked for {rule.business_days} business day(s){team}"
        return f"lost ({rule.lost_reason_labels()}) {rule.days} day(s) ago{team}"

    @admin.display(description="Sends them to")
    def sends_to(self, rule: RecyclingRule) -> str:
        if rule.target == RecyclingRule.Target.TEAM_QUEUE:
            return f"{rule.target_team}'s queue"
        return f"rule “{rule.target_rule}”" if rule.target_rule else "the rule that routed it"


# The lead's page in the admin, with who owns it and why it went there, next to its
# qualification (intake owns the page; each app adds the parts it owns).
admin.site.unregister(Lead)


@admin.register(Lead)
class RoutedLeadAdmin(QualifiedLeadAdmin):
    OWN_PARTS = ("owner", "qualification_explained", "routing_explained")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "owner", "routing_explained"]

    def get_fields(self, request, obj=None):
        # What a manager opens the page for first: owner, qualification, routing.
        fields = super().get_fields(request, obj)
        return [*self.OWN_PARTS, *(name for name in fields if name not in self.OWN_PARTS)]

    @admin.display(description="Owner")
    def owner(self, lead: Lead) -> str:
        assignment = selectors.lead_active_assignment(lead=lead)
        if assignment is None:
            return "nobody"
        if assignment.rep:
            holder = f"{assignment.rep} ({assignment.rep.team})"
        elif assignment.queue_team:
            holder = f"{assignment.queue_team}'s queue"
        else:
            holder = str(assignment.user)
        since = timezone.localtime(assignment.assigned_at)
        return (
            f"{holder}, since {since:%Y-%m-%d %H:%M} {since.tzname()} "
            f"({assignment.get_reason_display()})"
        )

    @admin.display(description="Routing")
    def routing_explained(self, lead: Lead) -> str:
        decision = selectors.lead_latest_decision(lead=lead)
        if decision is None:
            return "not routed"
        return f"{decision.get_outcome_display()}: {decision.explanation}"


# The HubSpot sync's pages (a module of its own: this one is long already).
from routing import admin_hubspot  # noqa: E402, F401
