"""What the README's Routing section promises about territories (states, ZIP prefixes, ZIP
ranges, countries), a rule's language and account ownership, each shown by routing leads."""

import pytest

from intake.models import Account, Lead, LeadStatus
from routing.models import Assignment, RoutingRule, Territory
from routing.services import route_lead
from tests.conftest import ROUTABLE_LEAD, post_lead

pytestmark = pytest.mark.django_db


def excluded(decision):
    """Rep name -> why they could not take the lead (None: they could), for the rule that
    matched (a lead no rule took: the last rule tried)."""
    candidates = decision.candidates or decision.rules_tried[-1].get("candidates", [])
    return {c["rep"]: c["excluded"] for c in candidates}


@pytest.fixture
def territory_rule(make_rep, make_rule):
    """A rule that needs a rep whose territory covers the lead; `cover(**territory)` gives
    the rep "local" that territory (the other rep, "far", covers only Alaska)."""
    local, far = make_rep("local"), make_rep("far")
    far.territories.add(Territory.objects.create(name="Alaska", states=["AK"]))
    make_rule(pool_reps=[local, far], require_territory=True)

    def cover(**territory):
        local.territories.add(Territory.objects.create(name="Local", **territory))
        return local

    return cover


def route_at(make_leads, **where):
    return route_lead(make_leads(1, **where)[0])


def test_a_zip_prefix_covers_every_zip_that_starts_with_it(territory_rule, make_leads):
    local = territory_rule(zip_prefixes=["787", "021"])

    assert route_at(make_leads, postal_code="78745").rep == local
    assert route_at(make_leads, postal_code="02134").rep == local  # a leading zero is a digit
    assert route_at(make_leads, postal_code="78745-1234").rep == local  # ZIP+4: its ZIP
    outside = route_at(make_leads, postal_code="78845")
    assert outside.outcome == "review"  # far covers only Alaska: nobody covers it
    assert excluded(outside)["Local"] == "territory does not cover the lead"


def test_a_zip_range_covers_both_ends_and_nothing_outside(territory_rule, make_leads):
    local = territory_rule(zip_ranges=[["01001", "02791"]])

    for inside in ("01001", "02791", "02134", "02791-0001"):
        assert route_at(make_leads, postal_code=inside).rep == local, inside
    for outside in ("01000", "02792", "2134", "1001", ""):
        decision = route_at(make_leads, postal_code=outside)
        assert excluded(decision)["Local"] == "territory does not cover the lead", outside


def test_a_state_or_a_country_covers_a_lead_without_a_zip(territory_rule, make_leads):
    local = territory_rule(states=["TX"], countries=["CA"])

    assert route_at(make_leads, state="tx").rep == local
    assert route_at(make_leads, country="CA", postal_code="K1A 0B6").rep == local
    assert route_at(make_leads, country="ca").rep == local
    decision = route_at(make_leads, country="MX", state="")
    assert excluded(decision)["Local"] == "territory does not cover the lead"


def test_nobody_covering_the_lead_means_the_rules_fallback(territory_rule, make_leads):
    territory_rule(zip_prefixes=["787"])

    decision = route_at(make_leads, postal_code="10001")

    assert decision.outcome == "review"
    assert set(excluded(decision).values()) == {"territory does not cover the lead"}


