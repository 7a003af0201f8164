"""A NUL (or another character PostgreSQL refuses) in what a vendor sends never answers 500.

PostgreSQL refuses NUL in text and jsonb, so a value stored as the vendor sent it failed the
request after the submission was stored, left it `received`, and every vendor retry failed the
same way. Headers and field names are cleaned like lead text; a NUL in each hook's delivery id
is a case of the contract suite (test_hook_contract.py).
"""

from urllib.parse import urlencode

import pytest

from intake.models import Lead, Submission
from tests.intake.hooks.conftest import post_hook

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_header_name_or_value_is_stored_without_it(client, hook_source):
    source = hook_source("form")
    body = urlencode({"name": "Ann Lee", "email": "ann.lee@gmail.com"}).encode()

    response = post_hook(
        client,
        source,
        body,
        "application/x-www-form-urlencoded",
        HTTP_X_VENDOR_TRACE="abc\x00def",
        **{"HTTP_X_BAD\x00NAME": "yes", "HTTP_X_\x00": "dropped"},
    )

    assert response.status_code == 201, response.content[:300]
    headers = Submission.objects.get().headers
    assert headers["x-vendor-trace"] == "abcdef"
    assert headers["x-badname"] == "yes"
    assert not any("\x00" in name for name in headers)


def test_a_nul_in_a_form_hook_field_name_is_kept_without_it(client, hook_source):
    source = hook_source("form")
    body = b"name=Ann+Lee&email=ann.lee%40gmail.com&fav%00orite=blue&sub%00missionID=z%00"

    response = post_hook(client, source, body, "application/x-www-form-urlencoded")

    assert response.status_code == 201, response.content[:300]
    lead = Lead.objects.get()
    assert lead.attributes["favorite"] == "blue"
    assert "control_characters_removed" in lead.flags
    assert Submission.objects.get().status == Submission.Status.PROCESSED
