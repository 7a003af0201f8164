"""Hand-built weeks: the rows intake, qualification and routing write, written directly with the
times each test depends on, so that every figure has a known answer."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from intake.models import Contact, Lead, LeadEvent, LeadStatus, Submission
from qualification.models import ReviewTask
from routing.models import Activity, Assignment
from tests.reporting.hand_built import busy_report

CHICAGO = ZoneInfo("America/Chicago")


def chicago(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def make_lead(source):
    def make(received_at, *, source=source, status=LeadStatus.NEW, **fields) -> Lead:
        return Lead.objects.create(
            contact=Contact.objects.create(),
            source=source,
            channel=fields.pop("channel", source.channel),
            status=status,
            received_at=received_at,
            **fields,
        )

    return make


@pytest.fixture
def assign():
    """An assignment of `lead` to a rep or a team's queue from `at`; the lead's previous
    assignment ends then, as `assignment_replace` does."""

    def assign(lead, at, *, rep=None, team=None, reason=Assignment.Reason.INITIAL, **fields):
        Assignment.objects.filter(lead=lead, ended_at__isnull=True).update(ended_at=at)
        return Assignment.objects.create(
            lead=lead,
            rep=rep,
            user=rep.user if rep else None,
            queue_team=team,
            reason=reason,
            assigned_at=at,
            **fields,
        )

    return assign


@pytest.fixture
def attempt():
    def attempt(lead, at, *, rep=None) -> Activity:
        return Activity.objects.create(
            lead=lead,
            rep=rep,
            user=rep.user if rep else None,
            kind=Activity.Kind.CALL,
            outcome=Activity.Outcome.NO_ANSWER,
            at=at,
        )

    return attempt


@pytest.fixture
def close():
    def close(lead, at, *, won=True, value=None) -> Lead:
        lead.status = LeadStatus.WON if won else LeadStatus.LOST
        lead.closed_at = at
        lead.outcome_value = Decimal(value) if value is not None else None
        lead.save(update_fields=["status", "closed_at", "outcome_value"])
        return lead

    return close


@pytest.fixture
def hand_back():
    def hand_back(lead, at, *, rep, team, assign) -> None:
        assign(lead, at, team=team, reason=Assignment.Reason.FALLBACK)
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.HANDED_BACK, at=at, actor=rep.user, data={}
        )

    return hand_back


@pytest.fixture
def review():
    def review(lead, created_at, *, decided_at=None, decision="") -> ReviewTask:
        task = ReviewTask.objects.create(lead=lead)
        done = ReviewTask.Status.DONE if decided_at else ReviewTask.Status.OPEN
        ReviewTask.objects.filter(pk=task.pk).update(
            created_at=created_at, decided_at=decided_at, decision=decision, status=done
        )
        return task

    return review


@pytest.fixture
def submission(source):
    def submission(received_at, status, *, lead=None, source=source) -> Submission:
        return Submission.objects.create(
            source=source, door="api", received_at=received_at, status=status, lead=lead, body=b"{}"
        )

    return submission


@pytest.fixture
def served_report(monkeypatch):
    """Serve a hand-built report (`busy_report` unless told otherwise) for whatever period and
    team a page asks for, and remember what it asked."""
    asked: list[dict] = []

    def serve(build=busy_report):
        def report_for_period(*, period, team, as_of=None, with_history=True):
            asked.append({"period": period, "team": team})
            return build(period, team=team.name if team else None)

        monkeypatch.setattr(
            "reporting.selectors.report_for_period", report_for_period, raising=False
        )
        return asked

    return serve


# The ownership personas (a manager of team A, two of its reps, a rep and the manager of
# team B, staff) are routing's; the report pages are tested with the same people.
from tests.routing.conftest import give, personas  # noqa: E402, F401
