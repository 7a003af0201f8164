"""One FilterSet for the reps list, shared by the API and the manager pages."""

import django_filters
from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from routing import selectors
from routing.models import Rep


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter alone accepts and documents decimals)."""

    field_class = forms.IntegerField


class RepFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id", label="Team id")
    skill = django_filters.CharFilter(
        field_name="skills__name", lookup_expr="iexact", label="Has the skill (name)"
    )
    state = django_filters.CharFilter(method="filter_state", label="Licensed in the state (code)")
    # Last: it loads the reps the other filters left, to compute their availability.
    available = django_filters.BooleanFilter(
        method="filter_available", label="Could take a lead now (or, false: could not)"
    )

    class Meta:
        model = Rep
        fields = ["team", "available", "skill", "state"]

    def filter_available(self, queryset, name, value):
        # Availability is computed (time off, capacity, working hours in the rep's zone), not a
        # column: select the ids in Python, then keep filtering and paginating in SQL.
        ids = selectors.rep_ids_available(reps=queryset, now=timezone.now(), available=value)
        return queryset.filter(pk__in=ids)

    def filter_state(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(pk__in=selectors.rep_ids_licensed_in(reps=queryset, state=value))
