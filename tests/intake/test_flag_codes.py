"""One list of flag codes (intake.quality.flags.FlagCode): everything that puts a flag on a
lead uses it, and the admin's filter and the API's `flag` filter offer every code."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

import intake
from intake.quality import run_quality_gate
from intake.quality.flags import FlagCode
from leadrouter.api.filters import LeadFilter

INTAKE_DIR = Path(intake.__file__).parent

# One input per flag the gate can raise on its own.
GATE_INPUTS = {
    FlagCode.PHONE_INVALID: {"full_name": "Ann Lee", "phone": "123"},
    FlagCode.PHONE_TOLL_FREE: {"full_name": "Ann Lee", "phone": "+1 800 555 0199"},
    FlagCode.EMAIL_INVALID: {"full_name": "Ann Lee", "email": "not an email"},
    FlagCode.EMAIL_RESERVED_DOMAIN: {"full_name": "Ann Lee", "email": "ann@example.com"},
    FlagCode.EMAIL_DISPOSABLE: {"full_name": "Ann Lee", "email": "ann@mailinator.com"},
    FlagCode.EMAIL_FREE: {"full_name": "Ann Lee", "email": "ann@gmail.com"},
    FlagCode.EMAIL_DOMAIN_TYPO: {"full_name": "Ann Lee", "email": "ann@gmial.com"},
    FlagCode.EMAIL_ROLE: {"full_name": "Ann Lee", "email": "info@acme-roofing.com"},
    FlagCode.NAME_MISSING: {"email": "ann@acme-roofing.com"},
    FlagCode.NAME_SUSPICIOUS: {"full_name": "asdfgh qwrtzp", "email": "a@acme-roofing.com"},
    FlagCode.NAME_LOOKS_LIKE_COMPANY: {"full_name": "Acme Roofing LLC", "phone": "5125550134"},
    FlagCode.COUNTRY_UNKNOWN: {"full_name": "Ann Lee", "country": "Narnia"},
    FlagCode.POSTAL_CODE_INVALID: {"full_name": "Ann Lee", "postal_code": "ABCDE"},
    FlagCode.POSTAL_CODE_UNKNOWN: {"full_name": "Ann Lee", "postal_code": "00000"},
    FlagCode.POSTAL_CODE_REPAIRED: {"full_name": "Ann Lee", "postal_code": "2108"},
    FlagCode.STATE_UNKNOWN: {"full_name": "Ann Lee", "state": "Zz"},
    FlagCode.STATE_MISMATCH_ZIP: {"full_name": "Ann Lee", "state": "TX", "postal_code": "94105"},
    FlagCode.UNCONTACTABLE: {"full_name": "Ann Lee"},
    FlagCode.FIELD_TRUNCATED: {"full_name": "Ann Lee", "company": "x" * 300},
}


@pytest.mark.parametrize("code", list(GATE_INPUTS), ids=str)
def test_the_gate_raises_its_flags_as_flag_codes(code):
    flags = run_quality_gate(GATE_INPUTS[code]).flags

    assert code in flags
    assert set(flags) <= set(FlagCode)


def _flag_codes_in_source() -> list[tuple[str, int, str]]:
    """(file, line, code) of every flag code written as a string literal where a flag is made:
    Flag("x", ...), _flag(check, "x", ...), _flag_once(check, "x", ...), a `flags` dict key."""
    found = []
    for path in INTAKE_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            literals = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if name == "Flag" and node.args:
                    literals.append(node.args[0])
                elif name in ("_flag", "_flag_once") and len(node.args) > 1:
                    literals.append(node.args[1])
                elif name == "setdefault" and "flags" in ast.unparse(node.func) and node.args:
                    literals.append(node.args[0])
            elif isinstance(node, ast.Dict) and any(
                key is None and ast.unparse(value).endswith("flags")
                for key, value in zip(node.keys, node.values, strict=True)
            ):  # {**lead.flags, "code": reason}
                literals.extend(k for k in node.keys if k is not None)
            for literal in literals:
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                    found.append((path.name, literal.lineno, literal.value))
    return found


def test_no_flag_is_made_from_a_bare_string():
    # A new flag must be added to FlagCode (with its label) to reach the filters.
    assert _flag_codes_in_source() == []


def test_flag_codes_are_unique_snake_case_with_labels():
    codes = [code.value for code in FlagCode]
    assert len(codes) == len(set(codes))
    assert all(code.isidentifier() and code.islower() for code in codes)
    assert all(code.label and code.label != code.value for code in FlagCode)


@pytest.mark.django_db
def test_the_admin_flag_filter_offers_every_flag_code(admin_client):
    page = admin_client.get(reverse("admin:intake_lead_changelist")).content.decode()

    missing = [code for code in FlagCode if f"?flag={code}" not in page]
    assert missing == []
    assert FlagCode.CONTROL_CHARACTERS_REMOVED.label in page


def test_the_api_flag_filter_documents_every_flag_code():
    help_text = LeadFilter.base_filters["flag"].extra["help_text"]

    assert [code for code in FlagCode if code not in help_text] == []
