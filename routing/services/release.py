"""The after-hours sweeps' work: held leads released at their opening, and leads waiting in a
team's queue offered again to the team's reps once one is available. Both route through the
engine (`route_lead`), so the rotation stays fair: 5,000 leads held overnight for 50 reps go
out 100 each, not to whoever's turn it was first.

Both are claimed one at a time, so two clusters running a sweep at once (or one run delivered
twice) never route a lead twice: a held lead by its `HeldLead` row (PostgreSQL
`SKIP LOCKED`, then a conditional update on `released_at`), a queued lead by the engine's own
check under the lead's lock that its queue assignment is still the lead's.
"""

import logging
import traceback
from collections import Counter
from datetime import datetime
from functools import cache

from django.db import connection, transaction

from leadrouter import sql
from routing import selectors
from routing.models import Assignment, HeldLead
from routing.services.engine import route_lead
from routing.services.recovery import routing_park

logger = logging.getLogger(__name__)

# Leads one sweep run lists at a time. The release sweep lists again until none is due (or
# its time is up); the offer sweep takes one batch a minute.
RELEASE_BATCH = 500
OFFER_BATCH = 200

NOT_CLAIMED = "claimed elsewhere"


def held_lead_release(*, hold: HeldLead, now: datetime) -> str:
    """Release one held lead, as `held_leads_due` listed it, and route it through the engine;
    the decision's outcome ("assigned", "held" again when still nobody works, a fallback's…),
    `NOT_CLAIMED` when another worker has it, "not needed" when the lead was routed by other
    means meanwhile (a manager assigned it by hand), "error" when routing failed.

    1. Lock the hold, skipping it when another sweep has it locked (PostgreSQL), and claim it
       by a conditional update on `released_at` (the guard on SQLite, whose IMMEDIATE
       transactions serialize the sweeps).
    2. Route the lead in the same transaction: a crash rolls back the claim too, so the lead
       is never left released and unrouted.
    3. Routing failed: release the hold and park the lead (its error on its timeline; the
       parked-lead sweep retries it), so a lead that cannot be routed is not retried every
       minute as a due hold.
    """
    try:
        with transaction.atomic():
            if not _claim(hold, now):
                return NOT_CLAIMED
            decision = route_lead(hold.lead, now=now, released=hold)
    except Exception:
        logger.exception("Releasing held lead %s failed; it is parked for a retry", hold.lead_id)
        error = traceback.format_exc()
        with transaction.atomic():
            if not _claim(hold, now):
                return NOT_CLAIMED
            routing_park(lead=hold.lead, error=error)
        return "error"
    return decision.outcome if decision else "not needed"


def _claim(hold: HeldLead, now: datetime) -> bool:
    # Another sweep routing this lead right now holds the row (PostgreSQL): skip it rather
    # than wait. SQLite has no row locks; its IMMEDIATE transactions serialize the sweeps.
    skip_locked = connection.features.has_select_for_update_skip_locked
    if skip_locked and not sql.fetch_all(
        _lock_unless_locked_statement(connection.vendor), [hold.pk]
    ):
        return False
    # If it updated nothing, another worker got there first.
    return bool(
        sql.update_where(
            HeldLead, {"released_at": now}, id=hold.pk, released_at=None, hold_until__lte=now
        )
    )


# Why plain SQL (`leadrouter.sql`): the claim runs once per released lead, and through the ORM
# (a locking SELECT and a conditional UPDATE, each compiled every time) it took 2.3 ms of a
# lead's 11.7 ms release under a profiler on SQLite; written here the release took 9.3 ms
# (README, "Benchmarks", `bench/run release`).
@cache
def _lock_unless_locked_statement(vendor: str) -> str:
    h = sql.Table(HeldLead)
    return (
        f"SELECT {h['id']} FROM {h} WHERE {h['id']} = %s AND {h['released_at']} IS NULL "  # noqa: S608 - names from meta
        "FOR UPDATE SKIP LOCKED"
    )


def held_leads_release(*, now: datetime, limit: int = RELEASE_BATCH) -> Counter:
    """Release up to `limit` due held leads, urgent first, then in arrival order; how many
    had each outcome (`held_lead_release`)."""
    outcomes: Counter = Counter()
    for hold in selectors.held_leads_due(now=now)[:limit]:
        outcomes[held_lead_release(hold=hold, now=now)] += 1
    return outcomes


def queued_lead_offer(*, assignment: Assignment, now: datetime) -> bool:
    """Offer one queued lead, as `queued_leads_to_offer` listed it, to the reps its rules
    have now; whether a rep took it. Routed by the engine under the lead's lock, only while
    that queue assignment is still the lead's and unpinned; nothing is recorded when nobody
    can take it (it stays in its queue)."""
    return route_lead(assignment.lead, now=now, offered_from=assignment) is not None


def queued_leads_offer(*, now: datetime, limit: int = OFFER_BATCH) -> int:
    """Offer up to `limit` queued leads of teams with a rep available now (urgent first,
    then the longest waiting); how many a rep took."""
    return sum(
        queued_lead_offer(assignment=assignment, now=now)
        for assignment in selectors.queued_leads_to_offer(now=now)[:limit]
    )
