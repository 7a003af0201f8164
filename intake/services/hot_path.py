"""Fixed-shape statements on intake's hot path, in plain SQL.

Measured on this project's machine, the ORM spends 0.2 to 0.3 ms compiling each of these small
statements (a two-value identity lookup: 318 µs through the ORM, 21 µs as SQL), which was most
of what intake cost beyond the bare row inserts. The statements here are the same on SQLite and
PostgreSQL, take only parameters (never interpolated values), and every one of them is covered
by the intake tests on both databases, which read the rows back through the ORM.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from intake.models import Account, ContactIdentity, LeadEvent, Submission
from leadrouter.sql import at as _at
from leadrouter.sql import json_text as _json
from leadrouter.sql import row_insert

__all__ = ["row_insert"]

_IDENTITY = ContactIdentity._meta.db_table
_ACCOUNT = Account._meta.db_table
_EVENT = LeadEvent._meta.db_table
_SUBMISSION = Submission._meta.db_table


def identities_find(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(kind, value): contact id} for the given identities that exist."""
    if not keys:
        return {}
    # One equality pair per key, OR-ed: both databases answer each pair from the unique
    # (kind, value) index. `value IN (...)` or a row-value `(kind, value) IN (...)` read the
    # whole table on SQLite (7.6 ms at 100,000 identities against 0.01 ms).
    where = " OR ".join(["(kind = %s AND value = %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, value, contact_id FROM {_IDENTITY} WHERE {where}",  # noqa: S608 - table name from the model, values are parameters
            [part for key in keys for part in key],
        )
        return {(kind, value): contact_id for kind, value, contact_id in cursor.fetchall()}


def identities_insert(contact_id: int, keys: Iterable[tuple[str, str]], now: datetime) -> None:
    """Insert identities; raises IntegrityError if another contact holds one of them."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_IDENTITY} (contact_id, kind, value, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [(contact_id, kind, value, _at(now)) for kind, value in keys],
        )


def account_id_for_domain(domain: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {_ACCOUNT} WHERE domain = %s", [domain])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def events_insert(events: list[dict]) -> None:
    """Insert timeline events, each a dict of LeadEvent's columns (lead_id, kind, at, actor_id,
    message, data, submission_id)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_EVENT} (lead_id, kind, at, actor_id, message, data, submission_id) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    event["lead_id"],
                    event["kind"],
                    _at(event["at"]),
                    event.get("actor_id"),
                    event["message"],
                    _json(event["data"]),
                    event["submission_id"],
                )
                for event in events
            ],
        )


def submission_mark_done(submission_id: int, *, status: str, lead_id: int, now: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_SUBMISSION} SET status = %s, lead_id = %s, errors = %s, error_detail = '', "  # noqa: S608
            "processed_at = %s, attempts = attempts + 1 WHERE id = %s",
            [status, lead_id, "{}", _at(now), submission_id],
        )
