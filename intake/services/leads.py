"""From a stored submission to one Lead: parse, quality gate, dedupe, create or merge.

Dedup is enforced by the database, never by a read-then-write:
- `ContactIdentity(kind, value)` is unique, so two writers cannot both create the same person;
- `Lead` allows one open lead per contact and one lead per (source, external id), so the loser
  of a race gets an IntegrityError and merges into the winner's lead instead.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone

from intake.adapters import ImportedHistory, history_of, parse_submission
from intake.fields import LeadFieldErrors, validate_lead_fields
from intake.models import (
    Account,
    Contact,
    ContactIdentity,
    Lead,
    LeadEvent,
    LeadStatus,
    Source,
    Submission,
)
from intake.quality import run_quality_gate
from intake.quality.flags import FlagCode
from intake.quality.gate import CLEANED_FIELDS
from intake.quality.household import household_key, street_address
from intake.services import hot_path
from intake.services.deliverability import deliverability_enqueue

# Lead columns the gate's cleaned output fills: the gate's one list of them.
GATE_COLUMNS = CLEANED_FIELDS
CONTEXT_COLUMNS = (
    "message",
    "request_type",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "landing_page",
    "referrer",
    "external_id",
)
# Filled on a merge when the open lead does not have them yet (a second touch adds a phone).
MERGE_FILLABLE = (*GATE_COLUMNS, "message")


@dataclass
class IngestResult:
    """What became of one submission."""

    submission: Submission
    lead: Lead | None = None
    created: bool = False
    merged: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    failed: bool = False
    spam: bool = False
    # A history row's past (`intake.adapters.history_of`); the pipeline records its owner.
    history: ImportedHistory | None = None


class SubmissionProcessor(Protocol):
    """What runs a stored submission through every step: `leadrouter.pipeline.process_submission`.

    Intake's services that store submissions in bulk or later (CSV import, vendor fetch) take it
    as an argument from their entry point (a view, a command, a task), because the steps after
    intake sit above it and intake imports none of them."""

    def __call__(self, submission: Submission | int, *, actor=None) -> IngestResult: ...


def _identity_keys(lead: Lead) -> list[tuple[str, str]]:
    """Ways to recognise this person, strongest first."""
    keys: list[tuple[str, str]] = []
    if lead.external_id:
        keys.append((ContactIdentity.Kind.EXTERNAL, f"{lead.source_id}:{lead.external_id}"))
    if lead.email_normalized:
        keys.append((ContactIdentity.Kind.EMAIL, lead.email_normalized.lower()))
    if lead.phone_e164:
        keys.append((ContactIdentity.Kind.PHONE, lead.phone_e164))
    return keys


def _race_guard():
    """A savepoint around an insert that a concurrent writer may have beaten us to.

    On PostgreSQL another transaction can insert the same identity or open lead between our
    read and our insert; the savepoint lets us roll back just that insert and merge. SQLite's
    IMMEDIATE transactions serialize writers, so there our read cannot be stale, the insert
    cannot collide, and the savepoint would only cost two statements on the hot path.
    """
    if connection.vendor == "sqlite":
        return nullcontext()
    return transaction.atomic()


def contact_resolve(*, keys: list[tuple[str, str]]) -> tuple[Contact, bool]:
    """Find the contact these identities belong to, or create it; return (contact, created).

    1. Read every identity that matches; the strongest match names the contact.
    2. Otherwise create a contact with all its identities; if another writer inserted one of
       them first (the unique constraint made us wait for its commit), roll back to the
       savepoint and read again: that writer's contact is the one.
    3. Attach the identities the contact does not have yet; one that another contact already
       holds stays with that contact.
    """
    if not keys:
        contact = Contact()
        hot_path.row_insert(contact)
        return contact, True
    known = hot_path.identities_find(keys)
    if not known:
        try:
            with _race_guard():
                contact = Contact()
                hot_path.row_insert(contact)
                hot_path.identities_insert(contact.pk, keys, contact.created_at)
            return contact, True
        except IntegrityError:
            known = hot_path.identities_find(keys)
    contact_id = next(known[key] for key in keys if key in known)
    for kind, value in (key for key in keys if key not in known):
        try:
            with _race_guard():
                hot_path.identities_insert(contact_id, [(kind, value)], timezone.now())
        except IntegrityError:
            pass  # a concurrent writer gave this phone or email to another contact
    return Contact(pk=contact_id), False


def _account_for(domain: str, company: str) -> Account | None:
    if not domain:
        return None
    account_id = hot_path.account_id_for_domain(domain)
    if account_id is not None:
        return Account(pk=account_id, domain=domain)
    account, _ = Account.objects.get_or_create(domain=domain, defaults={"name": company})
    return account


def lead_build(*, source: Source, fields: dict[str, Any], gate, received_at) -> Lead:
    """The (unsaved) lead a door makes of validated fields and their quality gate: cleaned
    contact columns, context, address and household, the source's defaults, the test flag."""
    lead = Lead(
        source=source,
        channel=source.channel,
        received_at=received_at,
        attributes=fields.get("attributes") or {},
        flags=gate.flags,
        checks=gate.checks,
        last_touch_at=received_at,
    )
    for column in GATE_COLUMNS:
        setattr(
            lead,
            column,
            gate.cleaned.get(column, "")[: cast(Field, Lead._meta.get_field(column)).max_length],
        )
    for column in CONTEXT_COLUMNS:
        setattr(lead, column, fields.get(column, ""))
    lead.address = street_address(lead.attributes)[: Lead._meta.get_field("address").max_length]
    lead.household_key = household_key(lead.address, lead.postal_code)
    lead.request_type = lead.request_type or source.default_request_type
    lead.utm_campaign = lead.utm_campaign or source.default_campaign
    test_reason = _test_reason(fields, gate)
    lead.is_test = test_reason is not None
    if test_reason:
        lead.flags = {**lead.flags, FlagCode.TEST: test_reason}
    return lead


