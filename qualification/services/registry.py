"""What qualifying a lead needs besides the lead, loaded once per process: the compiled models
of the active versions, the compiled signals and the settings row.

Each process keeps them in memory and looks at the database at most every RECHECK_SECONDS
(and at once after a change made in this process), so a newly trained or rolled-back version,
an edited signal or new thresholds reach every web and worker process within a minute, without
a query per lead.

Threads (gunicorn's, django-q2's) share what is loaded, so it is published whole: a load builds
a new frozen `Loaded` and then swaps the one module reference; a reader takes that reference
once (`loaded()`) and uses it for the whole lead, never half of one load and half of the next.
One thread loads at a time. On a cold process, or after `forget_loaded_models()`, the others
wait for that load; when only the minute is up they keep using the previous complete snapshot
while one thread rechecks.
"""

import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.db.models import Count, Max

from leadrouter.conditions import InvalidCondition, compile_condition
from qualification.ml import ClassifierModel, ConversionModel
from qualification.models import ModelVersion, QualificationSettings, Signal

RECHECK_SECONDS = 60.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModels:
    conversion: tuple[ModelVersion, ConversionModel] | None = None
    request_type: tuple[ModelVersion, ClassifierModel] | None = None
    urgency: tuple[ModelVersion, ClassifierModel] | None = None


@dataclass(frozen=True)
class Loaded:
    """One complete load: never changed once published (a new load is a new object)."""

    settings: QualificationSettings
    signals: tuple  # ((signal, compiled condition), ...) of the active signals, in order
    models: LoadedModels
    signals_key: tuple  # (count, latest update) of the active signals when they were compiled
    model_ids: dict  # kind -> id of the active versions
    checked_at: float  # time.monotonic() when the load began
    generation: int  # `_generation` when the load began


_loaded: Loaded | None = None
# Moved on by forget_loaded_models(): whatever was loaded under an older number is out of date.
# Taken from a counter (one atomic step under the GIL), so it needs no lock: forgetting never
# waits for a load under way.
_generations = itertools.count(1)
_generation = 0
_lock = threading.Lock()


def _fresh(snapshot: Loaded | None) -> TypeGuard[Loaded]:
    return (
        snapshot is not None
        and snapshot.generation == _generation
        and time.monotonic() - snapshot.checked_at < RECHECK_SECONDS
    )


def loaded() -> Loaded:
    """The current snapshot; take it once per lead and read everything from it.

    1. Fresh (this minute, nothing forgotten since): return it, no lock, no query.
    2. Only the minute is up and another thread is already rechecking: keep the previous
       snapshot, which is complete, rather than wait.
    3. Otherwise take the lock (a cold process or a change made in this process: wait for the
       load), look again (the thread that held the lock may just have loaded), load, publish.
    """
    global _loaded
    snapshot = _loaded
    if _fresh(snapshot):
        return snapshot
    if snapshot is not None and snapshot.generation == _generation:
        if not _lock.acquire(blocking=False):
            return snapshot
    else:
        _lock.acquire()
    try:
        snapshot = _loaded
        if _fresh(snapshot):
            return snapshot
        # After a forget, compile everything again rather than trust ids and timestamps that
        # a rolled-back transaction may have handed out twice.
        current = snapshot is not None and snapshot.generation == _generation
        snapshot = _load(snapshot if current else None)
        _loaded = snapshot
        return snapshot
    finally:
        _lock.release()


def _load(previous: Loaded | None) -> Loaded:
    """Read everything, reusing the previous snapshot's compiled signals and models when the
    database says they did not change (same active ids, same signal count and latest edit).
    Publishes nothing: the caller swaps the reference."""
    checked_at, generation = time.monotonic(), _generation
    settings = QualificationSettings.load()
    stamp = Signal.objects.filter(is_active=True).aggregate(n=Count("id"), at=Max("updated_at"))
    signals_key = (stamp["n"], stamp["at"])
    if previous is not None and previous.signals_key == signals_key:
        signals = previous.signals
    else:
        compiled = []
        for signal in Signal.objects.filter(is_active=True).order_by("order", "name"):
            try:
                compiled.append((signal, compile_condition(signal.condition)))
            except InvalidCondition:
                # Saved around validation (shell, fixture): one bad signal must not stop
                # every lead from being qualified.
                logger.warning("Signal %s has an invalid condition; skipped", signal.pk)
        signals = tuple(compiled)
    model_ids = dict(ModelVersion.objects.filter(is_active=True).values_list("kind", "id"))
    if previous is not None and previous.model_ids == model_ids:
        models = previous.models
    else:
        found: dict[str, Any] = {}
        for version in ModelVersion.objects.filter(pk__in=model_ids.values()):
            if version.kind == ModelVersion.Kind.CONVERSION:
                found["conversion"] = (version, ConversionModel.from_json(version.weights))
            else:
                found[version.kind] = (version, ClassifierModel.from_json(version.weights))
        models = LoadedModels(**found)
    return Loaded(
        settings=settings,
        signals=signals,
        models=models,
        signals_key=signals_key,
        model_ids=model_ids,
        checked_at=checked_at,
        generation=generation,
    )


def active_signals() -> tuple:
    """((signal, compiled condition), ...) of the active signals, in order."""
    return loaded().signals


def current_settings() -> QualificationSettings:
    return loaded().settings


def forget_loaded_models() -> None:
    """Make the next lead look at the database again (after a change in this process). A load
    already under way when this is called is published as out of date, so it is loaded again."""
    global _generation
    _generation = next(_generations)
