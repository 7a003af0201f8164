"""A lead as the signals and the models see it: plain values, no ORM objects."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from intake.models import Lead

DISPOSABLE_FLAG = "email_disposable"


def email_kind(lead: Lead) -> str:
    if not lead.email_normalized or "email_invalid" in lead.flags:
        return "none"
    if DISPOSABLE_FLAG in lead.flags:
        return "disposable"
    if lead.company_domain:
        return "business"
    return "free"


def local_time(lead: Lead) -> datetime:
    """When the lead arrived in its own time zone (UTC when unknown)."""
    try:
        zone = ZoneInfo(lead.time_zone) if lead.time_zone else ZoneInfo("UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return lead.received_at.astimezone(zone)


def lead_values(lead: Lead) -> dict[str, Any]:
    """What a signal's condition can test: lead fields by name, `attributes`, `flags`."""
    arrived = local_time(lead)
    return {
        "message": lead.message,
        "full_name": lead.full_name,
        "email": lead.email_normalized or lead.email,
        "phone": lead.phone_e164 or lead.phone,
        "company": lead.company,
        "company_domain": lead.company_domain,
        "postal_code": lead.postal_code,
        "city": lead.city,
        "state": lead.state,
        "country": lead.country,
        "time_zone": lead.time_zone,
        "source": lead.source.name,
        "channel": lead.channel,
        "request_type": lead.request_type,
        "utm_source": lead.utm_source,
        "utm_medium": lead.utm_medium,
        "utm_campaign": lead.utm_campaign,
        "landing_page": lead.landing_page,
        "email_kind": email_kind(lead),
        "phone_type": lead.phone_type,
        "hour": arrived.hour,
        "weekday": arrived.isoweekday(),
        "touch_count": lead.touch_count,
        "flags": dict(lead.flags),
        "attributes": dict(lead.attributes),
    }


def lead_record(lead: Lead) -> dict[str, Any]:
    """The models' view of a lead: structured fields, raw attributes, message text."""
    arrived = local_time(lead)
    return {
        "fields": {
            "source": lead.source.name,
            "channel": lead.channel,
            "request_type": lead.request_type,
            "state": lead.state,
            "utm_source": lead.utm_source,
            "utm_medium": lead.utm_medium,
            "utm_campaign": lead.utm_campaign,
            "email_kind": email_kind(lead),
            "has_phone": bool(lead.phone_e164),
            "phone_type": lead.phone_type,
            "has_company": bool(lead.company),
            "hour": arrived.hour,
            "weekday": arrived.isoweekday(),
        },
        "attributes": dict(lead.attributes),
        "text": lead.message,
    }
