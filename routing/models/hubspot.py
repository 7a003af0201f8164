"""The HubSpot sync: the connection (its outbox endpoint, token and mappings), the rep ↔ owner
mapping, the lead ↔ contact mapping and the sync log."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from intake.models import LeadStatus
from routing.models.teams import Rep

# The statuses a HubSpot contact follows; an empty value leaves that property as it is.
SYNCED_STATUSES = (
    LeadStatus.NEW,
    LeadStatus.ASSIGNED,
    LeadStatus.CONTACTED,
    LeadStatus.QUALIFIED,
    LeadStatus.WON,
    LeadStatus.LOST,
    LeadStatus.DISQUALIFIED,
)


def default_status_map() -> dict[str, dict[str, str]]:
    """LeadRouter status → the contact's lifecycle stage and lead status. HubSpot moves a
    lifecycle stage only forward through its API, so lost leaves it where it is."""
    return {
        LeadStatus.NEW: {"lifecyclestage": "lead", "hs_lead_status": "NEW"},
        LeadStatus.ASSIGNED: {"lifecyclestage": "lead", "hs_lead_status": "NEW"},
        LeadStatus.CONTACTED: {"lifecyclestage": "lead", "hs_lead_status": "CONNECTED"},
        LeadStatus.QUALIFIED: {
            "lifecyclestage": "salesqualifiedlead",
            "hs_lead_status": "IN_PROGRESS",
        },
        LeadStatus.WON: {"lifecyclestage": "customer", "hs_lead_status": ""},
        LeadStatus.LOST: {"lifecyclestage": "", "hs_lead_status": "UNQUALIFIED"},
        LeadStatus.DISQUALIFIED: {"lifecyclestage": "other", "hs_lead_status": "UNQUALIFIED"},
    }


def validate_status_map(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Give an object: {status: {lifecyclestage, hs_lead_status}}.")
    for status, properties in value.items():
        if status not in SYNCED_STATUSES:
            raise ValidationError(
                f"{status!r} is not a status that syncs; use "
                f"{', '.join(str(s) for s in SYNCED_STATUSES)}."
            )
        if not isinstance(properties, dict) or set(properties) - {
            "lifecyclestage",
            "hs_lead_status",
        }:
            raise ValidationError(
                f"{status}: give lifecyclestage and hs_lead_status (an empty text leaves it)."
            )
        for name, text in properties.items():
            if not isinstance(text, str) or len(text) > 100:
                raise ValidationError(f"{status}.{name}: give a HubSpot value as text.")


class HubSpotConnection(models.Model):
    """The HubSpot portal LeadRouter keeps in step: its outbox endpoint, token and mappings."""

    # The outbox's endpoint of kind "hubspot": its events (lead.assigned, lead.reassigned,
    # lead.status_changed) are written with each change and sent in order per lead with the
    # webhooks' retries; its state is the connection's on/off.
    endpoint = models.OneToOneField(
        "intake.WebhookEndpoint", on_delete=models.PROTECT, related_name="+", editable=False
    )
    # A private app's token when it is not in HUBSPOT_PRIVATE_APP_TOKEN: kept as the sources'
    # vendor secrets are (readable by the process), never shown again.
    token = models.CharField(max_length=200, blank=True, editable=False)
    status_map = models.JSONField(
        "status mapping",
        default=default_status_map,
        validators=[validate_status_map],
        help_text="For each LeadRouter status, the contact's lifecyclestage and hs_lead_status "
        "in HubSpot; an empty value leaves that property unchanged.",
    )
    won_deal_stages = models.CharField(
        max_length=500,
        default="closedwon",
        help_text="Deal stage ids that mark a lead won (comma-separated): closedwon in the "
        "default pipeline; a custom pipeline's won stage has a number as its id.",
    )
    lost_deal_stages = models.CharField(
        max_length=500,
        default="closedlost",
        help_text="Deal stage ids that mark a lead lost (comma-separated).",
    )
    owners_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "HubSpot connection"

    def __str__(self) -> str:
        return "HubSpot"

    def won_stages(self) -> set[str]:
        return {stage.strip() for stage in self.won_deal_stages.split(",") if stage.strip()}

    def lost_stages(self) -> set[str]:
        return {stage.strip() for stage in self.lost_deal_stages.split(",") if stage.strip()}


class HubSpotOwner(models.Model):
    """A HubSpot user who can own contacts, and the rep they are (matched by e-mail)."""

    class Match(models.TextChoices):
        EMAIL = "email", "Matched by e-mail"
        PERSON = "person", "Set by a person"
        NONE = "none", "No rep"

    owner_id = models.CharField("HubSpot owner id", max_length=40, unique=True)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    archived = models.BooleanField(default=False)
    rep = models.OneToOneField(
        Rep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hubspot_owner",
        help_text="The rep whose leads this HubSpot user owns.",
    )
    matched_by = models.CharField(max_length=10, choices=Match.choices, default=Match.NONE)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "email"]
        verbose_name = "HubSpot owner"

    def __str__(self) -> str:
        return f"{self.name or self.email or self.owner_id} (HubSpot)"


class HubSpotContact(models.Model):
    """The HubSpot contact a lead became: one per lead, so a retry never makes a second."""

    lead = models.OneToOneField("intake.Lead", on_delete=models.CASCADE, related_name="+")
    # Not unique: a returning person's new lead is the same HubSpot contact.
    contact_id = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "HubSpot contact"

    def __str__(self) -> str:
        return f"lead #{self.lead_id} → contact {self.contact_id}"


class HubSpotSyncEntry(models.Model):
    """One change synced with HubSpot, either way, in plain words (the sync log)."""

    class Direction(models.TextChoices):
        OUT = "out", "To HubSpot"
        IN = "in", "From HubSpot"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    lead = models.ForeignKey(
        "intake.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The outbox row it sent: one entry per event, which holds its note, so a retry of the
    # event never writes a second note.
    delivery = models.OneToOneField(
        "intake.WebhookDelivery",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_id = models.CharField(max_length=40, blank=True)
    note_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=1000, blank=True)
    warning = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "HubSpot sync entry"
        verbose_name_plural = "HubSpot sync log"

    def __str__(self) -> str:
        return self.summary or self.warning
