"""One value, one number: signals (`to_number`) and the conversion model (`parse_number`) read
lead values alike, in the formats US and European leads come in."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leadrouter.conditions import compile_condition, to_number
from qualification.ml.features import FeatureSet, NumericFeature, parse_number

READERS = pytest.mark.parametrize("read", [to_number, parse_number], ids=["signals", "model"])


@READERS
@pytest.mark.parametrize(
    ("raw", "number"),
    [
        # JSON numbers
        (5000, 5000.0),
        (7.5, 7.5),
        (-3, -3.0),
        # US
        ("5000", 5000.0),
        (" 5000 ", 5000.0),
        ("-12.5", -12.5),
        ("+2.5", 2.5),
        ("0.125", 0.125),
        (".5", 0.5),
        ("1234.567", 1234.567),
        ("5,000.50", 5000.5),
        ("1,500", 1500.0),  # a comma then three digits: US thousands
        ("5,000.500", 5000.5),
        ("$5,000", 5000.0),
        ("-$40", -40.0),
        ("$-40", -40.0),
        ("£1,234,567", 1234567.0),
        ("(1,200)", -1200.0),  # accounting negative
        ("($1,200.50)", -1200.5),
        ("\u221212", -12.0),  # minus sign
        # a single dot then three digits: a decimal, as in US data ("48.125")...
        ("5.000", 5.0),
        ("12.500", 12.5),
        # ...unless the value says euros
        ("€5.000", 5000.0),
        ("5.000 €", 5000.0),
        ("EUR 5.000", 5000.0),
        ("5.000 eur", 5000.0),
        # Europe: dots (or spaces) for thousands, comma for decimals
        ("5.000,50 €", 5000.5),
        ("5.000,50", 5000.5),
        ("1.234.567", 1234567.0),
        ("1.500.000,00", 1500000.0),
        ("12,5", 12.5),
        ("0,75", 0.75),
        ("€5,50", 5.5),
        ("1234,567", 1234.567),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),  # no-break space
        ("1\u202f234,5", 1234.5),  # narrow no-break space (French)
        ("12 500 €", 12500.0),
        ("1 234.5", 1234.5),
        # Switzerland
        ("1'234.50", 1234.5),
        ("1\u2019234.50", 1234.5),  # typographic apostrophe
        ("CHF 1'234.50", 1234.5),
        # currency codes, any side, any case; with a sign too
        ("USD 5000", 5000.0),
        ("5000 USD", 5000.0),
        ("$5,000 USD", 5000.0),
        ("usd 5000", 5000.0),
        ("USD5000", 5000.0),
        # percentages: the number as written
        ("15%", 15.0),
        ("15 %", 15.0),
        ("-2,5 %", -2.5),
        # exponents, plain numbers only
        ("1e5", 100000.0),
        ("-4e3", -4000.0),
        ("1.5E+06", 1500000.0),
    ],
)
def test_values_read_as_the_number_a_person_means(read, raw, number):
    assert read(raw) == number


@READERS
@pytest.mark.parametrize(
    "raw",
    [
        True,
        False,
        None,
        [5],
        "",
        "five",
        "5k",
        "12k",
        "1.2M",
        "1,2,3",
        "1.2.3",
        "5,00,000",
        "1 23",
        "$5000$",
        "$€5",
        "USD EUR 5",
        "5% USD",
        "$1e5",
        "(-5)",
        "--5",
        "5-",
        "R$ 5.000",
        "1_000",
        "0x10",
        "١٢٣",  # digits other than 0-9
        "nan",
        "inf",
        "1e200",  # beyond 10^15: a key, not a quantity
        "12345678901234567890",
        float("nan"),
        float("inf"),
        1e300,
        "9" * 101,
    ],
)
def test_anything_else_is_not_a_number(read, raw):
    assert read(raw) is None


_NUMBERISH = st.text(alphabet="0123456789.,' \u00a0\u202f$€£%()-+eEUSDR", max_size=14)


@given(st.one_of(_NUMBERISH, st.text(max_size=20)))
@example("5.000")
@example("5.000,50 €")
@example("1,5")
@example("7 500")
@example("USD 5000")
def test_signals_and_the_model_read_any_text_as_the_same_number(raw):
    assert to_number(raw) == parse_number(raw)


def test_a_european_budget_passes_the_signal_and_is_a_number_to_the_model():
    budgets = ["5.000,00 €", "12.500 €", "€800", "1.200.000,50 €", "€2.000", "3.750,00 €"] * 10
    condition = compile_condition({"field": "attributes.budget", "op": "gte", "value": 5000})
    matched = [condition.matches({"attributes": {"budget": b}}) is not None for b in budgets[:6]]
    assert matched == [True, True, False, True, False, False]

    (feature,) = FeatureSet.learn([{"budget": budget} for budget in budgets]).features
    assert isinstance(feature, NumericFeature)
    assert (feature.low, feature.high) == (800.0, 1_200_000.5)
    assert feature.describe("5.000,00 €") == "budget = 5000 (typical)"
