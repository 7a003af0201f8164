"""The migration that made the per-rule licence option one setting: an installation where any
active rule required a licence now requires it for every lead; otherwise for none."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from routing.models import LicenceRequirement


def _node(executor: MigrationExecutor, suffix: str) -> tuple[str, str]:
    """The routing migration whose name ends with `suffix` (the integrator renumbers them)."""
    (name,) = [
        name
        for app, name in executor.loader.graph.nodes
        if app == "routing" and name.endswith(suffix)
    ]
    return ("routing", name)


def _migrate_with_rules(rules: list[tuple[bool, bool]]) -> str:
    """Migrate back to just before the data migration, save rules as (is_active,
    require_license) through the historical model, migrate forward; the setting it made."""
    executor = MigrationExecutor(connection)
    created = _node(executor, "_licence_requirement")
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([created])
    apps = executor.loader.project_state([created]).apps
    RoutingRule = apps.get_model("routing", "RoutingRule")
    for number, (is_active, required) in enumerate(rules):
        RoutingRule.objects.create(
            name=f"Rule {number}", is_active=is_active, require_license=required
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(leaves)
    return LicenceRequirement.objects.get(pk=1).applies_to


@pytest.mark.django_db(transaction=True)
def test_an_active_rule_that_required_a_licence_makes_every_lead_need_one():
    assert _migrate_with_rules([(True, True), (True, False)]) == "every_lead"


@pytest.mark.django_db(transaction=True)
def test_only_inactive_or_no_rules_with_the_option_leave_no_lead_needing_one():
    assert _migrate_with_rules([(False, True), (True, False)]) == "no_lead"
