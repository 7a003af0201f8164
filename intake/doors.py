"""What every HTTP door does the same way: read the body safely and store it first."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from intake import services
from intake.models import Source, Submission


class PayloadTooLarge(Exception):
    """The body is over INTAKE_MAX_BODY_BYTES; refused before anything reads it."""

    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def read_body(request: HttpRequest) -> bytes:
    """The raw body, or PayloadTooLarge without reading it when Content-Length says too much."""
    limit = settings.INTAKE_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(limit)
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(limit) from None
    if len(body) > limit:
        raise PayloadTooLarge(limit)
    return body


def store_request(
    request: HttpRequest,
    *,
    source: Source | None,
    door: str,
    body: bytes,
    status: str = Submission.Status.RECEIVED,
    error_detail: str = "",
    options: dict | None = None,
) -> Submission:
    return services.submission_store(
        source=source,
        door=door,
        body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        headers=request.headers,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        status=status,
        error_detail=error_detail,
        options=options,
    )
