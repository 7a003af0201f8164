"""One FilterSet for the lead list, shared by the API and the list pages (the manager board):
intake's columns, qualification's tier and urgency, routing's owner, team and queue."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from intake.models import Channel, Lead, LeadStatus
from intake.quality._states import state_code
from intake.quality.flags import FlagCode
from intake.selectors import lead_search
from qualification.models import Tier, Urgency
from routing.models import Assignment, SlaState


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC before any query sees it.

    Python reads offsets up to ±24 h, but PostgreSQL refuses a literal whose offset is past
    ±15:59; and an instant with no date in years 1-9999 once in UTC
    (`0001-01-01T00:00+01:00`) cannot be compared by any database. The first is converted,
    the second is the field's ordinary "not a valid date/time" error.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="E-mail, phone, or the start of a name or company"
    )
    # distinct=False: each of these is one value per lead (a column, or the one-to-one
    # qualification), so there is nothing to de-duplicate, and DISTINCT over every column of a
    # team's history made the list sort it whole.
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    source = django_filters.CharFilter(field_name="source__name", lookup_expr="iexact")
    request_type = django_filters.CharFilter(lookup_expr="iexact")
    state = django_filters.CharFilter(method="filter_state", label="State (code or name)")
    flag = django_filters.CharFilter(
        method="filter_flag",
        label="Has quality flag",
        # A plain text filter: an unknown code finds no lead, as a code no lead has would.
        help_text=f"A flag code: {', '.join(FlagCode)}.",
    )
    is_test = django_filters.BooleanFilter()
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")
    tier = django_filters.MultipleChoiceFilter(
        field_name="qualification__tier",
        choices=[(tier.value, tier.value) for tier in Tier],
        distinct=False,
    )
    urgency = django_filters.MultipleChoiceFilter(
        field_name="qualification__urgency",
        choices=[(urgency.value, urgency.label) for urgency in reversed(Urgency)],  # most first
        distinct=False,
    )
    owner = django_filters.CharFilter(method="filter_owner", label="Owner (username)")
    team = django_filters.CharFilter(
        method="filter_team", label="Team (its reps' leads and its queue)"
    )
    queue = django_filters.CharFilter(method="filter_queue", label="Waiting in team queue")
    sla_state = django_filters.MultipleChoiceFilter(
        method="filter_sla_state",
        choices=SlaState.choices,
        label="SLA state",
        help_text="The current owner's SLA clock is in one of these states.",
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="SLA overdue",
        help_text="true: a running SLA clock past its due time now; false: every other lead.",
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "channel", "source", "request_type", "state", "flag", "is_test"]

    # Routing's active assignment names the owner; each condition goes in one filter() call
    # with ended_at, so that it applies to that same (current) assignment.
    def filter_owner(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            assignments__user__username__iexact=value, assignments__ended_at__isnull=True
        )

    def filter_team(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(assignments__rep__team__name__iexact=value)
            | Q(assignments__queue_team__name__iexact=value),
            assignments__ended_at__isnull=True,
        )

    def filter_queue(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            assignments__queue_team__name__iexact=value, assignments__ended_at__isnull=True
        )

    def filter_sla_state(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(assignments__sla_state__in=value, assignments__ended_at__isnull=True)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        now = timezone.now()
        # A running clock's timer is never later than its deadline (the deadline is one of
        # its points), so the sweep's partial index `assignment_sla_due` finds the overdue.
        overdue = Assignment.objects.filter(
            sla_next_step_at__lt=now,
            ended_at__isnull=True,
            sla_state=SlaState.RUNNING,
            sla_due_at__lt=now,
        ).values("lead_id")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_state(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The quality gate stores a US state as its code, so "tx" or "Texas" is an exact match
        # the state index answers; a foreign region is kept as typed and matched in any case.
        code = state_code(value, fuzzy=False)
        return queryset.filter(state=code) if code else queryset.filter(state__iexact=value)

    def filter_search(self, queryset, name, value):
        # By index only (intake.selectors.lead_search): an e-mail, a phone, a name's start.
        return queryset.filter(lead_search(value)) if value.strip() else queryset

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flags__has_key=value.strip()) if value.strip() else queryset
