"""The two-way HubSpot sync.

Out: the connection is an outbox endpoint of kind "hubspot" subscribed to `lead.assigned`,
`lead.reassigned` and `lead.status_changed`. Its rows are written by the same services, in
the same transactions, as the webhooks' (`intake.services.webhook_event_record`), and sent
by the same task and sweep in order per lead with the same retries; `hubspot_delivery_send`
(registered in `RoutingConfig.ready()`) is how one is sent: find or create the contact, set
its owner and lifecycle, write the note once per event.

In: HubSpot's Webhooks API posts subscription events to the HubSpot source's door
(`intake.hooks.hubspot`); `hubspot_events_receive` keeps them and queues
`routing.tasks.hubspot_events_apply`, which turns a deal closed won or lost, or a contact
become a customer, into the lead's status through `lead_status_change(via="hubspot")` — the
service the lead page uses — whose events the sync then does not send back.
"""

import html
import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.hooks.hubspot import crm_events
from intake.models import Lead, LeadStatus, LostReason, Submission, WebhookDelivery
from intake.services import (
    WebhookEventType,
    submission_mark_applied,
    submission_mark_deferred,
    webhook_endpoint_create,
    webhook_endpoint_set_state,
)
from intake.webhooks.models import WebhookEndpoint
from intake.webhooks.services import Outcome
from qualification.reasons import plain_reasons
from qualification.selectors import lead_qualification
from routing import hubspot_api
from routing.hubspot_api import ContactExists, HubSpotError
from routing.models import (
    HubSpotConnection,
    HubSpotContact,
    HubSpotOwner,
    HubSpotSyncEntry,
    Rep,
    RoutingDecision,
)
from routing.services.work import lead_status_change

VIA_HUBSPOT = "hubspot"
SYNCED_EVENTS = [
    WebhookEventType.LEAD_ASSIGNED,
    WebhookEventType.LEAD_REASSIGNED,
    WebhookEventType.LEAD_STATUS_CHANGED,
]
APPLY_TASK = "routing.tasks.hubspot_events_apply"


# --- the connection -------------------------------------------------------------------------


def hubspot_connection_get() -> HubSpotConnection | None:
    return HubSpotConnection.objects.select_related("endpoint").first()


def hubspot_token(connection: HubSpotConnection) -> str:
    """The private app's token: the one saved in the admin, else HUBSPOT_PRIVATE_APP_TOKEN."""
    return connection.token or settings.HUBSPOT_PRIVATE_APP_TOKEN


def hubspot_connection_save(
    *,
    connection: HubSpotConnection | None = None,
    enabled: bool = True,
    token: str = "",
    status_map: dict | None = None,
    won_deal_stages: str | None = None,
    lost_deal_stages: str | None = None,
) -> HubSpotConnection:
    """Create or change the HubSpot connection (there is one). A new token replaces the
    saved one (an empty one keeps it); on/off is its outbox endpoint's state: off records
    nothing for HubSpot, on again syncs the changes made from then on. ValidationError names
    the field."""
    with transaction.atomic():
        if connection is None:
            if HubSpotConnection.objects.exists():
                raise ValidationError("There is already a HubSpot connection: change that one.")
            endpoint, _ = webhook_endpoint_create(
                url=settings.HUBSPOT_API_BASE,
                events=list(SYNCED_EVENTS),
                description="HubSpot sync",
                kind=WebhookEndpoint.Kind.HUBSPOT,
            )
            connection = HubSpotConnection(endpoint=endpoint)
        if token.strip():
            connection.token = token.strip()
        if status_map is not None:
            connection.status_map = status_map
        if won_deal_stages is not None:
            connection.won_deal_stages = won_deal_stages
        if lost_deal_stages is not None:
            connection.lost_deal_stages = lost_deal_stages
        connection.full_clean(exclude=["endpoint"])
        connection.save()
        state = WebhookEndpoint.State.ACTIVE if enabled else WebhookEndpoint.State.DISABLED
        if connection.endpoint.state != state:
            webhook_endpoint_set_state(
                endpoint=connection.endpoint,
                state=state,
                reason="" if enabled else "HubSpot sync turned off in the admin.",
            )
    return connection


