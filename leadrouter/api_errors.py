"""One place where domain and framework errors become API answers: {"errors": {field: [...]}}.

The services raise Django's exceptions: a ValidationError is a 400 naming each field, or a 409
when its code is "conflict" (the request is valid but the lead's state refuses it, e.g. a
closed lead); PermissionDenied is a 403 with the service's reason; Http404 is a 404.
"""

from django.core import exceptions as django_exceptions
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

# The code a service gives a ValidationError that refuses an action because of the state of
# what it acts on, not because of the input (a closed lead): the API answers 409.
CONFLICT_CODE = "conflict"


class Conflict(exceptions.ValidationError):
    status_code = status.HTTP_409_CONFLICT


def _as_list(value) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def _from_django(exc: Exception) -> Exception:
    """A service's Django exception as the DRF exception with the same meaning."""
    if isinstance(exc, django_exceptions.ValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
            codes = {error.code for errors in exc.error_dict.values() for error in errors}
        else:
            detail = {"non_field_errors": exc.messages}
            codes = {error.code for error in exc.error_list}
        return Conflict(detail) if CONFLICT_CODE in codes else exceptions.ValidationError(detail)
    if isinstance(exc, django_exceptions.PermissionDenied) and exc.args:
        return exceptions.PermissionDenied(str(exc))
    return exc


def exception_handler(exc, context):
    exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError) and isinstance(data, dict):
        response.data = {"errors": {field: _as_list(reasons) for field, reasons in data.items()}}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": {"non_field_errors": _as_list(data)}}
    elif isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        response.data = {"errors": {"authorization": _as_list(data.get("detail", data))}}
    elif isinstance(exc, Http404):
        response.data = {"errors": {"detail": ["Not found."]}}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"errors": {"detail": _as_list(data["detail"])}}
    return response


def page_not_found(request, exception):
    """Django's 404 handler: a URL under /api/ that matches no route (`/api/v1/leads/abc/`)
    answers in the API's error shape, as JSON; any other URL gets Django's page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"errors": {"detail": ["Not found."]}}, status=404)
    return defaults.page_not_found(request, exception)
