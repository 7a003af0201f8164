"""The JSON shape of `GET /api/v1/reports/weekly/{YYYY-Www}/`, read from a `Report`.

The contract's keys (`week`, `time_zone`, `team`, `totals` with `received`, `assigned`,
`contacted`, `won`, `won_value`, `by_source`, `by_channel`, `by_rule`, `by_rep` with `rep`,
`as_of`) are never renamed; figures are added beside them. Money is a string with two decimals,
as DRF writes decimals; rates are fractions from 0 to 1; durations are seconds; a figure that
cannot be computed (nothing to divide by) is null; times are ISO 8601 in UTC.
"""

import datetime as dt

from rest_framework import serializers

RATE = "A fraction from 0 to 1; null when there is nothing to divide by."


class UtcDateTimeField(serializers.DateTimeField):
    """A time in UTC whatever zone is active (the API speaks UTC)."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.UTC, **kwargs)


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _rate(help_text: str = RATE) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


def _seconds(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class TotalsSerializer(serializers.Serializer):
    received = serializers.IntegerField(
        help_text="Leads that arrived in the week (test leads, spam and merged duplicates apart)."
    )
    assigned = serializers.IntegerField(help_text="Of those, leads that had a rep as owner.")
    contacted = serializers.IntegerField(help_text="Of those, leads with a logged attempt.")
    won = serializers.IntegerField(help_text="Leads won in the week, whenever they arrived.")
    won_value = _money(help_text="The value of the leads won in the week.")
    valid_contact = serializers.IntegerField(help_text="Arrivals with a valid phone or e-mail.")
    duplicates_merged = serializers.IntegerField(
        help_text="Repeat inquiries merged into an open lead, and duplicates merged by hand."
    )
    spam_or_test = serializers.IntegerField(help_text="Test leads and spam the honeypot caught.")
    held_for_review = serializers.IntegerField(help_text="Arrivals that went to human review.")
    qualified = serializers.IntegerField(help_text="Arrivals qualified as tier A or B.")
    closed = serializers.IntegerField(help_text="Arrivals closed (won or lost) by `as_of`.")
    closed_won = serializers.IntegerField(help_text="Arrivals won by `as_of`.")
    close_rate = _rate("closed_won / closed; null when none closed.")
    sla_met = serializers.IntegerField(help_text="SLA clocks started in the week and met.")
    sla_total = serializers.IntegerField(help_text="SLA clocks started in the week, met or missed.")
    sla_met_rate = _rate("sla_met / sla_total; null when no clock was decided.")


class SpeedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    p50_seconds = _seconds("The median, in seconds; null when count is 0.")
    p90_seconds = _seconds("The 90th percentile, in seconds; null when count is 0.")


class ReassignedByReasonSerializer(serializers.Serializer):
    sla = serializers.IntegerField(help_text="Moved on by the SLA (reassigned or escalated).")
    hand_back = serializers.IntegerField(help_text="Handed back by their owner.")
    manual = serializers.IntegerField(help_text="Reassigned by a manager.")


class SignalsSerializer(serializers.Serializer):
    speed_to_assignment = SpeedSerializer(help_text="Received → first rep as owner.")
    speed_to_first_contact = SpeedSerializer(
        help_text="First rep as owner → first logged attempt, on the wall clock."
    )
    speed_to_first_contact_business = SpeedSerializer(
        help_text="The same in business time: seconds the owner's calendar was open."
    )
    routed = serializers.IntegerField(help_text="Arrivals routed (to a rep or a team queue).")
    reassigned = serializers.IntegerField(help_text="Of those, reassigned after their routing.")
    reassignment_rate = _rate()
    reassigned_by_reason = ReassignedByReasonSerializer(
        help_text="A lead counts once under each reason it had."
    )
    with_sla = serializers.IntegerField(help_text="Routed arrivals that had an SLA clock.")
    fell_through = serializers.IntegerField(help_text="Of those, leads whose SLA was missed.")
    fallthrough_rate = _rate()


class HeadlineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the report's field name
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True, help_text="The week before.")
    average_8 = serializers.FloatField(
        allow_null=True, help_text="The average of the 8 weeks before (weeks without it skipped)."
    )
    better_when = serializers.ChoiceField(choices=["higher", "lower"])


class ChannelRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The source's name or the channel's code.")
    label = serializers.CharField()  # type: ignore[assignment]  # the report's field name
    received = serializers.IntegerField()
    valid_contact_rate = _rate()
    duplicates_merged = serializers.IntegerField()
    spam_or_test = serializers.IntegerField()
    held_for_review_share = _rate()
    contact_rate = _rate()
    qualified_rate = _rate()
    won = serializers.IntegerField(help_text="Won in the week.")
    won_value = _money()


class SourceRowSerializer(ChannelRowSerializer):
    source = serializers.CharField(source="key", help_text="The source's name.")  # type: ignore[assignment]  # the contract's name


class ChannelCodeRowSerializer(ChannelRowSerializer):
    channel = serializers.CharField(source="key", help_text="The channel's code.")


class RuleRowSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(allow_null=True, help_text="Null: fallback or by hand.")
    rule = serializers.CharField(source="label")
    routed = serializers.IntegerField()
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    close_rate = _rate()


class RepRowSerializer(serializers.Serializer):
    rep = serializers.CharField(source="username", help_text="The rep's username.")
    name = serializers.CharField()
    is_active = serializers.BooleanField(help_text="False for inactive reps and imported owners.")
    assigned = serializers.IntegerField(help_text="Assignments to the rep started in the week.")
    contacted = serializers.IntegerField(help_text="Of those, attempted while the rep owned it.")
    sla_met = serializers.IntegerField()
    sla_total = serializers.IntegerField()
    sla_met_rate = _rate()
    median_first_contact_seconds = _seconds("Assignment → the rep's first attempt, median.")
    open_load = serializers.IntegerField(help_text="Open leads the rep owns as of now.")
    won = serializers.IntegerField(help_text="Won in the week while the rep owned the lead.")
    won_value = _money()
    closed = serializers.IntegerField(help_text="Arrivals of the week closed while the rep's.")
    close_rate = _rate()


class ReviewSerializer(serializers.Serializer):
    volume = serializers.IntegerField(help_text="Leads that went to review in the week.")
    median_wait_seconds = _seconds("Into review → decided, median.")
    decisions = serializers.IntegerField(help_text="Reviews decided in the week.")
    corrections = serializers.IntegerField(
        help_text="Decisions that changed the judgement (corrected or disqualified)."
    )


class FlagCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the report's field name
    count = serializers.IntegerField()


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day in the report's time zone.")
    received_by_channel = serializers.DictField(child=serializers.IntegerField())
    sla_met = serializers.IntegerField()
    sla_total = serializers.IntegerField()


class BucketSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # the report's field name
    upper_seconds = serializers.IntegerField(allow_null=True, help_text="Null: the last bucket.")
    count = serializers.IntegerField()


class WeeklyReportSerializer(serializers.Serializer):
    """One week's report, for the organisation (team null) or one team."""

    week = serializers.CharField(source="period.label", help_text="The ISO week, 2026-W48.")
    time_zone = serializers.CharField(help_text="The zone the week's days are counted in.")
    team = serializers.CharField(allow_null=True, help_text="Null: the whole organisation.")
    starts_at = UtcDateTimeField(source="period.start", help_text="Monday 00:00 in the zone.")
    ends_at = UtcDateTimeField(source="period.end", help_text="The next Monday 00:00 (excluded).")
    as_of = UtcDateTimeField(help_text="When the figures were read (closed by then).")
    totals = TotalsSerializer()
    imported = serializers.IntegerField(
        help_text="Arrivals of the week brought in by `import_leads` (history)."
    )
    signals = SignalsSerializer()
    headlines = HeadlineSerializer(many=True)
    by_source = SourceRowSerializer(many=True)
    by_channel = ChannelCodeRowSerializer(many=True)
    by_rule = RuleRowSerializer(many=True)
    by_rep = RepRowSerializer(many=True)
    review = ReviewSerializer()
    flags = FlagCountSerializer(source="top_flags", many=True)
    days = DaySerializer(many=True)
    first_contact_buckets = BucketSerializer(many=True)
