"""What qualifying a lead needs besides the lead, loaded once per process: the compiled models
of the active versions, the compiled signals and the settings row.

It is a `leadrouter.config_version.ConfigCache`: every save or delete of a model version, a
signal or the settings (admin, training, the shell) gives the "qualification" configuration a
new token, and each process reloads when the token differs from the one it loaded under: one
indexed read per lead, and a newly trained or rolled-back version, an edited signal or new
thresholds apply to the very next lead in every web and worker process. A load is one frozen
`Loaded`, published whole; a reader takes it once (`loaded()`) and uses it for the whole lead,
never half of one load and half of the next.
"""

import logging
from dataclasses import dataclass
from typing import Any

from leadrouter.conditions import InvalidCondition, compile_condition
from leadrouter.config_version import ConfigCache, config_changed, reload_on_change
from qualification.ml import ClassifierModel, ConversionModel
from qualification.models import ModelVersion, QualificationSettings, Signal

QUALIFICATION_CONFIG = "qualification"
# What `_load` reads: a save or delete of any of these gives the configuration a new token.
CONFIGURED_BY = (ModelVersion, QualificationSettings, Signal)
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


def _load() -> Loaded:
    """Read the settings, compile the active signals and the active versions' models."""
    settings = QualificationSettings.load()
    compiled = []
    for signal in Signal.objects.filter(is_active=True).order_by("order", "name"):
        try:
            compiled.append((signal, compile_condition(signal.condition)))
        except InvalidCondition:
            # Saved around validation (shell, fixture): one bad signal must not stop every
            # lead from being qualified.
            logger.warning("Signal %s has an invalid condition; skipped", signal.pk)
    found: dict[str, Any] = {}
    for version in ModelVersion.objects.filter(is_active=True):
        if version.kind == ModelVersion.Kind.CONVERSION:
            found["conversion"] = (version, ConversionModel.from_json(version.weights))
        else:
            found[version.kind] = (version, ClassifierModel.from_json(version.weights))
    return Loaded(settings=settings, signals=tuple(compiled), models=LoadedModels(**found))


_loaded: ConfigCache[Loaded] = ConfigCache(QUALIFICATION_CONFIG, _load)


def reload_loaded_on_change() -> None:
    """Connect the configuring models' signals (from `QualificationConfig.ready()`)."""
    reload_on_change(QUALIFICATION_CONFIG, models=CONFIGURED_BY)


def qualification_config_changed() -> None:
    """A new token for a change made without a save signal (a queryset `.update()`)."""
    config_changed(QUALIFICATION_CONFIG)


def loaded() -> Loaded:
    """The current snapshot; take it once per lead and read everything from it."""
    return _loaded.current()


def active_signals() -> tuple:
    """((signal, compiled condition), ...) of the active signals, in order."""
    return loaded().signals


def forget_loaded_models() -> None:
    """Load again on the next lead (a worker that just started; a test's fresh database)."""
    _loaded.forget()
