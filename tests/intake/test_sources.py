"""Sources and API tokens (`intake.services.sources`): keys shown once, revocation at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intake.models import ApiToken, Channel
from intake.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    source_create,
    source_get_by_key,
)

pytestmark = pytest.mark.django_db


def test_a_created_source_is_found_by_its_key_and_keeps_what_it_was_given():
    source, raw_key = source_create(
        name="Yard signs", channel=Channel.WEB, is_active=False, rate_limit_per_minute=5
    )

    assert source_get_by_key(raw_key) == source and raw_key not in source.api_key_hash
    assert (source.is_active, source.rate_limit_per_minute) == (False, 5)


def test_revoking_tokens_stops_them_at_once_and_keeps_an_earlier_revocation(
    django_user_model,
):
    django_user_model.objects.create_user("dana")
    (active, raw), (earlier, _) = (api_token_create(username="dana") for _ in range(2))
    revoked_at = timezone.now() - timedelta(days=3)
    ApiToken.objects.filter(pk=earlier.pk).update(revoked_at=revoked_at)
    assert api_token_authenticate(raw) == active

    assert api_token_revoke(tokens=ApiToken.objects.all()) == 1

    assert api_token_authenticate(raw) is None
    earlier.refresh_from_db()
    assert earlier.revoked_at == revoked_at
