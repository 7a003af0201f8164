"""The state licence rule: which leads only a rep licensed in the lead's state may hold, and
whether a rep may. One question and one answer, asked everywhere a lead gets a rep owner —
the engine's candidates (so every rule and fallback), manual assignment, queue claims, SLA
reassignment, recycling, the on-call page and released held leads — so no path can forget it.

The requirement is configured once (`LicenceRequirement`, a legal constraint, never a rule's
option) and read from the routing configuration in memory (`RoutingSetup.licence`): asking
costs no statement.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.models import Lead
from routing.models import LicenceRequirement

if TYPE_CHECKING:
    from routing.services.config import RepProfile, RoutingSetup


@dataclass(frozen=True)
class LicenceSetup:
    """Which leads need a licence, as loaded with the routing configuration."""

    every_lead: bool
    # Request types (casefolded) whose leads need one, when not every lead does.
    request_types: frozenset[str]

    @classmethod
    def of(cls, row: LicenceRequirement | None) -> "LicenceSetup":
        if row is None:  # a new install: see LicenceRequirement's default
            return cls(every_lead=False, request_types=frozenset())
        if row.applies_to == LicenceRequirement.AppliesTo.EVERY_LEAD:
            return cls(every_lead=True, request_types=frozenset())
        if row.applies_to == LicenceRequirement.AppliesTo.REQUEST_TYPES:
            names = row.request_types if isinstance(row.request_types, list) else []
            return cls(
                every_lead=False,
                request_types=frozenset(str(name).strip().casefold() for name in names),
            )
        return cls(every_lead=False, request_types=frozenset())


def load_licence_setup() -> LicenceSetup:
    return LicenceSetup.of(LicenceRequirement.objects.filter(pk=1).first())


def _request_type(lead: Lead) -> str:
    """The request type routing reads: qualification's judgement, else the one it came with."""
    qualification = getattr(lead, "qualification", None)
    judged = qualification.request_type if qualification is not None else ""
    return judged or lead.request_type or ""


def licence_required(lead: Lead, setup: "RoutingSetup") -> str | None:
    """The state (upper case; "" when the lead's state is unknown, which no rep holds) a rep
    must be licensed in to hold this lead, or None when the lead needs no licence."""
    licence = setup.licence
    if not licence.every_lead and (
        not licence.request_types or _request_type(lead).casefold() not in licence.request_types
    ):
        return None
    return (lead.state or "").strip().upper()


def rep_may_hold_licence(profile: "RepProfile | None", state: str | None) -> bool:
    """Whether a rep may hold a lead that needs a licence in `state` (None: no licence
    needed). A rep unknown to the configuration holds none."""
    if state is None:
        return True
    return profile is not None and bool(state) and state in profile.licensed_states


def not_licensed(state: str) -> str:
    """Why a rep may not hold the lead, in the words the decision and the pages use."""
    return f"not licensed in {state or 'an unknown state'}"


def nobody_licensed(state: str) -> str:
    """Why a lead waits in a queue: nobody licensed in its state could take it."""
    if not state:
        return "Nobody can take it: it needs a state licence and its state is unknown"
    return f"Nobody licensed in {state} can take it"


def licence_refusal(
    *, lead: Lead, rep_id: int, setup: "RoutingSetup", rep_name: str | None = None
) -> str:
    """Why this rep may not hold this lead, in plain words for a form or a page ("" when they
    may): a manager's assignment and a rep's claim are refused with it. Without `rep_name`
    it is said to the rep themselves."""
    state = licence_required(lead, setup)
    if rep_may_hold_licence(setup.reps.get(rep_id), state):
        return ""
    if not state:
        return (
            "This lead needs a rep licensed in its state, and its state is unknown: no rep "
            "may take it until someone fills it in."
        )
    subject = f"{rep_name} is" if rep_name else "You are"
    return f"{subject} not licensed in {state}, and this lead needs a rep licensed in its state."