def _test_reason(fields: dict[str, Any], gate) -> str | None:
    """Why a lead is a test (stored and flagged, never routed), or None for a real one."""
    if fields.get("is_test"):
        return "the sender marked it as a test lead"
    if FlagCode.EMAIL_RESERVED_DOMAIN in gate.flags:
        return "its email is on a domain reserved for testing"
    return None


def _gate(fields: dict[str, Any], scrubbed: list[str]):
    gate = run_quality_gate(
        fields,
        default_region=settings.INTAKE_DEFAULT_PHONE_REGION,
        # DNS lookups can take seconds: they run in a task after commit (deliverability.py).
        check_deliverability=False,
    )
    if scrubbed:
        gate.flags.setdefault(
            FlagCode.CONTROL_CHARACTERS_REMOVED,
            f"unprintable characters were removed from {', '.join(sorted(scrubbed))}",
        )
    return gate


# Fields the gate can fill from others (state and city from a ZIP, time zone from a ZIP or phone,
# company domain from a business email); filling one is recorded as enrichment.
ENRICHABLE = ("postal_code", "city", "state", "country", "time_zone", "company_domain")


def _enrichment(fields: dict[str, Any], lead: Lead) -> dict[str, str]:
    return {
        column: getattr(lead, column)
        for column in ENRICHABLE
        if getattr(lead, column) and not str(fields.get(column) or "").strip()
    }


def _event_row(
    lead: Lead,
    submission: Submission,
    kind: str,
    message: str,
    data: dict,
    actor=None,
    *,
    at: datetime | None = None,
) -> dict:
    """One timeline row for `hot_path.events_insert`, stamped with the lead's arrival (the
    submission's time, or an imported lead's own) unless `at` says otherwise."""
    return {
        "lead_id": lead.pk,
        "kind": kind,
        "at": at or lead.received_at,
        "actor_id": actor.pk if actor is not None else None,
        "message": message,
        "data": data,
        "submission_id": submission.pk,
    }


def _intake_events(
    lead: Lead, submission: Submission, gate, enriched: dict[str, str], actor=None
) -> list[dict]:
    events = [
        _event_row(
            lead,
            submission,
            LeadEvent.Kind.RECEIVED,
            f"Received from {lead.source.name} ({submission.get_door_display()})",
            {"source": lead.source.name, "door": submission.door, "channel": lead.channel},
            actor,
        ),
        _event_row(
            lead,
            submission,
            LeadEvent.Kind.VERIFIED,
            "Contact data verified"
            + (f": {len(gate.flags)} flag(s)" if gate.flags else ", no problems found"),
            {"flags": gate.flags},
        ),
    ]
    if enriched:
        events.append(
            _event_row(
                lead,
                submission,
                LeadEvent.Kind.ENRICHED,
                "Filled in " + ", ".join(sorted(enriched)),
                {"filled": enriched},
            )
        )
    return events


