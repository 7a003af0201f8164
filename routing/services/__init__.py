"""Routing's domain writes."""

from routing.services.engine import route_lead
from routing.services.history import (
    assignment_import,
    imported_owners_match,
)
from routing.services.hubspot import (
    hubspot_connection_save,
    hubspot_delivery_send,
    hubspot_events_apply,
    hubspot_events_receive,
    hubspot_owner_set_rep,
    hubspot_owners_refresh,
)
from routing.services.people import rep_create_with_user, rep_welcome_email_send
from routing.services.queue import queue_lead_claim, queue_take_next
from routing.services.receiving import availability_change_record, rep_availability_set
from routing.services.recovery import (
    owed_notification_claim,
    parked_lead_claim,
    routing_park,
    stranded_lead_claim,
    stranded_lead_record,
)
from routing.services.recycling import lead_recycle, lead_recycle_count, recycling_sweep
from routing.services.release import (
    NOT_CLAIMED,
    RELEASE_BATCH,
    held_lead_release,
    held_leads_release,
    queued_lead_offer,
    queued_leads_offer,
)
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
    queued_lead_pin,
)

__all__ = [
    "DEFAULT_REPLAY_LEADS",
    "MAX_REPLAY_LEADS",
    "NOT_CLAIMED",
    "RELEASE_BATCH",
    "ReplayResult",
    "RuleEdit",
    "SimulatedDecision",
    "activity_log",
    "assignment_import",
    "availability_change_record",
    "held_lead_release",
    "held_leads_release",
    "hubspot_connection_save",
    "hubspot_delivery_send",
    "hubspot_events_apply",
    "hubspot_events_receive",
    "hubspot_owner_set_rep",
    "hubspot_owners_refresh",
    "imported_owners_match",
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
    "queued_lead_offer",
    "queued_lead_pin",
    "queued_leads_offer",
    "recycling_sweep",
    "rep_availability_set",
    "rep_create_with_user",
    "rep_welcome_email_send",
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
