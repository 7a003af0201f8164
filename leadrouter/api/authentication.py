"""`Authorization: Bearer <key>`: a source key (lrs_…) or a personal user token (lru_…)."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from intake import services
from intake.models import SOURCE_KEY_PREFIX, USER_TOKEN_PREFIX


class BearerKeyAuthentication(authentication.BaseAuthentication):
    """Source keys authenticate a source (request.auth is the Source, the user is anonymous);
    user tokens authenticate their user (request.auth is the ApiToken)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send exactly one key: Authorization: Bearer <key>."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The key is not valid.") from None
        if raw.startswith(SOURCE_KEY_PREFIX):
            source = services.source_get_by_key(raw)
            if source is None:
                raise exceptions.AuthenticationFailed("The source key is not valid.")
            if not source.is_active:
                raise exceptions.AuthenticationFailed("This source is inactive.")
            return AnonymousUser(), source
        if raw.startswith(USER_TOKEN_PREFIX):
            token = services.api_token_authenticate(raw)
            if token is None:
                raise exceptions.AuthenticationFailed("The API token is not valid or was revoked.")
            return token.user, token
        raise exceptions.AuthenticationFailed("The key is not valid.")

    def authenticate_header(self, request):
        return self.keyword


class BearerKeyScheme(OpenApiAuthenticationExtension):
    """Documents the bearer scheme in the OpenAPI document."""

    target_class = BearerKeyAuthentication
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A source key (lrs_…) submits leads; a user token (lru_…) reads them.",
        }