def hubspot_owners_refresh(*, connection: HubSpotConnection) -> tuple[int, int]:
    """Fetch HubSpot's owners (`GET /crm/v3/owners`) and match each to the rep with the same
    e-mail, unless a person chose its rep; returns (owners, matched). HubSpotError when
    HubSpot cannot be read."""
    owners = hubspot_api.owners_list(token=hubspot_token(connection))
    now = timezone.now()
    reps = {
        rep.user.email.strip().lower(): rep
        for rep in Rep.objects.select_related("user").exclude(user__email="")
    }
    with transaction.atomic():
        for data in owners:
            email = str(data.get("email") or "").strip()
            name = f"{data.get('firstName') or ''} {data.get('lastName') or ''}".strip()
            owner, _ = HubSpotOwner.objects.update_or_create(
                owner_id=str(data["id"]),
                defaults={
                    "email": email[:254],
                    "name": name[:200],
                    "archived": bool(data.get("archived")),
                    "fetched_at": now,
                },
            )
            if owner.matched_by == HubSpotOwner.Match.PERSON:
                continue
            rep = None if owner.archived else reps.get(email.lower())
            taken = (
                rep is not None
                and HubSpotOwner.objects.filter(rep=rep).exclude(pk=owner.pk).exists()
            )
            if rep is not None and not taken:
                owner.rep, owner.matched_by = rep, HubSpotOwner.Match.EMAIL
            elif owner.matched_by == HubSpotOwner.Match.EMAIL and owner.rep != rep:
                owner.rep, owner.matched_by = None, HubSpotOwner.Match.NONE
            owner.save(update_fields=["rep", "matched_by"])
        HubSpotConnection.objects.filter(pk=connection.pk).update(owners_fetched_at=now)
    return len(owners), HubSpotOwner.objects.filter(rep__isnull=False).count()


def hubspot_owner_set_rep(*, owner: HubSpotOwner, rep: Rep | None) -> None:
    """A person's choice of rep for a HubSpot owner; kept when the owners are fetched again.
    A rep has one HubSpot owner: another owner that had this rep loses it."""
    with transaction.atomic():
        if rep is not None:
            HubSpotOwner.objects.filter(rep=rep).exclude(pk=owner.pk).update(
                rep=None, matched_by=HubSpotOwner.Match.NONE
            )
        owner.rep = rep
        owner.matched_by = HubSpotOwner.Match.PERSON
        owner.save(update_fields=["rep", "matched_by"])


# --- out: one outbox delivery ---------------------------------------------------------------


def _contact_properties(lead: Lead) -> dict[str, str]:
    values = {
        "email": lead.email_normalized or lead.email,
        "firstname": lead.first_name,
        "lastname": lead.last_name,
        "phone": lead.phone_e164 or lead.phone,
        "company": lead.company,
        "zip": lead.postal_code,
        "city": lead.city,
        "state": lead.state,
        "country": lead.country,
    }
    if not values["firstname"] and not values["lastname"] and lead.full_name:
        values["firstname"] = lead.full_name
    return {name: value for name, value in values.items() if value}


def _contact_upsert(*, token: str, lead: Lead, properties: dict[str, str]) -> tuple[str, str]:
    """The lead's HubSpot contact, made or brought up to date; (its id, what was done).

    1. A lead already synced updates its contact (the mapping row is unique per lead); one
       deleted in HubSpot since (404) is forgotten and the lead matched again.
    2. Otherwise a contact with the lead's e-mail, then its phone, is updated.
    3. Otherwise one is created; a 409 (HubSpot has it by e-mail, e.g. one the search, which
       lags a few seconds behind, did not show yet) updates the one HubSpot names.
    4. The mapping is saved at once, so a retry of this or a later event updates the same
       contact."""
    link = HubSpotContact.objects.filter(lead=lead).first()
    if link is not None:
        try:
            hubspot_api.contact_update(
                token=token, contact_id=link.contact_id, properties=properties
            )
            return link.contact_id, f"updated contact {link.contact_id}"
        except HubSpotError as exc:
            if exc.status != 404:
                raise
            # Deleted in HubSpot since: found again or made anew below.
            link.delete()
    contact_id = None
    for prop, value in (("email", properties.get("email")), ("phone", lead.phone_e164)):
        if value and contact_id is None:
            contact_id = hubspot_api.contact_search(token=token, prop=prop, value=value)
            found_by = "e-mail" if prop == "email" else "phone"
    if contact_id is not None:
        hubspot_api.contact_update(token=token, contact_id=contact_id, properties=properties)
        done = f"found contact {contact_id} by {found_by} and updated it"
    else:
        try:
            contact_id = hubspot_api.contact_create(token=token, properties=properties)
            done = f"created contact {contact_id}"
        except ContactExists as exc:
            contact_id = exc.contact_id
            hubspot_api.contact_update(token=token, contact_id=contact_id, properties=properties)
            done = f"contact {contact_id} already existed (409); updated it"
    try:
        with transaction.atomic():
            HubSpotContact.objects.create(lead=lead, contact_id=contact_id)
    except IntegrityError:
        pass  # saved by an earlier attempt that died before recording its outcome
    return contact_id, done


