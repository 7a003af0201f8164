"""Simulation and replay: the decision live routing would make, and the distribution of the last
leads under an edited rule, with nothing kept."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.models import Contact, Lead, LeadEvent, LeadStatus
from qualification.models import Qualification, ReviewTask
from routing.models import Assignment, RotationState, RoutingDecision, RoutingRule
from routing.services import RuleEdit, route_lead, routing_replay, routing_simulate

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every row routing (or a simulation of it) could write."""
    return {
        "assignments": list(
            Assignment.objects.order_by("pk").values_list("pk", "lead", "rep", "ended_at")
        ),
        "decisions": RoutingDecision.objects.count(),
        "events": LeadEvent.objects.count(),
        "rotation": list(RotationState.objects.order_by("pk").values()),
        "leads": list(Lead.objects.order_by("pk").values_list("pk", "status")),
        "contacts": Contact.objects.count(),
        "qualifications": Qualification.objects.count(),
        "reviews": ReviewTask.objects.count(),
        "rules": list(RoutingRule.objects.order_by("pk").values()),
        "pools": list(RoutingRule.pool_reps.through.objects.order_by("pk").values()),
    }


def test_simulating_a_lead_gives_the_live_decision_and_keeps_nothing(
    make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])
    first, second = make_leads(2)
    route_lead(first)  # ana's turn: ben is next
    before = snapshot()

    simulated = routing_simulate(lead=second)
    again = routing_simulate(lead=second)

    assert snapshot() == before
    assert simulated.outcome == "assigned" and simulated.rep_id == ben.pk
    assert again.rep_id == ben.pk  # the first simulation used no rotation turn
    live = route_lead(second)
    assert (simulated.rep_id, simulated.rule_id, simulated.method) == (
        live.rep_id,
        live.rule_id,
        live.method,
    )
    assert simulated.explanation == live.explanation
    assert simulated.candidates == live.candidates
    assert simulated.rules_tried == live.rules_tried
    assert simulated.method_state == live.method_state


def test_simulating_an_assigned_lead_reroutes_it_without_touching_its_assignment(
    make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])
    lead = make_leads(1)[0]
    route_lead(lead)
    before = snapshot()

    simulated = routing_simulate(lead=lead)

    assert simulated.rep_id == ben.pk and "waited longest" in simulated.explanation
    assert snapshot() == before
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_a_typed_in_lead_is_qualified_and_routed_and_leaves_no_lead_behind(
    make_rep, make_rule, source
):
    texan, other = make_rep("texan"), make_rep("other")
    make_rule(
        "Texas",
        order=1,
        pool_reps=[texan],
        condition={"field": "state", "op": "equals", "value": "TX"},
    )
    make_rule("Everyone else", order=2, pool_reps=[other])
    before = snapshot()

    simulated = routing_simulate(
        lead_fields={
            "full_name": "Ann Lee",
            "email": "ann@gmail.com",
            "postal_code": "78701",
            "state": "TX",
            "message": "I need a quote for my house this week",
            "attributes": {"budget": "7500"},
        }
    )

    assert snapshot() == before
    assert simulated.lead_id is None and simulated.rep_name == "Texan"
    assert simulated.rule_name == "Texas"
    assert simulated.qualification["tier"] in {"A", "B", "C"}
    assert any("qualified now" in note for note in simulated.notes)


def test_a_typed_in_lead_with_an_unknown_or_bad_field_is_refused_naming_it(make_rule, source):
    make_rule()

    with pytest.raises(ValidationError) as unknown:
        routing_simulate(lead_fields={"full_name": "Ann", "zipcode": "78701"})
    with pytest.raises(ValidationError) as bad_phone:
        routing_simulate(lead_fields={"full_name": "Ann", "phone": ["555"]})
    with pytest.raises(ValidationError) as bad_channel:
        routing_simulate(lead_fields={"full_name": "Ann", "channel": "fax"})

    assert list(unknown.value.message_dict) == ["zipcode"]
    assert "'zipcode' is not a lead field" in unknown.value.message_dict["zipcode"][0]
    assert "must be a string" in bad_phone.value.message_dict["phone"][0]
    assert "Must be one of" in bad_channel.value.message_dict["channel"][0]
    assert not Lead.objects.exists()


def test_replaying_with_an_edited_pool_moves_the_leads_and_saves_nothing(
    make_rep, make_rule, make_leads
):
    ana, ben, cai = make_rep("ana"), make_rep("ben"), make_rep("cai")
    rule = make_rule(pool_reps=[ana, ben])
    for lead in make_leads(4):
        route_lead(lead)
    before = snapshot()

    result = routing_replay(
        rule_changes=[RuleEdit(rule=rule, values={"pool_reps": [cai]})], leads=4
    )

    assert snapshot() == before
    assert list(rule.pool_reps.order_by("pk")) == [ana, ben]
    per_rep = {row.label: (row.before, row.after) for row in result.per_rep}
    assert per_rep == {"Ana": (2, 0), "Ben": (2, 0), "Cai": (0, 4)}
    assert {row.label: row.after_share for row in result.per_rep}["Cai"] == 1.0
    assert result.replayed == 4 and len(result.changed) == 4
    assert {row.after.rep_name for row in result.changed} == {"Cai"}


