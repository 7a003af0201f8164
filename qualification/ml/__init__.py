"""Lead-scoring machine learning that web processes can run without scikit-learn.

Training (:func:`train_conversion`, :func:`train_classifier`) imports scikit-learn, numpy and
scipy lazily, inside the training functions. What it returns holds a *compiled* model
(:class:`ConversionModel`, :class:`ClassifierModel`): plain Python weights that round-trip
through ``to_json()``/``from_json()`` and score one lead in tens of microseconds with the
standard library only. Nothing here imports Django; the Django side builds the record dicts
(``{"fields": ..., "attributes": ..., "text": ...}``) and stores the JSON.
"""

from .classifier import (
    DEFAULT_STRUCTURED_FIELDS,
    URGENCY_STRUCTURED_FIELDS,
    ClassifierModel,
    ClassPrediction,
    Evidence,
    TrainedClassifier,
    train_classifier,
)
from .conversion import (
    Contribution,
    ConversionModel,
    ConversionScore,
    TrainedConversion,
    train_conversion,
)
from .features import InsufficientData, flatten_record

__all__ = [
    "DEFAULT_STRUCTURED_FIELDS",
    "URGENCY_STRUCTURED_FIELDS",
    "ClassPrediction",
    "ClassifierModel",
    "Contribution",
    "ConversionModel",
    "ConversionScore",
    "Evidence",
    "InsufficientData",
    "TrainedClassifier",
    "TrainedConversion",
    "flatten_record",
    "train_classifier",
    "train_conversion",
]