def _merge_touch(*, lead: Lead, new: Lead, submission: Submission, actor=None) -> Lead:
    """Record a repeat inquiry on an existing lead: a touch, and any contact data it lacked."""
    now = timezone.now()
    filled = {}
    for column in MERGE_FILLABLE:
        value = getattr(new, column)
        if value and not getattr(lead, column):
            setattr(lead, column, value)
            filled[column] = value
    merged_flags = {k: v for k, v in new.flags.items() if k not in lead.flags}
    update = {"touch_count": F("touch_count") + 1, "last_touch_at": now, "updated_at": now}
    update.update(filled)
    Lead.objects.filter(pk=lead.pk).update(**update)
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.MERGED,
        actor=actor,
        submission=submission,
        message=f"Repeat inquiry from {new.source.name} merged as a new touch",
        data={
            "submission": submission.pk,
            "source": new.source.name,
            "channel": new.channel,
            "message": new.message[:500],
            "filled": sorted(filled),
            "new_flags": merged_flags,
        },
    )
    lead.refresh_from_db()
    return lead


def _existing_lead_for(new: Lead) -> Lead | None:
    """The lead a new one merges into: the same vendor lead id (whatever its status), else
    the person's open lead. Historical imports only ever collide on the vendor id."""
    if new.external_id:
        lead = Lead.objects.filter(source=new.source, external_id=new.external_id).first()
        if lead:
            return lead
    if new.is_historical:
        return None
    return Lead.objects.open().filter(contact_id=new.contact_id).first()


def submission_ingest(*, submission: Submission, actor=None) -> IngestResult:
    """Turn one stored submission into a lead, or merge it into the person's open lead.

    1. Parse the raw body with the door's adapter and validate the fields (LeadFieldErrors
       propagate to the caller, who marks the submission invalid).
    2. Run the quality gate: verify, normalize and enrich; problems become flags.
    3. In one transaction: resolve the contact, then insert the lead. The insert is guarded by
       the database: if the person already has an open lead (or the vendor id is known), merge.
    4. Record the timeline and link the submission to its lead.
    """
    parsed = parse_submission(submission)
    history = _history_with_fields(submission, parsed)
    fields, scrubbed = validate_lead_fields(parsed)
    gate = _gate(fields, scrubbed)
    if submission.source is None:  # only a refused request is stored without one
        raise LeadFieldErrors({"source": ["the submission has no source"]})
    new = lead_build(
        source=submission.source,
        fields=fields,
        gate=gate,
        received_at=(history and history.received_at) or submission.received_at,
    )
    if history is not None and history.status is not None:
        # A past lead with a known result: kept closed for training and reports, never routed.
        new.is_historical = True
        new.status = history.status
        new.closed_at = history.closed_at
        new.outcome_value = history.value

    with transaction.atomic():
        contact, contact_created = contact_resolve(keys=_identity_keys(new))
        new.contact = contact
        new.account = _account_for(new.company_domain, new.company)
        previous = existing = None
        if not contact_created:
            previous = Lead.objects.filter(contact=contact).order_by("-received_at", "-id").first()
            existing = _existing_lead_for(new) if previous is not None else None
        created = False
        if existing is None and contact_created:
            # A contact created in this transaction is invisible to every other writer, so no
            # lead of theirs can collide with this insert: no savepoint needed.
            hot_path.row_insert(new)
            created = True
        elif existing is None:
            try:
                with _race_guard():
                    hot_path.row_insert(new)
                created = True
            except IntegrityError:
                # A concurrent writer gave this person an open lead after our read.
                existing = _existing_lead_for(new)
                if existing is None:
                    raise
        if existing is not None:
            lead = _merge_touch(lead=existing, new=new, submission=submission, actor=actor)
            status = Submission.Status.MERGED
        else:
            lead = new
            events = _intake_events(lead, submission, gate, _enrichment(fields, lead), actor)
            if previous is not None:
                events.append(
                    _event_row(
                        lead,
                        submission,
                        LeadEvent.Kind.LINKED,
                        f"Returning contact: previous lead #{previous.pk} "
                        f"({previous.get_status_display()})",
                        {"previous_lead": previous.pk, "previous_status": previous.status},
                    )
                )
            if history is not None:
                events += _history_events(lead, submission, history)
            hot_path.events_insert(events)
            status = Submission.Status.PROCESSED
            deliverability_enqueue(lead)
        _submission_done(submission, status=status, lead=lead)
    return IngestResult(
        submission=submission,
        lead=lead,
        created=created,
        merged=not created,
        history=history if created else None,
    )


