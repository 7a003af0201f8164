"""Every flag code the quality gate and intake put in `lead.flags`, with a plain-words label.

The codes are a public contract (API `flag` filter, signal conditions' `has_flag`, saved
admin filters): add codes, never rename one. `FlagCode` is a `str`, so a member is stored and
compared as its code.
"""

from __future__ import annotations

from enum import StrEnum


class FlagCode(StrEnum):
    label: str

    def __new__(cls, code: str, label: str) -> FlagCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    # phone
    PHONE_INVALID = "phone_invalid", "Phone number is not valid"
    PHONE_TOLL_FREE = "phone_toll_free", "Phone number is toll-free"
    PHONE_PREMIUM_RATE = "phone_premium_rate", "Phone number is premium-rate"
    # email
    EMAIL_INVALID = "email_invalid", "Email address is not valid"
    EMAIL_RESERVED_DOMAIN = "email_reserved_domain", "Email domain is reserved for testing"
    EMAIL_DISPOSABLE = "email_disposable", "Email is a disposable (throwaway) address"
    EMAIL_FREE = "email_free", "Email is a free provider's, not a company's"
    EMAIL_DOMAIN_TYPO = "email_domain_typo", "Email domain looks like a typo"
    EMAIL_ROLE = "email_role", "Email is a shared mailbox (info@, sales@)"
    EMAIL_UNDELIVERABLE = "email_undeliverable", "Email cannot receive mail"
    EMAIL_DELIVERABILITY_UNKNOWN = (
        "email_deliverability_unknown",
        "Email deliverability could not be checked",
    )
    # name
    NAME_MISSING = "name_missing", "No name given"
    NAME_SUSPICIOUS = "name_suspicious", "Name looks fake or mistyped"
    NAME_LOOKS_LIKE_COMPANY = "name_looks_like_company", "Name looks like a company"
    # place
    COUNTRY_UNKNOWN = "country_unknown", "Country is not known"
    COUNTRY_CORRECTED = "country_corrected", "Country was corrected (CA read as California)"
    POSTAL_CODE_INVALID = "postal_code_invalid", "Postal code is not valid"
    POSTAL_CODE_UNKNOWN = "postal_code_unknown", "ZIP code does not exist"
    POSTAL_CODE_REPAIRED = "postal_code_repaired", "ZIP code's lost leading zero was restored"
    STATE_UNKNOWN = "state_unknown", "State is not known"
    STATE_MISMATCH_ZIP = "state_mismatch_zip", "State contradicts the ZIP code"
    # the lead as a whole
    UNCONTACTABLE = "uncontactable", "No valid phone or email"
    FIELD_TRUNCATED = "field_truncated", "A field was too long and was cut short"
    CONTROL_CHARACTERS_REMOVED = (
        "control_characters_removed",
        "Unprintable characters were removed",
    )
    QUALITY_CHECK_ERROR = "quality_check_error", "A check failed; the value was kept unchecked"
    TEST = "test", "Test lead (never routed)"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, label) pairs, for form fields and filters."""
        return [(member.value, member.label) for member in cls]
