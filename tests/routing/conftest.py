"""Routing's people: personas for ownership tests and handing a lead over (reps, rules and
leads written directly are in tests/conftest.py, shared with the pipeline's tests)."""

import pytest

from routing.models import Team


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
