"""Reporting's writes: only its own rows (the Monday digests it owes and sent)."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from reporting import digest
from reporting.models import OWED_STATES, WeeklyDigest
from reporting.periods import week_parse
from reporting.selectors import report_for_period
from routing.models import Team
from routing.notifications import EmailTransport, TransportError

logger = logging.getLogger(__name__)

GIVEN_UP = "given up: not sent before its catch-up ended (see the cluster's log for why)"


def weekly_digests_claim(*, now: dt.datetime) -> list[tuple[int, int]]:
    """Claim the Monday digests owed at `now`; returns (digest id, attempt) of each claimed,
    for `weekly_digest_send`.

    0. A digest last claimed more than `digest.SENT_UNTIL` ago and still not sent is given
       up on: its catch-up ended (no claim comes after Thursday 08:00), and `GET /health/`
       stops counting it as owed.
    1. For every team with an active manager, the week owed is the last one whose Monday
       08:00 in the team's zone has passed, for three days (`digest.digest_week`). Its row
       (manager, team, week) is inserted unless it exists: two sweeps at once both insert,
       the unique constraint keeps one row.
    2. A manager without an e-mail address gets none: their row is marked skipped (and
       logged, once).
    3. Each owed row of those weeks never claimed, or claimed more than `digest.RETRY_AFTER` ago
       without being sent, is claimed by a conditional update on its attempt number: of two
       sweeps that read the same row, one updates it and the other finds it changed.
    """
    WeeklyDigest.objects.filter(
        state__in=OWED_STATES, claimed_at__lt=now - digest.SENT_UNTIL
    ).update(state=WeeklyDigest.State.SKIPPED, last_error=GIVEN_UP)
    teams = list(
        Team.objects.filter(manager__isnull=False, manager__is_active=True).select_related(
            "manager"
        )
    )
    weeks = {}
    for team in teams:
        week = digest.digest_week(now, ZoneInfo(team.time_zone))
        if week is not None:
            weeks[team.pk] = week.label
    teams = [team for team in teams if team.pk in weeks]
    if not teams:
        return []
    WeeklyDigest.objects.bulk_create(
        [WeeklyDigest(manager=team.manager, team=team, week=weeks[team.pk]) for team in teams],
        ignore_conflicts=True,
    )
    owed_weeks = Q()
    for team in teams:
        owed_weeks |= Q(team=team, manager=team.manager, week=weeks[team.pk])
    owed = WeeklyDigest.objects.filter(owed_weeks, state__in=OWED_STATES)
    for row in owed.filter(manager__email="").select_related("manager", "team"):
        skipped = WeeklyDigest.objects.filter(pk=row.pk, state__in=OWED_STATES).update(
            state=WeeklyDigest.State.SKIPPED, last_error="the manager has no e-mail address"
        )
        if skipped:
            logger.warning(
                "no %s digest for %s: %s has no e-mail address",
                row.week,
                row.team,
                row.manager.get_username(),
            )
    claimed = []
    due = owed.exclude(manager__email="").filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - digest.RETRY_AFTER)
    )
    for row in due.only("pk", "attempts"):
        attempt = row.attempts + 1
        won = WeeklyDigest.objects.filter(
            pk=row.pk, attempts=row.attempts, state__in=OWED_STATES
        ).update(state=WeeklyDigest.State.PENDING, attempts=attempt, claimed_at=now)
        if won:
            claimed.append((row.pk, attempt))
    return claimed


def weekly_digest_send(*, digest_id: int, attempt: int, now: dt.datetime) -> str:
    """Send one claimed digest.

    1. Take it: pending → sending, only for the claim `attempt` names. A task delivered twice,
       or queued by an older claim, takes nothing and sends nothing.
    2. Compute the team's week and the week before (`report_for_period`) and the worst SLA
       misses, and render the e-mail in the team's zone.
    3. Send it. Sent: the row says so. The mail server asks to try later: back to pending,
       and the sweep claims it again after `digest.RETRY_AFTER`. It refuses the address for good:
       skipped. Anything else raises and leaves the row sending, which the sweep also claims
       again after `digest.RETRY_AFTER` — as it does for a worker killed mid-send.

    A worker killed after the mail server accepted the e-mail but before the row says sent
    sends it again half an hour later: better a second copy than a Monday without one.
    """
    taken = WeeklyDigest.objects.filter(
        pk=digest_id, attempts=attempt, state=WeeklyDigest.State.PENDING
    ).update(state=WeeklyDigest.State.SENDING)
    if not taken:
        return "sent or taken by another run"
    row = WeeklyDigest.objects.select_related("manager", "team").get(pk=digest_id)
    this_claim = WeeklyDigest.objects.filter(
        pk=digest_id, attempts=attempt, state=WeeklyDigest.State.SENDING
    )
    if not row.manager.email:
        this_claim.update(
            state=WeeklyDigest.State.SKIPPED, last_error="the manager has no e-mail address"
        )
        return "the manager has no e-mail address"
    team = row.team
    period = week_parse(row.week, ZoneInfo(team.time_zone))
    report = report_for_period(period=period, team=team, as_of=now, with_history=False)
    previous = report_for_period(period=period.previous(), team=team, as_of=now, with_history=False)
    misses = digest.sla_misses_worst(team=team, period=period, as_of=now)
    message = digest.digest_message(team=team, report=report, previous=previous, misses=misses)
    try:
        EmailTransport(row.manager.email).send(message)
    except TransportError as exc:
        if exc.retryable:
            this_claim.update(state=WeeklyDigest.State.PENDING, last_error=str(exc)[:300])
            logger.warning("the %s digest of %s will be retried: %s", row.week, team, exc)
            return f"will retry: {exc}"
        this_claim.update(state=WeeklyDigest.State.SKIPPED, last_error=str(exc)[:300])
        logger.error("the %s digest of %s was not sent: %s", row.week, team, exc)
        return f"not sent: {exc}"
    this_claim.update(state=WeeklyDigest.State.SENT, sent_at=timezone.now(), last_error="")
    return f"sent to {row.manager.email}"