def _status_properties(connection: HubSpotConnection, status: str) -> dict[str, str]:
    mapped = connection.status_map.get(status) or {}
    return {name: value for name, value in mapped.items() if value}


def _owner_of(rep_id: int | None) -> tuple[str, str]:
    """(HubSpot owner id, a warning): the owner mapped to the rep, or why there is none."""
    if rep_id is None:
        return "", ""
    owner = HubSpotOwner.objects.filter(rep_id=rep_id, archived=False).first()
    if owner is not None:
        return owner.owner_id, ""
    rep = Rep.objects.select_related("user").filter(pk=rep_id).first()
    who = str(rep) if rep else f"rep #{rep_id}"
    return "", (
        f"{who} has no HubSpot user, so the contact was saved without an owner. Pick "
        f"{who}'s HubSpot user under HubSpot owners in the admin (or fetch the owners again "
        "if they were just added in HubSpot)."
    )


def note_text(*, lead: Lead, assignment: dict, reassigned: bool) -> str:
    """The note written on the contact when a lead is (re)assigned: who has it, why, and how
    it was qualified, in plain words (HubSpot shows a note's body as HTML)."""
    rep_id = assignment.get("rep_id")
    rep = Rep.objects.select_related("user").filter(pk=rep_id).first() if rep_id else None
    verb = "reassigned" if reassigned else "assigned"
    if rep is not None:
        lines = [f"LeadRouter {verb} this lead to {rep}."]
    else:
        lines = [f"LeadRouter {verb} this lead to a team's queue: the first rep free takes it."]
    decision = RoutingDecision.objects.filter(lead_id=lead.pk).order_by("-id").first()
    if decision is not None and decision.explanation:
        lines.append(f"Why: {decision.explanation}")
    qualification = lead_qualification(lead.pk)
    if qualification is not None:
        lines.append(
            f"Qualification: score {qualification.score} of 100, tier {qualification.tier}, "
            f"{qualification.get_urgency_display().lower()} urgency"
            + (f", {qualification.request_type}" if qualification.request_type else "")
            + "."
        )
        reasons = plain_reasons(qualification.reasons)
        if reasons:
            lines.append("Reasons: " + "; ".join(r.rstrip(".") for r in reasons) + ".")
    lines.append(f"Came in through {lead.source} ({lead.get_channel_display().lower()}).")
    lines.append(f"In LeadRouter: {settings.SITE_URL.rstrip('/')}/leads/{lead.pk}/")
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def _sync(delivery: WebhookDelivery) -> str:
    """Send one event to HubSpot; what was done, in words. Raises HubSpotError."""
    connection = HubSpotConnection.objects.filter(endpoint_id=delivery.endpoint_id).first()
    if connection is None:
        raise HubSpotError("no HubSpot connection uses this endpoint")
    data = delivery.event_data
    entry, _ = HubSpotSyncEntry.objects.get_or_create(
        delivery=delivery,
        defaults={"direction": HubSpotSyncEntry.Direction.OUT, "lead_id": delivery.lead_id},
    )
    if data.get("via") == VIA_HUBSPOT:
        entry.summary = "Not sent back to HubSpot: the change came from HubSpot."
        entry.save(update_fields=["summary"])
        return entry.summary
    token = hubspot_token(connection)
    if not token:
        # Retried: once a token is saved, the waiting changes go out in order.
        raise HubSpotError(
            "no private app token: save one on the HubSpot connection in the admin "
            "(or set HUBSPOT_PRIVATE_APP_TOKEN)",
            retryable=True,
        )
    lead = Lead.objects.select_related("source").get(pk=delivery.lead_id)
    assignment = data.get("assignment")
    # A status change sends the status it made; an assignment the lead's status now (a
    # manager's reassignment of a contacted lead must not set it back to NEW).
    status = (data.get("status") or {}).get("to") or lead.status
    properties = {**_contact_properties(lead), **_status_properties(connection, status)}
    warning = ""
    if assignment is not None:
        owner_id, warning = _owner_of(assignment.get("rep_id"))
        if owner_id:
            properties["hubspot_owner_id"] = owner_id
    contact_id, done = _contact_upsert(token=token, lead=lead, properties=properties)
    steps = [done]
    if "hubspot_owner_id" in properties:
        steps.append(f"owner {properties['hubspot_owner_id']}")
    if "lifecyclestage" in properties or "hs_lead_status" in properties:
        steps.append(
            "lifecycle stage "
            + properties.get("lifecyclestage", "unchanged")
            + ", lead status "
            + properties.get("hs_lead_status", "unchanged")
        )
    if assignment is not None:
        if not entry.note_id:
            entry.note_id = hubspot_api.note_create(
                token=token,
                contact_id=contact_id,
                body=note_text(
                    lead=lead,
                    assignment=assignment,
                    reassigned=delivery.event_type == WebhookEventType.LEAD_REASSIGNED,
                ),
                timestamp=delivery.occurred_at.isoformat().replace("+00:00", "Z"),
            )
            # At once: a failure after this must not write the note again on the retry.
            entry.save(update_fields=["note_id"])
        steps.append(f"note {entry.note_id}")
    entry.contact_id = contact_id
    entry.summary = ("; ".join(steps) + ".")[:1000]
    entry.warning = warning[:1000]
    entry.at = timezone.now()
    entry.save(update_fields=["contact_id", "summary", "warning", "at"])
    return entry.summary + (f" {warning}" if warning else "")


