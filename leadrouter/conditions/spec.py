"""The shape of a condition: its operators, limits, and what compiling and matching answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

TEXT_LIMIT = 10_000
MAX_DEPTH = 10
MAX_LEAVES = 200
MAX_REGEX_LENGTH = 300
MAX_WORDS = 500
MAX_WORD_LENGTH = 200
MAX_LIST = 1000

TEXT_OPS = ("contains_any", "contains_all", "regex", "starts_with")
VALUE_OPS = ("equals", "in", "not_in")
NUMBER_OPS = ("gt", "gte", "lt", "lte", "between")
PRESENCE_OPS = ("is_empty", "is_not_empty")
OPERATORS = (*TEXT_OPS, *VALUE_OPS, *NUMBER_OPS, *PRESENCE_OPS, "has_flag")

COMPOSITES = ("all", "any", "not")
LEAF_KEYS = ("field", "op", "value")

_COMPARISON_SIGNS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


class InvalidCondition(ValueError):
    """A spec that cannot be compiled; `problems` lists what `validate` found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Match:
    """What matched, in words: one part per leaf condition that took part in the match."""

    parts: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.parts)

    def __str__(self) -> str:
        return self.explanation
