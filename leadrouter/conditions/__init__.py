"""The condition language of signals and routing rules: JSON rules that managers write in the
admin.

A condition is a tree of plain JSON:

    {"all": [cond, ...]}   {"any": [cond, ...]}   {"not": cond}
    {"field": "message", "op": "contains_any", "value": ["lawyer", "attorney"]}

`validate(spec, allowed_fields)` lists every problem with its location (``all[1].op: ...``) so
the admin form can show them all at once. `compile_condition(spec)` turns a valid spec into a
tree of small objects with the expensive parts (keyword patterns, regexes, number parsing of
the expected values) prepared once, so that evaluating many signals per lead stays cheap.
`Condition.matches(lead_values)` answers a `Match` that explains in words what matched (shown
in the lead's reasons), or None. Evaluation never raises on lead data: a value of the wrong
type simply does not match.

Lead values are a mapping keyed by field name; attributes are a nested dict under
``"attributes"`` and flags a dict (code -> reason) under ``"flags"``. A path such as
``attributes.budget`` is first looked up as a flat key (``lead_values["attributes.budget"]``),
then by walking the nested mappings (``lead_values["attributes"]["budget"]``).

Text is compared folded: case-insensitive and without accents ("Urgência" equals "urgencia").
Keywords match whole words ("car" does not match "care") and a phrase matches across any run
of whitespace. Text operators read at most the first 10 000 characters of a value, which bounds
the cost of a signal whatever a lead sends.

Regexes run on RE2 (google-re2), whose time is linear in the text for any pattern: no lead
can make a signal slow, so patterns such as (a|a)*b are fine; backreferences and lookaround,
which only a backtracking engine can offer, are refused by validation. Matching ignores case
(``(?-i:...)`` turns it back on) and accents: the pattern runs on the text without its accents,
with accented letters in the pattern written plain too, because RE2's \\b, \\w, \\d and \\s know
only ASCII. Python's ``\\Z`` and ``{,n}`` keep their meaning (see `regex._re2_spelling`).

Numbers: JSON numbers, and text that reads as one number in the formats leads come in
("5000", "$5,000", "5,000.50", "5.000,50 €", "1 234,5", "1'234.50", "15%", "USD 5000",
"(1,200)"); see `numbers` for the rules, shared with the conversion model. A single dot then
three digits is a decimal ("5.000" is 5) unless the value says euros ("€5.000" is 5000). Long
ids beyond 10^15 are not quantities: `equals`/`in` compare them digit for digit.

The package imports no app (intake, qualification, routing): what a caller knows of leads, the
fields a condition may test, comes in as `validate`'s `allowed_fields`. Its modules: `spec`
(operators, limits, `InvalidCondition`, `Match`), `values` (folding text, reading numbers, paths
in the lead), `numbers` (the number parser, standard library only, also used by the conversion
model), `regex` (RE2), `validation`, `operators` (the compiled `Condition` classes), `compile`
and `description` (the admin's one-line rendering).
"""

from .compile import compile_condition
from .description import describe
from .numbers import parse_number
from .operators import Condition
from .spec import (
    COMPOSITES,
    LEAF_KEYS,
    MAX_DEPTH,
    MAX_LEAVES,
    MAX_LIST,
    MAX_REGEX_LENGTH,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    NUMBER_OPS,
    OPERATORS,
    PRESENCE_OPS,
    TEXT_LIMIT,
    TEXT_OPS,
    VALUE_OPS,
    InvalidCondition,
    Match,
)
from .validation import validate
from .values import deaccent, fold, to_number

__all__ = [
    "COMPOSITES",
    "LEAF_KEYS",
    "MAX_DEPTH",
    "MAX_LEAVES",
    "MAX_LIST",
    "MAX_REGEX_LENGTH",
    "MAX_WORDS",
    "MAX_WORD_LENGTH",
    "NUMBER_OPS",
    "OPERATORS",
    "PRESENCE_OPS",
    "TEXT_LIMIT",
    "TEXT_OPS",
    "VALUE_OPS",
    "Condition",
    "InvalidCondition",
    "Match",
    "compile_condition",
    "deaccent",
    "describe",
    "fold",
    "parse_number",
    "to_number",
    "validate",
]
