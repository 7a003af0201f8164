"""Query budgets of `POST /api/v1/leads/`: every statement from the request to the answer
(authentication, rate limit, the raw submission, the pipeline, routing and the answer's read),
pinned so that a change to the hot path shows up as a changed count. Measured after a first
lead, once the routing and qualification configuration is in memory."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routing.models import Rep, RoutingRule, Team
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

ANN = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}
BO = {"full_name": "Bo Park", "email": "bo@gmail.com", "request_type": "home"}

# A new lead: the source key, the rate limit's upsert, the raw submission; intake (identity
# lookup, contact, identity, lead, events, the submission's status, the webhook endpoints'
# configuration token for lead.created); qualification (its configuration token, its row and
# event, the webhook endpoints' token for lead.qualified); routing (14, as
# tests/routing/test_query_budget.py counts them, lead.assigned's token included); no endpoint
# subscribes here, so no outbox row is written. Then the answer's read of the lead, its source,
# qualification, owner and decision (8: the owner is the decision's rep, so their user is read
# once). Each transaction is a savepoint and its release inside the test's own. PostgreSQL
# adds a savepoint and its release around the new contact's insert, which a concurrent writer
# may have beaten (SQLite's IMMEDIATE transactions serialize writers, so there is none).
BUDGETS = {
    ("new, routed to a rep", "sqlite"): 42,
    ("new, routed to a rep", "postgresql"): 44,
    # No rule: the review queue (its task, the status, an event) instead of a rep, and no owner
    # for the answer to read.
    ("new, no rule takes it", "sqlite"): 40,
    ("new, no rule takes it", "postgresql"): 42,
    # The person's open lead is touched (no new contact, lead or routing), and whether its
    # SLA clock is paused (waiting on the customer, who just came back) is read.
    ("merged into an open lead", "sqlite"): 23,
    ("merged into an open lead", "postgresql"): 23,
}


@pytest.fixture
def rule(django_user_model):
    team = Team.objects.create(name="Austin office", time_zone="America/Chicago")
    user = django_user_model.objects.create_user("sam", first_name="Sam")
    rule = RoutingRule.objects.create(name="Everyone", require_working_now=False)
    rule.pool_reps.set([Rep.objects.create(user=user, team=team)])
    return rule


def submit(api, payload):
    with CaptureQueriesContext(connection) as queries:
        response = post_lead(api, payload)
    return response, [query["sql"] for query in queries.captured_queries]


def budget(scenario: str) -> int:
    return BUDGETS[scenario, connection.vendor]


def test_a_new_lead_routed_to_a_rep_keeps_its_query_budget(api, rule):
    post_lead(api, BO)

    response, statements = submit(api, ANN)

    assert response.status_code == 201 and response.json()["owner"] == "sam"
    assert len(statements) == budget("new, routed to a rep"), "\n".join(statements)


def test_a_new_lead_no_rule_takes_keeps_its_query_budget(api):
    post_lead(api, BO)

    response, statements = submit(api, ANN)

    assert response.status_code == 201 and response.json()["owner"] is None
    assert len(statements) == budget("new, no rule takes it"), "\n".join(statements)


def test_a_lead_merged_into_an_open_lead_keeps_its_query_budget(api, rule):
    first = post_lead(api, ANN).json()["id"]

    response, statements = submit(api, {**ANN, "message": "Call me after 5"})

    assert response.status_code == 200 and response.json()["id"] == first
    assert len(statements) == budget("merged into an open lead"), "\n".join(statements)
