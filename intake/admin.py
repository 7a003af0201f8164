import json

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Max, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from intake import selectors, services
from intake.csv_import import (
    CsvImportError,
    HistoryColumns,
    OwnerMatcher,
    decode_upload,
    import_csv,
    parse_column_map,
)
from intake.fields import STRING_FIELDS
from intake.hooks import get_hook
from intake.models import (
    Account,
    ApiToken,
    Contact,
    ContactIdentity,
    Door,
    Lead,
    LeadEvent,
    OrganisationSettings,
    Source,
    Submission,
    VendorFetch,
)
from intake.quality.flags import FlagCode
from intake.webhooks import admin as webhooks_admin  # noqa: F401 - registers its pages
from leadrouter import pipeline
from leadrouter.forms import JsonObjectField, TimeZoneField


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "channel",
        "adapter",
        "is_active",
        "api_key_hint",
        "last_received",
        "submission_count",
        "failed_count",
    ]
    list_filter = ["channel", "adapter", "is_active"]
    search_fields = ["name"]
    readonly_fields = [
        "public_id",
        "api_key_hint",
        "api_key_rotated_at",
        "form_url",
        "hook_url",
        "signing",
        "secret_rotation",
        "last_received",
        "status_counts",
        "recent_problems",
    ]
    fieldsets = [
        (None, {"fields": ["name", "channel", "adapter", "is_active"]}),
        (
            "Where leads arrive",
            {
                "fields": [
                    "public_id",
                    "hook_url",
                    "form_url",
                    "api_key_hint",
                    "api_key_rotated_at",
                ]
            },
        ),
        (
            "Vendor verification",
            {
                "fields": [
                    "signing",
                    "secret",
                    "secret_rotation",
                    "verify_token",
                    "access_token",
                ]
            },
        ),
        (
            "Defaults and mapping",
            {
                "fields": [
                    "default_request_type",
                    "default_campaign",
                    "field_map",
                    "thank_you_url",
                    "rate_limit_per_minute",
                ]
            },
        ),
        ("Hosted form", {"fields": ["organisation_name", "consent_text"]}),
        (
            "Phone calls (Twilio Voice)",
            {
                "fields": [
                    "twilio_account_sid",
                    "twilio_number",
                    "ring_seconds",
                    "voicemail_greeting",
                    "instant_callback_via",
                ]
            },
        ),
        ("Activity", {"fields": ["last_received", "status_counts", "recent_problems"]}),
    ]
    actions = ["rotate_api_key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _last_received=Max("submissions__received_at"),
                _submissions=Count("submissions"),
                _failed=Count(
                    "submissions",
                    filter=Q(
                        submissions__status__in=[
                            Submission.Status.FAILED,
                            Submission.Status.INVALID,
                        ]
                    ),
                ),
            )
        )

    @admin.display(ordering="_last_received")
    def last_received(self, source):
        return getattr(source, "_last_received", None) or "never"

    @admin.display(description="Submissions", ordering="_submissions")
    def submission_count(self, source):
        return source._submissions

    @admin.display(description="Invalid or failed", ordering="_failed")
    def failed_count(self, source):
        return source._failed

    @admin.display(description="HTML form URL")
    def form_url(self, source):
        if not source.pk:
            return "—"
        return reverse("intake:form-submit", args=[source.public_id])

    @admin.display(description="Webhook URL")
    def hook_url(self, source):
        if not source.pk or get_hook(source.adapter) is None:
            return "— (this adapter has no webhook; use the API or form URL)"
        return f"/hooks/{source.adapter}/{source.public_id}/"

    @admin.display(description="The secret is")
    def signing(self, source):
        hook = get_hook(source.adapter)
        return hook.signing_help if hook else "not used by this adapter"

    @admin.display(description="Previous secret")
    def secret_rotation(self, source):
        if source.previous_secret and source.previous_secret_expires_at:
            if source.previous_secret_expires_at > timezone.now():
                return f"still accepted until {source.previous_secret_expires_at:%Y-%m-%d %H:%M}"
            return "expired"
        return "none (changing the secret keeps the old one valid for a while)"

    @admin.display(description="Last problems")
    def recent_problems(self, source):
        problems = selectors.source_recent_problems(source) if source.pk else []
        if not problems:
            return "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">#{}</a> {} {}: {}</li>',
                (
                    (
                        reverse("admin:intake_submission_change", args=[s.pk]),
                        s.pk,
                        f"{s.received_at:%Y-%m-%d %H:%M}",
                        s.get_status_display(),
                        selectors.submission_problem(s)[:200],
                    )
                    for s in problems
                ),
            ),
        )

    @admin.display(description="Submissions by status")
    def status_counts(self, source):
        if not source.pk:
            return "—"
        counts = Submission.objects.filter(source=source).values("status").annotate(n=Count("id"))
        return (
            format_html_join(", ", "{}: {}", ((row["status"], row["n"]) for row in counts))
            or "none"
        )

    def save_model(self, request, obj, form, change):
        if not change:
            # Through the service, which makes the key (shown once, stored hashed); the form's
            # fields are the service's arguments.
            source, raw_key = services.source_create(**form.cleaned_data)
            obj.pk = source.pk
            obj.refresh_from_db()
            self._show_key(request, obj, raw_key)
        elif "secret" in form.changed_data:
            # Through the service, so the old secret stays valid during the rotation.
            new_secret = obj.secret
            obj.secret = form.initial.get("secret", "")
            super().save_model(request, obj, form, change)
            services.source_set_secret(source=obj, secret=new_secret)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Rotate the API key (the old key stops working)")
    def rotate_api_key(self, request, queryset):
        for source in queryset:
            self._show_key(request, source, services.source_rotate_key(source=source))

    def _show_key(self, request, source, raw_key):
        messages.warning(
            request,
            f"API key for {source.name}: {raw_key} — copy it now, it is not shown again.",
        )


