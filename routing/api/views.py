from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from leadrouter.api.authentication import BearerKeyAuthentication
from leadrouter.api.permissions import IsUser
from leadrouter.api.schema import LIST_ERRORS, WWW_AUTHENTICATE
from routing import selectors
from routing.api.serializers import RepSerializer
from routing.filters import RepFilter


class CanViewReps(BasePermission):
    """Managers (of a team) and staff; a plain rep may not list reps."""

    message = "Only team managers and staff can list reps."

    def has_permission(self, request, view) -> bool:
        return selectors.user_can_view_reps(request.user)


@extend_schema_view(
    get=extend_schema(
        parameters=[WWW_AUTHENTICATE], responses={200: RepSerializer(many=True), **LIST_ERRORS}
    )
)
class RepListApi(generics.ListAPIView):
    """Reps with their team, skills, licences, capacity, load and availability now: a
    manager sees the reps of the teams they manage, staff see every rep."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUser, CanViewReps]
    serializer_class = RepSerializer
    filterset_class = RepFilter

    def get_queryset(self):
        return selectors.reps_visible_to(self.request.user).order_by("user__username", "pk")

    def list(self, request, *args, **kwargs):
        reps = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(reps)
        loads = selectors.rep_loads(
            reps=page if page is not None else list(reps), now=timezone.now()
        )
        return self.get_paginated_response(RepSerializer(loads, many=True).data)
