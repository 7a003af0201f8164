"""Generic feature handling for lead records, shared by training and run-time scoring.

A record is ``{"fields": {...}, "attributes": {...}, "text": "..."}``. :func:`flatten_record`
turns it into ``{"fields.source": ..., "attributes.nested.x": ...}``. The encoders below are
learned on training rows and then applied, by the *same* pure-Python code, both to build the
training matrices and to score single leads at run time; the compiled models only replace the
column indices with per-feature weight tables. There is no second implementation of the feature
logic that could drift from the one the model was trained on.

Typing rules (learned on the training rows only, nothing dataset specific):

* A value is *missing* when it is absent, ``None``, an empty list/dict, NaN, or a string that is
  empty or ``nan``/``null``/``none`` (case-insensitive, surrounding space ignored).
* A value *parses as a number* by :func:`leadrouter.conditions.numbers.parse_number`, the same
  reading the signals' conditions use: an int/float (not a bool, not NaN/inf) or a string like
  ``"3"``, ``" 12.5 "``, ``"-4e3"``, ``"$5,000"``, ``"5.000,50 €"``, ``"1 234,5"``, ``"15%"``.
  Words do not parse, nor do magnitudes above 10^15: no lead quantity is that large, only long
  digit keys are.
* A feature is **numeric** when at least 95 % of its non-missing training values parse and it
  has at least two distinct numbers. Values that do not parse are treated as missing. Missing
  numbers are imputed with the training median, and a missing-indicator column is added when any
  training value was missing. Non-negative, strongly right-skewed features (skewness > 2, e.g.
  visit counts) are modelled on ``log1p`` scale. Values are clipped to the training range (so a
  typo like a budget of 10^12 cannot dominate a score) and standardised.
* Everything else is **categorical**: text is stripped, whitespace-collapsed and case-folded,
  numbers are written canonically (``3`` and ``"3"`` and ``3.0`` are the same category), bools
  become ``true``/``false``, lists become their sorted, comma-joined elements. Missing is a
  category of its own. Categories seen fewer than ``min_count`` times are pooled into an "other"
  bucket, which also receives categories never seen in training.
* Dropped: ``excluded`` names; constant features (one category, or all missing); and ID-like
  features (``"id_like"``): categorical features with more than 50 % distinct values over at
  least 50 rows (ids, e-mail addresses, free-text notes: nothing a one-hot column could learn
  from), and integer features that are nearly all distinct (>= 99 %) or
  mostly distinct (>= 90 %) and rising or falling with time (rank correlation with row order
  >= 0.9), the signature of auto-increment ids and timestamps. A numeric feature with many
  distinct values is otherwise kept: amounts, durations and scores are legitimately continuous.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from leadrouter.conditions.numbers import parse_number

from .metrics import rank_correlation


class InsufficientData(ValueError):
    """The history is too small or too one-sided to train and evaluate a model on."""


# Sentinel levels start with a control character that real values are stripped of, so no value
# can collide with them; not NUL, which PostgreSQL's jsonb cannot store.
_SENTINEL = "\x01"
MISSING = _SENTINEL + "missing"
OTHER = _SENTINEL + "other"

MISSING_STRINGS = frozenset({"", "nan", "null", "none"})
NUMERIC_SHARE = 0.95
ID_MIN_ROWS = 50
ID_CATEGORICAL_DISTINCT = 0.5
ID_INTEGER_DISTINCT = 0.99
ID_MONOTONE_DISTINCT = 0.9
ID_MONOTONE_CORRELATION = 0.9
SKEW_FOR_LOG = 2.0
MAX_FLATTEN_DEPTH = 6
CACHED_TEXT_LENGTH = 200

_SPACE = re.compile(r"\s+")


def flatten_record(record: Any) -> dict[str, Any]:
    """``fields.*`` and ``attributes.*`` of a record as one flat dict (nested dicts dotted).

    Anything that is not a mapping where one is expected is ignored rather than rejected: the
    run-time scorer must accept whatever the intake stored.
    """
    flat: dict[str, Any] = {}
    if not isinstance(record, Mapping):
        return flat
    for section in ("fields", "attributes"):
        values = record.get(section)
        if isinstance(values, Mapping):
            _flatten_into(flat, section, values, 0)
    return flat


def _flatten_into(flat: dict[str, Any], prefix: str, values: Mapping, depth: int) -> None:
    for key, value in values.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping) and depth < MAX_FLATTEN_DEPTH:
            _flatten_into(flat, name, value, depth + 1)
        else:
            flat[name] = value


def record_text(record: Any) -> str:
    """The free-text message of a record (``""`` when absent or not text)."""
    if not isinstance(record, Mapping):
        return ""
    text = record.get("text")
    return text if isinstance(text, str) else ""


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return normalise_category(value) == MISSING
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple, set, frozenset, Mapping)):
        return len(value) == 0
    return False


def normalise_category(value: Any) -> str:
    """Canonical category string for a value (``MISSING`` for missing values)."""
    if isinstance(value, str):
        return (
            _normalise_cached(value) if len(value) <= CACHED_TEXT_LENGTH else _normalise_text(value)
        )
    if is_missing(value):
        return MISSING
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = sorted({p for p in map(_normalise_element, value) if p != MISSING})
        return ", ".join(parts) if parts else MISSING
    return _normalise_text(_display_text(value))


def _normalise_element(value: Any) -> str:
    # Lists inside lists are written out as text rather than recursed into: no depth limit to
    # enforce, and no way for a self-referencing structure to recurse forever.
    if isinstance(value, (list, tuple, set, frozenset)):
        return _normalise_text(_display_text(value)) if value else MISSING
    return normalise_category(value)


def _normalise_text(text: str) -> str:
    text = _SPACE.sub(" ", text.replace("\x00", "").replace(_SENTINEL, "")).strip().casefold()
    return text if text not in MISSING_STRINGS else MISSING


# Category strings repeat endlessly in training; long free text would only fill the cache.
_normalise_cached = lru_cache(maxsize=65536)(_normalise_text)


def _display_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return value
    try:
        if isinstance(value, Mapping):
            return json.dumps(value, sort_keys=True, default=str)
        return str(value)
    except Exception:  # a self-referencing dict or a broken __str__ must not break scoring
        return ""


def display_value(value: Any, limit: int = 60) -> str:
    """Short human-readable form of a raw value for explanations."""
    if isinstance(value, (list, tuple, set, frozenset)):
        text = ", ".join(_display_text(v) for v in value)
    else:
        text = _display_text(value)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_number(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.4g}"


@dataclass
class NumericFeature:
    """A standardised number plus, when training had gaps, a missing indicator."""

    name: str
    median: float
    low: float
    high: float
    log: bool
    mean: float
    scale: float
    has_missing: bool
    q25: float
    q75: float

    kind = "numeric"

    def columns(self) -> list[str]:
        return [self.name, f"{self.name} (missing)"] if self.has_missing else [self.name]

    def encode(self, value: Any) -> tuple[float, float, float | None]:
        """``(standardised value, missing flag, parsed number or None)``."""
        number = parse_number(value)
        if number is None:
            return self._z(self.median), 1.0, None
        return self._z(number), 0.0, number

    def _z(self, number: float) -> float:
        number = min(max(number, self.low), self.high)
        if self.log:
            number = math.log1p(number)
        return (number - self.mean) / self.scale

    def describe(self, value: Any) -> str:
        number = parse_number(value)
        if number is None:
            if is_missing(value):
                return f"{self.name} is missing"
            return f"{self.name} = {display_value(value)!r} (not a number)"
        if number > self.q75:
            where = "above typical"
        elif number < self.q25:
            where = "below typical"
        else:
            where = "typical"
        return f"{self.name} = {format_number(number)} ({where})"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "median": self.median,
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "mean": self.mean,
            "scale": self.scale,
            "has_missing": self.has_missing,
            "q25": self.q25,
            "q75": self.q75,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NumericFeature:
        return cls(
            name=str(data["name"]),
            median=float(data["median"]),
            low=float(data["low"]),
            high=float(data["high"]),
            log=bool(data["log"]),
            mean=float(data["mean"]),
            scale=float(data["scale"]),
            has_missing=bool(data["has_missing"]),
            q25=float(data["q25"]),
            q75=float(data["q75"]),
        )


@dataclass
class CategoricalFeature:
    """One-hot over the frequent categories, ``MISSING``, and the pooled ``OTHER`` bucket."""

    name: str
    levels: list[str]
    display: dict[str, str] = field(default_factory=dict)

    kind = "categorical"

    def __post_init__(self) -> None:
        self._index = {level: i for i, level in enumerate(self.levels)}

    def columns(self) -> list[str]:
        return [f"{self.name} = {self.level_label(level)}" for level in self.levels]

    def level_of(self, value: Any) -> str:
        """The training level a raw value falls into (unknown and rare values → ``OTHER``)."""
        level = normalise_category(value)
        if level in self._index:
            return level
        return OTHER

    def index_of(self, level: str) -> int | None:
        return self._index.get(level)

    def level_label(self, level: str) -> str:
        if level == MISSING:
            return "(missing)"
        if level == OTHER:
            return "(other)"
        return self.display.get(level, level)

    def describe(self, value: Any) -> str:
        level = self.level_of(value)
        if level == MISSING or (level == OTHER and is_missing(value)):
            return f"{self.name} is missing"
        if level == OTHER:
            return f"{self.name} = {display_value(value)} (rare value)"
        return f"{self.name} = {self.level_label(level)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "levels": self.levels,
            "display": self.display,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CategoricalFeature:
        return cls(
            name=str(data["name"]),
            levels=[str(level) for level in data["levels"]],
            display={str(k): str(v) for k, v in dict(data.get("display") or {}).items()},
        )


Feature = NumericFeature | CategoricalFeature


def feature_from_json(data: Mapping[str, Any]) -> Feature:
    if data.get("type") == NumericFeature.kind:
        return NumericFeature.from_json(data)
    if data.get("type") == CategoricalFeature.kind:
        return CategoricalFeature.from_json(data)
    raise ValueError(f"unknown feature type {data.get('type')!r}")


def default_min_count(n_rows: int) -> int:
    """Rare-category threshold: at least 5 rows, or 0.5 % of the rows on large sets."""
    return max(5, math.ceil(0.005 * n_rows))


@dataclass
class FeatureSet:
    """The learned features of a training set and their column layout."""

    features: list[Feature]
    dropped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.offsets: list[int] = []
        offset = 0
        for feature in self.features:
            self.offsets.append(offset)
            offset += len(feature.columns())
        self.n_columns = offset

    @classmethod
    def learn(
        cls,
        rows: Sequence[Mapping[str, Any]],
        *,
        excluded: Iterable[str] = (),
        min_count: int | None = None,
        names: Iterable[str] | None = None,
        allow_numeric: bool = True,
        max_levels: int | None = None,
    ) -> FeatureSet:
        """Learn feature types and encodings from flattened training rows.

        ``names`` restricts learning to those features (default: every name seen). With
        ``allow_numeric=False`` numeric features are dropped instead of standardised, and
        ``max_levels`` drops categorical features with more distinct values than that.
        """
        excluded_names = set(excluded)
        if min_count is None:
            min_count = default_min_count(len(rows))
        if names is None:
            seen: dict[str, None] = {}
            for row in rows:
                seen.update(dict.fromkeys(row))
            candidates = list(seen)
        else:
            candidates = list(dict.fromkeys(names))
        features: list[Feature] = []
        dropped: dict[str, str] = {}
        for name in sorted(candidates):
            if name in excluded_names:
                dropped[name] = "excluded"
                continue
            values = [row.get(name) for row in rows]
            feature, reason = _learn_feature(
                name, values, min_count, allow_numeric=allow_numeric, max_levels=max_levels
            )
            if feature is None:
                dropped[name] = reason
            else:
                features.append(feature)
        return cls(features, dropped)

    def encode_rows(
        self, rows: Sequence[Mapping[str, Any]]
    ) -> tuple[list[int], list[int], list[float]]:
        """Non-zero entries of the design matrix of ``rows`` as ``(row, column, value)`` lists.

        Works feature by feature with a per-feature memo of string values: training sets
        repeat the same strings thousands of times, and this is the hot loop of training.
        """
        row_ids: list[int] = []
        col_ids: list[int] = []
        data: list[float] = []
        for feature, offset in zip(self.features, self.offsets, strict=True):
            name = feature.name
            memo: dict[str, tuple[int, float, int]] = {}
            for i, row in enumerate(rows):
                value = row.get(name)
                entry = memo.get(value) if type(value) is str else None
                if entry is None:
                    entry = _encode_value(feature, offset, value)
                    if type(value) is str:
                        memo[value] = entry
                column, number, missing_column = entry
                if column >= 0:
                    row_ids.append(i)
                    col_ids.append(column)
                    data.append(number)
                if missing_column >= 0:
                    row_ids.append(i)
                    col_ids.append(missing_column)
                    data.append(1.0)
        return row_ids, col_ids, data

    def to_json(self) -> dict[str, Any]:
        return {
            "features": [feature.to_json() for feature in self.features],
            "dropped": dict(self.dropped),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSet:
        return cls(
            [feature_from_json(f) for f in data["features"]],
            {str(k): str(v) for k, v in dict(data.get("dropped") or {}).items()},
        )


def _encode_value(feature: Feature, offset: int, value: Any) -> tuple[int, float, int]:
    """``(column or -1, value, missing-indicator column or -1)`` of one raw value."""
    if isinstance(feature, NumericFeature):
        z, missing, _ = feature.encode(value)
        missing_column = offset + 1 if feature.has_missing and missing else -1
        return (offset if z != 0.0 else -1), z, missing_column
    index = feature.index_of(feature.level_of(value))
    return (offset + index if index is not None else -1), 1.0, -1


def _learn_feature(
    name: str,
    values: list[Any],
    min_count: int,
    *,
    allow_numeric: bool,
    max_levels: int | None,
) -> tuple[Feature | None, str]:
    present = [(i, v) for i, v in enumerate(values) if not is_missing(v)]
    if not present:
        return None, "constant"
    numbers = [(i, n) for i, n in ((i, parse_number(v)) for i, v in present) if n is not None]
    if len(numbers) >= NUMERIC_SHARE * len(present) and len({n for _, n in numbers}) >= 2:
        reason = _numeric_id_reason(numbers) or ("" if allow_numeric else "numeric")
        if reason:
            return None, reason
        return _learn_numeric(name, [n for _, n in numbers], len(values)), ""
    levels = [normalise_category(v) for v in values]
    distinct = {level for level in levels if level != MISSING}
    if len(present) >= ID_MIN_ROWS and len(distinct) > ID_CATEGORICAL_DISTINCT * len(present):
        return None, "id_like"
    if max_levels is not None and len(distinct) > max_levels:
        return None, "too_many_values"
    return _learn_categorical(name, values, levels, min_count)


def _numeric_id_reason(numbers: list[tuple[int, float]]) -> str:
    """``"id_like"`` for auto-increment ids, epoch timestamps and similar integer keys."""
    if len(numbers) < ID_MIN_ROWS or not all(n.is_integer() for _, n in numbers):
        return ""
    share = len({n for _, n in numbers}) / len(numbers)
    if share >= ID_INTEGER_DISTINCT:
        return "id_like"
    if share >= ID_MONOTONE_DISTINCT:
        positions = [float(i) for i, _ in numbers]
        if abs(rank_correlation(positions, [n for _, n in numbers])) >= ID_MONOTONE_CORRELATION:
            return "id_like"
    return ""


def _quantile(ordered: list[float], q: float) -> float:
    """Linear-interpolation quantile of a sorted list (numpy's default method)."""
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def _learn_numeric(name: str, numbers: list[float], n_rows: int) -> NumericFeature:
    ordered = sorted(numbers)
    median = _quantile(ordered, 0.5)
    low, high = ordered[0], ordered[-1]
    has_missing = len(numbers) < n_rows
    mean = math.fsum(numbers) / len(numbers)
    variance = math.fsum((x - mean) ** 2 for x in numbers) / len(numbers)
    skew = (
        math.fsum((x - mean) ** 3 for x in numbers) / len(numbers) / variance**1.5
        if variance > 0
        else 0.0
    )
    log = low >= 0 and skew > SKEW_FOR_LOG
    # Standardise what the model sees: the imputed, transformed column over all training rows.
    transformed = [math.log1p(x) if log else x for x in numbers]
    fill = math.log1p(median) if log else median
    transformed += [fill] * (n_rows - len(numbers))
    t_mean = math.fsum(transformed) / n_rows
    t_var = math.fsum((x - t_mean) ** 2 for x in transformed) / n_rows
    return NumericFeature(
        name=name,
        median=median,
        low=low,
        high=high,
        log=log,
        mean=t_mean,
        scale=math.sqrt(t_var) if t_var > 0 else 1.0,
        has_missing=has_missing,
        q25=_quantile(ordered, 0.25),
        q75=_quantile(ordered, 0.75),
    )


def _learn_categorical(
    name: str, values: list[Any], levels: list[str], min_count: int
) -> tuple[CategoricalFeature | None, str]:
    counts = Counter(levels)
    kept = sorted(level for level, count in counts.items() if count >= min_count)
    pooled = sum(count for level, count in counts.items() if count < min_count)
    if pooled:
        kept.append(OTHER)
    if len(kept) < 2:
        return None, "constant"
    spellings: dict[str, Counter[str]] = {}
    for value, level in zip(values, levels, strict=True):
        if counts[level] >= min_count and level != MISSING:
            spellings.setdefault(level, Counter())[display_value(value)] += 1
    display = {level: c.most_common(1)[0][0] for level, c in spellings.items()}
    return CategoricalFeature(name, kept, display), ""
