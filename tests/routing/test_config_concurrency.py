"""Routing's in-memory configuration under concurrent threads (each its own connection), on
SQLite and PostgreSQL: a worker that just started, and a change committed during a load."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from routing.services import config

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16


def test_16_decisions_at_once_on_a_cold_worker_all_see_the_rules_and_reps_loaded_once(
    make_rep, make_rule, source, monkeypatch
):
    ann, bob = make_rep("ann"), make_rep("bob")
    make_rule(
        "Texas",
        order=1,
        pool_reps=[ann],
        condition={"field": "state", "op": "equals", "value": "TX"},
    )
    make_rule("Everyone", order=2, pool_reps=[ann, bob])
    config.forget_routing_setup()  # a worker just started
    loads = []
    load = config._load

    def slow_load():
        loads.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while the first one loads
        return load()

    monkeypatch.setattr(config, "_load", slow_load)
    barrier = threading.Barrier(THREADS)

    def setup(_):
        try:
            barrier.wait(timeout=30)
            return config.routing_setup()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        setups = list(pool.map(setup, range(THREADS)))

    for seen in setups:
        assert [spec.rule.name for spec in seen.rules] == ["Texas", "Everyone"]
        assert [spec.pool for spec in seen.rules] == [(ann.pk,), (ann.pk, bob.pk)]
        assert sorted(seen.reps) == [ann.pk, bob.pk]
        assert seen.source_names == {source.pk: source.name}
    assert len(loads) == 1  # the others waited for it instead of each loading it again


def test_a_change_committed_while_a_worker_loads_never_gives_it_half_of_each_version(
    make_rep, make_rule, source, monkeypatch
):
    rule = make_rule(
        "Web leads v1",
        pool_reps=[make_rep("ann")],
        condition={"field": "channel", "op": "equals", "value": source.channel},
    )
    source.name = "Website v1"
    source.save()
    config.forget_routing_setup()
    # The load pauses after the rules and reps (while it compiles the rule's condition) and
    # before the sources, until the manager's change has committed.
    loading, committed = threading.Event(), threading.Event()
    compile_condition = config.compile_condition

    def compile_then_wait(spec):
        if not loading.is_set():
            loading.set()
            assert committed.wait(timeout=30)
        return compile_condition(spec)

    monkeypatch.setattr(config, "compile_condition", compile_then_wait)

    def load():
        try:
            return config.routing_setup()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        worker = pool.submit(load)
        assert loading.wait(timeout=30)
        with transaction.atomic():  # a manager renames the source and the rule that names it
            source.name = "Website v2"
            source.save()
            rule.name = "Web leads v2"
            rule.save()
        committed.set()
        seen = worker.result(timeout=30)

    assert ([spec.rule.name for spec in seen.rules], seen.source_names[source.pk]) == (
        ["Web leads v2"],
        "Website v2",
    )
