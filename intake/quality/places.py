"""Places: normalize ZIP, state, city and country, fill the gaps from the ZIP (or the phone's
area code), and find the lead's time zone.

A ZIP is the most reliable location field (people mistype states, and a phone number moves
with its owner), so the ZIP's state wins a disagreement and the ZIP's zone is preferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

from ._common import MAX_FIELD_LENGTH, Flag, clean_text, is_single_case, quote, truncate
from ._states import US_STATE_CODES, state_code, state_single_time_zone
from ._zips import ZipPlace, zip_place
from .flags import FlagCode

__all__ = ["PlaceCheck", "resolve_place"]

# Countries whose addresses use US ZIP codes (the territories have their own ISO codes).
_US_POSTAL_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})

_ZIP_RE = re.compile(r"(\d{5})(?:[-\s]?\d{4})?")
# Spreadsheets store ZIPs as numbers and drop leading zeros: 02134 -> 2134, 00501 -> 501.
_SHORT_ZIP_RE = re.compile(r"\d{3,4}")

# Ways people write a country that are not its English name or ISO code.
_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "the united states": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom": "GB",
    "can": "CA",
    "mex": "MX",
    "gbr": "GB",
    "deu": "DE",
    "fra": "FR",
    "aus": "AU",
    "ind": "IN",
    "bra": "BR",
    "esp": "ES",
    "ita": "IT",
    "nld": "NL",
    "irl": "IE",
    "che": "CH",
    "swe": "SE",
    "jpn": "JP",
    "chn": "CN",
    "kor": "KR",
    "nzl": "NZ",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "uae": "AE",
    "czech republic": "CZ",
    "viet nam": "VN",
}
_country_names: dict[str, str] | None = None


@dataclass(slots=True)
class PlaceCheck:
    """What resolve_place found. Strings are "" when unknown.

    `postal_code` is a 5-digit ZIP for US addresses (ZIP+4 is reduced to its ZIP: routing and
    time zones need only the ZIP); other countries' codes are kept as given, upper-cased.
    """

    postal_code: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    time_zone: str | None = None
    flags: list[Flag] = field(default_factory=list)


def resolve_place(
    *,
    postal_code: str | None,
    state: str | None,
    city: str | None,
    country: str | None,
    phone_state: str | None = None,
    phone_time_zone: str | None = None,
) -> PlaceCheck:
    """Normalize and enrich a lead's location.

    - US ZIPs are looked up (city, state, time zone); a ZIP that lost its leading zero is
      repaired. Non-US postal codes are kept, unchecked, when a non-US country is given.
    - A state name or abbreviation becomes its 2-letter code; the ZIP's state wins a conflict.
    - Missing state: from the ZIP, else from the phone's area code. Missing city: from the ZIP.
    - Time zone: the ZIP's; else the phone's (unless the phone is from another state than the
      address); else the state's when the whole state is in one zone.
    - Country: ISO-2; "US" when a US ZIP or state is present and no country was given.
    Never raises.
    """
    check = PlaceCheck()
    country_text = _clean(country)
    country_code = _country_code(check, country_text)
    postal_text = _clean(postal_code)
    if _is_california_typed_as_country(country_text, postal_text):
        check.flags.append(
            Flag(
                FlagCode.COUNTRY_CORRECTED,
                f"country 'CA' with US ZIP {postal_text[:5]} read as US "
                "(CA is California's code; Canadian postal codes have letters)",
            )
        )
        country_code = "US"
    us_address = country_code in _US_POSTAL_COUNTRIES or not country_code

    zip_info = _postal(check, postal_text, us_address, bool(country_text))
    _state(check, _clean(state), us_address, zip_info, phone_state)
    _city(check, _clean(city), zip_info)
    check.time_zone = _time_zone(check, zip_info, phone_state, phone_time_zone)
    if country_code:
        check.country = country_code
    elif zip_info or check.state in US_STATE_CODES:
        check.country = "US"
    return check


def _clean(value: str | None) -> str:
    return truncate(clean_text(value), MAX_FIELD_LENGTH)[0]


# --- country -------------------------------------------------------------------------------


def _country_code(check: PlaceCheck, text: str) -> str:
    """ISO-2 code for a country given by code or name; "" (and a flag) when unrecognized."""
    if not text:
        return ""
    key = " ".join(text.casefold().replace(".", " ").split())
    code = _COUNTRY_ALIASES.get(key)
    if code:
        return code
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    code = _country_names_index().get(key)
    if code:
        return code
    check.flags.append(
        Flag(FlagCode.COUNTRY_UNKNOWN, f"country {quote(text)} is not a known country")
    )
    return ""


def _is_california_typed_as_country(country_text: str, postal_text: str) -> bool:
    """US forms get "CA" in the country field meaning California. A Canadian postal code always
    has letters, so "CA" next to a real 5-digit US ZIP is California, not Canada."""
    if country_text.upper() != "CA":
        return False
    match = _ZIP_RE.fullmatch(postal_text)
    return match is not None and zip_place(match.group(1)) is not None


def _country_names_index() -> dict[str, str]:
    """English country name -> ISO-2, from phonenumbers' locale data (loaded on first use)."""
    global _country_names
    if _country_names is None:
        from phonenumbers.geodata.locale import LOCALE_DATA

        index = {}
        for region, names in LOCALE_DATA.items():
            name = names.get("en", "")
            while name.startswith("*"):  # "*aa" means "same as the entry for language aa"
                name = names.get(name[1:], "")
            if name and len(region) == 2:
                index[" ".join(name.casefold().replace(".", " ").split())] = region
        _country_names = index
    return _country_names


