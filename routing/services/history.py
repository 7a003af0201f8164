"""A team's past brought in (`import_leads` with `--owner`, the admin's CSV upload): the owners a
history file names matched to reps, unknown ones added as inactive reps who are never routed
to, and each imported lead recorded as its owner's."""

import unicodedata
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.csv_import import CsvImportError, OwnerMatch
from intake.models import Lead, LeadStatus
from leadrouter import sql
from routing.models import Assignment, Rep, Team
from routing.selectors import imported_owners_team
from routing.services.people import free_username, username_for


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def imported_owners_match(
    *, names: Collection[str], create: bool = False, team: str | None = None
) -> dict[str, OwnerMatch]:
    """The rep each owner cell names, read in one query for the whole file.

    1. A cell names a user by username, else by e-mail, else by full name ("Ann Lee"), each
       without regard to case or extra spaces. Two people with the name a cell gives: not
       matched (the cell should give a username or an e-mail).
    2. A user with a rep profile: that rep, active or not (history keeps the owners who left).
    3. Nobody, or a user without a rep profile: with `create` (`--create-owners`), an
       inactive rep is added (`rep_create_imported`) to the team named `team`, else to the
       only team (`routing.selectors.imported_owners_team`; CsvImportError, before any row is
       stored, when that is not one team); without, the reason, which the import reports for
       each row naming them.
    """
    people = _People()
    create_in: Team | None = None
    matches = {}
    # In order, so that which of "Zed Old" and "zed old" names the person added is fixed.
    for name in sorted(names):
        found = people.find(name)
        if len(found) > 1:
            usernames = ", ".join(sorted(user[1] for user in found))
            matches[name] = OwnerMatch(
                problem=f"{name!r} is the name of {len(found)} people ({usernames}): "
                "write the owner's username or e-mail instead"
            )
        elif found and people.rep_of(found[0]) is not None:
            matches[name] = OwnerMatch(rep_id=people.rep_of(found[0]))
        elif create:
            if create_in is None:
                try:
                    create_in = imported_owners_team(team)
                except ValueError as exc:
                    raise CsvImportError(f"cannot create owners: {exc}") from None
            rep = rep_create_imported(
                name=name, team=create_in, user_id=found[0][0] if found else None
            )
            # Later cells naming the same person ("zed old" after "Zed Old") find this rep.
            people.add(rep.user, rep_id=rep.pk)
            matches[name] = OwnerMatch(rep_id=rep.pk)
        elif found:
            matches[name] = OwnerMatch(
                problem=f"{name!r} is a user without a rep profile (create owners to add them "
                "as an inactive rep)"
            )
        else:
            matches[name] = OwnerMatch(
                problem=f"{name!r} matches no rep's username, e-mail or full name (create "
                "owners to add them as inactive reps)"
            )
    return matches


class _People:
    """Every user by folded username, e-mail and full name, with their rep, read at once."""

    def __init__(self) -> None:
        self.by_username: dict[str, list[tuple]] = defaultdict(list)
        self.by_email: dict[str, list[tuple]] = defaultdict(list)
        self.by_name: dict[str, list[tuple]] = defaultdict(list)
        self.reps: dict[int, int] = {}
        users = get_user_model().objects.values_list(
            "pk", "username", "email", "first_name", "last_name", "rep__pk"
        )
        for *user, rep_id in users.order_by("pk"):
            self._index(tuple(user), rep_id)

    def _index(self, user: tuple, rep_id: int | None) -> None:
        pk, username, email, first_name, last_name = user
        if rep_id is not None:
            self.reps[pk] = rep_id
        if user in self.by_username[username.casefold()]:
            return
        self.by_username[username.casefold()].append(user)
        if email:
            self.by_email[email.casefold()].append(user)
        full_name = _folded(f"{first_name} {last_name}")
        if full_name:
            self.by_name[full_name].append(user)

    def add(self, user, *, rep_id: int) -> None:
        fields = (user.pk, user.username, user.email, user.first_name, user.last_name)
        self._index(fields, rep_id)

    def find(self, name: str) -> list[tuple]:
        key = _folded(name)
        return self.by_username.get(key) or self.by_email.get(key) or self.by_name.get(key) or []

    def rep_of(self, user: tuple) -> int | None:
        return self.reps.get(user[0])


def rep_create_imported(*, name: str, team: Team, user_id: int | None = None) -> Rep:
    """An owner the team's past names but who does not work here (any more): an inactive rep
    of `team`, never routed to, whose user has no usable password (nobody signs in as them).
    `user_id`: the existing user (a manager, say) the name matched. Their past leads count in
    reports under their name. Another import adding the same person at the same moment wins
    the username: this one then reads their rep."""
    User = get_user_model()
    cell = " ".join(name.split())
    email = cell if "@" in cell else ""
    first, _, last = ("" if email else cell).partition(" ")
    try:
        with transaction.atomic():
            if user_id is None:
                username = username_for(email=email) if email else free_username(_ascii(cell))
                user = User.objects.create_user(
                    username[:150], email=email, first_name=first[:150], last_name=last[:150]
                )  # no password given: an unusable one
                user_id = user.pk
            return Rep.objects.create(
                user_id=user_id, team=team, is_active=False, time_zone=team.time_zone
            )
    except IntegrityError:
        match = imported_owners_match(names=[name])[name]
        if match.rep_id is None:
            raise
        return Rep.objects.get(pk=match.rep_id)


def _ascii(name: str) -> str:
    """A username's base from a person's name: "José Núñez" → "jose.nunez"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(plain.lower().split())


def assignment_import(*, lead: Lead, rep_id: int, now: datetime | None = None) -> Assignment | None:
    """Record a just-imported lead as its owner's, as the previous tool had it.

    1. A closed lead (won or lost, `is_historical`): its owner, active or not, owns it from
       its arrival, as a closed lead's owner does (the assignment stays, the lead is closed),
       so reports count the rep's leads, won value and close rate and the rep and their
       manager find it; no SLA clock, nobody is told.
    2. An open lead owned by an active rep: theirs, `assigned`, with no SLA clock (its first
       contact happened in the previous tool, if at all) and nobody told: it is in their
       queue as work they already had.
    3. An open lead whose owner is inactive (or gone): None, and the pipeline routes it.
    The reason is `imported` ("Imported history"); the lead's `imported` event names the
    owner as the file wrote it.
    """
    now = now or timezone.now()
    # Statements without the ORM's compiler: once per row of a file of thousands.
    found = sql.select_rows(Rep, ("user_id", "is_active"), id=rep_id)
    if not found:
        return None
    user_id, active = found[0]
    if lead.is_open() and not (active and sql.exists(get_user_model(), id=user_id, is_active=True)):
        return None
    assignment = Assignment(
        lead=lead,
        rep_id=rep_id,
        user_id=user_id,
        reason=Assignment.Reason.IMPORTED,
        note="Imported history",
        assigned_at=lead.received_at,
        notified_at=now,  # nobody is told: the notification sweep owes nothing
    )
    if not lead.is_open():
        sql.row_insert(assignment)
        return assignment
    with transaction.atomic():
        sql.row_insert(assignment)
        # Conditional: only the lead this import just made, still new, becomes assigned.
        sql.update_where(
            Lead,
            {"status": LeadStatus.ASSIGNED, "updated_at": now},
            id=lead.pk,
            status=LeadStatus.NEW,
        )
    lead.status = LeadStatus.ASSIGNED
    return assignment
