"""The statements on intake's hot path that skip the ORM's compiler (`leadrouter.sql`).

Why not the ORM: compiling each of these small statements cost 0.2 to 0.3 ms (a two-value
identity lookup: 318 µs through the ORM, 21 µs as SQL), which was most of what intake cost
beyond the bare row inserts: intake runs at 2.1 to 2.8 times the bare floor at p50 (README,
"Benchmarks"), and these five statements (identity lookup and inserts, account lookup, events
insert, the submission's final status) are most of the difference. Every one of them is covered
by the intake tests on both databases, which read the rows back through the ORM.
"""

from collections.abc import Iterable
from datetime import datetime

from intake.models import Account, ContactIdentity, LeadEvent, Submission
from leadrouter import sql
from leadrouter.sql import row_insert

__all__ = ["row_insert"]


def identities_find(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(kind, value): contact id} for the given identities that exist."""
    rows = sql.select_any(
        ContactIdentity,
        ("kind", "value", "contact_id"),
        [{"kind": kind, "value": value} for kind, value in keys],
    )
    return {(kind, value): contact_id for kind, value, contact_id in rows}


def identities_insert(contact_id: int, keys: Iterable[tuple[str, str]], now: datetime) -> None:
    """Insert identities; raises IntegrityError if another contact holds one of them."""
    sql.rows_insert(
        ContactIdentity,
        ("contact_id", "kind", "value", "created_at"),
        [(contact_id, kind, value, now) for kind, value in keys],
    )


def account_id_for_domain(domain: str) -> int | None:
    rows = sql.select_rows(Account, ("id",), domain=domain)
    return rows[0][0] if rows else None


def events_insert(events: list[dict]) -> None:
    """Insert timeline events, each a dict of LeadEvent's columns (the same keys in each)."""
    columns = tuple(events[0])
    sql.rows_insert(LeadEvent, columns, [[event[c] for c in columns] for event in events])


def submission_mark_done(submission_id: int, *, status: str, lead_id: int, now: datetime) -> None:
    sql.update_where(
        Submission,
        {
            "status": status,
            "lead_id": lead_id,
            "errors": {},
            "error_detail": "",
            "processed_at": now,
        },
        increment=("attempts",),
        id=submission_id,
    )
