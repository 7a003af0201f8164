"""The API's one exception handler turns a service's Django exceptions into answers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leadrouter.api_errors import CONFLICT_CODE, exception_handler

pytestmark = pytest.mark.django_db  # DRF's handler marks the request's transaction for rollback


def answer(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_a_services_field_errors_are_400_naming_each_field():
    refused = ValidationError({"kind": "Choose one of: call, email.", "note": "Too long."})

    assert answer(refused) == (
        400,
        {"errors": {"kind": ["Choose one of: call, email."], "note": ["Too long."]}},
    )


def test_an_error_without_a_field_is_400_under_non_field_errors():
    assert answer(ValidationError("Only the lead's owner can hand it back.")) == (
        400,
        {"errors": {"non_field_errors": ["Only the lead's owner can hand it back."]}},
    )


def test_a_refusal_coded_as_a_conflict_is_409_with_or_without_a_field():
    closed = ValidationError({"lead": ValidationError("The lead is closed.", code=CONFLICT_CODE)})
    merged = ValidationError("Lead #1 was merged into lead #2.", code=CONFLICT_CODE)

    assert answer(closed) == (409, {"errors": {"lead": ["The lead is closed."]}})
    assert answer(merged) == (
        409,
        {"errors": {"non_field_errors": ["Lead #1 was merged into lead #2."]}},
    )


def test_permission_denied_keeps_the_services_reason():
    assert answer(PermissionDenied("Only a team's manager or staff assign leads.")) == (
        403,
        {"errors": {"detail": ["Only a team's manager or staff assign leads."]}},
    )
    assert answer(PermissionDenied())[0] == 403
