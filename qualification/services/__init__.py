"""Qualification's domain writes: judging leads, reviews, training and model versions."""

from qualification.services.qualify import lead_judge, lead_qualify
from qualification.services.review import review_decide, review_hold
from qualification.services.signals import signal_try, signals_apply
from qualification.services.training import (
    TrainingResult,
    model_activate,
    model_rollback,
    models_train,
)

__all__ = [
    "TrainingResult",
    "lead_judge",
    "lead_qualify",
    "model_activate",
    "model_rollback",
    "models_train",
    "review_decide",
    "review_hold",
    "signal_try",
    "signals_apply",
]