def hubspot_delivery_send(delivery: WebhookDelivery) -> Outcome:
    """The outbox's transport for HubSpot: one event synced, or why not and whether trying
    again can help (a 429 after its Retry-After, a 5xx on the schedule; a 400 never)."""
    started = time.monotonic()
    try:
        summary = _sync(delivery)
    except HubSpotError as exc:
        return Outcome(
            exc.status,
            str(exc)[:500],
            "",
            round((time.monotonic() - started) * 1000),
            retry_after=exc.retry_after,
            give_up=not exc.retryable,
        )
    return Outcome(200, "", summary[:1000], round((time.monotonic() - started) * 1000))


# --- in: HubSpot's subscription events ------------------------------------------------------


def hubspot_events_receive(*, submission: Submission, count: int) -> None:
    """Keep a verified batch of HubSpot events and queue applying them once it commits (they
    need HubSpot's API, which the vendor's 5-second answer window cannot wait for)."""
    from django_q.tasks import async_task

    submission_mark_deferred(
        submission=submission, detail=f"{count} HubSpot event(s): applied by a task"
    )
    submission_id = submission.pk
    transaction.on_commit(
        lambda: async_task(APPLY_TASK, submission_id, task_name=f"hubspot-events-{submission_id}")
    )


def _log_in(text: str, *, lead: Lead | None = None, warning: str = "", contact_id="") -> str:
    HubSpotSyncEntry.objects.create(
        direction=HubSpotSyncEntry.Direction.IN,
        lead=lead,
        contact_id=str(contact_id)[:40],
        summary=text[:1000],
        warning=warning[:1000],
    )
    return warning or text


def _leads_of(contact_ids: list[str]) -> list[Lead]:
    """The latest lead of each HubSpot contact (a returning person's newest lead)."""
    leads: dict[str, Lead] = {}
    for link in (
        HubSpotContact.objects.filter(contact_id__in=contact_ids)
        .exclude(lead__status=LeadStatus.MERGED)
        .select_related("lead")
        .order_by("-lead_id")
    ):
        leads.setdefault(link.contact_id, link.lead)
    return list(leads.values())


