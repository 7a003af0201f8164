"""The statements a routing decision runs under its locks, in fixed-shape SQL (see
`leadrouter.sql` for why): the pool's reps as they are now, their loads, and the rotation's
rows.

A rotation is a rule's own by default; a team with `one_rotation_for_team` has one rotation
shared by every rule whose pool is the team (`RotationKey`), so a rep in several of its rules
is balanced across them all. Rotation is kept per rep, never as a list index: `last_turn` is
the rotation's decision number of the rep's last lead (round robin gives the next lead to the
lowest), `current_weight` the smooth weighted round robin score (nginx's algorithm, exact
shares over time), and `seen_round` the last decision in which the rep was available. A rep
who missed decisions (paused, time off, off hours, full) rejoins at the pool's current minimum
— neither flooded with catch-up leads nor sent to the back; a rep who was available but
excluded by one lead's own constraints (licence, skill, language, territory) keeps their place
and loses nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from intake.models import OPEN_STATUSES, Lead, LeadStatus
from leadrouter import sql
from leadrouter.sql import Table, parameter_marks
from routing.models import Assignment, Rep, RotationState

# Why plain SQL here: a decision takes 1.0 ms at p50 on SQLite (README, "Benchmarks", `bench/run
# routing`) and the ORM spends 0.2 to 0.3 ms compiling each small statement; these statements run
# on every decision, under the locks, so each one through the ORM would add a fifth to a third.


def _for_update(of: Table) -> str:
    # SQLite has no row locks: its IMMEDIATE transactions already serialize writers.
    return f" FOR UPDATE OF {of.alias}" if connection.features.has_select_for_update_of else ""


@dataclass(frozen=True)
class LiveRep:
    """What may change between two leads without a save of the rep (bulk updates, the user
    account), read under the rep's row lock."""

    user_id: int
    name: str
    is_active: bool
    paused: bool
    paused_until: datetime | None
    weight: int
    max_open_leads: int | None
    max_new_per_day: int | None


@cache
def _lock_reps_statement(count: int, vendor: str) -> str:
    r, u = Table(Rep, "r"), Table(get_user_model(), "u")
    return (
        f"SELECT {r['id']}, {r['user_id']}, {u['first_name']}, {u['last_name']}, "  # noqa: S608 - names from meta
        f"{u['username']}, {r['is_active']}, {u['is_active']}, {r['paused']}, {r['weight']}, "
        f"{r['max_open_leads']}, {r['max_new_per_day']}, {r['paused_until']} "
        f"FROM {r} INNER JOIN {u} ON {u['id']} = {r['user_id']} "
        f"WHERE {r['id']} IN ({parameter_marks(count)}) ORDER BY {r['id']}" + _for_update(r)
    )


def lock_reps(ids: tuple[int, ...] | list[int]) -> dict[int, LiveRep]:
    """Lock the reps' rows in id order (two routers never deadlock) and read them."""
    if not ids:
        return {}
    rows = sql.fetch_all(_lock_reps_statement(len(ids), connection.vendor), list(ids))
    return {
        row[0]: LiveRep(
            user_id=row[1],
            name=f"{row[2]} {row[3]}".strip() or row[4],
            is_active=bool(row[5]) and bool(row[6]),
            paused=bool(row[7]),
            weight=row[8],
            max_open_leads=row[9],
            max_new_per_day=row[10],
            paused_until=sql.from_db(Rep, "paused_until", row[11]),
        )
        for row in rows
    }


