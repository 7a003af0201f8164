"""The configuration-version helper: a token per configuration, changed in the saving
transaction by any save, delete or link change of a configuring model."""

import pytest
from django.db import transaction

from leadrouter.config_version import ConfigCache, config_changed, config_token
from qualification.models import Signal
from routing.models import RoutingRule, Skill
from routing.services.config import ROUTING_CONFIG

pytestmark = pytest.mark.django_db


def test_a_save_a_delete_and_a_link_change_each_give_a_new_token():
    rule = RoutingRule.objects.create(name="Everyone")
    tokens = [config_token(ROUTING_CONFIG)]
    skill = Skill.objects.create(name="spanish")
    tokens.append(config_token(ROUTING_CONFIG))
    rule.required_skills.add(skill)
    tokens.append(config_token(ROUTING_CONFIG))
    skill.delete()
    tokens.append(config_token(ROUTING_CONFIG))

    assert None not in tokens[1:] and len(set(tokens)) == 4


def test_each_configuration_has_its_own_token():
    routing_before = config_token(ROUTING_CONFIG)

    Signal.objects.create(name="Legal", condition={"field": "message", "op": "exists"})

    assert config_token("qualification") is not None
    assert config_token(ROUTING_CONFIG) == routing_before


def test_a_rolled_back_change_takes_its_token_back_with_it():
    config_changed("example")
    before = config_token("example")

    with pytest.raises(RuntimeError), transaction.atomic():
        config_changed("example")
        assert config_token("example") != before  # the saving transaction sees it at once
        raise RuntimeError

    assert config_token("example") == before


def test_a_cache_loads_once_and_again_only_after_a_change(django_assert_num_queries):
    loads = []
    cache = ConfigCache("example", lambda: loads.append(1) or len(loads))

    assert (cache.current(), cache.current()) == (1, 1)
    with django_assert_num_queries(1):
        cache.current()
    config_changed("example")

    assert (cache.current(), cache.current()) == (2, 2)
    cache.forget()
    assert cache.current() == 3
