import itertools

import pytest
from django.utils import timezone

from intake.models import Contact, Lead, LeadStatus
from routing.models import Rep, RoutingRule, Team

_numbers = itertools.count(1)


@pytest.fixture
def team(db):
    return Team.objects.create(name="Austin office", time_zone="America/Chicago")


@pytest.fixture
def make_rep(team, django_user_model):
    def make(name=None, **fields):
        name = name or f"rep{next(_numbers)}"
        user = django_user_model.objects.create_user(name, first_name=name.title())
        return Rep.objects.create(user=user, team=fields.pop("team", team), **fields)

    return make


@pytest.fixture
def make_rule(team):
    def make(name="Everyone", pool_reps=(), **fields):
        fields.setdefault("pool_team", None if pool_reps else team)
        fields.setdefault("require_working_now", False)
        rule = RoutingRule.objects.create(name=name, **fields)
        rule.pool_reps.set(pool_reps)
        return rule

    return make


@pytest.fixture
def make_leads(source):
    """n open, qualified-or-not leads written directly (no pipeline), fast enough for load tests."""

    def make(n, **fields):
        contacts = Contact.objects.bulk_create([Contact() for _ in range(n)])
        now = timezone.now()
        return Lead.objects.bulk_create(
            [
                Lead(
                    contact=contact,
                    source=source,
                    channel=source.channel,
                    status=LeadStatus.NEW,
                    received_at=now,
                    last_touch_at=now,
                    **fields,
                )
                for contact in contacts
            ]
        )

    return make


@pytest.fixture
def personas(team, make_rep, django_user_model):
    """The manager of team A (`team`), two of its reps, a rep of team B, and a staff user; each
    user's password is "pw-<username>-1234"."""
    from types import SimpleNamespace

    def user(name, **fields):
        return django_user_model.objects.create_user(
            name, f"{name}@example.com", f"pw-{name}-1234", first_name=name.title(), **fields
        )

    manager = user("mia")
    team.manager = manager
    team.save(update_fields=["manager"])
    other_team = Team.objects.create(name="Dallas office", manager=user("dan"))
    return SimpleNamespace(
        team=team,
        other_team=other_team,
        manager=manager,
        other_manager=other_team.manager,
        ann=make_rep("ann"),
        bob=make_rep("bob"),
        cat=make_rep("cat", team=other_team),
        staff=user("sue", is_staff=True),
    )


@pytest.fixture
def give(personas):
    """Give a lead to a rep (or a team queue) the way a manager does: through the service."""
    from routing.services import lead_assign_manually

    def give(lead, rep=None, team=None):
        return lead_assign_manually(lead=lead, user=personas.staff, rep=rep, team=team)

    return give
