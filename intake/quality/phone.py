"""Phone verification: parse, validate with a specific reason, normalize to E.164, and find
the region, US state and time zone the number belongs to.

phonenumbers does the real work offline. Its geocoder and timezone modules cost ~0.4 s to
import, so they are imported on first use, and per-area-code results are cached here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from itertools import pairwise
from types import ModuleType

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import ValidationResult

from ._common import Flag, clean_text, quote
from ._states import state_code, state_single_time_zone
from ._zips import state_from_area_code
from .flags import FlagCode

__all__ = ["PhoneCheck", "check_phone"]

# Longer text is not a phone number; phonenumbers itself refuses more than 250 characters.
_MAX_PHONE_TEXT = 250

# US territories have their own phonenumbers region but are US states for routing purposes.
_US_TERRITORY_REGIONS = frozenset({"PR", "GU", "VI", "AS", "MP"})

# Number types tied to a place; a toll-free or premium number says nothing about where the
# caller is, so no state is derived for those.
_GEOGRAPHIC_TYPES = frozenset(
    {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "has an unknown country calling code",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    NumberParseException.TOO_LONG: "is too long to be a phone number",
}

_TIMEZONE_UNKNOWN = "Etc/Unknown"

_geo_modules: tuple[ModuleType, ModuleType] | None = None


@dataclass(slots=True)
class PhoneCheck:
    """What check_phone found. `e164`, `national`, `region` are set only for valid numbers."""

    raw: str
    e164: str | None = None
    extension: str | None = None
    national: str | None = None
    region: str | None = None
    number_type: str = "UNKNOWN"
    is_valid: bool = False
    is_possible: bool = False
    state: str | None = None
    time_zone: str | None = None
    flags: list[Flag] = field(default_factory=list)


def check_phone(raw: str | None, *, default_region: str = "US") -> PhoneCheck:
    """Verify and normalize one phone number.

    National numbers are read in `default_region`; "+"-prefixed ones in their own country.
    An extension ("ext. 23", "x23", "#23") is kept apart from the E.164 form. Letters in vanity
    numbers ("1-800-FLOWERS") are converted by phonenumbers. Problems become flags; an empty
    input gives no flag (a missing phone is judged by the gate, not here). Never raises.
    """
    text = clean_text(raw)
    check = PhoneCheck(raw=text)
    if not text:
        return check
    if len(text) > _MAX_PHONE_TEXT:
        _invalid(check, f"phone {quote(text)} is too long to be a phone number")
        return check
    region = (default_region or "US").upper()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        problem = _PARSE_ERRORS.get(exc.error_type, "is not a phone number")
        _invalid(check, f"phone {quote(text)} {problem}")
        return check
    except Exception:  # defensive: odd Unicode must never take the gate down
        _invalid(check, f"phone {quote(text)} is not a phone number")
        return check
    check.extension = number.extension or None
    _judge(check, number, text)
    return check


def _judge(check: PhoneCheck, number: PhoneNumber, text: str) -> None:
    """Fill validity, reasons and enrichment for a parsed number."""
    nsn = phonenumbers.national_significant_number(number)
    possibility = phonenumbers.is_possible_number_with_reason(number)
    check.is_possible = possibility in (
        ValidationResult.IS_POSSIBLE,
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    )
    placeholder = _placeholder_reason(nsn)
    if placeholder:
        _invalid(check, f"phone {quote(text)} looks like a placeholder ({placeholder})")
        return
    if possibility != ValidationResult.IS_POSSIBLE:
        _invalid(check, _impossible_reason(possibility, number, nsn, text))
        return
    # is_valid_number would find the region itself; finding it once here saves a lookup.
    region = phonenumbers.region_code_for_number(number)
    if region is None or not phonenumbers.is_valid_number_for_region(number, region):
        where = _region_of_country_code(number.country_code) or f"+{number.country_code}"
        _invalid(check, f"phone {quote(text)} is not a valid number in {where}{_nanp_hint(number)}")
        return
    _fill_valid(check, number, nsn, region)


def _fill_valid(check: PhoneCheck, number: PhoneNumber, nsn: str, region: str) -> None:
    """Normalize a valid number and derive region, type, state and time zone."""
    check.is_valid = True
    check.e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    check.national = phonenumbers.format_number(
        _without_extension(number), PhoneNumberFormat.NATIONAL
    )
    check.region = region
    kind = phonenumbers.number_type(number)
    check.number_type = PhoneNumberType.to_string(kind)
    if kind == PhoneNumberType.TOLL_FREE:
        check.flags.append(
            Flag(FlagCode.PHONE_TOLL_FREE, f"phone {check.national} is a toll-free number")
        )
    elif kind == PhoneNumberType.PREMIUM_RATE:
        check.flags.append(
            Flag(FlagCode.PHONE_PREMIUM_RATE, f"phone {check.national} is a premium-rate number")
        )
    geographic = kind in _GEOGRAPHIC_TYPES
    if geographic:
        check.state = _state_for(number, region, nsn)
    check.time_zone = _time_zone_for(number, check.state, geographic)


def _invalid(check: PhoneCheck, reason: str) -> None:
    check.flags.append(Flag(FlagCode.PHONE_INVALID, reason))


def _impossible_reason(possibility: int, number: PhoneNumber, nsn: str, text: str) -> str:
    """Explain is_possible_number_with_reason's verdict in words."""
    where = _region_of_country_code(number.country_code) or f"+{number.country_code}"
    digits = f"{len(nsn)} digits"
    phone = f"phone {quote(text)}"
    if possibility == ValidationResult.TOO_SHORT:
        return f"{phone} is too short for region {where} ({digits})"
    if possibility == ValidationResult.TOO_LONG:
        return f"{phone} is too long for region {where} ({digits})"
    if possibility == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return f"{phone} is missing its area code ({digits} is only dialable locally in {where})"
    if possibility == ValidationResult.INVALID_COUNTRY_CODE:
        return f"{phone} has an unknown country calling code (+{number.country_code})"
    return f"{phone} has an invalid length for region {where} ({digits})"