class SubmissionReprocessMixin:
    @admin.action(description="Reprocess selected submissions")
    def reprocess(self, request, queryset):
        done = skipped = 0
        for submission in queryset:
            if not services.submission_is_reprocessable(submission):
                skipped += 1
                continue
            pipeline.process_submission(submission, actor=request.user)
            done += 1
        messages.info(request, f"Reprocessed {done} submission(s); skipped {skipped} already done.")


@admin.register(Submission)
class SubmissionAdmin(SubmissionReprocessMixin, admin.ModelAdmin):
    list_display = ["id", "received_at", "source", "door", "status", "lead_link", "error_summary"]
    list_filter = ["status", "door", "source"]
    search_fields = ["=id", "remote_addr", "=lead__id"]
    list_select_related = ["source", "lead"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    readonly_fields = [
        "source",
        "door",
        "received_at",
        "status",
        "lead_link",
        "content_type",
        "remote_addr",
        "headers",
        "raw_body",
        "options",
        "errors",
        "error_detail",
        "attempts",
        "processed_at",
    ]
    exclude = ["body", "lead"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Lead")
    def lead_link(self, submission):
        if not submission.lead_id:
            return "—"
        url = reverse("admin:intake_lead_change", args=[submission.lead_id])
        return format_html('<a href="{}">#{}</a>', url, submission.lead_id)

    @admin.display(description="Error")
    def error_summary(self, submission):
        return selectors.submission_problem(submission)[:200]

    @admin.display(description="Raw body")
    def raw_body(self, submission):
        return format_html(
            "<pre style='white-space:pre-wrap'>{}</pre>", submission.body_text(20_000)
        )


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "message", "actor", "data")
    fields = readonly_fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class FlagFilter(admin.SimpleListFilter):
    title = "quality flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return FlagCode.choices()

    def queryset(self, request, queryset):
        return queryset.with_flag(self.value()) if self.value() else queryset


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The column's values, read by skipping through its index (the default filter's
    SELECT DISTINCT reads every lead: 33 ms at 50,000)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = selectors.lead_distinct_values(field_path)  # type: ignore[assignment]  # a list serves as the queryset did


