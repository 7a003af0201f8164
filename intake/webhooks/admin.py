"""The outbound webhooks' back office: endpoints (events ticked, filters, state, the secret
shown once, rotation) and their delivery log with "Resend". Registered by `intake.admin`."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from intake import services
from intake.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from intake.webhooks.events import WebhookEventType

DELIVERY_LOG_ROWS = 20
ATTEMPT_COLUMNS = ("number", "at", "status_code", "duration_ms", "error", "response_excerpt")


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events sent to this URL.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "team", "source", "state", "state_reason"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["__str__", "url", "state", "event_list", "team", "source", "failures"]
    list_filter = ["state"]
    search_fields = ["url", "description"]
    list_select_related = ["team", "source"]
    readonly_fields = ["signing", "secret_rotation", "state_changed_at", "delivery_log"]
    fieldsets = [
        (None, {"fields": ["url", "description", "events"]}),
        ("Only for", {"fields": ["team", "source"]}),
        ("State", {"fields": ["state", "state_reason", "state_changed_at"]}),
        ("Signing", {"fields": ["signing", "secret_rotation"]}),
        ("Delivery log", {"fields": ["delivery_log"]}),
    ]
    actions = ["rotate_secret", "resume"]

    def get_queryset(self, request):
        # A CRM sync's endpoint (HubSpot) is set up on its own admin page, which links to
        # its deliveries; its URL and events are not a person's to edit here.
        return super().get_queryset(request).filter(kind=WebhookEndpoint.Kind.WEBHOOK)

    @admin.display(description="Events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    @admin.display(description="Failures in a row", ordering="consecutive_failures")
    def failures(self, endpoint):
        return endpoint.consecutive_failures

    @admin.display(description="Secret")
    def signing(self, endpoint):
        if not endpoint.pk:
            return "Made when you save, and shown once then (whsec_…)."
        return (
            "whsec_… — shown once, when the endpoint was made or its secret rotated. Each "
            "delivery is signed with it as Standard Webhooks says (see the README's "
            "verification recipe)."
        )

    @admin.display(description="Previous secret")
    def secret_rotation(self, endpoint):
        if endpoint.pk and len(endpoint.secrets_in_use(timezone.now())) > 1:
            return (
                f"still signing too until {endpoint.previous_secret_expires_at:%Y-%m-%d %H:%M} "
                "UTC: deliveries carry both signatures"
            )
        return "none (rotating keeps the old secret signing for a while)"

    @admin.display(description="Last attempts")
    def delivery_log(self, endpoint):
        if not endpoint.pk:
            return "—"
        attempts = (
            WebhookAttempt.objects.filter(delivery__endpoint=endpoint)
            .select_related("delivery")
            .order_by("-at", "-id")[:DELIVERY_LOG_ROWS]
        )
        link = format_html(
            '<a href="{}?endpoint__id__exact={}">Every delivery of this endpoint</a>',
            reverse("admin:intake_webhookdelivery_changelist"),
            endpoint.pk,
        )
        if not attempts:
            return format_html("Nothing sent yet. {}", link)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>#{}</td><td>{}</td><td>{}</td><td>{} ms</td>"
            "<td>{}</td></tr>",
            (
                (
                    f"{attempt.at:%Y-%m-%d %H:%M:%S}",
                    attempt.delivery.event_type,
                    attempt.delivery.lead_id,
                    attempt.number,
                    attempt.status_code or "no answer",
                    attempt.duration_ms,
                    attempt.error or attempt.response_excerpt[:200],
                )
                for attempt in attempts
            ),
        )
        return format_html(
            "<table><thead><tr><th>at (UTC)</th><th>event</th><th>lead</th><th>attempt</th>"
            "<th>answer</th><th>time</th><th>error or answer</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            rows,
            link,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            # Through the service, which makes the secret: shown here once.
            endpoint, secret = services.webhook_endpoint_create(
                url=obj.url,
                events=obj.events,
                team=obj.team,
                source=obj.source,
                description=obj.description,
            )
            obj.pk = endpoint.pk
            obj.refresh_from_db()
            self._show_secret(request, obj, secret)
            return
        state_changed = "state" in form.changed_data
        super().save_model(request, obj, form, change)
        if state_changed:
            # Through the service: resuming makes the waiting deliveries due again.
            services.webhook_endpoint_set_state(
                endpoint=obj, state=obj.state, reason=obj.state_reason
            )

    @admin.action(description="Rotate the secret (the old one keeps signing for a while)")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            self._show_secret(
                request, endpoint, services.webhook_endpoint_rotate_secret(endpoint=endpoint)
            )

    @admin.action(description="Resume (send what waited, in order)")
    def resume(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_set_state(
                endpoint=endpoint, state=WebhookEndpoint.State.ACTIVE
            )
        messages.info(request, f"Resumed {queryset.count()} endpoint(s).")

    def _show_secret(self, request, endpoint, secret):
        messages.warning(
            request,
            f"Signing secret for {endpoint.url}: {secret} — copy it now, it is not shown again.",
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ATTEMPT_COLUMNS
    readonly_fields = ATTEMPT_COLUMNS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "lead_link",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "occurred_at",
    ]
    list_filter = ["state", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["message_id"]
    readonly_fields = [
        "endpoint",
        "lead_link",
        "event_type",
        "event_data",
        "occurred_at",
        "message_id",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "body",
    ]
    exclude = ["lead"]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Lead")
    def lead_link(self, delivery):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:intake_lead_change", args=[delivery.lead_id]),
            delivery.lead_id,
        )

    @admin.action(description="Resend (same webhook-id and body, as soon as possible)")
    def resend(self, request, queryset):
        waiting = queryset.exclude(endpoint__state=WebhookEndpoint.State.ACTIVE).count()
        queued = services.webhook_deliveries_resend(
            deliveries=queryset.filter(endpoint__state=WebhookEndpoint.State.ACTIVE)
        )
        messages.info(request, f"Queued {queued} delivery(ies) to send again.")
        if waiting:
            messages.warning(
                request,
                f"{waiting} delivery(ies) are for a paused or disabled endpoint: resume the "
                "endpoint first.",
            )
