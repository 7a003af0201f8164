"""django-q2 tasks of routing. Their dotted paths are an API: schedules name them."""

import time
from collections import Counter

from django.utils import timezone

from leadrouter import pipeline
from leadrouter.heartbeat import record_sweep
from routing import notifications, selectors, services
from routing.services import calls


def route_parked_leads() -> str:
    """Retry leads whose routing failed (every minute, by a schedule made in a migration).
    Each lead is claimed first: another cluster, or this run delivered twice, may be retrying
    the same leads right now."""
    with record_sweep("routing: retry parked leads") as beat:
        beat.rows_acted = 0
        for lead in selectors.parked_leads()[:200]:
            if services.parked_lead_claim(lead=lead):
                pipeline.routing_step(lead)
                beat.rows_acted += 1
    return f"retried {beat.rows_acted} parked lead(s)"


def notify_assignment(assignment_id: int) -> str:
    """Tell the owner and the Slack channels about a new assignment (queued after commit by
    `routing.notifications.assignment_notify_on_commit`). Raises when a retry can help."""
    return notifications.assignment_notify(assignment_id)


def notify_missed_call(call_id: int) -> str:
    """Tell the owner and the manager about an inbound call nobody answered (queued after
    commit by `routing.notifications.missed_call_notify_on_commit`)."""
    return notifications.missed_call_notify(call_id)


def place_instant_callback(call_id: int) -> str:
    """Ask Twilio to ring the rep of a new urgent lead (queued after commit by
    `routing.services.calls.instant_callback_offer`); placed once even if run twice."""
    return calls.instant_callback_place(call_id=call_id)


def send_rep_welcome(user_id: int, site_url: str) -> str:
    """E-mail a new rep the link to set their password (queued after commit by
    `routing.services.rep_create_with_user`)."""
    sent = services.rep_welcome_email_send(user_id=user_id, site_url=site_url)
    return "sent" if sent else "nothing to send"


def recover_stranded_leads() -> str:
    """Run the remaining steps of leads a killed process left between two steps (every
    minute, by a schedule made in a migration): `leadrouter.pipeline.recover_stranded_lead`
    claims each first, so two clusters never both repair one lead."""
    with record_sweep("routing: recover stranded leads") as beat:
        outcomes = Counter(
            pipeline.recover_stranded_lead(lead)
            for lead in selectors.stranded_leads(now=timezone.now())[:200]
        )
        outcomes.pop("claimed elsewhere", None)
        beat.rows_acted = outcomes.total()
    return f"recovered {outcomes.total()} stranded lead(s)" + "".join(
        f"; {outcome}: {count}" for outcome, count in sorted(outcomes.items())
    )


def notify_owed_assignments() -> str:
    """Queue again the notifications of assignments whose queueing was lost (a worker killed
    between the routing commit and its on-commit enqueue), every minute, by a schedule made
    in a migration. Each is claimed first; the notify task skips channels already told."""
    with record_sweep("routing: send owed notifications") as beat:
        now = timezone.now()
        beat.rows_acted = 0
        for assignment in selectors.assignments_owing_notification(now=now)[:200]:
            if services.owed_notification_claim(assignment=assignment, now=now):
                notifications.assignment_notify_enqueue(assignment.pk)
                beat.rows_acted += 1
    return f"queued {beat.rows_acted} owed notification(s)"


def sweep_sla() -> str:
    """Perform every due step of every SLA clock, each exactly once (every minute, by the
    schedule "routing: SLA sweep" made in a migration; two clusters may run it at once)."""
    with record_sweep("routing: SLA sweep") as beat:
        beat.rows_acted = services.sla_sweep(timezone.now())
    return f"acted on {beat.rows_acted} SLA point(s)"


def notify_sla_step(record_id: int) -> str:
    """Send an SLA reminder or manager notification (queued after the sweep's commit by
    `routing.notifications.sla_step_notify_on_commit`). Raises when a retry can help."""
    return notifications.sla_step_notify(record_id)


def recycle_leads() -> str:
    """Apply the recycling rules: leads nobody works, or lost ones worth another try, go back
    to a pool or a queue, each at most once per run and within its cap (every hour, by the
    schedule "routing: recycle leads" made in a migration; two clusters may run it at once)."""
    with record_sweep("routing: recycle leads") as beat:
        beat.rows_acted = services.recycling_sweep(timezone.now())
    return f"recycled {beat.rows_acted} lead(s)"


# A release run stops listing new batches after this long: the next run (a minute later)
# goes on, and a second cluster's run shares the work meanwhile.
RELEASE_RUN_SECONDS = 45


def release_held_leads() -> str:
    """Route the held leads whose opening has come (every minute, by the schedule "routing:
    release held leads" made in a migration), urgent first, then in arrival order, batch
    after batch until none is due; each claimed first, so two clusters never route one twice."""
    with record_sweep("routing: release held leads") as beat:
        started = time.monotonic()
        outcomes: Counter = Counter()
        while time.monotonic() - started < RELEASE_RUN_SECONDS:
            batch = services.held_leads_release(now=timezone.now())
            outcomes += batch
            if batch.total() < services.RELEASE_BATCH:
                break
        outcomes.pop(services.NOT_CLAIMED, None)
        beat.rows_acted = outcomes.total()
    return f"released {outcomes.total()} held lead(s)" + "".join(
        f"; {outcome}: {count}" for outcome, count in sorted(outcomes.items())
    )


def offer_queued_leads() -> str:
    """Offer the leads waiting in a team's queue to the team's reps once one is available
    (back from time off, a shift starting, capacity freed), every minute, by the schedule
    "routing: offer queued leads" made in a migration; pinned leads stay where they are."""
    with record_sweep("routing: offer queued leads") as beat:
        beat.rows_acted = services.queued_leads_offer(now=timezone.now())
    return f"{beat.rows_acted} queued lead(s) taken by a rep"


def hubspot_events_apply(submission_id: int) -> str:
    """Apply a batch of HubSpot events (a deal closed, a contact become a customer) to the
    leads they name; queued by the HubSpot door once the batch is stored. It fails (and
    django-q2 runs it again after `retry`) while HubSpot cannot be read for a passing reason."""
    return services.hubspot_events_apply(submission_id=submission_id)
