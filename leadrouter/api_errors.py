"""One place where domain and framework errors become API answers: {"errors": {field: [...]}}."""

from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _as_list(value) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def exception_handler(exc, context):
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
