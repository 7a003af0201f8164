import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.ddl_references import Statement
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

SOURCE_KEY_PREFIX = "lrs_"
USER_TOKEN_PREFIX = "lru_"  # noqa: S105 - a prefix, not a secret


def hash_secret(raw: str) -> str:
    """SHA-256 of a generated key. Keys carry 192 random bits, so a slow hash adds nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(24)


class Channel(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    SMS = "sms", "SMS"
    API = "api", "API"
    VENDOR = "vendor", "Lead vendor"
    MANUAL = "manual", "Manual entry"


class Adapter(models.TextChoices):
    """How a source's raw body is read. Vendor formats arrive as adapters of their own."""

    API = "api", "LeadRouter JSON API"
    FORM = "form", "Form builder / Zapier hook (flat JSON or form fields, field map)"
    CSV = "csv", "CSV import"
    MANUAL = "manual", "Manual entry in the admin"
    GOOGLE_ADS = "google_ads", "Google Ads lead form webhook"
    META = "meta", "Meta (Facebook/Instagram) Lead Ads"
    HUBSPOT = "hubspot", "HubSpot workflow webhook"
    TYPEFORM = "typeform", "Typeform webhook"
    TWILIO_SMS = "twilio_sms", "Twilio inbound SMS"
    EMAIL = "email", "Inbound email (Mailgun, Postmark)"
    CHAT = "chat", "Chat transcript (Tawk.to or generic JSON)"


class Source(models.Model):
    """A door leads come through: a form, a vendor, an import; owns its API key and secret."""

    name = models.CharField(max_length=100, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    adapter = models.CharField(max_length=20, choices=Adapter.choices, default=Adapter.API)
    is_active = models.BooleanField(default=True)
    api_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    api_key_hint = models.CharField(
        max_length=12, editable=False, help_text="The first characters of the key, to recognise it."
    )
    api_key_rotated_at = models.DateTimeField(default=timezone.now, editable=False)
    secret = models.CharField(
        max_length=255,
        blank=True,
        help_text="The vendor's own shared secret, where its door is signed (Meta app secret, "
        "HubSpot client secret, Twilio auth token, Typeform secret, Mailgun signing key, "
        "Postmark basic-auth password, Tawk.to webhook key, Google Ads google_key).",
    )
    # During a rotation the vendor may still sign with the old secret for a while.
    previous_secret = models.CharField(max_length=255, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    verify_token = models.CharField(
        max_length=255,
        blank=True,
        help_text="Meta: the verify token you type into the app's webhook subscription.",
    )
    access_token = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Meta: a page access token with leads_retrieval, to fetch each lead's answers.",
    )
    default_request_type = models.CharField(max_length=50, blank=True)
    default_campaign = models.CharField(max_length=200, blank=True)
    field_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Incoming field name → lead field, e.g. {"Full Name": "full_name"}.',
    )
    thank_you_url = models.URLField(
        blank=True, help_text="Where an HTML form post is redirected after it is stored."
    )
    organisation_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name people see on the hosted form: your team's or company's. Empty: "
        "the ORGANISATION_NAME setting.",
    )
    consent_text = models.TextField(
        blank=True,
        max_length=1000,
        help_text="Plain text shown under the hosted form's Send button, e.g. “By clicking "
        "Send, you agree that we may call and text you at the number given, including by "
        "automated means. Consent is not a condition of purchase.” A lead sent with it keeps "
        "the text and the time in its attributes (consent_text, consented_at).",
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests a minute for this key; empty = the default."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from intake.fields import LEAD_FIELDS, storable_json

        if not isinstance(self.field_map, dict):
            raise ValidationError({"field_map": "Must be an object of incoming name → lead field."})
        # Typed into the admin as JSON: a "\u0000" there is one jsonb refuses.
        self.field_map = storable_json(self.field_map)
        unknown = sorted(
            str(target)
            for target in self.field_map.values()
            if target not in LEAD_FIELDS and not str(target).startswith("attributes.")
        )
        if unknown:
            raise ValidationError(
                {
                    "field_map": f"Unknown lead field(s): {', '.join(unknown)}. Use one of "
                    f"{', '.join(LEAD_FIELDS)} or attributes.<name>."
                }
            )

    def has_api_key(self, raw: str) -> bool:
        """Whether `raw` is this source's API key (compared as hashes, in constant time)."""
        return bool(raw) and hmac.compare_digest(hash_secret(raw), self.api_key_hash)

    def set_api_key(self) -> str:
        """Give the source a new key and return it; only its hash is kept."""
        raw = generate_key(SOURCE_KEY_PREFIX)
        self.api_key_hash = hash_secret(raw)
        self.api_key_hint = raw[:10]
        self.api_key_rotated_at = timezone.now()
        return raw


class ApiToken(models.Model):
    """A personal API token: the API acts with its user's permissions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.token_hint}… ({self.user})"


class Door(models.TextChoices):
    API = "api", "JSON API"
    FORM = "form", "HTML form"
    CSV = "csv", "CSV import"
    ADMIN = "admin", "Admin entry"
    HOOK = "hook", "Vendor webhook"


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def failed(self):
        return self.filter(status=Submission.Status.FAILED)


class Submission(models.Model):
    """One raw request exactly as it arrived, committed before anything parses it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed (new lead)"
        MERGED = "merged", "Merged into an open lead"
        INVALID = "invalid", "Invalid input"
        FAILED = "failed", "Processing failed"
        SPAM = "spam", "Spam (honeypot)"
        REJECTED = "rejected", "Rejected (not authenticated)"
        DUPLICATE = "duplicate", "Duplicate delivery (vendor retry)"
        DEFERRED = "deferred", "Waiting for the vendor's data"

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, related_name="submissions"
    )
    door = models.CharField(max_length=10, choices=Door.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    content_type = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    body = models.BinaryField()
    # Door-specific instructions needed to re-read the body later (a CSV import's column map,
    # its outcome column), so that reprocessing gives the same lead as the first run.
    options = models.JSONField(default=dict, blank=True)
    # The vendor's id of this delivery (Google lead_id, Typeform token, Twilio MessageSid …):
    # a vendor's retry of a delivery already processed is answered without a second touch.
    delivery_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    errors = models.JSONField(default=dict, blank=True)
    error_detail = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(
        "Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["source", "delivery_id"], name="submission_delivery"),
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.get_status_display()})"

    def body_text(self, limit: int | None = None) -> str:
        raw = bytes(self.body or b"")
        if limit is not None:
            raw = raw[:limit]
        return raw.decode("utf-8", errors="replace")


