"""A household: one dwelling, known by its street address and ZIP. Two leads whose addresses
normalize to the same key live together (a spouse asking for the same policy), so routing can
give the second to the first one's owner.

Normalization follows USPS Publication 28 abbreviations for the common street suffixes,
directions and unit designators; it is deliberately conservative: a key is made only for an
address with a house number and a 5-digit ZIP, and a unit (apartment 4B) stays part of it.
"""

import re

# Where the lead's street address arrives: any door keeps it in the lead's attributes.
ADDRESS_KEYS = ("address", "street address", "street", "address1", "address 1", "address line 1")

_SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "LANE": "LN",
    "COURT": "CT",
    "BOULEVARD": "BLVD",
    "PLACE": "PL",
    "TERRACE": "TER",
    "CIRCLE": "CIR",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "TRAIL": "TRL",
    "WAY": "WAY",
    "SQUARE": "SQ",
}
_DIRECTIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
_UNITS = {"APARTMENT", "APT", "UNIT", "SUITE", "STE", "#", "NO"}


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
    words = re.sub(r"[^\w#]+", " ", address.upper()).replace("#", " # ").split()
    if not words or not any(ch.isdigit() for ch in words[0]):
        return ""
    out: list[str] = []
    unit = False
    for word in words:
        if word in _UNITS:
            unit = True
            continue
        if unit:
            out.append(f"#{word}")
            unit = False
            continue
        out.append(_SUFFIXES.get(word) or _DIRECTIONS.get(word) or word)
    return f"{zip5}|{' '.join(out)}"[:250]