def test_replaying_with_a_narrowed_condition_sends_leads_to_the_next_rule(
    make_rep, make_rule, make_leads
):
    texan, other = make_rep("texan"), make_rep("other")
    texas = make_rule(
        "Texas",
        order=1,
        pool_reps=[texan],
        condition={"field": "state", "op": "equals", "value": "TX"},
    )
    make_rule("Everyone else", order=2, pool_reps=[other])
    austin, dallas = make_leads(1, state="TX", postal_code="78701") + make_leads(
        1, state="TX", postal_code="75201"
    )
    tulsa = make_leads(1, state="OK")[0]
    for lead in (austin, dallas, tulsa):
        route_lead(lead)
    narrowed = {
        "all": [texas.condition, {"field": "postal_code", "op": "starts_with", "value": "787"}]
    }

    result = routing_replay(
        rule_changes=[RuleEdit(rule=texas, values={"condition": narrowed})], leads=3
    )

    per_rule = {row.label: (row.before, row.after) for row in result.per_rule}
    assert per_rule == {"Texas": (2, 1), "Everyone else": (1, 2)}
    assert [row.lead_id for row in result.changed] == [dallas.pk]
    assert {row.label: row.after for row in result.per_outcome} == {"Assigned to a rep": 3}
    texas.refresh_from_db()
    assert texas.condition == {"field": "state", "op": "equals", "value": "TX"}


def test_replay_rotates_from_the_current_rotation_state(make_rep, make_rule, make_leads):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])
    route_lead(make_leads(1)[0])  # ana's turn
    waiting = make_leads(2)

    result = routing_replay(leads=Lead.objects.filter(pk__in=[lead.pk for lead in waiting]))

    assert [row.before.rep_name for row in result.leads] == ["Ben", "Ana"]
    assert not result.changed
    assert RotationState.objects.get(rep=ben).assigned_count == 0


def test_an_invalid_edit_is_refused_naming_the_field(make_rep, make_rule, make_leads):
    rule = make_rule(pool_reps=[make_rep("ana")])
    route_lead(make_leads(1)[0])

    with pytest.raises(ValidationError) as bad:
        routing_replay(rule_changes=[RuleEdit(rule=rule, values={"fallback": "manager"})], leads=1)
    with pytest.raises(ValidationError) as unknown:
        routing_replay(rule_changes=[RuleEdit(rule=rule, values={"colour": "red"})], leads=1)

    assert "fallback_user" in bad.value.message_dict
    assert "colour" in unknown.value.message_dict
    rule.refresh_from_db()
    assert rule.fallback == "next_rule"


def test_a_closed_lead_whose_person_has_an_open_lead_is_skipped_with_the_reason(
    make_rep, make_rule, make_leads, source
):
    make_rule(pool_reps=[make_rep("ana")])
    won = make_leads(1)[0]
    route_lead(won)
    Lead.objects.filter(pk=won.pk).update(status=LeadStatus.WON)
    Lead.objects.create(
        contact=won.contact, source=source, channel=source.channel, received_at=won.received_at
    )

    result = routing_replay(leads=[won])

    assert result.replayed == 0 and "another open lead" in result.skipped[0].skipped


def test_live_routing_after_a_replay_uses_the_saved_rules(make_rep, make_rule, make_leads):
    ana, ben = make_rep("ana"), make_rep("ben")
    rule = make_rule(pool_reps=[ana])
    route_lead(make_leads(1)[0])

    routing_replay(rule_changes=[RuleEdit(rule=rule, values={"pool_reps": [ben]})], leads=1)

    assert route_lead(make_leads(1)[0]).rep == ana


# The admin: the "Simulate a lead" page and the change form's replay button (its own view).


@pytest.fixture
def staff_client(client, django_user_model):
    def make(*codenames):
        user = django_user_model.objects.create_user(
            f"manager{django_user_model.objects.count()}", is_staff=True
        )
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="routing", codename__in=codenames)
        )
        client.force_login(user)
        return client

    return make


def test_the_simulate_page_shows_the_decision_to_staff(
    admin_client, make_rep, make_rule, make_leads
):
    make_rule(pool_reps=[make_rep("ana")])
    lead = make_leads(1)[0]
    url = reverse("admin:routing_routingrule_simulate")
    before = snapshot()

    assert admin_client.get(url).status_code == 200
    by_id = admin_client.post(url, {"lead": lead.pk}).content.decode()
    typed = admin_client.post(url, {"full_name": "Bo", "state": "TX", "message": "hi"})
    missing = admin_client.post(url, {"lead": 999999}).content.decode()

    assert "Assigned to a rep" in by_id and "Ana" in by_id and "waited longest" in by_id
    assert typed.status_code == 200 and "Ana" in typed.content.decode()
    assert "No lead has this id." in missing
    assert snapshot() == before