# --- postal code ---------------------------------------------------------------------------


def _postal(check: PlaceCheck, text: str, us_address: bool, country_given: bool) -> ZipPlace | None:
    """Set check.postal_code; return the ZIP's place for a known US ZIP."""
    if not text:
        return None
    if not us_address:
        check.postal_code = text.upper()  # a foreign code: keep it, nothing to check it against
        return None
    text = text.removesuffix(".0")  # spreadsheet number export: 94105.0
    match = _ZIP_RE.fullmatch(text)
    if match:
        return _known_zip(check, match.group(1))
    if _SHORT_ZIP_RE.fullmatch(text):
        return _repaired_zip(check, text)
    check.postal_code = text.upper()
    where = "" if country_given else " and no other country was given"
    check.flags.append(
        Flag(FlagCode.POSTAL_CODE_INVALID, f"postal code {quote(text)} is not a US ZIP code{where}")
    )
    return None


def _known_zip(check: PlaceCheck, zip5: str) -> ZipPlace | None:
    check.postal_code = zip5
    place = zip_place(zip5)
    if place is None:
        check.flags.append(Flag(FlagCode.POSTAL_CODE_UNKNOWN, f"ZIP {zip5} does not exist"))
    return place


def _repaired_zip(check: PlaceCheck, digits: str) -> ZipPlace | None:
    zip5 = digits.zfill(5)
    place = zip_place(zip5)
    if place is None:
        check.postal_code = digits
        check.flags.append(
            Flag(
                FlagCode.POSTAL_CODE_INVALID,
                f"postal code {quote(digits)} is too short for a US ZIP",
            )
        )
        return None
    check.postal_code = zip5
    check.flags.append(
        Flag(
            FlagCode.POSTAL_CODE_REPAIRED,
            f"ZIP {digits} lost its leading zero (spreadsheet export); read as {zip5}",
        )
    )
    return place


# --- state, city, time zone ----------------------------------------------------------------


def _state(
    check: PlaceCheck,
    text: str,
    us_address: bool,
    zip_info: ZipPlace | None,
    phone_state: str | None,
) -> None:
    """Set check.state: the typed state as a code, the ZIP's state, or the phone's."""
    if text and not us_address:
        check.state = text  # a foreign region ("Ontario", "Bayern"): kept as typed
        return
    code = state_code(text) if text else None
    if text and code is None:
        reason = f"state {quote(text)} is not a US state or territory"
        if zip_info:
            reason += f"; used {zip_info.state} from ZIP {check.postal_code}"
        check.flags.append(Flag(FlagCode.STATE_UNKNOWN, reason))
    if zip_info:
        if code and code != zip_info.state:
            check.flags.append(
                Flag(
                    FlagCode.STATE_MISMATCH_ZIP,
                    f"state {code} contradicts ZIP {check.postal_code} ({zip_info.state}); "
                    f"kept {zip_info.state} from the ZIP (more reliable than a typed state)",
                )
            )
        check.state = zip_info.state
    elif code:
        check.state = code
    elif text:
        check.state = text  # unknown text is kept (and flagged above)
    elif us_address and phone_state:
        check.state = phone_state


def _city(check: PlaceCheck, text: str, zip_info: ZipPlace | None) -> None:
    if text:
        check.city = _recase_city(text) if is_single_case(text) else text
    elif zip_info:
        check.city = zip_info.city


def _time_zone(
    check: PlaceCheck,
    zip_info: ZipPlace | None,
    phone_state: str | None,
    phone_time_zone: str | None,
) -> str | None:
    if zip_info and zip_info.time_zone:
        return zip_info.time_zone
    state = check.state if check.state in US_STATE_CODES else None
    # A phone from another state than the address says where the phone was bought, not
    # where the person is: then the address's state decides.
    if phone_time_zone and (state is None or not phone_state or phone_state == state):
        return phone_time_zone
    return state_single_time_zone(state) if state else None


def _recase_city(text: str) -> str:
    """Title-case a city typed in one case: "SAN FRANCISCO" -> "San Francisco",
    "o'fallon" -> "O'Fallon", "martha's vineyard" -> "Martha's Vineyard"."""
    words = ("-".join(_recase_word(part) for part in word.split("-")) for word in text.split())
    return " ".join(words)


def _recase_word(word: str) -> str:
    word = word[:1].upper() + word[1:].lower()
    # Capitalize after an apostrophe only behind a single letter (O'Fallon, D'Iberville).
    if len(word) > 2 and word[1] == "'":
        word = word[:2] + word[2:3].upper() + word[3:]
    return word
