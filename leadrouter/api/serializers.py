from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from intake.models import Lead, LeadEvent, LeadStatus
from leadrouter.api.selectors import LeadSteps, lead_sla, lead_steps
from qualification.reasons import plain_reasons
from routing.models import Activity, SlaState, SlaStep, SlaStepRecord
from routing.services.work import MAX_NOTE_LENGTH


class LeadEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = LeadEvent
        fields = ["kind", "at", "actor", "message", "data"]

    def get_actor(self, event: LeadEvent) -> str | None:
        return event.actor.get_username() if event.actor else None


class QualificationSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    tier = serializers.CharField()
    urgency = serializers.CharField()
    request_type = serializers.CharField()
    confidence = serializers.FloatField(min_value=0, max_value=1)
    needs_review = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    # Extensions of the contract: where each reason came from and how much it weighed.
    reason_details = serializers.ListField(child=serializers.DictField())
    reasons_text = serializers.ListField(
        child=serializers.CharField(),
        help_text="The reasons in plain words with the managers' field labels "
        "(e.g. 'Budget 5,000 — typical (\N{MINUS SIGN}0.08)'), as the pages show them.",
    )
    score_source = serializers.CharField(help_text="model (trained) or rules (before a model)")
    conversion_probability = serializers.FloatField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()


class RoutingSerializer(serializers.Serializer):
    rule = serializers.CharField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()
    # Extensions of the contract: the whole decision.
    outcome = serializers.CharField()
    rep = serializers.CharField(allow_null=True)
    rules_tried = serializers.ListField(child=serializers.DictField())
    candidates = serializers.ListField(child=serializers.DictField())
    duration_ms = serializers.FloatField()


class LeadSerializer(serializers.ModelSerializer):
    """The lead shape of the public contract."""

    # The docstring is this component's description in the OpenAPI document.

    source = serializers.CharField(source="source.name")  # type: ignore[assignment]  # the contract's name
    owner = serializers.SerializerMethodField()
    qualification = serializers.SerializerMethodField()
    routing = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "status",
            "owner",
            "merged_into",
            "qualification",
            "routing",
            "source",
            "channel",
            "request_type",
            "received_at",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "email_normalized",
            "phone",
            "phone_e164",
            "phone_extension",
            "company",
            "company_domain",
            "postal_code",
            "city",
            "state",
            "country",
            "time_zone",
            "message",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "landing_page",
            "referrer",
            "external_id",
            "attributes",
            "flags",
            "is_test",
            "touch_count",
            "last_touch_at",
        ]

    def steps(self, lead: Lead) -> LeadSteps:
        """What later steps made of the lead (owner, qualification, routing): as the caller
        read them for this one lead (`context["steps"]`, from `selectors.lead_answer_read`),
        else from what `selectors.lead_visible_to` read with it."""
        return self.context.get("steps") or lead_steps(lead)

    def get_owner(self, lead: Lead) -> str | None:
        return self.steps(lead).owner

    @extend_schema_field(QualificationSerializer(allow_null=True))
    def get_qualification(self, lead: Lead) -> dict | None:
        qualification = self.steps(lead).qualification
        if qualification is None:
            return None
        return {
            "score": qualification.score,
            "tier": qualification.tier,
            "urgency": qualification.urgency,
            "request_type": qualification.request_type,
            "confidence": qualification.confidence,
            "needs_review": qualification.needs_review,
            "reasons": [reason["text"] for reason in qualification.reasons],
            "reason_details": qualification.reasons,
            "reasons_text": plain_reasons(qualification.reasons),
            "score_source": qualification.score_source,
            "conversion_probability": qualification.conversion_probability,
            "tags": qualification.tags,
            "summary": qualification.summary,
        }

    @extend_schema_field(RoutingSerializer(allow_null=True))
    def get_routing(self, lead: Lead) -> dict | None:
        steps = self.steps(lead)
        decision = steps.decision
        if decision is None:
            return None
        return {
            "rule": steps.rule,
            "method": decision.method or None,
            "explanation": decision.explanation,
            "outcome": decision.outcome,
            "rep": steps.rep,
            "rules_tried": decision.rules_tried,
            "candidates": decision.candidates,
            "duration_ms": decision.duration_ms,
        }


class SlaStepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SlaStep.Kind.choices)
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="When it is (or was) due; null: it will not come."
    )
    done_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=SlaStepRecord.Outcome.choices,
        allow_null=True,
        help_text="What the sweep did; null: not performed (yet).",
    )


class SlaSerializer(serializers.Serializer):
    """The lead's SLA clock: its current owner's, else its latest."""

    policy = serializers.CharField(allow_null=True)
    target_minutes = serializers.IntegerField(help_text="Business minutes until first contact.")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="First contact due by then; while paused, when the clock resumes (null: "
        "waiting on the customer with no set time).",
    )
    state = serializers.ChoiceField(choices=SlaState.choices)
    reassignments = serializers.IntegerField(help_text="SLA reassignments of this lead.")
    steps = SlaStepSerializer(many=True, help_text="The ladder, in order.")


class LeadDetailSerializer(LeadSerializer):
    """The list shape plus the quality checks in detail, the SLA clock and the event timeline."""

    events = LeadEventSerializer(many=True, read_only=True)
    sla = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [
            *LeadSerializer.Meta.fields,
            "checks",
            "phone_region",
            "phone_type",
            "sla",
            "events",
        ]

    @extend_schema_field(SlaSerializer(allow_null=True))
    def get_sla(self, lead: Lead) -> dict | None:
        sla = lead_sla(lead)
        return None if sla is None else SlaSerializer(sla).data


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer of the API: each field (or `detail`, `authorization`, `body`,
    `non_field_errors`) with its reasons."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]  # the contract's name
    submission = serializers.IntegerField(
        required=False, help_text="The stored submission, when the request body was stored."
    )


class SubmissionFailedSerializer(serializers.Serializer):
    """202: the submission is stored but processing failed; an operator can reprocess it."""

    submission = serializers.IntegerField()
    status = serializers.CharField(help_text='Always "failed".')
    detail = serializers.CharField()


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that names its offset: without one, a dialer in Denver and a server in
    UTC would read the same text as two different moments."""

    default_error_messages = {
        "naive": "Give the time with its offset, e.g. 2026-12-01T15:00:00-06:00.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


def _listed_choice(choices: type[models.TextChoices], help_text: str) -> serializers.ChoiceField:
    """A choice whose refusal lists the allowed values (the lead page's own choices)."""
    return serializers.ChoiceField(
        choices=choices.choices,
        help_text=help_text,
        error_messages={
            "invalid_choice": f'"{{input}}" is not allowed; choose one of: '
            f"{', '.join(choices.values)}."
        },
    )


class ActivityLogInputSerializer(serializers.Serializer):
    """A contact attempt made in another tool (a dialer, a CRM, a mail client)."""

    kind = _listed_choice(Activity.Kind, "How the lead was contacted.")
    outcome = _listed_choice(Activity.Outcome, "What came of it.")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH, default=""
    )
    callback_at = OffsetDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the rep agreed to call back (ISO 8601 with its offset, in the future, "
        "within a year); the SLA clock pauses until then.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    """A logged contact attempt, and the lead's status once it was logged (the first attempt
    on an assigned lead makes it contacted)."""

    user = serializers.SerializerMethodField()
    lead_status = serializers.ChoiceField(source="lead.status", choices=LeadStatus.choices)

    class Meta:
        model = Activity
        fields = [
            "id",
            "lead",
            "kind",
            "outcome",
            "note",
            "callback_at",
            "at",
            "user",
            "lead_status",
        ]

    def get_user(self, activity: Activity) -> str | None:
        return activity.user.get_username() if activity.user else None
