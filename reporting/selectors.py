"""Reads for the reports: who may read which team's report."""

from django.db.models import QuerySet

from routing.models import Team


def report_teams_for_user(user) -> QuerySet[Team]:
    """The teams whose reports the user may read: staff every team, a manager the teams they
    manage, anyone else none (a rep reads only their own page)."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    teams = Team.objects.order_by("name")
    return teams if user.is_staff else teams.filter(manager=user)