def test_the_simulate_page_names_a_bad_typed_field(admin_client, make_rule, source):
    make_rule()

    page = admin_client.post(
        reverse("admin:routing_routingrule_simulate"),
        {"full_name": "Bo", "attributes": '{"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}'},
    ).content.decode()

    assert "attributes" in page and "nested deeper" in page


def test_the_simulate_page_is_refused_without_staff_or_permission(
    client, staff_client, django_user_model
):
    url = reverse("admin:routing_routingrule_simulate")
    client.force_login(django_user_model.objects.create_user("rep"))

    assert client.get(url).status_code == 302  # to the admin login
    assert staff_client().get(url).status_code == 403
    client.logout()
    assert staff_client("view_routingrule").get(url).status_code == 200


def rule_form(rule, **changes) -> dict:
    data = {
        "name": rule.name,
        "order": rule.order,
        "is_active": "on",
        "condition": "{}",
        "pool_team": "",
        "pool_reps": [rep.pk for rep in rule.pool_reps.all()],
        "method": rule.method,
        "required_skills": [],
        "language": "",
        "fallback": rule.fallback,
        "after_hours": rule.after_hours,
        "fallback_team": "",
        "fallback_user": "",
    }
    return {**data, **changes}


def test_the_replay_button_shows_the_distribution_and_does_not_save(
    admin_client, make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana"), make_rep("ben")
    rule = make_rule(pool_reps=[ana])
    for lead in make_leads(3):
        route_lead(lead)
    url = reverse("admin:routing_routingrule_change", args=[rule.pk])
    replay_url = reverse("admin:routing_routingrule_replay", args=[rule.pk])
    assert f'formaction="{replay_url}"' in admin_client.get(url).content.decode()
    before = snapshot()

    response = admin_client.post(
        replay_url, rule_form(rule, pool_reps=[ben.pk], _replay="Replay", **{"replay-leads": "3"})
    )

    page = response.content.decode()
    assert response.status_code == 200 and 'id="replay-result"' in page
    assert "Leads that would go elsewhere (3)" in page
    assert snapshot() == before
    replay = response.context["replay"]
    assert {row.label: (row.before, row.after) for row in replay.per_rep} == {
        "Ana": (3, 0),
        "Ben": (0, 3),
    }
    # The edited form is shown again, unsaved, and posts to the change view: saving it now
    # keeps the change.
    assert f'<option value="{ben.pk}" selected>' in page and f'action="{url}"' in page
    admin_client.post(url, rule_form(rule, pool_reps=[ben.pk], _save="Save"))
    assert list(rule.pool_reps.all()) == [ben]


def test_the_replay_button_needs_the_change_permission(staff_client, make_rep, make_rule):
    rule = make_rule(pool_reps=[make_rep("ana")])
    url = reverse("admin:routing_routingrule_change", args=[rule.pk])
    client = staff_client("view_routingrule")

    assert client.get(url).status_code == 200
    response = client.post(
        reverse("admin:routing_routingrule_replay", args=[rule.pk]),
        rule_form(rule, name="Renamed", _replay="Replay"),
    )

    assert response.status_code == 403
    assert RoutingRule.objects.get(pk=rule.pk).name == rule.name


def test_replaying_with_a_new_rule_first_shows_its_share_and_creates_nothing(
    make_rep, make_rule, make_leads
):
    ana, vip = make_rep("ana"), make_rep("vip")
    make_rule(pool_reps=[ana], order=10)
    for lead in make_leads(2, state="TX") + make_leads(1, state="OK"):
        route_lead(lead)
    new_rule = {
        "name": "Oklahoma",
        "order": 1,
        "condition": {"field": "state", "op": "equals", "value": "OK"},
        "pool_reps": [vip],
        "require_working_now": False,
    }

    result = routing_replay(rule_changes=[RuleEdit(rule=None, values=new_rule)], leads=3)

    assert {row.label: (row.before, row.after) for row in result.per_rule} == {
        "Everyone": (3, 2),
        "Oklahoma": (0, 1),
    }
    assert not RoutingRule.objects.filter(name="Oklahoma").exists()


def test_replaying_a_rule_being_added_shows_its_share_and_a_bad_count_replays_nothing(
    admin_client, make_rep, make_rule, make_leads
):
    ana, vip = make_rep("ana"), make_rep("vip")
    rule = make_rule(pool_reps=[ana], order=10)
    for lead in make_leads(2):
        route_lead(lead)
    url = reverse("admin:routing_routingrule_replay_add")
    new_rule = rule_form(rule, name="VIP first", order=1, pool_reps=[vip.pk])
    before = snapshot()

    page = admin_client.post(url, {**new_rule, "replay-leads": "2"}).content.decode()
    refused = admin_client.post(url, {**new_rule, "replay-leads": "0"}).content.decode()

    assert "Leads that would go elsewhere (2)" in page
    assert f'action="{reverse("admin:routing_routingrule_add")}"' in page
    assert 'id="replay-result"' not in refused and "greater than or equal to 1" in refused
    assert snapshot() == before and not RoutingRule.objects.filter(name="VIP first").exists()
    assert admin_client.get(url).status_code == 302  # nothing to replay: back to the form
