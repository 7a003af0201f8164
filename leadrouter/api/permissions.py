from rest_framework.permissions import BasePermission

from intake.models import Source


class IsSource(BasePermission):
    """Only a source key may submit leads."""

    message = "Only a source key can submit leads; user tokens read them."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Source)


class IsUser(BasePermission):
    """Reads act as a user; a source key may only submit."""

    message = "A source key may only submit leads; use a user token to read them."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
