"""check_email: syntax, normalization, classification and (stubbed) deliverability.

No test here may reach real DNS: deliverability tests pass a stub resolver.
"""

import dns.exception
import dns.resolver
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.quality import EmailCheck, check_email


def codes(check: EmailCheck) -> list[str]:
    return [flag.code for flag in check.flags]


def reason(check: EmailCheck, code: str) -> str:
    return next(flag.reason for flag in check.flags if flag.code == code)


# --- syntax and normalization --------------------------------------------------------------


def test_it_lowercases_the_domain_and_strips_whitespace():
    check = check_email("  John.Doe@ACME.COM ")

    assert check.is_valid
    assert check.normalized == "John.Doe@acme.com"
    assert check.local_part == "John.Doe"
    assert check.domain == "acme.com"
    assert check.flags == []


def test_it_accepts_internationalized_addresses_with_an_ascii_domain():
    check = check_email("josé@EXÄMPLE-firma.de")

    assert check.is_valid
    assert check.normalized == "josé@exämple-firma.de"
    assert check.domain == "xn--exmple-firma-hcb.de"


def test_it_accepts_a_display_name_and_keeps_only_the_address():
    check = check_email("John Doe <john@acme.com>")

    assert check.normalized == "john@acme.com"


def test_it_accepts_a_mailto_prefix():
    assert check_email("mailto:john@acme.com").normalized == "john@acme.com"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("john.doe", "An email address must have an @-sign."),
        ("john@@acme.com", "The part after the @-sign contains invalid characters: '@'."),
        ("john@acme", "The part after the @-sign is not valid. It should have a period."),
        ("john.@acme.com", "An email address cannot have a period immediately before the @-sign."),
        ("john@acme.com.", "An email address cannot end with a period."),
        ("john doe@acme.com", "The email address contains invalid characters before the @-sign"),
    ],
)
def test_it_flags_invalid_addresses_with_the_librarys_message(raw, message):
    check = check_email(raw)

    assert not check.is_valid
    assert check.normalized is None
    assert codes(check) == ["email_invalid"]
    assert reason(check, "email_invalid").startswith(message)


def test_it_rejects_quoted_local_parts_as_the_library_does_by_default():
    check = check_email('"john smith"@company.com')

    assert not check.is_valid
    assert reason(check, "email_invalid") == (
        "Quoting the part before the @-sign is not allowed here."
    )


def test_it_strips_nul_and_lone_surrogates_before_validating():
    check = check_email("jane\x00@acme.com\ud800")

    assert check.is_valid
    assert check.normalized == "jane@acme.com"


def test_it_rejects_absurdly_long_input_without_parsing_it():
    check = check_email("a" * 10_000 + "@acme.com")

    assert reason(check, "email_invalid") == "The email address is too long (10009 characters)."


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_it_gives_no_flag_for_a_missing_email(raw):
    check = check_email(raw)

    assert not check.is_valid
    assert check.flags == []


# --- reserved, disposable, role, free ------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["jane@example.com", "jane@example.net", "jane@mail.example.org", "jane@acme.example"],
)
def test_it_flags_reserved_documentation_domains_as_unusable(raw):
    check = check_email(raw)

    assert not check.is_valid
    assert check.normalized == raw  # the syntax is fine
    assert "email_reserved_domain" in codes(check)
    assert "reserved for documentation and testing" in reason(check, "email_reserved_domain")


@pytest.mark.parametrize("raw", ["x@test.invalid", "x@shop.test", "x@dev.localhost", "x@a.local"])
def test_special_use_domains_are_already_invalid_in_the_library(raw):
    check = check_email(raw)

    assert codes(check) == ["email_invalid"]
    assert "special-use or reserved" in reason(check, "email_invalid")


@pytest.mark.parametrize(
    "raw", ["tmp@mailinator.com", "tmp@guerrillamail.com", "x@eu.mailinator.com"]
)
def test_it_flags_disposable_domains_and_their_subdomains(raw):
    check = check_email(raw)

    assert check.is_valid  # it can receive mail, for a while
    assert check.is_disposable
    assert "email_disposable" in codes(check)


@pytest.mark.parametrize(
    "raw", ["info@acme.com", "Sales@acme.com", "no-reply@acme.com", "support+leads@acme.com"]
)
def test_it_flags_role_mailboxes(raw):
    check = check_email(raw)

    assert check.is_valid
    assert check.is_role
    assert codes(check) == ["email_role"]


def test_a_personal_mailbox_is_not_a_role():
    check = check_email("infoman@acme.com")

    assert not check.is_role


