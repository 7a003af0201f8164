"""Intake's domain writes. Every door, the admin, commands and tasks call these."""

from intake.services.deliverability import lead_check_deliverability
from intake.services.idempotency import (
    Claim,
    IdempotencyClaim,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_clean,
    idempotency_purge_expired,
    idempotency_release,
)
from intake.services.leads import (
    IngestResult,
    contact_resolve,
    lead_build,
    leads_merge,
    submission_ingest,
)
from intake.services.sources import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    source_create,
    source_get_by_key,
    source_rotate_key,
    source_set_secret,
)
from intake.services.submissions import (
    headers_for_audit,
    submission_claim_delivery,
    submission_is_reprocessable,
    submission_mark_applied,
    submission_mark_deferred,
    submission_mark_failed,
    submission_mark_invalid,
    submission_mark_rejected,
    submission_mark_spam,
    submission_store,
)
from intake.services.vendor_fetch import (
    vendor_fetch_retry,
    vendor_fetch_run,
    vendor_fetches_create,
)
from intake.webhooks.events import WebhookEventType
from intake.webhooks.services import (
    webhook_deliveries_resend,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_state,
    webhook_event_record,
)

__all__ = [
    "Claim",
    "IdempotencyClaim",
    "IngestResult",
    "WebhookEventType",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "contact_resolve",
    "headers_for_audit",
    "idempotency_claim",
    "idempotency_complete",
    "idempotency_key_clean",
    "idempotency_purge_expired",
    "idempotency_release",
    "lead_build",
    "lead_check_deliverability",
    "leads_merge",
    "source_create",
    "source_get_by_key",
    "source_rotate_key",
    "source_set_secret",
    "submission_claim_delivery",
    "submission_ingest",
    "submission_is_reprocessable",
    "submission_mark_applied",
    "submission_mark_deferred",
    "submission_mark_failed",
    "submission_mark_invalid",
    "submission_mark_rejected",
    "submission_mark_spam",
    "submission_store",
    "vendor_fetch_retry",
    "vendor_fetch_run",
    "vendor_fetches_create",
    "webhook_deliveries_resend",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_set_state",
    "webhook_event_record",
]
