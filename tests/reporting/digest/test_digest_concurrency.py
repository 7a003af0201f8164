"""Two clusters sweeping for Monday digests at the same moment (each thread its own connection,
as two clusters would be), on SQLite and PostgreSQL: each manager gets each team's digest once."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from reporting.models import WeeklyDigest
from reporting.tasks import send_weekly_digests
from routing.models import Team
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_0800_CHICAGO = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture
def teams(sales, manager, django_user_model):
    omar = django_user_model.objects.create_user("omar", email="omar@example.com")
    Team.objects.create(name="Renewals", time_zone="America/Chicago", manager=manager)
    Team.objects.create(name="Commercial", time_zone="America/Chicago", manager=omar)
    Team.objects.create(name="Overseas", time_zone="Europe/London", manager=omar)


def sent(mailoutbox) -> Counter:
    return Counter((email.to[0], email.subject.split(" — ")[0]) for email in mailoutbox)


EACH_ONCE = Counter(
    {
        ("maria@example.com", "Sales"): 1,
        ("maria@example.com", "Renewals"): 1,
        ("omar@example.com", "Commercial"): 1,
        ("omar@example.com", "Overseas"): 1,
    }
)


def test_two_sweeps_at_once_send_each_manager_each_teams_digest_once(
    teams, weeks, sync_cluster, mailoutbox, time_machine
):
    time_machine.move_to(MONDAY_0800_CHICAGO, tick=False)

    results = together(send_weekly_digests)

    # Between them the two sweeps claimed the four digests, each once.
    assert sum(int(result.split()[1]) for result in results) == 4
    assert sent(mailoutbox) == EACH_ONCE
    assert set(WeeklyDigest.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert together(send_weekly_digests) == ["queued 0 weekly digest(s)"] * 2
    assert sent(mailoutbox) == EACH_ONCE


def test_two_sweeps_retrying_the_same_stale_claims_send_each_once(
    teams, weeks, sync_cluster, mailoutbox, time_machine
):
    from reporting.services import weekly_digests_claim

    # Claimed at 08:00 by a cluster whose worker died before sending any of them.
    assert len(weekly_digests_claim(now=MONDAY_0800_CHICAGO)) == 4
    time_machine.move_to(MONDAY_0800_CHICAGO + timedelta(minutes=31), tick=False)

    together(send_weekly_digests)

    assert sent(mailoutbox) == EACH_ONCE
    assert set(WeeklyDigest.objects.values_list("state", "attempts")) == {("sent", 2)}
