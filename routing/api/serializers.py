"""The rep shape of `GET /api/v1/reps/`: a rep's profile with its load now (a RepLoad)."""

from rest_framework import serializers

from routing.selectors import RepLoad


class RepTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RepCapacitySerializer(serializers.Serializer):
    max_open_leads = serializers.IntegerField(allow_null=True, help_text="Empty: no cap.")
    max_new_per_day = serializers.IntegerField(
        allow_null=True, help_text="Counted in the rep's own local day; empty: no cap."
    )


class RepLoadSerializer(serializers.Serializer):
    open_leads = serializers.IntegerField(help_text="Active assignments of leads still open.")
    new_today = serializers.IntegerField(
        help_text="Leads routed to the rep since midnight in the rep's time zone (not manual)."
    )


class RepAvailabilitySerializer(serializers.Serializer):
    available = serializers.BooleanField(
        help_text="Whether a rule could give the rep a lead now (before per-lead constraints "
        "such as licence, skill or territory)."
    )
    reason = serializers.CharField(
        source="unavailable",
        help_text='Why not ("paused until 14:00 CST", "at capacity 5/5"); empty if available.',
    )
    time_off_until = serializers.DateTimeField(allow_null=True)


class RepSerializer(serializers.Serializer):
    """One rep of the public contract, read from a `routing.selectors.RepLoad`."""

    id = serializers.IntegerField(source="rep.pk")
    username = serializers.CharField(source="rep.user.username")
    name = serializers.SerializerMethodField()
    # Not an EmailField: a user may have no address, and "" is not an email in the document.
    email = serializers.CharField(
        source="rep.user.email", help_text="Empty when the user has none."
    )
    team = RepTeamSerializer(source="rep.team")
    is_active = serializers.BooleanField(source="rep.is_active")
    paused = serializers.BooleanField(
        help_text="Not receiving leads now (a pause whose end has passed is over)."
    )
    paused_until = serializers.DateTimeField(
        allow_null=True,
        help_text="When the pause ends by itself (UTC); empty when not paused or paused until "
        "turned off.",
    )
    weight = serializers.IntegerField(source="rep.weight")
    skills = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField(), source="rep.languages")
    licensed_states = serializers.ListField(
        child=serializers.CharField(), source="rep.licensed_states"
    )
    territories = serializers.SerializerMethodField()
    time_zone = serializers.CharField(source="rep.time_zone")
    working_hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        source="rep.working_hours",
        help_text='In the rep\'s time zone: {"mon": [["09:00", "17:00"]], …}; empty: always.',
    )
    capacity = RepCapacitySerializer(source="rep")
    load = RepLoadSerializer(source="*")
    availability = RepAvailabilitySerializer(source="*")

    def get_name(self, load: RepLoad) -> str:
        return load.rep.user.get_full_name()

    def get_skills(self, load: RepLoad) -> list[str]:
        return [skill.name for skill in load.rep.skills.all()]  # prefetched

    def get_territories(self, load: RepLoad) -> list[str]:
        return [territory.name for territory in load.rep.territories.all()]  # prefetched