def test_a_zip_plus_4_from_a_door_routes_by_its_zip_and_a_lost_zero_is_restored(
    api, territory_rule
):
    local = territory_rule(zip_ranges=[["02100", "02199"]])

    for n, postal_code in enumerate(("02134-1001", "2134")):
        response = post_lead(
            api,
            {
                **ROUTABLE_LEAD,
                "email": f"buyer{n}@gmail.com",
                "phone": f"+1 512 555 01{n}0",
                "postal_code": postal_code,
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["owner"] == local.user.username, postal_code


def test_a_rules_language_takes_only_reps_who_speak_it(make_rep, make_rule, make_leads):
    english = make_rep("english", languages=["en"])
    bilingual = make_rep("bilingual", languages=["en", "es"])
    make_rule(
        "Spanish",
        pool_reps=[english, bilingual],
        order=1,
        language="es",
        condition={"field": "attributes.language", "op": "equals", "value": "es"},
    )
    make_rule("Everyone", pool_reps=[english, bilingual], order=2)

    decisions = [route_lead(lead) for lead in make_leads(3, attributes={"language": "es"})]

    assert {d.rep for d in decisions} == {bilingual}
    assert excluded(decisions[0]) == {"English": "does not speak es", "Bilingual": None}
    # English was skipped only for these leads' language: next English lead is theirs.
    assert route_lead(make_leads(1)[0]).rep == english


def test_a_rules_language_matches_whatever_the_case_of_the_codes(make_rep, make_rule, make_leads):
    upper = make_rep("upper", languages=["ES"])
    make_rule(pool_reps=[upper], language="es")

    assert route_lead(make_leads(1)[0]).rep == upper


def test_a_language_nobody_in_the_pool_speaks_falls_back(make_rep, make_rule, make_leads, team):
    make_rule(
        pool_reps=[make_rep("english", languages=["en"])],
        language="vi",
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )

    decision = route_lead(make_leads(1)[0])

    assert decision.outcome == "team_queue"
    assert excluded(decision) == {"English": "does not speak vi"}


@pytest.fixture
def acme(db):
    return Account.objects.create(domain="acme-roofing.com", name="Acme Roofing")


def test_a_lead_from_a_company_whose_account_has_an_owner_goes_to_that_owner(
    make_rep, make_rule, make_leads, acme
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.OWNER)
    route_lead(make_leads(1)[0])  # ana's turn used by someone else
    (first,) = make_leads(1, account=acme, company_domain="acme-roofing.com")
    assert route_lead(first).rep == ben

    colleague = route_lead(make_leads(1, account=acme, company_domain="acme-roofing.com")[0])

    assert colleague.rep == ben and "Ben is the owner of the account" in colleague.explanation
    assert Assignment.objects.get(lead=colleague.lead).reason == "owner"
    assert route_lead(make_leads(1)[0]).rep == ana  # the owner lead used no rotation turn


def test_the_accounts_latest_owner_wins(make_rep, make_rule, make_leads, acme, give):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.OWNER)
    (first,) = make_leads(1, account=acme)
    assert route_lead(first).rep == ana
    give(first, rep=ben)  # a manager moves the account's lead to ben

    assert route_lead(make_leads(1, account=acme)[0]).rep == ben


def test_an_account_owner_who_cannot_take_the_lead_leaves_it_to_the_rotation(
    make_rep, make_rule, make_leads, acme
):
    ana, ben, cai = make_rep("ana"), make_rep("ben"), make_rep("cai")
    make_rule(pool_reps=[ana, ben, cai], method=RoutingRule.Method.OWNER)
    assert route_lead(make_leads(1, account=acme)[0]).rep == ana
    ana.paused = True
    ana.save()

    decision = route_lead(make_leads(1, account=acme)[0])

    assert decision.rep == ben
    assert decision.explanation.startswith(
        "Rule “Everyone”: the owner of the account is not eligible; round robin: Ben"
    )
    assert excluded(decision)["Ana"] == "paused"


def test_the_account_owner_is_ignored_under_plain_round_robin(
    make_rep, make_rule, make_leads, acme
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])

    owners = [route_lead(lead).rep for lead in make_leads(2, account=acme)]

    assert owners == [ana, ben]


def test_colleagues_at_one_company_domain_share_an_owner_through_the_door(api, make_rep, make_rule):
    make_rule(pool_reps=[make_rep("ana"), make_rep("ben")], method=RoutingRule.Method.OWNER)

    owners = []
    for n, name in enumerate(("pat", "kim", "lee")):
        response = post_lead(
            api,
            {
                **ROUTABLE_LEAD,
                "full_name": f"{name.title()} Smith",
                "email": f"{name}@acme-roofing.com",
                "phone": f"+1 512 555 02{n}0",
                "company": "Acme Roofing",
            },
        )
        assert response.status_code == 201, response.content
        owners.append(response.json()["owner"])

    assert owners == ["ana", "ana", "ana"]
    assert Lead.objects.filter(account__domain="acme-roofing.com").count() == 3
    assert not Lead.objects.exclude(status=LeadStatus.ASSIGNED).exists()
