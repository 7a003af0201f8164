"""Configuring routing in the admin: validation in clean(), and the decision pages."""

import html
import json

import pytest
from django.urls import reverse

from routing.models import Rep, RoutingRule
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


def test_a_rep_with_an_unknown_state_or_bad_hours_is_refused(admin_client, team, django_user_model):
    user = django_user_model.objects.create_user("sam")
    response = admin_client.post(
        reverse("admin:routing_rep_add"),
        {
            "user": user.pk,
            "team": team.pk,
            "is_active": "on",
            "weight": 1,
            "languages": "[]",
            "licensed_states": '["TX", "ZZ"]',
            "time_zone": "America/Chicago",
            "working_hours": '{"mon": [["17:00", "09:00"]]}',
            "time_off-TOTAL_FORMS": 0,
            "time_off-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Unknown US state code(s): ZZ" in response.content.decode()
    assert not Rep.objects.exists()


def test_a_rule_with_a_bad_condition_or_missing_fallback_target_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:routing_routingrule_add"),
        {
            "name": "Texas",
            "order": 1,
            "is_active": "on",
            "condition": '{"field": "tier", "op": "bogus", "value": "A"}',
            "method": "round_robin",
            "fallback": "manager",
        },
    )

    page = response.content.decode()
    assert "unknown operator" in page and "Name the manager who takes the lead." in page
    assert not RoutingRule.objects.exists()


def test_a_rule_whose_regex_has_a_backreference_is_refused_in_plain_words(admin_client):
    response = admin_client.post(
        reverse("admin:routing_routingrule_add"),
        {
            "name": "Repeated words",
            "order": 1,
            "is_active": "on",
            "condition": json.dumps({"field": "message", "op": "regex", "value": r"(\w+) \1"}),
            "method": "round_robin",
            "fallback": "next_rule",
        },
    )

    page = html.unescape(response.content.decode())
    assert 'value: regex: backreference "\\1" is not supported' in page
    assert "RE2 syntax has no backreferences or lookaround" in page
    assert not RoutingRule.objects.exists()


def test_the_decision_pages_show_why(admin_client, api, make_rep, make_rule):
    make_rule(pool_reps=[make_rep("sam")])
    post_lead(api, {"full_name": "Ann", "email": "ann@gmail.com", "request_type": "home"})

    page = admin_client.get(reverse("admin:routing_routingdecision_changelist")).content.decode()

    assert "Assigned to a rep" in page
    assert admin_client.get(reverse("admin:routing_assignment_changelist")).status_code == 200