@cache
def _open_lead_counts_statement(count: int, vendor: str) -> str:
    a, lead = Table(Assignment, "a"), Table(Lead, "l")
    open_in = f"{lead['status']} IN ({parameter_marks(len(OPEN_STATUSES))})"
    mine = f"{a['ended_at']} IS NULL AND {a['rep_id']} IN ({parameter_marks(count)})"
    if vendor == "postgresql":
        return (
            f"SELECT {a['rep_id']}, COUNT(*) FROM {a} "  # noqa: S608 - names from meta
            f"WHERE {a['lead_id']} = ANY(ARRAY(SELECT {lead['id']} FROM {lead} WHERE {open_in})) "
            f"AND {mine} GROUP BY {a['rep_id']}"
        )
    return (
        f"SELECT {a['rep_id']}, COUNT(*) FROM {lead} CROSS JOIN {a} "  # noqa: S608 - names from meta
        f"WHERE {a['lead_id']} = {lead['id']} AND {open_in} AND {mine} GROUP BY {a['rep_id']}"
    )


def open_lead_counts(ids: list[int]) -> dict[int, int]:
    """Open leads each rep owns now."""
    # From the open leads (bounded by the work in hand) to their active assignment, never
    # from the reps' assignments, which keep every lead they ever closed. SQLite's CROSS JOIN
    # keeps that order (left to right); without statistics it chose the reps' side for a
    # pool of ten (31 ms a lead at 50,000 leads, growing with the history). PostgreSQL's
    # planner hash-joined the pool's 80,000 assignments at 200,000 leads (27 ms); given the
    # open leads' ids as an array it probes the assignments' lead index instead (13 ms).
    statement = _open_lead_counts_statement(len(ids), connection.vendor)
    return dict(sql.fetch_all(statement, [*OPEN_STATUSES, *ids]))


def assigned_since(ids: list[int], since: datetime) -> dict[int, int]:
    """Leads routed to each of these reps since `since` (manual assignments do not count
    towards a daily cap)."""
    return sql.count_by(
        Assignment,
        "rep_id",
        rep_id__in=ids,
        assigned_at__gte=since,
        reason__ne=Assignment.Reason.MANUAL,
    )


def lead_mark_assigned(lead_id: int, now: datetime) -> None:
    sql.update_where(Lead, {"status": LeadStatus.ASSIGNED, "updated_at": now}, id=lead_id)


@dataclass(frozen=True)
class RotationKey:
    """Whose rotation a decision takes turns from: a rule's own (`column` "rule_id") or the one
    its pool's team shares among its rules ("team_id")."""

    column: str
    id: int

    @classmethod
    def of_rule(cls, rule_id: int, *, shared_by_team: int | None = None) -> "RotationKey":
        if shared_by_team is not None:
            return cls("team_id", shared_by_team)
        return cls("rule_id", rule_id)

    @property
    def shared_by_team(self) -> int | None:
        return self.id if self.column == "team_id" else None


@dataclass
class Position:
    """One rep's place in a rotation (a `RotationState` row)."""

    current_weight: int
    last_turn: int
    seen_round: int
    last_assigned_at: datetime | None
    stored: tuple[int, int] | None  # (current_weight, last_turn) as in the row; None: new row


