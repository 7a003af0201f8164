"""The demo organisation lives a few weeks: leads received, routed and worked at plausible
moments by reps with e-mail addresses, a few fresh, overdue and in review."""

import io
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus
from routing.models import Activity, Assignment, RoutingRule, SlaState

pytestmark = pytest.mark.django_db
OFFICE = ZoneInfo("America/Chicago")


def test_the_demo_lives_a_few_weeks_and_a_second_run_adds_nothing():
    """One load of 160 leads (seconds), checked from several sides below."""
    call_command("demo", "--leads", "160", stdout=io.StringIO())
    first = _counts()
    call_command("demo", "--leads", "160", stdout=io.StringIO())

    assert _counts() == first
    _outcomes_are_in_plausible_proportions()
    _leads_arrive_over_weeks_mostly_on_weekdays_in_office_hours()
    _assignments_and_calls_carry_their_own_times_not_the_load_time()
    _reps_have_e_mail_addresses_and_were_told_about_their_leads()
    _rules_use_skills_and_territories_and_leads_reach_them()


def _counts() -> dict:
    return {
        "leads": Lead.objects.count(),
        "assignments": Assignment.objects.count(),
        "activities": Activity.objects.count(),
        "events": LeadEvent.objects.count(),
    }


def _recent():
    return Lead.objects.exclude(source__name__startswith="Past leads").exclude(
        email__startswith="sla.demo."
    )


def _outcomes_are_in_plausible_proportions():
    statuses = Counter(_recent().values_list("status", flat=True))
    total = sum(statuses.values())

    assert total >= 140
    assert 0.10 <= statuses[LeadStatus.WON] / total <= 0.35
    assert 0.12 <= statuses[LeadStatus.LOST] / total <= 0.45
    assert statuses[LeadStatus.CONTACTED] + statuses[LeadStatus.QUALIFIED] >= total * 0.15
    assert statuses[LeadStatus.REVIEW] >= 2
    assert statuses[LeadStatus.ASSIGNED] >= 3
    assert statuses[LeadStatus.NEW] >= 1  # handed back: it waits in the team's queue
    won = _recent().filter(status=LeadStatus.WON)
    assert not won.filter(outcome_value__isnull=True).exists()
    lost = _recent().filter(status=LeadStatus.LOST)
    assert not lost.filter(lost_reason="").exists()
    assert lost.values("lost_reason").distinct().count() >= 3


def _leads_arrive_over_weeks_mostly_on_weekdays_in_office_hours():
    now = timezone.now()
    received = list(_recent().values_list("received_at", flat=True))
    local = [moment.astimezone(OFFICE) for moment in received]

    assert min(received) < now - timedelta(days=21)
    assert len({moment.date() for moment in local}) >= 15
    assert sum(moment.weekday() < 5 for moment in local) >= len(local) * 0.75
    assert sum(8 <= moment.hour < 18 for moment in local) >= len(local) * 0.7
    fresh = [moment for moment in received if moment > now - timedelta(hours=3)]
    assert 4 <= len(fresh) <= 10


def _assignments_and_calls_carry_their_own_times_not_the_load_time():
    now = timezone.now()
    first = Assignment.objects.filter(lead__in=_recent()).order_by("lead", "assigned_at")
    delays = [a.assigned_at - a.lead.received_at for a in first.select_related("lead").distinct()]
    assert sum(delay <= timedelta(minutes=5) for delay in delays) >= len(delays) * 0.8
    calls = list(Activity.objects.values_list("at", flat=True))
    assert len(calls) >= 100
    assert sum(at < now - timedelta(days=1) for at in calls) >= len(calls) * 0.8
    assert len({at.astimezone(OFFICE).date() for at in calls}) >= 12
    states = Counter(Assignment.objects.values_list("sla_state", flat=True))
    assert states[SlaState.MET] > states[SlaState.BREACHED] > 0


def _reps_have_e_mail_addresses_and_were_told_about_their_leads():
    reps = get_user_model().objects.filter(username__in=["rosa", "kenji", "amara", "liam"])

    assert sorted(reps.values_list("email", flat=True)) == [
        "amara@demo.leadrouter.test",
        "kenji@demo.leadrouter.test",
        "liam@demo.leadrouter.test",
        "rosa@demo.leadrouter.test",
    ]
    for rep in reps:
        assert rep.check_password("demo-password")
        assert rep.rep.skills.exists() and rep.rep.territories.exists()
    told = LeadEvent.objects.filter(kind=LeadEvent.Kind.NOTIFIED, lead__in=_recent())
    assert told.count() >= 100
    assert told.filter(at__lt=timezone.now() - timedelta(days=7)).exists()


def _rules_use_skills_and_territories_and_leads_reach_them():
    emergency = RoutingRule.objects.get(name="Service emergencies: trained reps")
    territory = RoutingRule.objects.get(name="Southeast and West: territory reps")

    assert list(emergency.required_skills.values_list("name", flat=True)) == ["Emergency service"]
    assert territory.require_territory
    routed_by = Counter(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.ROUTED).values_list("message", flat=True)
    )
    assert any(message.startswith(f"Rule “{emergency.name}”") for message in routed_by)
    assert any(message.startswith(f"Rule “{territory.name}”") for message in routed_by)