def _amount(text: str | None) -> Decimal | None:
    try:
        amount = Decimal(str(text or "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def _close(lead: Lead, *, status: str, amount: Decimal | None, reason: str, what: str) -> str:
    if lead.status == status:
        return _log_in(f"{what}: lead #{lead.pk} was already {status}.", lead=lead)
    if status == LeadStatus.WON and amount is None:
        return _log_in(
            what,
            lead=lead,
            warning=f"{what}, but without an amount: lead #{lead.pk} was not marked won. Give "
            "the deal its amount in HubSpot, or mark the lead won on its page with the value.",
        )
    try:
        lead_status_change(
            lead=lead,
            user=None,
            via=VIA_HUBSPOT,
            status=status,
            value=amount,
            lost_reason=LostReason.OTHER if status == LeadStatus.LOST else "",
            reason=reason if status == LeadStatus.LOST else "",
        )
    except ValidationError as exc:
        problem = " ".join(exc.messages)
        return _log_in(
            what, lead=lead, warning=f"{what}: lead #{lead.pk} was not changed. {problem}"
        )
    worth = f" ({amount})" if amount is not None else ""
    return _log_in(f"{what}: lead #{lead.pk} marked {status}{worth}.", lead=lead)


def _deal_closed(connection: HubSpotConnection, token: str, deal_id: str, stage: str) -> list[str]:
    status = (
        LeadStatus.WON
        if stage in connection.won_stages()
        else LeadStatus.LOST
        if stage in connection.lost_stages()
        else None
    )
    if status is None:
        return []
    deal = hubspot_api.deal_get(token=token, deal_id=deal_id)
    contact_ids = hubspot_api.associated_ids(
        token=token, from_type="deals", object_id=deal_id, to_type="contacts"
    )
    what = f"Deal {deal.get('dealname') or deal_id} closed {'won' if status == 'won' else 'lost'}"
    leads = _leads_of(contact_ids)
    if not leads:
        return [_log_in(f"{what} in HubSpot; none of its contacts is a LeadRouter lead.")]
    reason = deal.get("closed_lost_reason") or "Deal closed lost in HubSpot"
    return [
        _close(lead, status=status, amount=_amount(deal.get("amount")), reason=reason, what=what)
        for lead in leads
    ]


def _contact_customer(connection: HubSpotConnection, token: str, contact_id: str) -> list[str]:
    leads = _leads_of([contact_id])
    what = f"Contact {contact_id} became a customer in HubSpot"
    if not leads:
        return [_log_in(f"{what}; it is not a LeadRouter lead.", contact_id=contact_id)]
    if all(lead.status == LeadStatus.WON for lead in leads):
        # Most often HubSpot telling back the stage LeadRouter's own "won" set.
        return [_log_in(f"{what}: lead #{lead.pk} was already won.", lead=lead) for lead in leads]
    # The amount is that of the contact's won deals.
    total = Decimal(0)
    for deal_id in hubspot_api.associated_ids(
        token=token, from_type="contacts", object_id=contact_id, to_type="deals"
    ):
        deal = hubspot_api.deal_get(token=token, deal_id=deal_id)
        if deal.get("dealstage") in connection.won_stages():
            total += _amount(deal.get("amount")) or 0
    return [
        _close(lead, status=LeadStatus.WON, amount=total or None, reason="", what=what)
        for lead in leads
    ]


def _object_id(event: dict) -> str | None:
    value = event.get("objectId")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value).strip()
    return text if text.isdigit() and len(text) <= 30 else None


def hubspot_events_apply(*, submission_id: int) -> str:
    """Apply a stored batch of HubSpot events (the task). Each event is judged on its own:
    `deal.propertyChange` of `dealstage` to a won or lost stage closes the deal's contacts'
    leads (won with the deal's amount); `contact.propertyChange` of `lifecyclestage` to
    `customer` marks the contact's lead won with its won deals' amount; the rest is ignored.
    Every outcome is in the sync log; returns them joined.

    When HubSpot could not be read for a reason that may pass (a 429, a 5xx, a timeout), the
    other events are applied and HubSpotError is raised at the end: the batch stays deferred
    and django-q2, which does not acknowledge a failed task, runs it again after its `retry`
    (90 s), up to `max_attempts`; the events applied already find their leads closed."""
    submission = Submission.objects.get(pk=submission_id)
    if submission.status != Submission.Status.DEFERRED:
        return "already applied"
    connection = hubspot_connection_get()
    token = hubspot_token(connection) if connection else ""
    results: list[str] = []
    passing: list[HubSpotError] = []
    for event in crm_events(bytes(submission.body)) or []:
        kind, name = event.get("subscriptionType"), event.get("propertyName")
        value = str(event.get("propertyValue") or "")
        object_id = _object_id(event)
        if object_id is None or kind not in ("deal.propertyChange", "contact.propertyChange"):
            continue
        if connection is None or not token:
            results.append(
                _log_in(
                    f"{kind} ignored",
                    warning="No HubSpot connection with a token: "
                    "a HubSpot change cannot be read without one.",
                )
            )
            continue
        try:
            if kind == "deal.propertyChange" and name == "dealstage":
                results += _deal_closed(connection, token, object_id, value)
            elif (kind, name, value) == ("contact.propertyChange", "lifecyclestage", "customer"):
                results += _contact_customer(connection, token, object_id)
        except HubSpotError as exc:
            later = " (tried again in a while)" if exc.retryable else ""
            results.append(
                _log_in(
                    f"{kind} of {object_id}",
                    warning=f"Could not read {object_id} from HubSpot{later}: {exc}",
                )
            )
            if exc.retryable:
                passing.append(exc)
    if passing:
        raise HubSpotError(
            f"{len(passing)} HubSpot event(s) could not be read yet: {passing[0]}",
            retryable=True,
        )
    summary = "; ".join(results) or "nothing to change"
    submission_mark_applied(submission_id=submission_id, detail=summary)
    return summary
