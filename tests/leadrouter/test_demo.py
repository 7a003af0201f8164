"""The demo organisation lives ten weeks: leads received, routed and worked at plausible
moments by reps with e-mail addresses, a few fresh, overdue and in review; each of the last
eight full weeks has the leads, contacts, wins and misses a weekly report reads."""

import io
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus, Submission
from qualification.models import ReviewTask
from routing.models import Activity, Assignment, RoutingRule, SlaState, SlaStepRecord, TimeOff

pytestmark = pytest.mark.django_db
OFFICE = ZoneInfo("America/Chicago")


# A lighter load than the default (540 leads) over the same ten full weeks: the last eight are
# past the first two, whose leads are the first ones won.
LOAD = ["--leads", "300", "--weeks", "10"]


def test_the_demo_lives_ten_weeks_and_a_second_run_adds_nothing():
    """One load of 300 leads (about 15 s), checked from several sides below."""
    call_command("demo", *LOAD, stdout=io.StringIO())
    first = _counts()
    call_command("demo", *LOAD, stdout=io.StringIO())

    assert _counts() == first
    _outcomes_are_in_plausible_proportions()
    _leads_arrive_over_weeks_mostly_on_weekdays_in_office_hours()
    _assignments_and_calls_carry_their_own_times_not_the_load_time()
    _reps_have_e_mail_addresses_and_were_told_about_their_leads()
    _rules_use_skills_and_territories_and_leads_reach_them()
    _each_of_the_last_eight_full_weeks_has_leads_contacts_wins_and_misses()
    _the_vacation_week_routes_nothing_to_the_rep_away_and_misses_more()
    _sources_differ_in_quality_and_close_rate()
    _leads_change_hands_and_reviews_are_decided()


def _counts() -> dict:
    return {
        "leads": Lead.objects.count(),
        "assignments": Assignment.objects.count(),
        "activities": Activity.objects.count(),
        "events": LeadEvent.objects.count(),
        "submissions": Submission.objects.count(),
        "reviews": ReviewTask.objects.count(),
        "sla steps": SlaStepRecord.objects.count(),
        "time off": TimeOff.objects.count(),
    }


def _monday(moment) -> date:
    """The Monday of a moment's ISO week in the office's zone."""
    day = moment.astimezone(OFFICE).date()
    return day - timedelta(days=day.weekday())


def _last_full_weeks(count: int) -> list[date]:
    this_monday = _monday(timezone.now())
    return [this_monday - timedelta(weeks=n) for n in range(1, count + 1)]


def _recent():
    return Lead.objects.exclude(source__name__startswith="Past leads").exclude(
        email__startswith="sla.demo."
    )


def _outcomes_are_in_plausible_proportions():
    statuses = Counter(_recent().values_list("status", flat=True))
    total = sum(statuses.values())
    closed = statuses[LeadStatus.WON] + statuses[LeadStatus.LOST]

    assert total >= 270
    assert 0.12 <= statuses[LeadStatus.WON] / closed <= 0.35  # the close rate
    assert 0.3 <= statuses[LeadStatus.LOST] / total <= 0.65
    assert statuses[LeadStatus.CONTACTED] + statuses[LeadStatus.QUALIFIED] >= total * 0.1
    assert statuses[LeadStatus.DISQUALIFIED] >= 3
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

    assert _monday(min(received)) == _last_full_weeks(10)[-1]  # ten full weeks back
    assert len({moment.date() for moment in local}) >= 50
    assert sum(moment.weekday() < 5 for moment in local) >= len(local) * 0.75
    assert sum(8 <= moment.hour < 18 for moment in local) >= len(local) * 0.7
    fresh = [moment for moment in received if moment > now - timedelta(hours=3)]
    assert 4 <= len(fresh) <= 10


def _assignments_and_calls_carry_their_own_times_not_the_load_time():
    now = timezone.now()
    first: dict[int, timedelta] = {}
    for assignment in (
        Assignment.objects.filter(lead__in=_recent())
        .select_related("lead")
        .order_by("-assigned_at")  # the earliest last: it stays
    ):
        first[assignment.lead_id] = assignment.assigned_at - assignment.lead.received_at
    delays = list(first.values())
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


