import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from intake.admin import LeadAdmin
from intake.models import Lead
from leadrouter.conditions import InvalidCondition, describe
from leadrouter.forms import JsonObjectField
from leadrouter.widgets import ConditionBuilderWidget
from qualification import selectors, services
from qualification.forms import condition_fields
from qualification.ml.in_words import metrics_in_words
from qualification.models import (
    FieldLabel,
    ModelVersion,
    Qualification,
    QualificationSettings,
    ReviewTask,
    Signal,
)
from qualification.reasons import percent, plain_reasons
from qualification.services.records import lead_values


@admin.register(QualificationSettings)
class QualificationSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not QualificationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row of settings: the list is just a way to it.
        settings_row = QualificationSettings.load()
        return redirect("admin:qualification_qualificationsettings_change", settings_row.pk)


class SignalTryForm(forms.Form):
    lead = forms.IntegerField(required=False, help_text="An existing lead's id, or …")
    sample = JsonObjectField(
        not_object_message="Give a JSON object of lead fields.",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text='… a typed-in lead as JSON, e.g. {"message": "my lawyer says", "state": "TX", '
        '"attributes": {"budget": "7500"}}',
    )


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "order", "condition_text", "effects", "try_link"]
    list_editable = ["is_active", "order"]
    search_fields = ["name", "review_reason"]
    list_filter = ["is_active", "send_to_review", "set_urgency"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The condition is edited with the builder (sources read per request); the JSON, its
        # validation and its errors stay the model's.
        if db_field.name == "condition":
            kwargs["widget"] = ConditionBuilderWidget(condition_fields())
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Condition")
    def condition_text(self, signal):
        try:
            return describe(signal.condition)
        except Exception:  # a condition saved before validation existed still lists
            return json.dumps(signal.condition)[:200]

    @admin.display(description="Effects")
    def effects(self, signal):
        parts = []
        if signal.score_delta:
            parts.append(f"score {signal.score_delta:+d}")
        if signal.set_urgency:
            parts.append(f"urgency {signal.set_urgency}")
        if signal.set_request_type:
            parts.append(f"request type {signal.set_request_type}")
        if signal.add_tag:
            parts.append(f"tag {signal.add_tag}")
        if signal.send_to_review:
            parts.append(f"review: {signal.review_reason}")
        return "; ".join(parts)

    @admin.display(description="")
    def try_link(self, signal):
        url = reverse("admin:qualification_signal_try", args=[signal.pk])
        return format_html('<a href="{}">Test on a lead</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:signal_id>/try/",
                self.admin_site.admin_view(self.try_view),
                name="qualification_signal_try",
            ),
            *super().get_urls(),
        ]

    def try_view(self, request, signal_id):
        signal = get_object_or_404(Signal, pk=signal_id)
        form = SignalTryForm(request.POST if request.method == "POST" else None)
        outcome = values = None
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["lead"]:
                lead = Lead.objects.select_related("source").filter(pk=form.cleaned_data["lead"])
                if not lead:
                    form.add_error("lead", "No lead has this id.")
                else:
                    values = lead_values(lead[0])
            elif form.cleaned_data["sample"] is not None:
                values = {"attributes": {}, "flags": {}, **form.cleaned_data["sample"]}
            else:
                form.add_error(None, "Give a lead id or a sample lead.")
            if values is not None:
                try:
                    outcome = services.signal_try(signal, values)
                except InvalidCondition as exc:
                    form.add_error(None, f"This signal's condition is invalid: {exc}")
                    values = None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Test “{signal.name}” on a lead",
            "signal": signal,
            "condition": describe(signal.condition),
            "form": form,
            "outcome": outcome,
            "tested": values is not None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/qualification/signal_try.html", context)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "is_active",
        "created_at",
        "trained_rows",
        "key_metrics",
        "training_seconds",
        "note",
    ]
    list_filter = ["kind", "is_active"]
    readonly_fields = [
        "kind",
        "in_words",
        "created_at",
        "trained_rows",
        "metrics_table",
        "training_seconds",
        "is_active",
        "activated_at",
        "note",
    ]
    exclude = ["weights", "metrics"]
    actions = ["activate", "roll_back"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Held-out metrics")
    def key_metrics(self, version):
        metrics = version.metrics
        keys = ("roc_auc", "precision_at_top", "ece", "accuracy", "macro_f1", "n_test")
        return ", ".join(
            f"{key} {metrics[key]:.3f}"
            if isinstance(metrics[key], float)
            else f"{key} {metrics[key]}"
            for key in keys
            if key in metrics
        )

    @admin.display(description="In words")
    def in_words(self, version):
        """The held-out metrics as sentences, beside the previous version's figures."""
        previous = selectors.model_version_previous(version)
        sentences = metrics_in_words(
            version.kind, version.metrics, previous.metrics if previous else None
        )
        if not sentences:
            return "No held-out metrics recorded."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((s,) for s in sentences))
        )

    @admin.display(description="Metrics")
    def metrics_table(self, version):
        rows = ((key, json.dumps(value)[:300]) for key, value in sorted(version.metrics.items()))
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.action(description="Activate the selected version (one per kind)")
    def activate(self, request, queryset):
        if queryset.values("kind").annotate(n=Count("id")).filter(n__gt=1).exists():
            messages.error(request, "Select one version per kind.")
            return
        for version in queryset:
            services.model_activate(version=version)
        messages.info(request, f"Activated {queryset.count()} version(s).")

    @admin.action(description="Roll back: reactivate the version active before the current one")
    def roll_back(self, request, queryset):
        for kind in sorted(set(queryset.values_list("kind", flat=True))):
            previous = services.model_rollback(kind=kind)
            if previous is None:
                messages.warning(request, f"{kind}: no earlier version to roll back to.")
            else:
                messages.info(request, f"{kind}: {previous} is active again.")


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    list_display = [
        "lead",
        "status",
        "created_at",
        "waiting",
        "reason_text",
        "decision",
        "decided_by",
    ]
    list_filter = ["status", "decision"]
    list_select_related = ["lead", "decided_by"]
    readonly_fields = [field.name for field in ReviewTask._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Waiting")
    def waiting(self, task):
        end = task.decided_at or timezone.now()
        return timesince(task.created_at, end)

    @admin.display(description="Why")
    def reason_text(self, task):
        return "; ".join(plain_reasons(task.reasons))[:200]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = [
        "lead",
        "score",
        "tier",
        "urgency",
        "request_type",
        "confidence_percent",
        "needs_review",
        "score_source",
    ]
    list_filter = ["tier", "urgency", "needs_review", "score_source"]
    search_fields = ["=lead__id", "request_type"]
    list_select_related = ["lead"]
    readonly_fields = [field.name for field in Qualification._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Confidence", ordering="confidence")
    def confidence_percent(self, qualification):
        return percent(qualification.confidence)


@admin.register(FieldLabel)
class FieldLabelAdmin(admin.ModelAdmin):
    """The plain names reasons use for lead fields; without one the name is humanised."""

    list_display = ["field", "label"]
    list_editable = ["label"]
    search_fields = ["field", "label"]


# Intake's lead admin, with each lead's qualification: a score column in the list and the
# whole qualification, with its reasons, on the lead's page.
admin.site.unregister(Lead)


@admin.register(Lead)
class QualifiedLeadAdmin(LeadAdmin):
    list_display = LeadAdmin.list_display.copy()
    list_display.insert(list_display.index("status") + 1, "score")
    list_select_related = [*LeadAdmin.list_select_related, "qualification"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "qualification_explained"]

    @admin.display(description="Score")
    def score(self, lead):
        qualification = getattr(lead, "qualification", None)
        return f"{qualification.score} {qualification.tier}" if qualification else "—"

    @admin.display(description="Qualification")
    def qualification_explained(self, lead):
        qualification = getattr(lead, "qualification", None)
        if qualification is None:
            return "not qualified"
        return format_html(
            "<p>Score {} (tier {}, {}), {} urgency, {}, confidence {}{}</p><ul>{}</ul>",
            qualification.score,
            qualification.tier,
            qualification.score_source,
            qualification.urgency,
            qualification.request_type or "request type unknown",
            # Formatted here: format_html escapes its arguments into strings first, and a
            # string given to "{:.0%}" raised ValueError, which the admin shows as "-".
            percent(qualification.confidence),
            " — held for review" if qualification.needs_review else "",
            format_html_join(
                "",
                "<li>{}</li>",
                ((reason,) for reason in plain_reasons(qualification.reasons)),
            ),
        )
