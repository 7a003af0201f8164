"""Email verification: syntax and normalization with email-validator, then what the address
says about the lead: free mail, disposable, role mailbox, reserved test domain.

DNS deliverability is off by default: on some networks the resolver answers NXDOMAIN for real
domains (so valid addresses would be rejected) and a slow resolver costs seconds per lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from disposable_email_domains import allowlist as _disposable_allowlist
from disposable_email_domains import blocklist as _disposable_blocklist
from email_validator import EmailNotValidError, EmailUndeliverableError, validate_email

from ._common import Flag, clean_text, quote
from ._email_domains import (
    DOMAIN_TYPOS,
    FREE_MAIL_DOMAINS,
    RESERVED_DOMAINS,
    RESERVED_TLDS,
    ROLE_LOCAL_PARTS,
)
from .flags import FlagCode

__all__ = ["EmailCheck", "check_email"]

# Anything longer is not an address (the limit is 254); don't spend time parsing it.
_MAX_EMAIL_TEXT = 512

_DISPOSABLE = frozenset(_disposable_blocklist) - frozenset(_disposable_allowlist)

# Values of EmailCheck.deliverability.
NOT_CHECKED = "not_checked"
DELIVERABLE = "deliverable"
UNDELIVERABLE = "undeliverable"
UNKNOWN = "unknown"

# email-validator turns any unexpected resolver error into "undeliverable" with this prefix;
# a failure to check is not evidence that the domain can't receive mail.
_CHECK_ERROR_PREFIX = "There was an error while checking"


@dataclass(slots=True)
class EmailCheck:
    """What check_email found.

    `is_valid` means usable for contact: syntactically valid, not on a reserved test domain,
    and not found undeliverable (when deliverability was checked). `normalized`, `local_part`
    and `domain` are set whenever the syntax is valid.
    """

    raw: str
    normalized: str | None = None
    local_part: str | None = None
    domain: str | None = None
    is_valid: bool = False
    is_free: bool = False
    is_disposable: bool = False
    is_role: bool = False
    deliverability: str = NOT_CHECKED
    flags: list[Flag] = field(default_factory=list)


def check_email(
    raw: str | None,
    *,
    check_deliverability: bool = False,
    timeout: float = 3.0,
    dns_resolver: Any = None,
) -> EmailCheck:
    """Verify and normalize one email address.

    Accepts "Name <addr>" and a "mailto:" prefix. Internationalized addresses are allowed
    (SMTPUTF8); quoted local parts are rejected as email-validator does by default. With
    `check_deliverability`, the domain's MX/A records are looked up (via `dns_resolver` when
    given, else the system resolver with `timeout` seconds); a DNS failure or timeout gives
    `email_deliverability_unknown`, never invalid. An empty input gives no flag. Never raises.
    """
    text = _strip_mailto(clean_text(raw))
    check = EmailCheck(raw=text)
    if not text:
        return check
    if len(text) > _MAX_EMAIL_TEXT:
        _flag(
            check,
            FlagCode.EMAIL_INVALID,
            f"The email address is too long ({len(text)} characters).",
        )
        return check
    try:
        result = validate_email(
            text,
            allow_smtputf8=True,
            allow_display_name=True,
            check_deliverability=False,
            test_environment=False,
        )
    except EmailNotValidError as exc:
        _flag(check, FlagCode.EMAIL_INVALID, str(exc))
        return check
    except Exception:  # defensive: IDNA and Unicode corner cases must not take the gate down
        _flag(check, FlagCode.EMAIL_INVALID, "The email address is not valid.")
        return check

    check.normalized = result.normalized
    check.local_part = result.local_part
    check.domain = (result.ascii_domain or result.domain).lower()
    check.is_valid = True
    _classify(check)
    if check_deliverability and check.is_valid:
        _check_deliverability(check, result.domain, timeout, dns_resolver)
    return check


def _strip_mailto(text: str) -> str:
    if text[:7].lower() == "mailto:":
        return text[7:].strip()
    return text


def _classify(check: EmailCheck) -> None:
    """Flag what the domain and mailbox say about the lead."""
    domain = check.domain or ""
    if _is_reserved(domain):
        check.is_valid = False
        _flag(
            check,
            FlagCode.EMAIL_RESERVED_DOMAIN,
            f"{domain} is reserved for documentation and testing and cannot receive mail",
        )
    if _matches_domain_or_parent(domain, _DISPOSABLE):
        check.is_disposable = True
        _flag(
            check, FlagCode.EMAIL_DISPOSABLE, f"{domain} is a disposable (throwaway) email provider"
        )
    if domain in FREE_MAIL_DOMAINS:
        check.is_free = True
        _flag(
            check, FlagCode.EMAIL_FREE, f"{domain} is a free email provider, not a company domain"
        )
    suggestion = DOMAIN_TYPOS.get(domain)
    if suggestion:
        _flag(check, FlagCode.EMAIL_DOMAIN_TYPO, f"{domain} looks like a typo of {suggestion}")
    mailbox = (check.local_part or "").lower().split("+", 1)[0]  # sales+web@ is still sales@
    if mailbox in ROLE_LOCAL_PARTS:
        check.is_role = True
        _flag(
            check, FlagCode.EMAIL_ROLE, f"{quote(mailbox)} is a shared role mailbox, not a person"
        )


def _is_reserved(domain: str) -> bool:
    tld = domain.rsplit(".", 1)[-1]
    return tld in RESERVED_TLDS or _matches_domain_or_parent(domain, RESERVED_DOMAINS)


def _matches_domain_or_parent(domain: str, domains: frozenset[str]) -> bool:
    """True when `domain` or any parent of it (mail.example.com -> example.com) is listed."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False


def _check_deliverability(
    check: EmailCheck, domain_i18n: str, timeout: float, dns_resolver: Any
) -> None:
    """Look up the domain's mail servers; record deliverable / undeliverable / unknown."""
    domain = check.domain or ""
    try:
        # Lazy: importing it pulls in dnspython's resolver, which only this path needs.
        from email_validator.deliverability import validate_email_deliverability

        # email-validator refuses a timeout together with a resolver: the resolver has its own.
        info = validate_email_deliverability(
            domain,
            domain_i18n,
            None if dns_resolver is not None else timeout,  # type: ignore[arg-type]  # dnspython takes float seconds; the annotation says int
            dns_resolver,
        )
    except EmailUndeliverableError as exc:
        message = str(exc)
        if message.startswith(_CHECK_ERROR_PREFIX):
            _unknown(check, f"could not check whether {domain} accepts email: {message}")
        else:
            check.deliverability = UNDELIVERABLE
            check.is_valid = False
            _flag(check, FlagCode.EMAIL_UNDELIVERABLE, message)
        return
    except Exception as exc:  # no resolver configuration, broken stub...: unknown, not invalid
        _unknown(check, f"could not check whether {domain} accepts email ({type(exc).__name__})")
        return
    problem = info.get("unknown-deliverability")
    if problem:
        cause = "DNS timed out" if problem == "timeout" else "no DNS server answered"
        _unknown(check, f"could not check whether {domain} accepts email ({cause})")
        return
    check.deliverability = DELIVERABLE


def _unknown(check: EmailCheck, reason: str) -> None:
    check.deliverability = UNKNOWN
    _flag(check, FlagCode.EMAIL_DELIVERABILITY_UNKNOWN, reason)


def _flag(check: EmailCheck, code: str, reason: str) -> None:
    # Library messages may quote the offending characters; keep reasons storable.
    check.flags.append(Flag(code, clean_text(reason)))
