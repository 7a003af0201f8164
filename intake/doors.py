"""What every HTTP door does the same way: read the body safely and store it first.

`door_accept` is that sequence for the form and hook doors: read the body (413 or 400), count
the request against the source's rate limit (429), store the raw request. The API door runs the
same steps through DRF (its parser, its throttle class, then `store_request`).

`read_body` is the one place INTAKE_MAX_BODY_BYTES is enforced, for the API, the hooks and the
form door alike:

- a body whose Content-Length says too much is refused before a byte of it is read;
- a body sent without Content-Length (`Transfer-Encoding: chunked`) is read to its end from
  the server's input stream, counting while reading, and refused as soon as it passes the
  limit. Django's request reads exactly CONTENT_LENGTH bytes, which is 0 when there is none,
  so without this a chunked lead was stored empty and refused as "is empty". The stream is
  read only when the server says it ends at the body's end (`wsgi.input_terminated`, as
  gunicorn does); elsewhere (runserver) a chunked body is refused with the reason.

A refused body (413, or 400 when a chunked body cannot be read) was not read to its end, so its
answer asks for the connection to close (`close_connection`): the unread rest must not be taken
for the next request.
"""

import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from intake import services
from intake.models import Source, Submission
from intake.rate_limit import source_rate_check

READ_CHUNK_BYTES = 64 * 1024


class BodyRefused(Exception):
    """The body was refused before it was read to its end; answer `status`, then close."""

    status = 400


class PayloadTooLarge(BodyRefused):
    """The body is over INTAKE_MAX_BODY_BYTES."""

    status = 413

    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


class BodyUnreadable(BodyRefused):
    """The server could not read the body to its end (broken chunked framing, a client
    that stopped sending)."""

    def __init__(self):
        super().__init__(
            "could not be read to its end: the chunked encoding is broken or the sender "
            "stopped sending"
        )


class ChunkedBodyUnsupported(BodyRefused):
    """The body was sent chunked to a server that does not end the input with it (Django's
    runserver): read by its absent Content-Length it would look empty."""

    def __init__(self):
        super().__init__(
            "was sent chunked (Transfer-Encoding: chunked), which this server cannot read: "
            "send a Content-Length, or serve LeadRouter with gunicorn, which reads chunked bodies"
        )


def read_body(request: HttpRequest) -> bytes:
    """The raw body, or BodyRefused: PayloadTooLarge as soon as it is known to be over the
    limit, another BodyRefused when the server cannot read it to its end.

    1. Content-Length over the limit: refused unread.
    2. No Content-Length on a server whose input ends with the body (chunked under gunicorn):
       read to the end, at most limit + 1 bytes, and handed to Django as the request's body.
    3. No Content-Length, chunked, on a server that cannot say where the body ends
       (runserver): refused with a reason, rather than read as empty.
    4. Otherwise Django reads the declared length.
    """
    limit = settings.INTAKE_MAX_BODY_BYTES
    declared_text = request.META.get("CONTENT_LENGTH")
    if declared_text in (None, ""):
        if request.META.get("wsgi.input_terminated"):
            return _read_unsized(request, limit)
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            raise ChunkedBodyUnsupported()
    try:
        declared = int(declared_text or 0)
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


def _read_unsized(request: HttpRequest, limit: int) -> bytes:
    stream = request.META["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while True:
        # Never ask for more than one byte past the limit: that byte is enough to refuse.
        try:
            chunk = stream.read(min(READ_CHUNK_BYTES, limit + 1 - size))
        except Exception as exc:  # the server's own error for the framing (gunicorn's
            # InvalidChunkSize, NoMoreData) or the socket's: nothing a lead can be made of.
            raise BodyUnreadable() from exc
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    # From here Django reads this body as if its length had been sent: request.body,
    # request.POST (a signed Mailgun form) and multipart parsing all see it.
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._body = body
    request._stream = io.BytesIO(body)
    return body


def close_connection(response: HttpResponse) -> HttpResponse:
    """Ask for the connection to close after this answer (a body was left unread).

    The header is what the test client and WSGI servers that accept it see; gunicorn ignores
    an application's Connection header, so `leadrouter.wsgi` turns it into gunicorn's own
    close (`leadrouter.wsgi_close.CloseConnection`)."""
    response["Connection"] = "close"
    return response


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


def door_accept(
    request: HttpRequest,
    *,
    source: Source,
    door: str,
    refuse: Callable[[int, dict], HttpResponse],
    too_many: str,
    options: dict | None = None,
) -> HttpResponse | Submission:
    """The stored submission, or the answer refusing it, made by `refuse(status, errors)` in
    the door's own format:

    1. The body is read (`read_body`); refused, the answer is 413 or 400 and closes the
       connection, and nothing is counted or stored.
    2. The request counts against the source's rate limit; over it, 429 with Retry-After
       (the seconds left in the window, rounded up) and `too_many` as the reason.
    3. The raw request is stored, before anything parses it.
    """
    try:
        body = read_body(request)
    except BodyRefused as exc:
        return close_connection(refuse(exc.status, {"body": [str(exc)]}))
    allowed, wait = source_rate_check(source)
    if not allowed:
        response = refuse(429, {"detail": [too_many]})
        response["Retry-After"] = str(int(wait) + 1)
        return response
    return store_request(request, source=source, door=door, body=body, options=options)
