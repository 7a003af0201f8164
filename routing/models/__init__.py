"""Routing's models, one module per concern; everything is importable from `routing.models`."""

from routing.models.assignments import Activity, Assignment, RoutingDecision, SlaState
from routing.models.calendars import BusinessCalendar, CalendarClosure, OpeningHours
from routing.models.calls import PhoneCall
from routing.models.holds import HeldLead
from routing.models.hubspot import HubSpotConnection, HubSpotContact, HubSpotOwner, HubSpotSyncEntry
from routing.models.licences import LicenceRequirement
from routing.models.recycling import RecyclingRule
from routing.models.rules import RotationState, RoutingRule
from routing.models.sla import SlaPolicy, SlaStep, SlaStepRecord, SlaTarget
from routing.models.teams import AvailabilityChange, Rep, Skill, Team, Territory, TimeOff
from routing.models.validation import (
    WEEKDAY_CHOICES,
    WEEKDAYS,
    hhmm,
    holiday_countries,
    holiday_country_choices,
    holiday_subdivisions,
    parse_working_hours,
    validate_opening_hours,
    validate_state_codes,
    validate_webhook_url,
)

__all__ = [
    "WEEKDAYS",
    "WEEKDAY_CHOICES",
    "Activity",
    "Assignment",
    "AvailabilityChange",
    "BusinessCalendar",
    "CalendarClosure",
    "HeldLead",
    "HubSpotConnection",
    "HubSpotContact",
    "HubSpotOwner",
    "HubSpotSyncEntry",
    "LicenceRequirement",
    "OpeningHours",
    "PhoneCall",
    "RecyclingRule",
    "Rep",
    "RotationState",
    "RoutingDecision",
    "RoutingRule",
    "Skill",
    "SlaPolicy",
    "SlaState",
    "SlaStep",
    "SlaStepRecord",
    "SlaTarget",
    "Team",
    "Territory",
    "TimeOff",
    "hhmm",
    "holiday_countries",
    "holiday_country_choices",
    "holiday_subdivisions",
    "parse_working_hours",
    "validate_opening_hours",
    "validate_state_codes",
    "validate_webhook_url",
]