class Turn:
    """One decision's use of a rotation: take it (lock and read the rows), then record who got
    the lead. Between the two the rows stay locked.

    A shared rotation's rows are inserted only by a decision holding the rep's row lock (taken
    first, in id order), as a rule's are, so two rules of one team never insert the same row
    and a decision of either waits for the other's turn to be written."""

    def __init__(self, key: RotationKey, states: dict[int, Position], this_round: int, available):
        self.key = key
        self.states = states
        self.round = this_round
        self.available = available

    @classmethod
    def take(cls, key: RotationKey, eligible: list[int], available: set[int]) -> "Turn":
        rows = sql.select_rows(
            RotationState,
            ("rep_id", "current_weight", "last_turn", "seen_round", "last_assigned_at"),
            order_by=("rep_id",),
            lock=True,
            **{key.column: key.id},
        )
        states = {
            rep_id: Position(weight, turn, seen, last, (weight, turn))
            for rep_id, weight, turn, seen, last in rows
        }
        this_round = max((p.seen_round for p in states.values()), default=0) + 1
        present = [p for p in states.values() if p.seen_round == this_round - 1]
        floor_weight = min((p.current_weight for p in present), default=0)
        floor_turn = min((p.last_turn for p in present), default=0)
        for rep_id in available | set(eligible):
            position = states.get(rep_id)
            if position is None:
                states[rep_id] = Position(floor_weight, floor_turn, 0, None, None)
            elif position.seen_round != this_round - 1 and present:
                # Back from a pause, time off, off hours or a full queue: at the minimum.
                position.current_weight, position.last_turn = floor_weight, floor_turn
        return cls(key, states, this_round, available | set(eligible))

    def record(self, chosen: int, *, now: datetime, gains: dict[int, int]) -> None:
        """Everyone available saw this round (and, weighted, gained their weight); the chosen
        rep took the turn (and, weighted, paid the total). At most one INSERT (newcomers) and
        one UPDATE, whatever the pool size."""
        for rep_id, gain in gains.items():
            self.states[rep_id].current_weight += gain
        chosen_position = self.states[chosen]
        chosen_position.current_weight -= sum(gains.values())
        chosen_position.last_turn = self.round
        new = [rep_id for rep_id in self.available if self.states[rep_id].stored is None]
        changed = [
            rep_id
            for rep_id in self.available
            if (position := self.states[rep_id]).stored is not None
            and position.stored != (position.current_weight, position.last_turn)
        ]
        seen = sorted(set(self.available) - set(new))
        if new:
            sql.rows_insert(
                RotationState,
                (
                    self.key.column,
                    "rep_id",
                    "current_weight",
                    "last_turn",
                    "seen_round",
                    "assigned_count",
                    "last_assigned_at",
                ),
                [
                    (
                        self.key.id,
                        rep_id,
                        self.states[rep_id].current_weight,
                        self.states[rep_id].last_turn,
                        self.round,
                        1 if rep_id == chosen else 0,
                        now if rep_id == chosen else None,
                    )
                    for rep_id in new
                ],
            )
        if seen:
            self._write_seen(seen, changed, chosen if chosen not in new else None, now)
        chosen_position.last_assigned_at = now

    def _write_seen(self, seen: list[int], changed: list[int], chosen: int | None, now) -> None:
        """One UPDATE of the rows already there: every changed value is written as the value
        computed under the lock; the chosen rep's (when not new) counts the assignment."""
        params: list = [self.round]
        for rep_id in changed:
            params += [rep_id, self.states[rep_id].current_weight]
        for rep_id in changed:
            params += [rep_id, self.states[rep_id].last_turn]
        if chosen is not None:
            params += [chosen, sql.prepare(RotationState, "last_assigned_at", now), chosen]
        statement = _seen_statement(
            self.key.column, len(seen), len(changed), chosen is not None, connection.vendor
        )
        sql.execute(statement, [*params, self.key.id, *seen])


@cache
def _seen_statement(
    key_column: str, seen: int, changed: int, counts_chosen: bool, vendor: str
) -> str:
    t = Table(RotationState)
    rep, weight, turn = t["rep_id"], t["current_weight"], t["last_turn"]
    cases = " WHEN %s THEN %s" * changed
    sets = f"{t['seen_round']} = %s"
    if changed:
        sets += (
            f", {weight} = CASE {rep}{cases} ELSE {weight} END"
            f", {turn} = CASE {rep}{cases} ELSE {turn} END"
        )
    if counts_chosen:
        last, count = t["last_assigned_at"], t["assigned_count"]
        sets += (
            f", {last} = CASE WHEN {rep} = %s THEN %s ELSE {last} END"
            f", {count} = {count} + CASE WHEN {rep} = %s THEN 1 ELSE 0 END"
        )
    return (
        f"UPDATE {t} SET {sets} "  # noqa: S608 - names from meta, values are parameters
        f"WHERE {t[key_column]} = %s AND {rep} IN ({parameter_marks(seen)})"
    )
