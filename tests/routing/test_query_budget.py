"""Query budgets of a routing decision (`routing.services.route_lead`): the statements one
decision runs once the configuration is loaded, pinned so that a change to the hot path shows
up as a changed count. The same on SQLite and PostgreSQL (there the reads of the lead, the reps
and the rotation lock their rows FOR UPDATE)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routing.models import RoutingRule
from routing.services import route_lead

pytestmark = pytest.mark.django_db

# The transaction (a savepoint inside the test's own, and its release); the configuration's
# token; the lead, locked, and its qualification; no active assignment; the pool's reps,
# locked; the rule's rotation, then its one UPDATE; the assignment, the decision, the lead's
# status and the event; the webhook endpoints' configuration token (lead.assigned; no endpoint
# subscribes here, so nothing is written).
ASSIGNED = 14
# The same up to the pool's reps (all unavailable), then the team queue's assignment, the
# decision and the event (and the webhook endpoints' token): no rotation, and the lead's
# status stays "new".
QUEUED = 11


def decide(lead):
    with CaptureQueriesContext(connection) as queries:
        decision = route_lead(lead)
    return decision, [query["sql"] for query in queries.captured_queries]


def test_a_decision_that_assigns_a_rep_keeps_its_query_budget(make_rep, make_rule, make_leads):
    make_rule(pool_reps=[make_rep("sam"), make_rep("kim")])
    first, lead = make_leads(2)
    route_lead(first)  # loads the configuration, which stays in memory between decisions

    decision, statements = decide(lead)

    assert decision.outcome == "assigned"
    assert len(statements) == ASSIGNED, "\n".join(statements)


def test_a_decision_that_queues_the_lead_keeps_its_query_budget(
    make_rep, make_rule, make_leads, team
):
    make_rule(
        pool_reps=[make_rep("sam", paused=True)],
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    first, lead = make_leads(2)
    route_lead(first)

    decision, statements = decide(lead)

    assert decision.outcome == "team_queue"
    assert len(statements) == QUEUED, "\n".join(statements)
