"""Routing's domain writes."""

from routing.services.engine import (
    parked_lead_claim,
    route_lead,
    routing_park,
)
from routing.services.queue import queue_lead_claim, queue_take_next
from routing.services.receiving import availability_change_record, rep_availability_set
from routing.services.recovery import (
    owed_notification_claim,
    stranded_lead_claim,
    stranded_lead_record,
)
from routing.services.recycling import lead_recycle, lead_recycle_count, recycling_sweep
from routing.services.simulation import (
    DEFAULT_REPLAY_LEADS,
    MAX_REPLAY_LEADS,
    ReplayResult,
    RuleEdit,
    SimulatedDecision,
    routing_replay,
    routing_simulate,
)
from routing.services.sla import (
    sla_customer_returned,
    sla_record_activity,
    sla_stop,
    sla_sweep,
)
from routing.services.work import (
    activity_log,
    lead_assign_manually,
    lead_hand_back,
    lead_note_add,
    lead_status_change,
    lead_wait_on_customer,
)

__all__ = [
    "DEFAULT_REPLAY_LEADS",
    "MAX_REPLAY_LEADS",
    "ReplayResult",
    "RuleEdit",
    "SimulatedDecision",
    "activity_log",
    "availability_change_record",
    "lead_assign_manually",
    "lead_hand_back",
    "lead_note_add",
    "lead_recycle",
    "lead_recycle_count",
    "lead_status_change",
    "lead_wait_on_customer",
    "owed_notification_claim",
    "parked_lead_claim",
    "queue_lead_claim",
    "queue_take_next",
    "recycling_sweep",
    "rep_availability_set",
    "route_lead",
    "routing_park",
    "routing_replay",
    "routing_simulate",
    "sla_customer_returned",
    "sla_record_activity",
    "sla_stop",
    "sla_sweep",
    "stranded_lead_claim",
    "stranded_lead_record",
]
