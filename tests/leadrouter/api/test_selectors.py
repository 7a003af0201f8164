"""The lead's reads across the steps: the submission's answer, read by fixed statements, is
the lead as the list and the detail show it."""

import pytest
from django.contrib.auth.models import Permission

from leadrouter.api.selectors import lead_answer_read, lead_get_for_user
from leadrouter.api.serializers import LeadSerializer
from routing.models import Rep, RoutingRule, Team
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    return user


def test_a_routed_leads_answer_is_read_in_eight_statements_and_shows_what_the_list_shows(
    api, viewer, django_user_model, django_assert_num_queries
):
    team = Team.objects.create(name="Austin office", time_zone="America/Chicago")
    sam = django_user_model.objects.create_user("sam", first_name="Sam")
    Rep.objects.create(user=sam, team=team)
    RoutingRule.objects.create(name="Everyone", pool_team=team, require_working_now=False)
    lead_id = post_lead(api, LEAD).json()["id"]

    # The lead, its source, qualification, assignments, owner, decisions, rule and rep (the
    # rep's user is the owner, read once).
    with django_assert_num_queries(8):
        lead, steps = lead_answer_read(lead_id=lead_id)

    answer = LeadSerializer(lead, context={"steps": steps}).data
    listed = LeadSerializer(lead_get_for_user(user=viewer, lead_id=lead_id)).data
    assert answer == listed
    routing = answer["routing"]
    assert (answer["owner"], routing["rule"], routing["rep"]) == ("sam", "Everyone", "Sam")
    assert answer["qualification"]["tier"] in {"A", "B", "C"}


def test_an_unrouted_leads_answer_has_no_owner_and_no_routing(api, viewer):
    lead_id = post_lead(api, {**LEAD, "is_test": True}).json()["id"]

    lead, steps = lead_answer_read(lead_id=lead_id)

    answer = LeadSerializer(lead, context={"steps": steps}).data
    assert (answer["owner"], answer["routing"]) == (None, None)
    assert answer == LeadSerializer(lead_get_for_user(user=viewer, lead_id=lead_id)).data