class LeadEntryForm(forms.Form):
    """Manual entry: the same fields as the API, through the same pipeline."""

    source = forms.ModelChoiceField(queryset=Source.objects.filter(is_active=True))
    attributes = JsonObjectField(
        not_object_message="Must be a JSON object.",
        help_text='Extra fields as a JSON object, e.g. {"budget": 5000}.',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, max_length in STRING_FIELDS.items():
            widget = forms.Textarea(attrs={"rows": 4}) if name == "message" else None
            self.fields[name] = forms.CharField(
                required=False, max_length=max_length, widget=widget
            )
        self.order_fields(["source", *STRING_FIELDS, "attributes"])

    def payload(self) -> dict:
        data = {name: self.cleaned_data[name] for name in STRING_FIELDS if self.cleaned_data[name]}
        if self.cleaned_data["attributes"]:
            data["attributes"] = self.cleaned_data["attributes"]
        return data


class CsvUploadForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Source.objects.filter(is_active=True))
    file = forms.FileField(help_text="A CSV file with a header row.")
    column_map = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One COLUMN=field per line, e.g. 'Full Name=full_name'. "
        "Columns not mapped are kept in attributes.",
    )
    received_at_column = forms.CharField(
        label="Received column",
        required=False,
        help_text="History: the column saying when each lead arrived. Dates are ISO "
        "(2026-03-04, 2026-03-04 14:30) or US (3/4/2026 2:30 PM); without an offset they are "
        "in the organisation's time zone (Organisation settings), a date alone that day's "
        "start there.",
    )
    owner_column = forms.CharField(
        label="Owner column",
        required=False,
        help_text="History: who owned each lead, as a rep's username, e-mail or full name.",
    )
    create_owners = forms.BooleanField(
        required=False,
        help_text="Owners who match no rep become inactive reps (never routed to); unticked, "
        "their rows are reported and left out.",
    )
    owner_team = forms.CharField(
        label="Team for new owners",
        required=False,
        help_text="The name of the team created owners join; needed when there are several.",
    )
    closed_at_column = forms.CharField(
        label="Closed column",
        required=False,
        help_text="History: when a won or lost lead closed (empty: when it arrived).",
    )
    value_column = forms.CharField(
        label="Value column",
        required=False,
        help_text="History: a won deal's value (1250, 1,250.00, $1,250).",
    )
    outcome_column = forms.CharField(
        required=False,
        help_text="History: how each lead ended — 1/0, true/false, yes/no, won/lost, "
        "converted, closed won/closed lost, in any case. Won and lost leads are kept closed "
        "for training and reports, never routed; anything else is still open.",
    )

    def history(self) -> HistoryColumns:
        data = self.cleaned_data
        return HistoryColumns(
            **{
                name: data[f"{name}_column"].strip() or None
                for name in ("received_at", "owner", "closed_at", "value", "outcome")
            }
        )

    def owners(self) -> OwnerMatcher:
        team = self.cleaned_data["owner_team"].strip() or None
        return pipeline.imported_owners(create=self.cleaned_data["create_owners"], team=team)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "display_name",
        "email_normalized",
        "phone_e164",
        "source",
        "channel",
        "status",
        "flag_list",
        "received_at",
    ]
    # No date_hierarchy: its year/month links are a SELECT DISTINCT over every lead's date
    # (182 ms at 50,000); the date filter's ranges are fixed and read by the received_at index.
    list_filter = [
        "status",
        "channel",
        "source",
        FlagFilter,
        "is_test",
        "is_historical",
        ("request_type", IndexedValuesFilter),
        ("state", IndexedValuesFilter),
        ("received_at", admin.DateFieldListFilter),
    ]
    # The search is intake.selectors.lead_search (by index only); get_search_results runs it.
    search_fields = ["email_normalized"]
    search_help_text = (
        "An e-mail, a phone number in any format, the start of a name or company, or a lead "
        "id. attributes:TEXT searches the extra fields (slow: it reads every lead)."
    )
    # The total next to the filtered count would be a second count of every lead.
    show_full_result_count = False
    list_select_related = ["source"]
    inlines = [LeadEventInline]
    actions = ["merge_into_oldest"]
    change_list_template = "admin/intake/lead/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # Contact data changes only through intake, so every value stays verified and flagged.
        return [f.name for f in Lead._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.lower().startswith("attributes:"):
            # Asked for by name: a substring of the attributes' text (a full scan).
            text = term.split(":", 1)[1].strip()
            return queryset.filter(selectors.lead_attributes_search(text)), False
        return (queryset.filter(selectors.lead_search(term)) if term else queryset), False

    @admin.display(description="Flags")
    def flag_list(self, lead):
        return ", ".join(sorted(lead.flags)) if lead.flags else ""

    def get_urls(self):
        return [
            path("enter/", self.admin_site.admin_view(self.enter_view), name="intake_lead_enter"),
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="intake_lead_import"
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:intake_lead_enter"))

    def enter_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = LeadEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            submission = services.submission_store(
                source=form.cleaned_data["source"],
                door=Door.ADMIN,
                body=json.dumps(form.payload()).encode(),
                content_type="application/json",
                headers={"x-entered-by": request.user.get_username()},
                remote_addr=request.META.get("REMOTE_ADDR", ""),
            )
            result = pipeline.process_submission(submission, actor=request.user)
            if result.lead:
                verb = "created" if result.created else "merged into the open lead"
                messages.success(request, f"Lead #{result.lead.pk} {verb}.")
                return HttpResponseRedirect(
                    reverse("admin:intake_lead_change", args=[result.lead.pk])
                )
            for field, reasons in result.errors.items():
                target = field if field in form.fields else None
                for reason in reasons:
                    form.add_error(target, reason)
            if result.failed:
                messages.error(request, f"Submission #{submission.pk} was stored but failed.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Enter a lead",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/intake/lead/enter.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = import_csv(
                    source=form.cleaned_data["source"],
                    text=decode_upload(form.cleaned_data["file"].read()).splitlines(keepends=True),
                    column_map=parse_column_map(form.cleaned_data["column_map"].splitlines()),
                    history=form.history(),
                    owners=form.owners(),
                    actor=request.user,
                    process=pipeline.process_submission,
                )
                messages.success(request, report.summary())
                if report.outcome_note():
                    messages.warning(request, report.outcome_note())
            except CsvImportError as exc:
                form.add_error(None, str(exc))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import leads from CSV",
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return render(request, "admin/intake/lead/import.html", context)

    @admin.action(description="Merge selected leads into the oldest one")
    def merge_into_oldest(self, request, queryset):
        leads = list(queryset.order_by("received_at", "id"))
        if len(leads) < 2:
            messages.warning(request, "Select at least two leads to merge.")
            return
        target = get_object_or_404(Lead, pk=leads[0].pk)
        merged = services.leads_merge(target=target, duplicates=leads[1:], actor=request.user)
        messages.success(request, f"Merged {merged} lead(s) into #{target.pk}.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["token_hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["token_hint", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", *readonly_fields]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = services.api_token_create(username=obj.user.get_username(), name=obj.name)
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request, f"API token for {obj.user}: {raw} — copy it now, it is not shown again."
        )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        services.api_token_revoke(tokens=queryset)


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0
    readonly_fields = ["kind", "value", "created_at"]
    can_delete = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at"]
    search_fields = ["identities__value"]
    inlines = [ContactIdentityInline]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["domain", "name", "created_at"]
    search_fields = ["domain", "name"]


@admin.register(VendorFetch)
class VendorFetchAdmin(admin.ModelAdmin):
    """Leads fetched from a vendor after its notification (Meta): what is waiting or gave up."""

    list_display = [
        "vendor_lead_id",
        "source",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
    ]
    list_filter = ["status", "source"]
    search_fields = ["=vendor_lead_id"]
    list_select_related = ["source"]
    actions = ["retry_now"]
    readonly_fields = [
        "source",
        "notification",
        "vendor_lead_id",
        "context",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "result",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Last error")
    def short_error(self, fetch):
        return fetch.last_error[:120]

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset):
        fetches = [fetch for fetch in queryset if fetch.status != VendorFetch.Status.DONE]
        for fetch in fetches:
            services.vendor_fetch_retry(fetch=fetch)
        messages.info(request, f"Queued {len(fetches)} fetch(es) again.")


class OrganisationSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField(
        label=OrganisationSettings._meta.get_field("time_zone").verbose_name,
        help_text=OrganisationSettings._meta.get_field("time_zone").help_text,
    )

    class Meta:
        model = OrganisationSettings
        fields = ["time_zone"]


@admin.register(OrganisationSettings)
class OrganisationSettingsAdmin(admin.ModelAdmin):
    """One row: settings that hold for the whole organisation."""

    form = OrganisationSettingsForm

    def has_add_permission(self, request):
        return not OrganisationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row of settings: the list is just a way to it.
        row, _ = OrganisationSettings.objects.get_or_create(pk=1)
        return redirect("admin:intake_organisationsettings_change", row.pk)
