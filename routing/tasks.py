"""django-q2 tasks of routing. Their dotted paths are an API: schedules name them."""

from leadrouter import pipeline
from routing import notifications, services


def route_parked_leads() -> str:
    """Retry leads whose routing failed (every minute, by a schedule made in a migration).
    Each lead is claimed first: another cluster, or this run delivered twice, may be retrying
    the same leads right now."""
    retried = 0
    for lead in services.parked_leads()[:200]:
        if services.parked_lead_claim(lead=lead):
            pipeline.route_lead(lead)
            retried += 1
    return f"retried {retried} parked lead(s)"


def notify_assignment(assignment_id: int) -> str:
    """Tell the owner and the Slack channels about a new assignment (queued after commit by
    `routing.notifications.assignment_notify_on_commit`). Raises when a retry can help."""
    return notifications.assignment_notify(assignment_id)
