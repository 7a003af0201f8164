"""Which statements read a whole big table: the plans of the statements a block of code ran.

A full scan costs nothing on a test's few rows and grows with the team's history (7.6 ms for
the identity lookup at 100,000 identities, against 0.01 ms through the unique index), so the
hot paths' statements are checked by their plans, not by their time. SQLite: EXPLAIN QUERY
PLAN, a "SCAN <table>" step that uses no index. PostgreSQL: EXPLAIN with enable_seqscan off,
so that the planner takes an index whenever one can answer (on a test's tiny tables it would
rightly prefer reading the table); a Seq Scan left in the plan means no index could.
"""

import json
import re
from contextlib import contextmanager

from django.db import connection

# The tables that grow with every lead.
BIG_TABLES = frozenset(
    {
        "intake_lead",
        "intake_contact",
        "intake_contactidentity",
        "intake_submission",
        "intake_leadevent",
        "routing_assignment",
        "routing_routingdecision",
        "routing_activity",
        "qualification_qualification",
        "qualification_reviewtask",
    }
)


@contextmanager
def captured_statements():
    """The (sql, params) of every single statement run inside the block that reads rows."""
    statements: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        yield statements


def full_scans(statements) -> list[str]:
    """One line per statement that reads a big table whole: the table and the statement."""
    found = []
    for sql, params in statements:
        for table in _scanned_tables(sql, params):
            if table in BIG_TABLES:
                found.append(f"{table}: {sql[:400]}")
    return found


def _scanned_tables(sql: str, params: tuple) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            steps = [row[-1] for row in cursor.fetchall()]
            # "SCAN intake_lead" or "SCAN intake_lead AS U0", never "... USING INDEX ...".
            return {
                match.group(1)
                for step in steps
                if (match := re.fullmatch(r"SCAN (\w+)(?: AS \w+)?", step))
            }
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
        if isinstance(plan, str):
            plan = json.loads(plan)
        return set(_seq_scans(plan[0]["Plan"]))


def _seq_scans(node: dict):
    if node.get("Node Type") == "Seq Scan":
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _seq_scans(child)
