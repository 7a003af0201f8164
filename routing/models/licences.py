"""Which leads need a rep licensed in the lead's state: a legal constraint, set once for the
whole installation and never an option of one rule."""

from django.core.exceptions import ValidationError
from django.db import models


class LicenceRequirement(models.Model):
    """The one row saying which leads only a rep licensed in the lead's state may hold."""

    class AppliesTo(models.TextChoices):
        NO_LEAD = "no_lead", "No lead: nobody needs a state licence"
        EVERY_LEAD = "every_lead", "Every lead"
        REQUEST_TYPES = "request_types", "Only leads of the request types listed below"

    applies_to = models.CharField(
        "Leads that need a rep licensed in their state",
        max_length=20,
        choices=AppliesTo.choices,
        default=AppliesTo.NO_LEAD,
        help_text="Holds for every routing rule, fallback, manual assignment, queue claim, SLA "
        "reassignment, recycling and on-call page: a lead that needs a licence only ever goes "
        "to a rep licensed in its state, or waits in a team's queue saying nobody licensed "
        "can take it.",
    )
    request_types = models.JSONField(
        "Request types that need a licence",
        default=list,
        blank=True,
        help_text='When "only leads of these request types": the request types (the one '
        "qualification judged, else the one the lead arrived with), compared without case, "
        'e.g. ["quote", "refinance"].',
    )

    class Meta:
        verbose_name = verbose_name_plural = "state licence requirement"

    def __str__(self) -> str:
        if self.applies_to == self.AppliesTo.REQUEST_TYPES:
            return f"A state licence for: {', '.join(self.request_types) or 'no request type'}"
        return self.get_applies_to_display()

    def clean(self) -> None:
        types = self.request_types
        if not isinstance(types, list) or not all(
            isinstance(name, str) and name.strip() for name in types
        ):
            raise ValidationError({"request_types": "Must be a list of request type names."})
        if self.applies_to == self.AppliesTo.REQUEST_TYPES and not types:
            raise ValidationError(
                {"request_types": "Name at least one request type, or choose another option."}
            )
