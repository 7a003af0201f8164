"""Routing's domain writes."""

from routing.services.engine import parked_leads, route_lead, routing_park, working_now

__all__ = ["parked_leads", "route_lead", "routing_park", "working_now"]
