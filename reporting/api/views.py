from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from leadrouter.api.authentication import BearerKeyAuthentication
from leadrouter.api.permissions import IsUser
from leadrouter.api.schema import READ_ERRORS, WWW_AUTHENTICATE, error_response
from reporting import selectors
from reporting.api.serializers import WeeklyReportSerializer
from reporting.periods import PeriodError


class CanReadReports(BasePermission):
    """Team managers and staff; a rep reads only their own page."""

    message = "Weekly reports are for team managers and staff."

    def has_permission(self, request, view) -> bool:
        return selectors.report_user_may_read(request.user)


class WeeklyReportApi(APIView):
    """One ISO week's report in the team's time zone: the same figures as the weekly page.

    Staff read the whole organisation, or one team with `?team=`. A manager reads the teams
    they manage: without `?team=` their team (a manager of several names one); a team they
    do not manage answers 404, as a team that does not exist.
    """

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUser, CanReadReports]

    @extend_schema(
        parameters=[
            WWW_AUTHENTICATE,
            OpenApiParameter(
                "week",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=r"^\d{4}-W\d{2}$",
                description="The ISO week, for example 2026-W48 (Monday to Sunday).",
            ),
            OpenApiParameter(
                "team",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="A team's name (any case): that team's report, in its time zone.",
            ),
        ],
        responses={
            200: WeeklyReportSerializer,
            400: error_response(
                "`week` is not an ISO week (2026-W48), or `team` is missing for a manager of "
                "several teams: `errors` names the field and why."
            ),
            **READ_ERRORS,
            404: error_response("No team of that name this user may read reports of."),
        },
    )
    def get(self, request, week: str):
        try:
            team = selectors.report_team_for_user(user=request.user, name=request.GET.get("team"))
        except Http404 as missing:
            # The error handler answers a bare Http404 with "Not found."; this one says which.
            raise NotFound(str(missing)) from missing
        try:
            period = selectors.report_period(week, team)
        except PeriodError as error:
            raise ValidationError({"week": [str(error)]}) from error
        # The report the sweep stored if it is recent, else computed now (reportbench).
        report = selectors.report_stored(period=period, team=team) or selectors.report_for_period(
            period=period, team=team
        )
        return Response(WeeklyReportSerializer(report).data)
