"""The HubSpot sync's back-office: the connection (token once, on/off, mappings), the rep ↔
owner mapping fetched from HubSpot, and the sync log. Registered from `routing/admin.py`."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from intake.webhooks.models import WebhookEndpoint
from leadrouter.forms import JsonObjectField
from routing import services
from routing.hubspot_api import HubSpotError
from routing.models import HubSpotConnection, HubSpotOwner, HubSpotSyncEntry
from routing.models.hubspot import default_status_map, validate_status_map
from routing.services.hubspot import hubspot_token


class HubSpotConnectionForm(forms.ModelForm):
    enabled = forms.BooleanField(
        label="Sync on",
        required=False,
        initial=True,
        help_text="Off: nothing is recorded for HubSpot; changes made while it is off are "
        "not sent later.",
    )
    new_token = forms.CharField(
        label="Private app token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="HubSpot → Settings → Integrations → Private apps. Kept and never shown "
        "again; leave empty to keep the saved one (or to use HUBSPOT_PRIVATE_APP_TOKEN).",
    )
    status_map = JsonObjectField(
        label="Status mapping",
        initial=default_status_map,
        help_text=HubSpotConnection._meta.get_field("status_map").help_text,
    )

    class Meta:
        model = HubSpotConnection
        fields = ["status_map", "won_deal_stages", "lost_deal_stages"]

    def clean_status_map(self):
        value = self.cleaned_data["status_map"]
        if value is not None:
            validate_status_map(value)
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["enabled"].initial = (
                self.instance.endpoint.state != WebhookEndpoint.State.DISABLED
            )


@admin.register(HubSpotConnection)
class HubSpotConnectionAdmin(admin.ModelAdmin):
    form = HubSpotConnectionForm
    list_display = ["__str__", "sync_state", "token_state", "owners_fetched_at"]
    fields = [
        "enabled",
        "new_token",
        "token_state",
        "status_map",
        "won_deal_stages",
        "lost_deal_stages",
        "owners_fetched_at",
        "deliveries",
    ]
    readonly_fields = ["token_state", "owners_fetched_at", "deliveries"]
    actions = ["fetch_owners"]

    def has_add_permission(self, request) -> bool:
        return not HubSpotConnection.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # turned off instead: its log and mappings stay

    @admin.display(description="sync")
    def sync_state(self, obj: HubSpotConnection) -> str:
        return obj.endpoint.get_state_display()

    @admin.display(description="token")
    def token_state(self, obj: HubSpotConnection) -> str:
        if obj.token:
            return "saved (not shown)"
        if hubspot_token(obj):
            return "from HUBSPOT_PRIVATE_APP_TOKEN"
        return "none yet: changes wait until one is saved"

    @admin.display(description="What was sent")
    def deliveries(self, obj: HubSpotConnection) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}?endpoint__id__exact={}">Every change sent to HubSpot</a> (attempts, '
            'errors, "Resend") · <a href="{}">the sync log</a> (both ways, in words)',
            reverse("admin:intake_webhookdelivery_changelist"),
            obj.endpoint_id,
            reverse("admin:routing_hubspotsyncentry_changelist"),
        )

    def save_model(self, request, obj, form, change) -> None:
        try:
            connection = services.hubspot_connection_save(
                connection=obj if change else None,
                enabled=form.cleaned_data["enabled"],
                token=form.cleaned_data["new_token"],
                status_map=form.cleaned_data["status_map"],
                won_deal_stages=form.cleaned_data["won_deal_stages"],
                lost_deal_stages=form.cleaned_data["lost_deal_stages"],
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.pk = connection.pk

    @admin.action(description="Fetch owners from HubSpot and match them to reps by e-mail")
    def fetch_owners(self, request, queryset: QuerySet[HubSpotConnection]) -> None:
        for connection in queryset:
            try:
                owners, matched = services.hubspot_owners_refresh(connection=connection)
            except HubSpotError as exc:
                self.message_user(request, f"HubSpot could not be read: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{owners} HubSpot owner(s) fetched; {matched} matched to a rep. Check "
                "the others under HubSpot owners.",
            )


@admin.register(HubSpotOwner)
class HubSpotOwnerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "owner_id", "rep", "matched_by", "archived"]
    list_editable = ["rep"]
    list_filter = ["matched_by", "archived"]
    search_fields = ["name", "email", "owner_id"]
    list_select_related = ["rep__user"]
    autocomplete_fields = ["rep"]
    fields = ["name", "email", "owner_id", "archived", "rep", "matched_by", "fetched_at"]
    readonly_fields = ["name", "email", "owner_id", "archived", "matched_by", "fetched_at"]

    def has_add_permission(self, request) -> bool:
        return False  # owners come from HubSpot (the connection's "Fetch owners")

    def save_model(self, request, obj, form, change) -> None:
        services.hubspot_owner_set_rep(owner=obj, rep=obj.rep)


@admin.register(HubSpotSyncEntry)
class HubSpotSyncEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "direction", "lead", "contact_id", "summary", "warning"]
    list_filter = ["direction"]
    search_fields = ["lead__id", "contact_id", "summary", "warning"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead", "delivery"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
