"""Sources and API tokens: creation and key rotation. Keys are shown once and stored hashed."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from intake.fields import storable_text
from intake.models import (
    USER_TOKEN_PREFIX,
    Adapter,
    ApiToken,
    Channel,
    Source,
    generate_key,
    hash_secret,
)


@transaction.atomic
def source_create(
    *,
    name: str,
    channel: str = Channel.API,
    adapter: str = Adapter.API,
    is_active: bool = True,
    secret: str = "",
    default_request_type: str = "",
    default_campaign: str = "",
    field_map: dict | None = None,
    thank_you_url: str = "",
    verify_token: str = "",
    access_token: str = "",
    rate_limit_per_minute: int | None = None,
    organisation_name: str = "",
    consent_text: str = "",
    twilio_account_sid: str = "",
    twilio_number: str = "",
    ring_seconds: int | None = None,
    voicemail_greeting: str = "",
    instant_callback_via: Source | None = None,
) -> tuple[Source, str]:
    """Create a source; return it with its API key, which is never retrievable again."""
    source = Source(
        name=storable_text(name, multiline=False),
        channel=channel,
        adapter=adapter,
        is_active=is_active,
        secret=secret,
        default_request_type=storable_text(default_request_type, multiline=False),
        default_campaign=storable_text(default_campaign, multiline=False),
        field_map=field_map or {},
        thank_you_url=thank_you_url,
        verify_token=verify_token,
        access_token=access_token,
        twilio_account_sid=twilio_account_sid.strip(),
        twilio_number=twilio_number,
        ring_seconds=ring_seconds,
        voicemail_greeting=storable_text(voicemail_greeting, multiline=False),
        instant_callback_via=instant_callback_via,
        rate_limit_per_minute=rate_limit_per_minute,
        organisation_name=storable_text(organisation_name, multiline=False),
        consent_text=storable_text(consent_text, multiline=True),
    )
    raw_key = source.set_api_key()
    source.full_clean()
    source.save()
    return source, raw_key


def source_rotate_key(*, source: Source) -> str:
    """Replace a source's API key; the old one stops working at once."""
    raw_key = source.set_api_key()
    source.save(update_fields=["api_key_hash", "api_key_hint", "api_key_rotated_at"])
    return raw_key


def source_set_secret(*, source: Source, secret: str, grace_hours: int | None = None) -> None:
    """Replace a source's vendor secret. The old one keeps verifying deliveries for
    `grace_hours` (INTAKE_SECRET_ROTATION_HOURS by default), because a vendor switches to the
    new secret on its own schedule; two are valid at once, never more."""
    if secret == source.secret:
        return
    hours = settings.INTAKE_SECRET_ROTATION_HOURS if grace_hours is None else grace_hours
    if source.secret and hours > 0:
        source.previous_secret = source.secret
        source.previous_secret_expires_at = timezone.now() + timedelta(hours=hours)
    else:
        source.previous_secret = ""
        source.previous_secret_expires_at = None
    source.secret = secret
    source.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])


def source_get_by_key(raw_key: str) -> Source | None:
    return Source.objects.filter(api_key_hash=hash_secret(raw_key)).first()


def api_token_create(*, username: str, name: str = "") -> tuple[ApiToken, str]:
    """Create a personal API token for a user; return it with the raw token, shown once."""
    user = get_user_model().objects.get(username=username)
    raw = generate_key(USER_TOKEN_PREFIX)
    token = ApiToken.objects.create(
        user=user, name=name, token_hash=hash_secret(raw), token_hint=raw[:10]
    )
    return token, raw


def api_token_revoke(*, tokens: QuerySet[ApiToken]) -> int:
    """Revoke the tokens of `tokens` not revoked yet and return how many; from now on each
    answers 401. A token already revoked keeps the time it was revoked."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token for a raw value, noting when it was last used (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
