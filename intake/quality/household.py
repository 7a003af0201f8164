"""A household: one dwelling, known by its street address and ZIP. Two leads whose addresses
normalize to the same key live together (a spouse asking for the same policy), so routing can
give the second to the first one's owner.

The street line is normalized to USPS Publication 28 by usaddress-scourgify (street types,
directionals, unit designators, numbered streets). A key is made only for an address with a
house number and a 5-digit ZIP, and a unit (apartment 4B) stays part of it whatever its
designator ("Apt 4B", "Unit 4B" and "#4B" are one dwelling).
"""

import re
from collections.abc import Iterable
from functools import lru_cache

from scourgify.address_constants import (
    DIRECTIONAL_REPLACEMENTS,
    OCCUPANCY_TYPE_ABBREVIATIONS,
    STREET_TYPE_ABBREVIATIONS,
)
from scourgify.exceptions import AddressNormalizationError
from scourgify.normalize import normalize_addr_str

# Where the lead's street address arrives: any door keeps it in the lead's attributes.
ADDRESS_KEYS = ("address", "street address", "street", "address1", "address 1", "address line 1")

# "APARTMENT", "APT", "#", "SUITE", "STE", ...: words that introduce a unit, not name it.
_UNIT_DESIGNATORS = frozenset(OCCUPANCY_TYPE_ABBREVIATIONS) | frozenset(
    OCCUPANCY_TYPE_ABBREVIATIONS.values()
)


def street_address(attributes: dict) -> str:
    """The street line of the lead's address ("12 Oak Ave" of "12 Oak Ave, Columbus, OH")."""
    for key, value in attributes.items():
        if isinstance(value, str) and key.strip().lower().replace("_", " ") in ADDRESS_KEYS:
            return " ".join(value.split(",")[0].split())
    return ""


def household_key(address: str, postal_code: str) -> str:
    """ "43215|12 OAK AVE #4B" for "12 Oak Avenue, Apt. 4B" in 43215; "" when the address or
    ZIP is not specific enough to name one dwelling."""
    zip5 = (postal_code or "")[:5]
    if len(zip5) != 5 or not zip5.isdigit():
        return ""
    words = _words(address)
    if not words or not any(ch.isdigit() for ch in words[0]):
        return ""
    return f"{zip5}|{_dwelling(' '.join(address.upper().split()))}"[:250]


def _words(address: str) -> list[str]:
    return re.sub(r"[^\w#]+", " ", address.upper()).replace("#", " # ").split()


# The parse costs ~75 µs; a lead's address often comes back (a retry, a second policy, the
# spouse), and the cache keeps a burst of them from paying it again.
@lru_cache(maxsize=4096)
def _dwelling(street: str) -> str:
    """The Publication 28 form of a street line, its unit written "#<identifier>"."""
    try:
        parsed = normalize_addr_str(street)
    except AddressNormalizationError:
        # usaddress cannot tell the parts apart (two units, a rural route, a lone number):
        # abbreviate word by word with the same Publication 28 tables.
        return _unit_as_hash(
            STREET_TYPE_ABBREVIATIONS.get(word) or DIRECTIONAL_REPLACEMENTS.get(word) or word
            for word in _words(street)
        )
    return " ".join(
        filter(
            None, [parsed["address_line_1"], _unit_as_hash(_words(parsed["address_line_2"] or ""))]
        )
    )


def _unit_as_hash(words: Iterable[str]) -> str:
    """ "12 OAK AVE #4B" of the words "12 OAK AVE APT 4B": designator dropped, identifier kept."""
    out: list[str] = []
    unit = False
    for word in words:
        if word in _UNIT_DESIGNATORS:
            unit = True
            continue
        out.append(f"#{word}" if unit else word)
        unit = False
    return " ".join(out)
