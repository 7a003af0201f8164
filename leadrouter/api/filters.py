"""One FilterSet for the lead list, shared by the API and the list pages (the manager board):
intake's columns, qualification's tier and urgency, routing's owner, team and queue, and the
drill-down filters behind every number of the weekly reports (won in a period, first routing
rule, assigned to a rep in a period, contacted, reassigned, SLA breached, imported, reviewed)."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from intake.models import Channel, Lead, LeadEvent, LeadStatus
from intake.quality._states import state_code
from intake.quality.flags import FlagCode
from intake.selectors import lead_search
from qualification.models import ReviewTask, Tier, Urgency
from routing.models import Activity, Assignment, Rep, SlaState, Team

NO_RULE = "none"  # `rule=none`: the first routing named no rule (a fallback or by hand)


class Reassigned:
    """Why a lead changed owner after its first routing (the weekly report's reasons)."""

    ANY = "any"
    SLA = "sla"
    HAND_BACK = "hand_back"
    MANUAL = "manual"
    CHOICES = [
        (ANY, "For any of these reasons"),
        (SLA, "By the SLA sweep (reassigned or escalated)"),
        (HAND_BACK, "Handed back by its owner"),
        (MANUAL, "By hand, by a manager"),
    ]


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
    received_after = UtcDateTimeFilter(
        field_name="received_at", lookup_expr="gte", label="Received at or after"
    )
    received_before = UtcDateTimeFilter(
        field_name="received_at", lookup_expr="lt", label="Received before"
    )
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

    # The reports' drill-downs: each filter means exactly what the figure it sits behind counts
    # (reporting/report.py, reporting/selectors/facts.py), so a number and its list agree.
    counted = django_filters.BooleanFilter(
        method="filter_counted",
        label="Counted in reports",
        help_text=(
            "true: neither a test lead (sent as a test or flagged test) nor a repeat inquiry "
            "merged into another lead; false: only those."
        ),
    )
    first_team = django_filters.CharFilter(
        method="filter_first_team",
        label="First routed to team",
        help_text="Its first routing went to this team (a rep of the team, or its queue).",
    )
    won_after = UtcDateTimeFilter(
        method="filter_won_after", label="Won at or after", help_text="Won leads only."
    )
    won_before = UtcDateTimeFilter(
        method="filter_won_before", label="Won before", help_text="Won leads only."
    )
    closed_by = UtcDateTimeFilter(
        method="filter_closed_by",
        label="Won or lost by",
        help_text="Won or lost at or before this time: the close rate's leads.",
    )
    routed = django_filters.BooleanFilter(
        method="filter_routed",
        label="Routed",
        help_text="true: given to a rep or a team's queue at least once; false: never.",
    )
    rule = django_filters.CharFilter(
        method="filter_rule",
        label="First routed by rule",
        help_text=f"A routing rule's id, or {NO_RULE!r}: its first routing named no rule.",
    )
    assigned_to = django_filters.CharFilter(
        method="filter_noop",
        label="Given to (username)",
        help_text="Given to this rep (at any time; narrowed by the filters below).",
    )
    assigned_after = UtcDateTimeFilter(method="filter_noop", label="Given to a rep at or after")
    assigned_before = UtcDateTimeFilter(method="filter_noop", label="Given to a rep before")
    contacted_while_owned = django_filters.BooleanFilter(
        method="filter_noop",
        label="Contacted while that rep owned it",
        help_text="With the filters above: a contact attempt was logged while the rep owned it.",
    )
    last_owner = django_filters.CharFilter(
        method="filter_last_owner",
        label="Last rep to own it (username)",
        help_text="The rep of its latest assignment to a rep: who owned it when it closed.",
    )
    contacted = django_filters.BooleanFilter(
        method="filter_contacted",
        label="Contacted",
        help_text="true: at least one contact attempt logged; false: none.",
    )
    reassigned = django_filters.ChoiceFilter(
        method="filter_reassigned",
        choices=Reassigned.CHOICES,
        label="Reassigned after its first routing",
    )
    sla_breached = django_filters.BooleanFilter(
        method="filter_sla_breached",
        label="SLA breached",
        help_text="true: one of its owners' first-contact clocks breached; false: none did.",
    )
    imported = django_filters.BooleanFilter(
        field_name="is_historical",
        label="Imported history",
        help_text="true: brought in by import_leads; false: arrived through a door.",
    )
    reviewed = django_filters.BooleanFilter(
        method="filter_reviewed",
        label="Held for review",
        help_text="true: sent to the review queue at least once; false: never.",
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "channel", "source", "request_type", "state", "flag", "is_test"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return self._filter_assigned(queryset)

    def filter_noop(self, queryset, name, value):
        # The assigned_* filters name one assignment together: `_filter_assigned` applies them.
        return queryset

    def _filter_assigned(self, queryset):
        """Leads with one assignment to a rep that matches every assigned_* filter given."""
        data = self.form.cleaned_data
        username = (data.get("assigned_to") or "").strip()
        after, before = data.get("assigned_after"), data.get("assigned_before")
        contacted = data.get("contacted_while_owned")
        if not (username or after or before or contacted is not None):
            return queryset
        given = Assignment.objects.filter(lead=OuterRef("pk"), rep__isnull=False)
        if username:
            given = given.filter(rep__user__username__iexact=username)
        if after:
            given = given.filter(assigned_at__gte=after)
        if before:
            given = given.filter(assigned_at__lt=before)
        if contacted is not None:
            # An attempt from the start of that ownership until it ended (or now).
            attempts = Activity.objects.filter(
                lead=OuterRef("lead"), at__gte=OuterRef("assigned_at")
            )
            during = Q(Exists(attempts.filter(at__lt=OuterRef("ended_at")))) | Q(
                Exists(attempts), ended_at__isnull=True
            )
            given = given.filter(during if contacted else ~during)
        return queryset.filter(Exists(given))

    def filter_counted(self, queryset, name, value):
        # The reports' own definition of a test lead (reporting.selectors.scope.SPAM_OR_TEST).
        not_counted = (
            Q(is_test=True) | Q(flags__has_key=FlagCode.TEST) | Q(status=LeadStatus.MERGED)
        )
        return queryset.exclude(not_counted) if value else queryset.filter(not_counted)

    def _first_assignment(self):
        return Assignment.objects.filter(lead=OuterRef("pk")).order_by("assigned_at", "pk")

    def filter_first_team(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        first_team = self._first_assignment().annotate(
            first_team_id=Coalesce("rep__team_id", "queue_team_id")
        )
        team_ids = Team.objects.filter(name__iexact=value).values("pk")
        return queryset.alias(
            first_team_id=Subquery(first_team.values("first_team_id")[:1])
        ).filter(first_team_id__in=team_ids)

    def filter_won_after(self, queryset, name, value):
        return queryset.filter(status=LeadStatus.WON, closed_at__gte=value)

    def filter_won_before(self, queryset, name, value):
        return queryset.filter(status=LeadStatus.WON, closed_at__lt=value)

    def filter_closed_by(self, queryset, name, value):
        return queryset.filter(status__in=[LeadStatus.WON, LeadStatus.LOST], closed_at__lte=value)

    def filter_routed(self, queryset, name, value):
        routings = Assignment.objects.filter(lead=OuterRef("pk"))
        return queryset.filter(Exists(routings) if value else ~Exists(routings))

    def filter_rule(self, queryset, name, value):
        value = value.strip().lower()
        if not value:
            return queryset
        if value != NO_RULE and not value.isdigit():
            # A rule is named by its id; anything else is no rule's, so nothing matches.
            return queryset.none()
        first = self._first_assignment()
        leads = queryset.alias(first_rule=Subquery(first.values("rule_id")[:1])).filter(
            Exists(first)
        )
        if value == NO_RULE:
            return leads.filter(first_rule__isnull=True)
        return leads.filter(first_rule=int(value))

    def filter_last_owner(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        last = Assignment.objects.filter(lead=OuterRef("pk"), rep__isnull=False).order_by(
            "-assigned_at", "-pk"
        )
        rep_ids = Rep.objects.filter(user__username__iexact=value).values("pk")
        return queryset.alias(last_rep_id=Subquery(last.values("rep_id")[:1])).filter(
            last_rep_id__in=rep_ids
        )

    def filter_contacted(self, queryset, name, value):
        attempts = Activity.objects.filter(lead=OuterRef("pk"))
        return queryset.filter(Exists(attempts) if value else ~Exists(attempts))

    def filter_reassigned(self, queryset, name, value):
        """The reports' reasons (reporting.selectors.facts): an SLA reassignment or
        escalation, a hand-back, or a manual assignment once the lead had had a rep (a
        manager giving a lead from a queue assigns it, not reassigns it)."""
        by_sla = Exists(
            Assignment.objects.filter(
                lead=OuterRef("pk"),
                reason__in=[Assignment.Reason.SLA, Assignment.Reason.ESCALATION],
            )
        )
        handed_back = Exists(
            LeadEvent.objects.filter(lead=OuterRef("pk"), kind=LeadEvent.Kind.HANDED_BACK)
        )
        had_a_rep_before = Exists(
            Assignment.objects.filter(
                lead=OuterRef("lead"), rep__isnull=False, assigned_at__lt=OuterRef("assigned_at")
            )
        )
        by_hand = Exists(
            Assignment.objects.filter(
                had_a_rep_before, lead=OuterRef("pk"), reason=Assignment.Reason.MANUAL
            )
        )
        reasons = {
            Reassigned.SLA: Q(by_sla),
            Reassigned.HAND_BACK: Q(handed_back),
            Reassigned.MANUAL: Q(by_hand),
        }
        if value == Reassigned.ANY:
            return queryset.filter(Q(by_sla) | Q(handed_back) | Q(by_hand))
        return queryset.filter(reasons[value])

    def filter_sla_breached(self, queryset, name, value):
        breached = Assignment.objects.filter(lead=OuterRef("pk"), sla_state=SlaState.BREACHED)
        return queryset.filter(Exists(breached) if value else ~Exists(breached))

    def filter_reviewed(self, queryset, name, value):
        reviews = ReviewTask.objects.filter(lead=OuterRef("pk"))
        return queryset.filter(Exists(reviews) if value else ~Exists(reviews))

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