@pytest.mark.parametrize(
    "raw",
    ["jane@gmail.com", "jane@yahoo.co.uk", "jane@hotmail.fr", "jane@comcast.net", "j@proton.me"],
)
def test_it_flags_free_mail_providers(raw):
    check = check_email(raw)

    assert check.is_valid
    assert check.is_free
    assert codes(check) == ["email_free"]


def test_a_company_domain_is_not_free():
    check = check_email("jane@acme-plumbing.com")

    assert not check.is_free
    assert check.flags == []


def test_it_points_out_a_likely_typo_in_a_big_providers_domain_but_keeps_the_address():
    check = check_email("jane@gmial.com")

    assert check.is_valid
    assert check.normalized == "jane@gmial.com"
    assert reason(check, "email_domain_typo") == "gmial.com looks like a typo of gmail.com"


# --- deliverability (stub resolvers only) --------------------------------------------------


class _MX:
    def __init__(self, preference: int, exchange: str):
        self.preference = preference
        self.exchange = exchange


class StubResolver:
    """Answers like dnspython's Resolver.resolve, from a table, and records the queries."""

    def __init__(self, answers=None, error=None):
        self.answers = answers or {}
        self.error = error
        self.queries = []

    def resolve(self, name, rdtype):
        self.queries.append((name, rdtype))
        if self.error is not None:
            raise self.error
        if (name, rdtype) in self.answers:
            return self.answers[(name, rdtype)]
        raise dns.resolver.NoAnswer


def test_it_does_not_query_dns_unless_asked():
    resolver = StubResolver(error=AssertionError("DNS must not be queried"))

    check = check_email("jane@acme.com", dns_resolver=resolver)

    assert check.deliverability == "not_checked"
    assert resolver.queries == []


def test_it_marks_a_domain_with_mail_servers_deliverable():
    resolver = StubResolver({("acme.com", "MX"): [_MX(10, "mx1.acme.com.")]})

    check = check_email("jane@acme.com", check_deliverability=True, dns_resolver=resolver)

    assert check.is_valid
    assert check.deliverability == "deliverable"
    assert check.flags == []
    assert resolver.queries == [("acme.com", "MX")]


def test_it_flags_a_domain_that_does_not_exist_as_undeliverable():
    resolver = StubResolver(error=dns.resolver.NXDOMAIN())

    check = check_email("jane@acme-nope.com", check_deliverability=True, dns_resolver=resolver)

    assert not check.is_valid
    assert check.deliverability == "undeliverable"
    assert reason(check, "email_undeliverable") == "The domain name acme-nope.com does not exist."


def test_it_flags_a_null_mx_domain_as_undeliverable():
    resolver = StubResolver({("acme.com", "MX"): [_MX(0, ".")]})

    check = check_email("jane@acme.com", check_deliverability=True, dns_resolver=resolver)

    assert not check.is_valid
    assert reason(check, "email_undeliverable") == "The domain name acme.com does not accept email."


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (dns.exception.Timeout(), "DNS timed out"),
        (dns.resolver.NoNameservers(), "no DNS server answered"),
        (RuntimeError("resolver exploded"), "resolver exploded"),
    ],
)
def test_a_dns_failure_leaves_the_address_valid_but_unknown(error, cause):
    check = check_email(
        "jane@acme.com", check_deliverability=True, dns_resolver=StubResolver(error=error)
    )

    assert check.is_valid
    assert check.deliverability == "unknown"
    assert codes(check) == ["email_deliverability_unknown"]
    assert cause in reason(check, "email_deliverability_unknown")


def test_a_missing_system_resolver_leaves_the_address_valid_but_unknown(monkeypatch):
    def no_resolver(*args, **kwargs):
        raise dns.resolver.NoResolverConfiguration("no resolv.conf")

    monkeypatch.setattr(dns.resolver, "get_default_resolver", no_resolver)

    check = check_email("jane@acme.com", check_deliverability=True, timeout=0.5)

    assert check.is_valid
    assert check.deliverability == "unknown"


def test_it_skips_dns_for_reserved_domains():
    resolver = StubResolver(error=AssertionError("DNS must not be queried"))

    check = check_email("jane@example.com", check_deliverability=True, dns_resolver=resolver)

    assert resolver.queries == []
    assert check.deliverability == "not_checked"


# --- robustness ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_it_never_raises_and_only_flags_email_problems(raw):
    check = check_email(raw)

    assert all(code.startswith("email_") for code in codes(check))
    if check.is_valid:
        assert check.normalized and check.domain == check.domain.lower()


@settings(max_examples=200, deadline=None)
@given(st.emails())
def test_every_generated_valid_address_keeps_its_local_part(raw):
    check = check_email(raw)

    if check.normalized:
        assert check.normalized.split("@")[0].casefold() == raw.rsplit("@", 1)[0].casefold()
