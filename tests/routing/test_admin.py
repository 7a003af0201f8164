"""Configuring routing in the admin: validation in clean(), and the decision pages."""

import html
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from routing.models import Rep, RoutingRule, Team, Territory
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
            "licensed_states": ["TX", "ZZ"],
            "time_zone": "America/Chicago",
            "working_hours_mon_0_start": "17:00",
            "working_hours_mon_0_end": "09:00",
            "time_off-TOTAL_FORMS": 0,
            "time_off-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Not a US state: ZZ" in page
    assert "Monday: the end 09:00 is not after the start 17:00." in page
    assert not Rep.objects.exists()


@pytest.mark.parametrize("zone", ["Pacific", "US", "../etc/passwd", "Mars/Olympus_Mons"])
def test_a_rep_whose_time_zone_is_not_a_zone_name_is_refused_not_a_500(
    admin_client, team, django_user_model, zone
):
    # "Pacific" is a directory of zones on Debian: loading it used to raise IsADirectoryError.
    user = django_user_model.objects.create_user("sam")
    response = admin_client.post(
        reverse("admin:routing_rep_add"),
        {
            "user": user.pk,
            "team": team.pk,
            "is_active": "on",
            "weight": 1,
            "licensed_states": ["TX"],
            "time_zone": zone,
            "time_off-TOTAL_FORMS": 0,
            "time_off-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert f"{zone!r} is not a time zone (e.g. America/Chicago)." in html.unescape(
        response.content.decode()
    )
    assert not Rep.objects.exists()


def test_a_rep_in_a_real_time_zone_is_saved(admin_client, team, django_user_model):
    user = django_user_model.objects.create_user("sam")
    response = admin_client.post(
        reverse("admin:routing_rep_add"),
        {
            "user": user.pk,
            "team": team.pk,
            "is_active": "on",
            "weight": 1,
            "licensed_states": ["nv"],
            "time_zone": "America/Los_Angeles",
            "time_off-TOTAL_FORMS": 0,
            "time_off-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    rep = Rep.objects.get(user=user)
    assert (rep.time_zone, rep.licensed_states) == ("America/Los_Angeles", ["NV"])


def test_a_webhook_url_on_the_private_network_is_refused_with_the_setting_that_allows_it(
    admin_client, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    response = admin_client.post(
        reverse("admin:routing_team_add"),
        {
            "name": "Dallas",
            "time_zone": "America/Chicago",
            "notify_webhook_url": "http://169.254.169.254/latest/meta-data/",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "169.254.169.254 is a link-local address" in page
    assert "OUTBOUND_ALLOWED_HOSTS=169.254.169.254" in page
    assert not Team.objects.filter(name="Dallas").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:8080/hook", "localhost resolves to"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
        ("https://10.0.0.7/hooks/abc", "10.0.0.7 is a private address"),
        ("ftp://hooks.example.com/x", "only http:// and https:// URLs"),
        ("http://[::1/hook", "not a valid URL"),
    ],
)
def test_rep_and_team_webhooks_must_be_http_urls_that_outbound_calls_may_reach(
    make_rep, team, settings, url, reason
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    for owner in (make_rep("sam"), team):
        owner.notify_webhook_url = url
        with pytest.raises(ValidationError) as caught:
            owner.full_clean()
        assert reason in " ".join(caught.value.message_dict["notify_webhook_url"])


def test_a_public_or_allowed_webhook_url_is_accepted(make_rep, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.internal", "10.0.0.0/8"]
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    rep = make_rep("sam")
    for url in (
        "https://hooks.slack.com/services/T024BE7LD/B08QZ6N1S/k3Vb9XqL2mYdRw7t",
        "https://hooks.internal/x",
        "http://10.0.0.7/hooks/abc",
        "",
    ):
        rep.notify_webhook_url = url
        rep.full_clean()


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


def test_the_rule_pages_say_which_rotation_is_in_force(admin_client, make_rule, make_rep, team):
    team.name = "Sales"
    team.save()
    by_team = make_rule("By team")
    named = make_rule("Named reps", pool_reps=[make_rep("sam")])

    def change_page(rule):
        return html.unescape(
            admin_client.get(
                reverse("admin:routing_routingrule_change", args=[rule.pk])
            ).content.decode()
        )

    assert "This rule's own" in change_page(by_team)
    team.one_rotation_for_team = True
    team.save()

    assert "Shared by the whole Sales team (one rotation for all its rules)" in change_page(by_team)
    assert "This rule's own" in change_page(named)
    listing = html.unescape(
        admin_client.get(reverse("admin:routing_routingrule_changelist")).content.decode()
    )
    assert "Shared by the whole Sales team" in listing and "This rule's own" in listing


def rep_form(user, team, **fields) -> dict:
    """The rep admin form's POST: the fields a test cares about over an empty rep."""
    return {
        "user": user.pk,
        "team": team.pk,
        "is_active": "on",
        "weight": 1,
        "time_off-TOTAL_FORMS": 0,
        "time_off-INITIAL_FORMS": 0,
        **fields,
    }


def test_one_save_with_three_bad_fields_shows_all_three_errors(
    admin_client, team, django_user_model
):
    user = django_user_model.objects.create_user("nia")
    response = admin_client.post(
        reverse("admin:routing_rep_add"),
        rep_form(
            user,
            team,
            licensed_states=["Nevada", "Narnia"],
            time_zone="Pacific",
            working_hours_mon_0_start="17:00",
            working_hours_mon_0_end="09:00",
        ),
    )

    page = html.unescape(response.content.decode())
    assert "Not a US state: Narnia" in page
    assert "'Pacific' is not a time zone (e.g. America/Chicago)." in page
    assert "Monday: the end 09:00 is not after the start 17:00." in page
    assert page.count('class="errorlist') >= 3
    assert not Rep.objects.exists()


def test_the_model_reports_every_field_at_once(team, django_user_model):
    rep = Rep(
        user=django_user_model.objects.create_user("ola"),
        team=team,
        licensed_states=["ZZ"],
        time_zone="Pacific",
        working_hours={"mon": [["17:00", "09:00"]]},
        languages="en",
    )

    with pytest.raises(ValidationError) as raised:
        rep.full_clean()

    assert set(raised.value.message_dict) == {
        "licensed_states",
        "time_zone",
        "working_hours",
        "languages",
    }


def test_a_territory_stores_states_as_upper_case_codes(admin_client):
    response = admin_client.post(
        reverse("admin:routing_territory_add"),
        {
            "name": "West",
            "states": ["nv", "California"],
            "zip_prefixes": "[]",
            "zip_ranges": "[]",
            "countries": "[]",
        },
    )

    assert response.status_code == 302

    assert Territory.objects.get(name="West").states == ["CA", "NV"]
