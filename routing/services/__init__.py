"""Routing's domain writes."""

from routing.services.engine import parked_leads, route_lead, routing_park, working_now
from routing.services.work import (
    activity_log,
    lead_assign_manually,
    lead_hand_back,
    lead_note_add,
    lead_status_change,
)

__all__ = [
    "activity_log",
    "lead_assign_manually",
    "lead_hand_back",
    "lead_note_add",
    "lead_status_change",
    "parked_leads",
    "route_lead",
    "routing_park",
    "working_now",
]
