"""The intake quality gate: every lead's contact fields, verified, normalized and enriched in
one call. Problems become flags with reasons; nothing here ever drops a lead or raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, TypeVar

from ._common import MAX_FIELD_LENGTH, Flag, clean_text, truncate
from .email import EmailCheck, check_email
from .flags import FlagCode
from .names import NameCheck, split_name
from .phone import PhoneCheck, check_phone
from .places import PlaceCheck, resolve_place

__all__ = ["GateResult", "run_quality_gate", "warm_up"]

logger = logging.getLogger(__name__)

_Check = TypeVar("_Check", PhoneCheck, EmailCheck, NameCheck, PlaceCheck)

# The input fields the gate reads, in the order their truncation is reported.
INPUT_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "company",
    "postal_code",
    "state",
    "country",
    "city",
)

# Keys of GateResult.cleaned, always all present.
CLEANED_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "email_normalized",
    "phone",
    "phone_e164",
    "phone_extension",
    "phone_region",
    "phone_type",
    "company",
    "company_domain",
    "postal_code",
    "city",
    "state",
    "country",
    "time_zone",
)


@dataclass(slots=True)
class GateResult:
    """The gate's verdict on one lead.

    cleaned: the Lead columns, all str ("" when missing), free of NUL and lone surrogates.
    flags: flag code -> human reason (the first reason for a code wins).
    checks: JSON-ready detail of each check, for the API and admin.
    is_contactable: a valid phone or a valid email exists.
    """

    cleaned: dict[str, str]
    flags: dict[str, str] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    is_contactable: bool = False


def run_quality_gate(
    fields: Mapping[str, object],
    *,
    default_region: str = "US",
    check_deliverability: bool = False,
    dns_timeout: float = 3.0,
    dns_resolver: Any = None,
) -> GateResult:
    """Verify, normalize and enrich one lead's contact fields.

    `fields` may hold any of first_name, last_name, full_name, email, phone, company,
    postal_code, state, country, city; values may be None, "", str or anything str() accepts.
    Phone numbers without a country code are read in `default_region`. DNS is queried only when
    `check_deliverability` is set. Never raises on any input.
    """
    values, truncated = _read(fields)
    phone = _safely(
        "phone",
        lambda: check_phone(values["phone"], default_region=default_region),
        lambda: PhoneCheck(raw=values["phone"]),
    )
    email = _safely(
        "email",
        lambda: check_email(
            values["email"],
            check_deliverability=check_deliverability,
            timeout=dns_timeout,
            dns_resolver=dns_resolver,
        ),
        lambda: EmailCheck(raw=values["email"]),
    )
    name = _safely(
        "name",
        lambda: split_name(
            first_name=values["first_name"],
            last_name=values["last_name"],
            full_name=values["full_name"],
        ),
        lambda: NameCheck(full_name=values["full_name"]),
    )
    place = _safely(
        "place",
        lambda: resolve_place(
            postal_code=values["postal_code"],
            state=values["state"],
            city=values["city"],
            country=values["country"],
            phone_state=phone.state if phone.is_valid else None,
            phone_time_zone=phone.time_zone if phone.is_valid else None,
        ),
        lambda: PlaceCheck(postal_code=values["postal_code"], city=values["city"]),
    )
    result = GateResult(
        cleaned=_cleaned(values, phone, email, name, place),
        checks={
            "phone": _detail(phone),
            "email": _detail(email),
            "name": _detail(name),
            "place": _detail(place),
        },
        is_contactable=phone.is_valid or email.is_valid,
    )
    for flag in _all_flags(truncated, phone, email, name, place):
        result.flags.setdefault(flag.code, flag.reason)
    return result


def _safely(what: str, run: Callable[[], _Check], fallback: Callable[[], _Check]) -> _Check:
    """Run one check; if a library fails on some input nobody foresaw, keep the lead and say so.

    Each check is written not to raise; this is the last line of defence, because an exception
    here would stop a lead at intake instead of flagging it.
    """
    try:
        return run()
    except Exception as exc:
        logger.exception("Quality gate: the %s check failed", what)
        check = fallback()
        check.flags.append(
            Flag(
                FlagCode.QUALITY_CHECK_ERROR,
                f"the {what} check failed unexpectedly ({type(exc).__name__}); "
                "the value was kept unchecked",
            )
        )
        return check


def _read(fields: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """Clean every input field; return them and the names of fields that were cut short."""
    values: dict[str, str] = {}
    truncated: list[str] = []
    getter = getattr(fields, "get", None)
    for name in INPUT_FIELDS:
        try:
            raw = getter(name) if getter else None
        except Exception:  # a hostile mapping must not take the gate down
            raw = None
        text = clean_text(raw)
        # Email and phone are checked whole (their checks reject over-long input with a
        # precise reason); cutting them first could turn garbage into a valid-looking value.
        if name not in ("email", "phone"):
            text, cut = truncate(text, MAX_FIELD_LENGTH)
            if cut:
                truncated.append(name)
        elif len(text) > MAX_FIELD_LENGTH:
            truncated.append(name)
        values[name] = text
    return values, truncated


def _cleaned(
    values: dict[str, str],
    phone: PhoneCheck,
    email: EmailCheck,
    name: NameCheck,
    place: PlaceCheck,
) -> dict[str, str]:
    return {
        "first_name": name.first_name,
        "last_name": name.last_name,
        "full_name": name.full_name,
        "email": truncate(values["email"])[0],
        "email_normalized": email.normalized or "",
        "phone": truncate(values["phone"])[0],
        "phone_e164": phone.e164 or "",
        "phone_extension": phone.extension or "",
        "phone_region": phone.region or "",
        "phone_type": phone.number_type if phone.is_valid else "",
        "company": values["company"],
        "company_domain": _company_domain(email),
        "postal_code": place.postal_code,
        "city": place.city,
        "state": place.state,
        "country": place.country,
        "time_zone": place.time_zone or "",
    }


def _company_domain(email: EmailCheck) -> str:
    """The email's domain when it is a business's own (not free, throwaway or reserved)."""
    if not email.is_valid or email.is_free or email.is_disposable or not email.domain:
        return ""
    return email.domain


def _all_flags(
    truncated: list[str],
    phone: PhoneCheck,
    email: EmailCheck,
    name: NameCheck,
    place: PlaceCheck,
):
    if not (phone.is_valid or email.is_valid):
        yield Flag(FlagCode.UNCONTACTABLE, "no valid phone or email")
    for field_name in truncated:
        yield Flag(
            FlagCode.FIELD_TRUNCATED,
            f"{field_name} was longer than {MAX_FIELD_LENGTH} characters and was cut short",
        )
    for check in (phone, email, name, place):
        yield from check.flags


def _detail(check: PhoneCheck | EmailCheck | NameCheck | PlaceCheck) -> dict[str, Any]:
    """A check as plain JSON values; flags as a list of their codes (reasons are in
    GateResult.flags)."""
    detail: dict[str, Any] = {}
    for f in _fields_of(type(check)):
        value = getattr(check, f)
        if f == "flags":
            value = [flag.code for flag in value]
        elif isinstance(value, str):
            value = truncate(value)[0]  # raw input can be huge; the detail needn't be
        detail[f] = value
    return detail


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields_of(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclass_fields(cls))
    return names


def warm_up() -> None:
    """Load the lazily built data now (ZIP index, phone geocoder and time zones: ~1 s once),
    so the first real lead does not pay for it. Optional; call it at process start-up."""
    run_quality_gate(
        {
            "full_name": "JANE DOE",
            "email": "jane@acme.com",
            "phone": "+1 415 555 2671",
            "postal_code": "94105",
        }
    )
