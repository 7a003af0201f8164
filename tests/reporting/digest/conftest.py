"""The Monday digest's fixtures: a team with a manager, a synchronous cluster, and the team's
weeks as hand-built reports (the digest renders `report_for_period`'s Report; the figures
themselves are tested with the metrics)."""

import datetime as dt
from decimal import Decimal

import pytest

from reporting.periods import Period
from reporting.report import Report, Review, Signals, Speed, Totals
from routing.models import Team


def hand_report(period: Period, team, as_of: dt.datetime, **totals) -> Report:
    """A report of `period` whose totals are `totals` (and `first_contact_p50` seconds)."""
    p50 = totals.pop("first_contact_p50", None)
    return Report(
        period=period,
        team=team.name,
        time_zone=period.zone.key,
        as_of=as_of,
        totals=Totals(**totals),
        signals=Signals(speed_to_first_contact_business=Speed(count=1, p50_seconds=p50)),
        headlines=[],
        by_source=[],
        by_channel=[],
        by_rule=[],
        by_rep=[],
        review=Review(),
        top_flags=[],
        days=[],
        first_contact_buckets=[],
    )


WEEK_48 = {
    "received": 54,
    "assigned": 50,
    "contacted": 47,
    "first_contact_p50": 6 * 60,
    "sla_met": 41,
    "sla_total": 45,
    "sla_met_rate": 41 / 45,
    "won": 6,
    "won_value": Decimal("12500"),
}
WEEK_47 = {
    "received": 42,
    "assigned": 40,
    "contacted": 40,
    "first_contact_p50": 9 * 60,
    "sla_met": 35,
    "sla_total": 40,
    "sla_met_rate": 35 / 40,
    "won": 6,
    "won_value": Decimal("9000"),
}


@pytest.fixture
def weeks(monkeypatch):
    """`report_for_period` answering from hand-built weeks by label (other weeks: empty), and
    recording what it was asked."""
    figures: dict[str, dict] = {"2026-W48": WEEK_48, "2026-W47": WEEK_47}
    asked: list[tuple[str, str, str]] = []

    def report_for_period(*, period, team, as_of=None, **options):
        asked.append((period.label, period.zone.key, team.name))
        return hand_report(period, team, as_of, **figures.get(period.label, {}))

    monkeypatch.setattr("reporting.services.report_for_period", report_for_period)
    return asked


@pytest.fixture
def sync_cluster(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_user(
        "maria", email="maria@example.com", first_name="Maria"
    )


@pytest.fixture
def sales(db, manager):
    return Team.objects.create(name="Sales", time_zone="America/Chicago", manager=manager)