def _nanp_hint(number: PhoneNumber) -> str:
    """For North American numbers, point at the usual culprit: the area code or exchange."""
    if number.country_code != 1:
        return ""
    nsn = str(number.national_number)
    if len(nsn) != 10:
        return ""
    if nsn[0] in "01":
        return f" (area code {nsn[:3]}: area codes never start with 0 or 1)"
    if nsn[3] in "01":
        return f" (exchange {nsn[3:6]}: exchanges never start with 0 or 1)"
    return f" (area code {nsn[:3]} or exchange {nsn[3:6]} is not in service)"


def _region_of_country_code(country_code: int | None) -> str | None:
    if country_code is None:
        return None
    region = phonenumbers.region_code_for_country_code(country_code)
    return None if region == phonenumbers.UNKNOWN_REGION else region


def _placeholder_reason(nsn: str) -> str | None:
    """Spot filler numbers people type into required fields: 000-000-0000, 123-456-7890..."""
    if len(nsn) < 7:
        return None
    if len(set(nsn)) == 1:
        return "every digit is the same"
    if _is_run(nsn, 1) or _is_run(nsn, -1):
        return "the digits are a simple sequence"
    return None


def _is_run(digits: str, step: int) -> bool:
    """True when each digit is the previous one plus `step`, wrapping 9 -> 0 (1234567890)."""
    return all((int(b) - int(a)) % 10 == step % 10 for a, b in pairwise(digits))


def _without_extension(number: PhoneNumber) -> PhoneNumber:
    if not number.extension:
        return number
    bare = copy.copy(number)
    bare.extension = None
    return bare


def _state_for(number: PhoneNumber, region: str | None, nsn: str) -> str | None:
    """The US state (or territory) a geographic number belongs to, else None."""
    if region in _US_TERRITORY_REGIONS:
        return region
    if region != "US" or len(nsn) != 10:
        return None
    return _state_for_area_code(nsn[:3], number)


# Area code -> state (or None); area codes do not cross state lines. A few hundred entries.
_AREA_CODE_STATES: dict[str, str | None] = {}


def _state_for_area_code(area_code: str, number: PhoneNumber) -> str | None:
    """State of a US area code: from the geocoder text ("San Francisco, CA", "Texas",
    "Washington D.C."), else from the ZIP area-code index; cached per area code."""
    if area_code in _AREA_CODE_STATES:
        return _AREA_CODE_STATES[area_code]
    geocoder, _ = _geo()
    description = geocoder.description_for_number(number, "en")
    state = _state_from_description(description) or state_from_area_code(area_code)
    _AREA_CODE_STATES[area_code] = state
    return state


def _state_from_description(description: str) -> str | None:
    if not description:
        return None
    # "San Francisco, CA" ends in the state code; "Texas" or "Washington D.C." is a name.
    tail = description.rsplit(",", 1)[-1].strip()
    return state_code(tail, fuzzy=False)  # a bare city name must not match a state by sound


def _time_zone_for(number: PhoneNumber, state: str | None, geographic: bool) -> str | None:
    """The IANA zone of a number when it is unambiguous, else None.

    phonenumbers gives one zone for most area codes, but dozens for toll-free numbers; with
    several, fall back to the state when the whole state is in one zone.
    """
    _, timezone = _geo()
    # The type is known already; time_zones_for_number would work it out again.
    lookup = (
        timezone.time_zones_for_geographical_number
        if geographic
        else timezone.time_zones_for_number
    )
    zones = [z for z in lookup(number) if z != _TIMEZONE_UNKNOWN]
    if len(zones) == 1:
        return zones[0]
    if state:
        return state_single_time_zone(state)
    return None


def _geo() -> tuple[ModuleType, ModuleType]:
    """Import phonenumbers' geocoder and timezone modules once, on first use (~0.4 s)."""
    global _geo_modules
    if _geo_modules is None:
        from phonenumbers import geocoder, timezone

        _geo_modules = (geocoder, timezone)
    return _geo_modules


def phone_number_e164(raw: str, *, field: str) -> str:
    """A number people type into the admin (a rep's phone, a Twilio number) in E.164, or a
    ValidationError on `field` saying how to write it. A national number is read as a US one."""
    from django.core.exceptions import ValidationError

    check = check_phone(raw)
    if not check.is_valid or check.e164 is None or check.extension:
        raise ValidationError(
            {
                field: f"“{raw}” is not a phone number Twilio can dial: give it with its country "
                "code, e.g. +15125550100."
            }
        )
    return check.e164
