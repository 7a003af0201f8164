"""Reporting's writes, all to its own tables: the Monday digests it owes and sent, and the
reports the sweep computes ahead."""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import time
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from intake.selectors import organisation_time_zone
from reporting import digest
from reporting.models import (
    OWED_STATES,
    StoredReport,
    WeeklyDigest,
    report_shape,
    stored_report_key,
)
from reporting.periods import Period, week_of, week_parse
from reporting.report import Report
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


def stored_report_save(*, report: Report, team: Team | None, seconds: float) -> None:
    """Keep `report` as the stored one of its period and scope: one upsert, so two clusters
    sweeping at once both succeed (the later one's stays)."""
    row = StoredReport(
        key=stored_report_key(report.period, team),
        team=team,
        period=report.period.label,
        time_zone=report.period.zone.key,
        as_of=report.as_of,
        seconds=seconds,
        shape=report_shape(),
        report=pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL),
    )
    StoredReport.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["as_of", "seconds", "shape", "report"],
    )


def reports_to_refresh(now: dt.datetime) -> list[tuple[Period, Team | None]]:
    """The weeks a manager reads: the running one and the one before, of every team in its
    zone and of the organisation in its own zone and in each team's."""
    teams = list(Team.objects.order_by("name"))
    wanted: list[tuple[Period, Team | None]] = []
    org_zones = {organisation_time_zone().key} | {team.time_zone for team in teams}
    scopes = [(team, team.time_zone) for team in teams] + [(None, z) for z in sorted(org_zones)]
    for team, zone in scopes:
        current = week_of(now, ZoneInfo(zone))
        wanted += [(current, team), (current.previous(), team)]
    return wanted


# A run stops starting new reports after this long, so that it ends well inside the cluster's
# 60-second task timeout: over a large history one report takes seconds (about 8 s for a week
# of 20,000 leads), and a run killed by the timeout would store nothing after its first reports.
REFRESH_BUDGET_SECONDS = 40.0


def reports_refresh(*, now: dt.datetime, budget_seconds: float = REFRESH_BUDGET_SECONDS) -> int:
    """Compute and store the reports `reports_to_refresh` names, the stalest first (never
    stored, stored by older code, then by age), until `budget_seconds` have gone; how many.
    What a run leaves is the stalest for the next one, so every report is refreshed in turn
    however long each takes. Each is a live report (as of the moment it is computed), so that
    the earlier weeks' headline figures come from `report_for_period`'s 15-minute cache: a run
    recomputes the two weeks themselves."""
    wanted = reports_to_refresh(now)
    keys = [stored_report_key(period, team) for period, team in wanted]
    stored_at = {
        key: as_of
        for key, as_of in StoredReport.objects.filter(key__in=keys, shape=report_shape())
        .values_list("key", "as_of")
        .iterator()
    }
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    order = sorted(range(len(wanted)), key=lambda i: stored_at.get(keys[i], never))
    began = time.perf_counter()
    stored = 0
    for index in order:
        if stored and time.perf_counter() - began >= budget_seconds:
            break
        period, team = wanted[index]
        started = time.perf_counter()
        report = report_for_period(period=period, team=team)
        stored_report_save(report=report, team=team, seconds=time.perf_counter() - started)
        stored += 1
    return stored
