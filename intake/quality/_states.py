"""US state names, abbreviations and single time zones, from the `us` package plus the
spellings people actually type ("Calif.", "Wash. D.C.", "N.Y.").

Lookups go through our own dict rather than `us.states.lookup`, whose cache keeps every
distinct input forever (unbounded on arbitrary lead text); `us`'s phonetic match is only the
last resort, for misspellings like "Pensylvania", and is called without its cache.
"""

from __future__ import annotations

import re

import us

__all__ = ["MILITARY_STATES", "US_STATE_CODES", "state_code", "state_single_time_zone"]

# Armed Forces "states" used in military mail addresses (APO/FPO); valid in a US address.
MILITARY_STATES = {
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}

# AP-style and other common abbreviations that `us` does not know.
_EXTRA_SPELLINGS = {
    "ala": "AL",
    "ariz": "AZ",
    "ark": "AR",
    "cal": "CA",
    "calif": "CA",
    "cali": "CA",
    "colo": "CO",
    "conn": "CT",
    "del": "DE",
    "fla": "FL",
    "ill": "IL",
    "ind": "IN",
    "kan": "KS",
    "kans": "KS",
    "mass": "MA",
    "mich": "MI",
    "minn": "MN",
    "miss": "MS",
    "mont": "MT",
    "neb": "NE",
    "nebr": "NE",
    "nev": "NV",
    "okla": "OK",
    "ore": "OR",
    "oreg": "OR",
    "penn": "PA",
    "penna": "PA",
    "tenn": "TN",
    "tex": "TX",
    "wash": "WA",
    "w va": "WV",
    "wis": "WI",
    "wisc": "WI",
    "wyo": "WY",
    "dc": "DC",
    "wash dc": "DC",
    "washington dc": "DC",
    "washington state": "WA",  # the phone geocoder says this for 206, 360, 509...
    "district of columbia": "DC",
    "washington district of columbia": "DC",
    "us virgin islands": "VI",
    "virgin islands": "VI",
    "puerto rico": "PR",
}

# `us` lists Pacific/Samoa for American Samoa, a legacy alias; prefer the canonical zone.
_ZONE_OVERRIDES = {"AS": "Pacific/Pago_Pago"}

_PHONETIC_OK = re.compile(r"[A-Za-z ]{4,30}")


def _key(text: str) -> str:
    """Casefold, drop periods, and glue initials back together, so "N.Y.", "n.y" and "NY"
    meet, and "Washington D.C." becomes "washington dc"."""
    words: list[str] = []
    for word in text.casefold().replace(".", " ").split():
        if len(word) == 1 and words and len(words[-1]) == 1 and words[-1].isalpha():
            words[-1] += word  # "d" + "c" -> "dc"; stays length 2, so only pairs glue
        else:
            words.append(word)
    return " ".join(words)


def _build() -> tuple[dict[str, str], dict[str, str]]:
    by_key: dict[str, str] = {}
    single_zone: dict[str, str] = {}
    for state in us.states.STATES_AND_TERRITORIES:
        by_key[state.abbr.casefold()] = state.abbr
        by_key[_key(state.name)] = state.abbr
        zones = state.time_zones
        if len(zones) == 1:
            single_zone[state.abbr] = _ZONE_OVERRIDES.get(state.abbr, zones[0])
    for abbr, name in MILITARY_STATES.items():
        by_key[abbr.casefold()] = abbr
        by_key[_key(name)] = abbr
    by_key.update(_EXTRA_SPELLINGS)
    return by_key, single_zone


_BY_KEY, _SINGLE_ZONE = _build()

US_STATE_CODES = frozenset(_BY_KEY.values())


def state_code(text: str, *, fuzzy: bool = True) -> str | None:
    """Two-letter code for a US state/territory given by code, name or common abbreviation;
    with `fuzzy`, also for a phonetically close misspelling. None when not a US state.
    """
    if not text:
        return None
    code = _BY_KEY.get(_key(text))
    if code or not fuzzy or not _PHONETIC_OK.fullmatch(text):
        return code
    try:  # phonetic match catches misspellings ("Pensylvania" -> PA)
        state = us.states.lookup(text, use_cache=False)
    except Exception:
        return None
    return state.abbr if state is not None and state.abbr in US_STATE_CODES else None


def state_single_time_zone(code: str) -> str | None:
    """The IANA zone of a state that lies entirely in one zone (CA, NY...), else None."""
    return _SINGLE_ZONE.get(code)