def _history_with_fields(submission: Submission, parsed: dict[str, Any]) -> ImportedHistory | None:
    """The row's past (`history_of`); its unreadable cells and the lead fields' problems are
    reported together, so one pass over the file shows everything wrong with a row."""
    try:
        return history_of(submission)
    except LeadFieldErrors as cells:
        try:
            validate_lead_fields(parsed)
        except LeadFieldErrors as fields:
            raise LeadFieldErrors({**fields.errors, **cells.errors}) from None
        raise


def _history_events(lead: Lead, submission: Submission, history: ImportedHistory) -> list[dict]:
    """An imported lead's timeline: that it was brought in (and with what), then its result at
    the time it closed."""
    said = [lead.get_status_display().lower() if history.status else "still open"]
    if history.outcome_as_written:
        said[0] += f" (outcome {history.outcome_as_written!r} not understood)"
    if history.owner:
        said.append(f"owner in the previous tool: {history.owner}")
    data = {
        "received_at": lead.received_at.isoformat(),
        "status": history.status or "open",
        "owner": history.owner,
        "outcome_as_written": history.outcome_as_written,
    }
    events = [
        _event_row(
            lead,
            submission,
            LeadEvent.Kind.IMPORTED,
            f"Imported history: {'; '.join(said)}",
            data,
            at=submission.received_at,
        )
    ]
    if history.status is not None and history.closed_at is not None:
        status_data: dict[str, Any] = {"status": lead.status, "historical": True}
        if history.value is not None:
            status_data["value"] = str(history.value)
        events.append(
            _event_row(
                lead,
                submission,
                LeadEvent.Kind.STATUS,
                f"Imported with known outcome: {lead.get_status_display()}",
                status_data,
                at=history.closed_at,
            )
        )
    return events


def _submission_done(submission: Submission, *, status: str, lead: Lead) -> None:
    now = timezone.now()
    hot_path.submission_mark_done(submission.pk, status=status, lead_id=lead.pk, now=now)
    submission.status, submission.lead, submission.processed_at = status, lead, now
    submission.errors, submission.error_detail = {}, ""
    submission.attempts += 1


__all__ = [
    "IngestResult",
    "LeadFieldErrors",
    "contact_resolve",
    "submission_ingest",
]


@transaction.atomic
def leads_merge(*, target: Lead, duplicates: list[Lead], actor=None) -> int:
    """Merge duplicate leads into `target`: each becomes `merged` and points at it.

    Used when one person arrived under two identities (a new email and a new phone) that
    automatic dedup could not connect. Returns how many leads were merged.
    """
    now = timezone.now()
    merged = 0
    for duplicate in duplicates:
        if duplicate.pk == target.pk or duplicate.status == LeadStatus.MERGED:
            continue
        Lead.objects.filter(pk=duplicate.pk).update(
            status=LeadStatus.MERGED, merged_into=target, closed_at=now, updated_at=now
        )
        Lead.objects.filter(pk=target.pk).update(
            touch_count=F("touch_count") + duplicate.touch_count, updated_at=now
        )
        LeadEvent.objects.bulk_create(
            [
                LeadEvent(
                    lead=duplicate,
                    kind=LeadEvent.Kind.MERGED,
                    actor=actor,
                    message=f"Merged into lead #{target.pk}",
                    data={"merged_into": target.pk},
                ),
                LeadEvent(
                    lead=target,
                    kind=LeadEvent.Kind.MERGED,
                    actor=actor,
                    message=f"Lead #{duplicate.pk} merged into this one",
                    data={"merged_lead": duplicate.pk},
                ),
            ]
        )
        merged += 1
    return merged
