"""The one small HTTP client for outbound calls to vendors (Meta Graph API) and services.

Standard library only: a timeout on every call, a configurable base URL per caller, JSON in and
out, and errors that say whether retrying can help. Credentials travel in headers, never in
URLs, so they do not end up in logs or in the error text stored in the admin.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

USER_AGENT = "LeadRouter/1 (+https://github.com/leadrouter)"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024


class HttpError(Exception):
    """A call that failed; `retryable` when a later attempt may succeed (timeouts, network
    errors, 429 and 5xx), not for 4xx answers that will not change."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def request(
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    payload: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> bytes:
    """Send one request (a JSON body when `payload` is given) and return the raw answer, or
    raise HttpError. For services that answer something else than JSON (Slack answers "ok")."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    if not url.startswith(("http://", "https://")):
        raise HttpError(f"refusing a non-HTTP URL: {url[:100]}")
    data = None
    all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    if payload is not None:
        data = json.dumps(payload).encode()
        all_headers["Content-Type"] = "application/json"
    prepared = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 - scheme checked above
    timeout = settings.VENDOR_HTTP_TIMEOUT if timeout is None else timeout
    where = f"{method} {url.split('?')[0]}"
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        raise HttpError(
            f"{where} answered {exc.code}: {detail[:500]}",
            status=exc.code,
            retryable=exc.code == 429 or exc.code >= 500,
        ) from None
    except TimeoutError:
        raise HttpError(f"{where} timed out after {timeout} s", retryable=True) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise HttpError(f"{where} timed out after {timeout} s", retryable=True) from None
        raise HttpError(f"{where} failed: {reason}", retryable=True) from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise HttpError(f"{where} answered more than {MAX_RESPONSE_BYTES} bytes")
    return body


def request_json(method: str, url: str, **kwargs) -> Any:
    """Send one request and return the decoded JSON answer, or raise HttpError."""
    body = request(method, url, **kwargs)
    where = f"{method} {url.split('?')[0]}"
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HttpError(f"{where} answered something that is not JSON: {body[:200]!r}") from None


def get_json(url: str, **kwargs) -> Any:
    return request_json("GET", url, **kwargs)


def post_json(url: str, payload: Any, **kwargs) -> Any:
    return request_json("POST", url, payload=payload, **kwargs)


def post(url: str, payload: Any, **kwargs) -> bytes:
    """POST a JSON body; the answer is returned as it came (for answers that are not JSON)."""
    return request("POST", url, payload=payload, **kwargs)