class VendorFetch(models.Model):
    """A lead whose data must be fetched from the vendor (Meta sends only ids), retried with
    backoff by a django-q2 task; one that gives up stays here, visible and retryable."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        GAVE_UP = "gave_up", "Gave up"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="vendor_fetches")
    notification = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="vendor_fetches"
    )
    vendor_lead_id = models.CharField(max_length=200)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "vendor_lead_id"], name="vendor_fetch_unique_lead"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} lead {self.vendor_lead_id} ({self.get_status_display()})"


class Account(models.Model):
    """A company, known by its email domain; its leads can share an owner."""

    domain = models.CharField(max_length=253, unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_strategic = models.BooleanField(
        default=False, help_text="Leads from a strategic account always go to human review."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.domain


class Contact(models.Model):
    """A person, known by one or more identities (email, phone, a vendor's id)."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Contact {self.pk}"


class ContactIdentity(models.Model):
    """One way of recognising a contact; the unique constraint is what makes dedup race-safe."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        EXTERNAL = "external", "Source + external id"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="contact_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    REVIEW = "review", "In review"
    ASSIGNED = "assigned", "Assigned"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    DISQUALIFIED = "disqualified", "Disqualified"
    MERGED = "merged", "Merged into another lead"


class LostReason(models.TextChoices):
    """Why a lead was lost, picked from a list (not typed) so that recycling rules and reports
    can group by it; the free-text reason stays beside it as the detail."""

    NO_RESPONSE = "no_response", "No response: never reached"
    NOT_NOW = "not_now", "Not ready yet (timing)"
    PRICE = "price", "Price or budget"
    COMPETITOR = "competitor", "Chose a competitor"
    NO_NEED = "no_need", "No longer needs it"
    OTHER = "other", "Other"


OPEN_STATUSES = (
    LeadStatus.NEW,
    LeadStatus.REVIEW,
    LeadStatus.ASSIGNED,
    LeadStatus.CONTACTED,
    LeadStatus.QUALIFIED,
)


class LeadQuerySet(models.QuerySet["Lead"]):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._counted_as = None

    def _clone(self):
        clone = super()._clone()  # type: ignore[misc]  # private QuerySet API, not in the stubs
        clone._counted_as = self._counted_as
        return clone

    def counted_as(self, other: models.QuerySet, /):
        """These leads, counted by `other` (a cheaper query with as many rows) as long as
        nothing further filters, slices, groups or combines them; otherwise counted as usual.

        A paginated list counts its leads for the page numbers; a caller that knows a query
        with as many rows that an index counts without reading a lead
        (`leadrouter.api.selectors.lead_visible_to`) counts that instead.
        """
        clone = self._chain()  # type: ignore[attr-defined]  # private QuerySet API, not in the stubs
        clone._counted_as = (other, self._count_shape())
        return clone

    def _count_shape(self) -> tuple:
        query = self.query
        return (
            len(query.where.children),
            query.is_sliced,
            bool(query.distinct),
            query.combinator,
            query.group_by is not None,
        )

    def count(self) -> int:
        if (
            self._counted_as is not None
            and self._result_cache is None
            and self._counted_as[1] == self._count_shape()
        ):
            return self._counted_as[0].count()
        return super().count()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def with_flag(self, code: str):
        return self.filter(flags__has_key=code)


class PrefixIndex(models.Index):
    """An index on lower(field) that answers the lead search's prefixes (`lead_search`).

    PostgreSQL answers `LIKE 'lee%'` from it only with the `text_pattern_ops` operator class
    (whatever the database's collation); SQLite has no operator classes and answers the
    equivalent range on lower(field) from the plain expression index. Declared in Meta, not
    in raw SQL, so that SQLite's table rebuilds (any AddField with a default) keep it.
    """

    def __init__(self, *, field_name: str, name: str):
        self.field_name = field_name
        super().__init__(Lower(field_name), name=name)

    def deconstruct(self):
        path, _, _ = super().deconstruct()
        return path, (), {"field_name": self.field_name, "name": self.name}

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using, **kwargs)
        # Written out: Django's OpClass() renders inside parentheses (a syntax error) unless
        # django.contrib.postgres is an installed app, which SQLite deployments do not have.
        return Statement(
            "CREATE INDEX %(name)s ON %(table)s ((lower(%(column)s)) text_pattern_ops)",
            name=schema_editor.quote_name(self.name),
            table=schema_editor.quote_name(model._meta.db_table),
            column=schema_editor.quote_name(model._meta.get_field(self.field_name).column),
        )


# Lead columns searched by their start (intake.selectors.lead_search), each with a PrefixIndex.
LEAD_PREFIX_FIELDS = ("full_name", "last_name", "company", "email_normalized")


class Lead(models.Model):
    """One inquiry from one person, with its context, cleaned contact data and quality flags."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="leads")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="leads")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_leads"
    )
    request_type = models.CharField(max_length=50, blank=True)
    received_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_test = models.BooleanField(default=False)
    is_historical = models.BooleanField(
        default=False, help_text="Imported with a known outcome: kept for training and reports."
    )
    # The stranded-lead sweep (`routing.tasks.recover_stranded_leads`): how many times it took
    # this lead up, and when it may try again (its backoff after a failed attempt).
    recovery_attempts = models.PositiveSmallIntegerField(default=0)
    recover_after = models.DateTimeField(null=True, blank=True)

    # Contact data: as given, and cleaned by the quality gate.
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    full_name = models.CharField(max_length=254, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=64, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    phone_extension = models.CharField(max_length=20, blank=True)
    phone_region = models.CharField(max_length=2, blank=True)
    phone_type = models.CharField(max_length=30, blank=True)
    company = models.CharField(max_length=200, blank=True)
    company_domain = models.CharField(max_length=253, blank=True)
    address = models.CharField(max_length=200, blank=True, help_text="Street address line.")
    # Normalized street address + ZIP: leads of one household share it (household routing).
    household_key = models.CharField(max_length=250, blank=True, db_index=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    country = models.CharField(max_length=2, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)

    # Context: where the lead came from.
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    landing_page = models.CharField(max_length=2000, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    # Quality gate: flag code -> reason, plus the detail of each check.
    flags = models.JSONField(default=dict, blank=True)
    checks = models.JSONField(default=dict, blank=True)

    touch_count = models.PositiveIntegerField(default=1)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    outcome_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    closed_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the lead was lost or disqualified."
    )
    lost_reason = models.CharField(
        max_length=20,
        choices=LostReason.choices,
        blank=True,
        help_text="Why the lead was lost, from the list (recycling rules and reports read it).",
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # One open lead per person: a repeat inquiry merges into it. Enforced here, not by
            # a read-then-write, so that simultaneous submissions cannot both create a lead.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(status__in=OPEN_STATUSES),
                name="lead_one_open_per_contact",
            ),
            # A vendor's retry of the same lead id never makes a second lead.
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="lead_unique_external_id_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["source", "received_at"]),
            # The admin's state and request type filters list their values by skipping
            # through these (intake.selectors.lead_distinct_values), never reading every lead.
            models.Index(fields=["state"], name="lead_state"),
            models.Index(fields=["request_type"], name="lead_request_type"),
            # Read every minute by `routing.tasks.recover_stranded_leads` (new leads untouched
            # for a while). Only new leads are in it: a handful at any time, whatever the
            # size of the table.
            models.Index(
                fields=["updated_at"], condition=Q(status="new"), name="lead_new_by_updated"
            ),
            # The weekly report's "won this week" (`reporting.selectors`): a week's closings are
            # a range whatever the size of the history. Not partial (status = 'won'): SQLite
            # uses a partial index only for a literal, and the ORM sends the status as a
            # parameter.
            models.Index(fields=["closed_at"], name="lead_closed_at"),
            *(
                PrefixIndex(field_name=field, name=f"lead_{field}_prefix")
                for field in LEAD_PREFIX_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.phone or "(no name)"

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LeadEvent(models.Model):
    """One step in a lead's life: what happened, when, by whom or which rule, with data."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        VERIFIED = "verified", "Verified"
        ENRICHED = "enriched", "Enriched"
        FLAGGED = "flagged", "Flagged"
        MERGED = "merged", "Repeat inquiry merged"
        LINKED = "linked", "Linked to a known contact"
        STATUS = "status", "Status changed"
        NOTE = "note", "Note"
        QUALIFIED = "qualified", "Qualified"
        REVIEW = "review", "Human review"
        ROUTED = "routed", "Routed"
        ASSIGNED = "assigned", "Assigned by hand"
        ACTIVITY = "activity", "Contact attempt"
        HANDED_BACK = "handed_back", "Handed back"
        NOTIFIED = "notified", "Owner notified"
        RECOVERED = "recovered", "Recovered by the sweep"
        SLA_STARTED = "sla_started", "SLA clock started"
        SLA_REMINDER = "sla_reminder", "SLA reminder"
        SLA_BREACHED = "sla_breached", "SLA breached"
        SLA_REASSIGNED = "sla_reassigned", "Reassigned by the SLA"
        SLA_ESCALATED = "sla_escalated", "Escalated by the SLA"
        SLA_PAUSED = "sla_paused", "SLA clock paused"
        SLA_RESUMED = "sla_resumed", "SLA clock resumed"
        SLA_MET = "sla_met", "SLA met"
        RECYCLED = "recycled", "Recycled"
        SLA_PAGED = "sla_paged", "On-call rep paged"
        HELD = "held", "Held until the next opening"
        RELEASED = "released", "Released at the opening"
        PINNED = "pinned", "Kept in the queue"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a source sent, and the answer its first request got."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class RateWindow(models.Model):
    """Requests a source made in one minute: the rate limit's counter when no Redis is
    configured, incremented by one atomic upsert per request (see `intake.rate_limit`)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    minute = models.BigIntegerField(help_text="Minutes since the Unix epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "minute"], name="rate_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} @ {self.minute}: {self.count}"
