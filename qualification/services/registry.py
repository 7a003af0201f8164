"""What qualifying a lead needs besides the lead, loaded once per process: the compiled models
of the active versions, the compiled signals and the settings row.

Each process keeps them in memory and looks at the database at most every RECHECK_SECONDS
(and at once after a change made in this process), so a newly trained or rolled-back version,
an edited signal or new thresholds reach every web and worker process within a minute, without
a query per lead.
"""

import logging
import time
from dataclasses import dataclass

from django.db.models import Count, Max

from qualification.conditions import InvalidCondition, compile_condition
from qualification.ml import ClassifierModel, ConversionModel
from qualification.models import ModelVersion, QualificationSettings, Signal

RECHECK_SECONDS = 60.0
logger = logging.getLogger(__name__)


@dataclass
class LoadedModels:
    conversion: tuple[ModelVersion, ConversionModel] | None = None
    request_type: tuple[ModelVersion, ClassifierModel] | None = None
    urgency: tuple[ModelVersion, ClassifierModel] | None = None


_state: dict = {
    "checked_at": None,
    "ids": None,
    "models": LoadedModels(),
    "signals_key": None,
    "signals": [],
    "settings": None,
}


def _fresh() -> bool:
    checked = _state["checked_at"]
    return checked is not None and time.monotonic() - checked < RECHECK_SECONDS


def _recheck() -> None:
    if _fresh():
        return
    _state["checked_at"] = time.monotonic()
    _state["settings"] = QualificationSettings.load()
    stamp = Signal.objects.filter(is_active=True).aggregate(n=Count("id"), at=Max("updated_at"))
    key = (stamp["n"], stamp["at"])
    if key != _state["signals_key"]:
        compiled = []
        for signal in Signal.objects.filter(is_active=True).order_by("order", "name"):
            try:
                compiled.append((signal, compile_condition(signal.condition)))
            except InvalidCondition:
                # Saved around validation (shell, fixture): one bad signal must not stop
                # every lead from being qualified.
                logger.warning("Signal %s has an invalid condition; skipped", signal.pk)
        _state["signals"] = compiled
        _state["signals_key"] = key
    ids = dict(ModelVersion.objects.filter(is_active=True).values_list("kind", "id"))
    if ids != _state["ids"]:
        loaded = LoadedModels()
        for version in ModelVersion.objects.filter(pk__in=ids.values()):
            if version.kind == ModelVersion.Kind.CONVERSION:
                loaded.conversion = (version, ConversionModel.from_json(version.weights))
            elif version.kind == ModelVersion.Kind.REQUEST_TYPE:
                loaded.request_type = (version, ClassifierModel.from_json(version.weights))
            else:
                loaded.urgency = (version, ClassifierModel.from_json(version.weights))
        _state.update(ids=ids, models=loaded)


def active_models() -> LoadedModels:
    _recheck()
    return _state["models"]


def active_signals() -> list:
    """[(signal, compiled condition)] of the active signals, in order."""
    _recheck()
    return _state["signals"]


def current_settings() -> QualificationSettings:
    _recheck()
    return _state["settings"]


def forget_loaded_models() -> None:
    """Make the next lead look at the database again (after a change in this process)."""
    _state["checked_at"] = None
