"""Routing's outbound webhook events: who holds the lead (for endpoints filtered by team) and
what an assignment looks like in a body. Written through `intake.services.webhook_event_record`
in the transaction of each change."""

from datetime import datetime

from intake.models import Lead, LeadStatus
from intake.services import WebhookEventType, webhook_event_record
from routing.models import Assignment
from routing.services.config import RoutingSetup, routing_setup
from routing.services.sla_clock import owner_team_id

# A status change to one of these is also sent as its own event, after lead.status_changed.
CLOSING_EVENTS = {
    LeadStatus.WON: WebhookEventType.LEAD_WON,
    LeadStatus.LOST: WebhookEventType.LEAD_LOST,
}


def _assignment_data(assignment: Assignment, team_id: int | None) -> dict:
    return {
        "id": assignment.pk,
        "reason": assignment.reason,
        "assigned_at": assignment.assigned_at,
        "rep_id": assignment.rep_id,
        "user_id": assignment.user_id,
        "team_id": team_id,
        "queue_team_id": assignment.queue_team_id,
        "rule_id": assignment.rule_id,
        "sla_due_at": assignment.sla_due_at,
    }


def assignment_webhook(
    *,
    lead: Lead,
    assignment: Assignment,
    previous: Assignment | None,
    setup: RoutingSetup | None = None,
) -> None:
    """`lead.assigned` for a lead's first assignment, `lead.reassigned` when it replaces an
    earlier one (an SLA step, a manager, a hand-back, recycling, a claim from the queue)."""
    team_id = owner_team_id(assignment, setup or routing_setup())
    data = {"assignment": _assignment_data(assignment, team_id)}
    if previous is not None:
        data["previous_assignment"] = _assignment_data(
            previous, owner_team_id(previous, setup or routing_setup())
        )
    webhook_event_record(
        event_type=WebhookEventType.LEAD_REASSIGNED if previous else WebhookEventType.LEAD_ASSIGNED,
        lead=lead,
        data=data,
        team_id=team_id,
        at=assignment.assigned_at,
    )


def _holding_team_id(lead: Lead) -> int | None:
    assignment = Assignment.objects.filter(lead_id=lead.pk, ended_at__isnull=True).first()
    return None if assignment is None else owner_team_id(assignment, routing_setup())


def status_webhooks(
    *, lead: Lead, old: str, new: str, at: datetime, user=None, via: str = ""
) -> None:
    """`lead.status_changed`, then `lead.won` or `lead.lost` when the change closes it so.
    A change that came from another system says so in `via` (`hubspot`): the HubSpot sync
    does not send back what HubSpot itself changed."""
    team_id = _holding_team_id(lead)
    data: dict = {
        "status": {"from": old, "to": new},
        "changed_by": user.get_username() if user is not None else None,
    }
    if via:
        data["via"] = via
    webhook_event_record(
        event_type=WebhookEventType.LEAD_STATUS_CHANGED,
        lead=lead,
        data=data,
        team_id=team_id,
        at=at,
    )
    if new in CLOSING_EVENTS and old != new:
        webhook_event_record(
            event_type=CLOSING_EVENTS[LeadStatus(new)], lead=lead, data=data, team_id=team_id, at=at
        )


def sla_breach_webhook(*, lead: Lead, assignment: Assignment, at: datetime) -> None:
    """`sla.breached`: the owner missed the first-contact deadline."""
    team_id = owner_team_id(assignment, routing_setup())
    webhook_event_record(
        event_type=WebhookEventType.SLA_BREACHED,
        lead=lead,
        data={
            "sla": {"due_at": assignment.sla_due_at, "breached_at": at},
            "assignment": _assignment_data(assignment, team_id),
        },
        team_id=team_id,
        at=at,
    )
