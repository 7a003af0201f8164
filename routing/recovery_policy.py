"""When the repairs of `routing.services.recovery` apply: how long a lead or a notification
waits before a sweep counts it as stranded or owed, and how often a repair is tried. Read by
the sweeps' selectors and by the repairs alike, so it lives beside neither."""

from datetime import timedelta

# A lead is stranded when nothing touched it for this long. A request takes well under a
# second to take a lead from intake through routing (and every step updates the lead or
# leaves it owned): two minutes leaves any lead being processed right now to its request.
STRANDED_AFTER = timedelta(minutes=2)
# Attempts before a lead whose qualification keeps failing goes to a person instead.
RECOVERY_ATTEMPTS = 5

# The normal path queues an assignment's notification a few milliseconds after the commit and
# sends it in well under a second: one not complete after two minutes was never queued (or
# its worker died). Older than a day, it is left alone: the rep has seen the lead in their
# queue by then, and a "new lead" message about yesterday's lead is worse than none.
NOTIFY_OWED_AFTER = timedelta(minutes=2)
NOTIFY_OWED_WITHIN = timedelta(hours=24)
# Queued again at most this often: the cluster retries a retryable failure itself (5 attempts,
# 90 s apart), so the sweep stays out of its way and adds at most one run per 15 minutes.
NOTIFY_REQUEUE_EVERY = timedelta(minutes=15)


def recovery_backoff(attempt: int) -> timedelta:
    """How long the sweep leaves a lead alone after its `attempt`-th try: 2, 4, 8, 16 min."""
    return timedelta(minutes=2**attempt)
