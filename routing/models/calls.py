"""Phone calls through Twilio: an inbound call rung through the lead's reps, or an instant
call-back that rings a rep first and bridges them to a new urgent lead."""

from django.db import models
from django.db.models import Q


class PhoneCall(models.Model):
    """One Twilio call about one lead: whom it rang, who answered, how it ended."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound call"
        CALLBACK = "callback", "Instant call-back"

    class State(models.TextChoices):
        RINGING = "ringing", "Ringing a rep"
        ANSWERED = "answered", "Answered"
        VOICEMAIL = "voicemail", "Sent to voicemail"
        MISSED = "missed", "Missed (the caller hung up)"
        QUEUED = "queued", "Call-back waiting to be placed"
        PLACED = "placed", "Call-back ringing the rep"
        BRIDGING = "bridging", "Rep pressed 1: calling the lead"
        DECLINED = "declined", "Rep did not press 1"
        NOT_REACHED = "not_reached", "The lead did not answer"
        FAILED = "failed", "Could not be placed"

    source = models.ForeignKey("intake.Source", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="phone_calls")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # Twilio's id of the call: the inbound call, or the call-back once Twilio placed it.
    call_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    state = models.CharField(max_length=12, choices=State.choices)
    # Which <Dial> of the call the next action callback answers: claimed by a conditional
    # update, so two deliveries of one callback move the call (and the lead) once.
    attempt = models.PositiveSmallIntegerField(default=0)
    rep = models.ForeignKey(
        "routing.Rep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tried = models.JSONField(default=list, blank=True, help_text="Ids of the reps rung so far.")
    answered_by = models.ForeignKey(
        "routing.Rep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    talk_seconds = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    # Set once by the call's status callback (a conditional update): its activity is logged once.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["lead", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="callback") | Q(call_sid__isnull=False),
                name="phone_call_inbound_has_sid",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_direction_display()} {self.call_sid or self.pk}: {self.get_state_display()}"
        )