def _each_of_the_last_eight_full_weeks_has_leads_contacts_wins_and_misses():
    """What a weekly report reads, week by week in the office's zone: leads arrived, contact
    attempts logged, leads won (in the week they were won), and SLA breaches."""
    received = Counter(_monday(at) for at in _recent().values_list("received_at", flat=True))
    contacted = Counter(_monday(at) for at in Activity.objects.values_list("at", flat=True))
    won = _recent().filter(status=LeadStatus.WON)
    wins = Counter(_monday(at) for at in won.values_list("closed_at", flat=True))
    breached = LeadEvent.objects.filter(kind=LeadEvent.Kind.SLA_BREACHED, lead__in=_recent())
    breaches = Counter(_monday(at) for at in breached.values_list("at", flat=True))

    assert len(received) >= 9
    for monday in _last_full_weeks(8):
        assert received[monday] >= 12, monday
        assert contacted[monday] >= 10, monday
        assert wins[monday] >= 1, monday
    assert sum(breaches[monday] for monday in _last_full_weeks(8)) >= 8
    # A trend: the last four full weeks had more leads than the four before.
    weeks = _last_full_weeks(8)
    assert sum(received[m] for m in weeks[:4]) > sum(received[m] for m in weeks[4:])


def _the_vacation_week_routes_nothing_to_the_rep_away_and_misses_more():
    time_off = TimeOff.objects.get()
    vacation = _monday(time_off.starts_at)
    breached = LeadEvent.objects.filter(kind=LeadEvent.Kind.SLA_BREACHED, lead__in=_recent())
    breaches = Counter(_monday(at) for at in breached.values_list("at", flat=True))
    others = sorted(breaches[monday] for monday in _last_full_weeks(8) if monday != vacation)

    assert time_off.rep.user.username == "rosa" and vacation in _last_full_weeks(8)
    assert not Assignment.objects.filter(
        rep=time_off.rep, assigned_at__gte=time_off.starts_at, assigned_at__lt=time_off.ends_at
    ).exists()
    assert breaches[vacation] > others[len(others) // 2]


def _sources_differ_in_quality_and_close_rate():
    """The lead vendor sends more junk and test leads and closes worst; referrals close best."""

    def share(source: str, **lookup) -> float:
        leads = Lead.objects.filter(source__name=source)
        return leads.filter(**lookup).count() / leads.count()

    def close_rate(source: str) -> float:
        closed = Lead.objects.filter(source__name=source, status__in=["won", "lost"])
        return closed.filter(status="won").count() / closed.count()

    vendor, referrals = "Lead vendor: QuoteWizard", "Partner referrals API"
    junk = {"flags__has_any_keys": ["phone_invalid", "email_disposable", "email_domain_typo"]}
    assert share(vendor, **junk) > share(referrals, **junk)
    assert share(vendor, is_test=True) > 0
    assert close_rate(referrals) > close_rate(vendor)
    spam = Submission.objects.filter(status=Submission.Status.SPAM)
    assert spam.filter(source__name="Website contact form").exists()


def _leads_change_hands_and_reviews_are_decided():
    """Reassigned by the SLA sweep, handed back, moved by the manager; reminders sent; review
    decisions, some of them corrections; all in past weeks."""
    weeks_ago = timezone.now() - timedelta(weeks=1)
    moved = Counter(
        Assignment.objects.filter(assigned_at__lt=weeks_ago).values_list("reason", flat=True)
    )
    assert moved[Assignment.Reason.SLA] >= 3
    assert moved[Assignment.Reason.MANUAL] >= 2
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.HANDED_BACK, at__lt=weeks_ago).exists()
    assert SlaStepRecord.objects.filter(kind="remind", done_at__lt=weeks_ago).count() >= 10
    decisions = Counter(
        ReviewTask.objects.filter(decided_at__lt=weeks_ago).values_list("decision", flat=True)
    )
    assert decisions[ReviewTask.Decision.CONFIRMED] >= 3
    assert decisions[ReviewTask.Decision.CORRECTED] >= 1
