"""The one small HTTP client for outbound calls: vendors (Meta's Graph API), Slack-compatible
webhooks, the optional LLM.

Built on httpx with one pooled client per process (thread-safe), explicit timeouts, JSON in and
out, and errors that say whether retrying can help. Three rules keep credentials where they
belong:

1. **Redirects are never followed.** A 3xx is a permanent error naming the status only: a
   redirect would otherwise carry the `Authorization` header (a Meta page token, an LLM key) or
   the body to whatever host the answer names.
2. **Only public addresses are called**, unless the deployer allows more
   (`OUTBOUND_ALLOWED_HOSTS`, `OUTBOUND_ALLOW_PRIVATE_NETWORKS`): a URL someone typed in the admin
   must not reach the cloud metadata service (169.254.169.254), the database or anything else
   on the private network. The check runs at connect time on the address actually connected
   to (the name is resolved once, each address checked, and the socket opened to that checked
   address while TLS and the Host header keep the name), so DNS cannot answer "public" to a
   check and "private" to the connection.
3. Credentials travel in headers, never in URLs, and error messages name the method, host and
   path but never the query string or user info, so they stay out of logs and of the error
   text stored in the admin.
"""

import ipaddress
import json
import os
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

USER_AGENT = "LeadRouter/1 (+https://github.com/leadrouter)"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
# One process talks to a handful of hosts (Meta, Slack, one LLM): a small pool is plenty, and an
# idle connection is dropped before most servers would drop it themselves.
POOL_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30)
ALLOW_SETTINGS_HINT = (
    "outbound calls go only to public addresses unless the deployer allows this host with "
    "OUTBOUND_ALLOWED_HOSTS={host} (or every private address with "
    "OUTBOUND_ALLOW_PRIVATE_NETWORKS=true)"
)


class HttpError(Exception):
    """A call that failed; `retryable` when a later attempt may succeed (timeouts, network
    errors, 429 and 5xx), not for 4xx or 3xx answers, or refused addresses, that will not
    change."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class DestinationNotAllowed(HttpError):
    """The URL's host is (or resolves to) an address outbound calls may not reach."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


# --- which addresses may be called ----------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The IPv4 address an IPv6 one wraps (::ffff:127.0.0.1, 6to4, Teredo), which is the host
    it reaches; None for any other address."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
    return None


def _address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not public ("a loopback address", …), or None when it is."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _address_kind(embedded)
    for attribute, kind in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(address, attribute):
            return kind
    if not address.is_global:  # 100.64.0.0/10 (carrier-grade NAT) and the like
        return "a non-public address"
    return None


def _allowed_by_setting(
    host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool
) -> bool:
    if allow_private or settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS:
        return True
    addresses = [address, _embedded_ipv4(address) or address]
    for entry in settings.OUTBOUND_ALLOWED_HOSTS:
        entry = entry.strip().strip("[]").lower()
        if not entry:
            continue
        if entry == host.strip("[]").lower():
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue  # a host name that is not this one
        if any(candidate in network for candidate in addresses):
            return True
    return False


def _refusal(host: str, address, kind: str) -> DestinationNotAllowed:
    shown = host if host.strip("[]") == str(address) else f"{host} resolves to {address}, which"
    return DestinationNotAllowed(
        f"refused: {shown} is {kind}; " + ALLOW_SETTINGS_HINT.format(host=host.strip("[]"))
    )


def _check_address(host: str, address_text: str, allow_private: bool = False) -> None:
    """Raise DestinationNotAllowed unless `address_text` (what `host` resolved to) may be
    called. `allow_private`: the caller's own setting allows every private address (outbound
    webhooks' WEBHOOKS_ALLOW_PRIVATE_TARGETS)."""
    address = ipaddress.ip_address(address_text.split("%")[0])  # drop an IPv6 zone id
    kind = _address_kind(address)
    if kind is not None and not _allowed_by_setting(host, address, allow_private):
        raise _refusal(host, address, kind)


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[tuple[int, str]]:
    """(family, address) for every address `host` resolves to, in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[tuple[int, str]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if (family, address) not in seen:
            seen.append((family, address))
    return seen


def _callable_addresses(
    host: str, port: int, allow_private: bool = False
) -> tuple[list[str], DestinationNotAllowed | None]:
    """The addresses `host` resolves to that may be called, in the resolver's order, and the
    first refusal among the others (None when none was refused). Raises what the resolver
    raises when the name does not resolve."""
    allowed: list[str] = []
    refusal = None
    for _family, address in _resolve(host, port):
        try:
            _check_address(host, address, allow_private)
        except DestinationNotAllowed as exc:
            refusal = refusal or exc
            continue
        allowed.append(address)
    return allowed, refusal


class _CheckedNetworkBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, but every TCP connection goes to a checked address.

    httpcore hands us the URL's host name; TLS (SNI and certificate checks) and the Host header
    still use that name, because only the TCP socket is opened here."""

    def __init__(self, allow_private: bool) -> None:
        self._sockets = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses, refusal = _callable_addresses(host, port, self._allow_private)
        except OSError as exc:  # socket.gaierror: the name does not resolve (now)
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from None
        last_error: Exception | None = None
        # Connect only to allowed addresses; refuse when none is.
        for address in addresses:
            try:
                return self._sockets.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc  # try the host's next address, as socket.create_connection does
        if last_error is not None:
            raise last_error
        raise refusal or httpcore.ConnectError(f"{host} resolves to no address")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("outbound calls use TCP only")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose sockets open through the checked
    backend."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False, limits=POOL_LIMITS)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=POOL_LIMITS.max_connections,
            max_keepalive_connections=POOL_LIMITS.max_keepalive_connections,
            keepalive_expiry=POOL_LIMITS.keepalive_expiry,
            network_backend=_CheckedNetworkBackend(allow_private),
        )


# The process's clients: one for calls the OUTBOUND_* settings judge, one for calls whose
# caller allows private addresses (its pooled connections must never serve the other).
_clients: dict[bool, httpx.Client] = {}
_client_pid: int | None = None
_client_lock = threading.Lock()


def _get_client(allow_private: bool = False) -> httpx.Client:
    """The process's client; a forked worker (gunicorn, django-q2) builds its own rather
    than share its parent's sockets."""
    global _client_pid
    pid = os.getpid()
    client = _clients.get(allow_private) if _client_pid == pid else None
    if client is None:
        with _client_lock:
            if _client_pid != pid:
                _clients.clear()
                _client_pid = pid
            client = _clients.get(allow_private)
            if client is None:
                client = _clients[allow_private] = httpx.Client(
                    transport=_CheckedTransport(allow_private),
                    # No proxy, .netrc or certificate paths from the environment: what is sent
                    # where must not depend on variables nobody reviewed.
                    trust_env=False,
                    follow_redirects=False,
                    timeout=_timeout(None),
                    headers={"User-Agent": USER_AGENT},
                )
    return client


def _timeout(seconds: float | None) -> httpx.Timeout:
    seconds = settings.VENDOR_HTTP_TIMEOUT if seconds is None else seconds
    # Each phase (connect, each read, each write, waiting for a pooled connection) gets it.
    return httpx.Timeout(connect=seconds, read=seconds, write=seconds, pool=seconds)


def describe(url: str) -> str:
    """The URL as errors may show it: scheme, host, port and path; no user info, no query."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "an invalid URL"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


# --- validation of URLs people type ---------------------------------------------------------


def destination_check(url: str, *, allow_private: bool = False) -> None:
    """Raise DestinationNotAllowed (or HttpError for a malformed URL) when `url` is not an
    http(s) URL whose host may be called. For validating typed URLs: a host name that does not
    resolve now passes (it is checked again when the call connects)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise HttpError("not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise HttpError("only http:// and https:// URLs can be called")
    host = parts.hostname
    if not host:
        raise HttpError("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise HttpError("the URL's port is not a number from 0 to 65535") from None
    literal = _literal_address(host)
    if literal is not None:
        _check_address(host, literal, allow_private)
        return
    try:
        addresses, refusal = _callable_addresses(host, port, allow_private)
    except (OSError, UnicodeError):
        return
    if refusal is not None and not addresses:
        raise refusal


def validate_outbound_url(url: str) -> None:
    """Django validator for URL fields that LeadRouter will call (webhooks typed in the admin):
    http or https, and a host outbound calls may reach."""
    if not url:
        return
    try:
        destination_check(url)
    except HttpError as exc:
        message = str(exc)
        if message.startswith("refused: "):
            message = message[len("refused: ") :]
        raise ValidationError(
            f"LeadRouter will not call this URL: {message}.", code="outbound"
        ) from None


# --- calls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a server answered: its status and at most the first `max_bytes` of its body."""

    status: int
    body: bytes
    truncated: bool
    # Only what a caller judges the answer by (a 429's `Retry-After`), not every header.
    retry_after: str = ""


def exchange(
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    allow_private: bool = False,
) -> Answer:
    """Send one request and return whatever status came back, redirects included (never
    followed), with the body cut at `max_bytes` (the connection is then dropped, not read to
    its end). Raise HttpError when no answer came (timeouts and network errors: retryable),
    for a malformed URL, and DestinationNotAllowed for an address outbound calls may not
    reach. `max_bytes`: MAX_RESPONSE_BYTES unless given; `allow_private`: the caller's own
    setting allows every private address. For callers that judge the status themselves
    (outbound webhooks)."""
    if not url.startswith(("http://", "https://")):
        raise HttpError(f"refusing a non-HTTP URL: {describe(url)[:100]}")
    where = f"{method} {describe(url)}"
    try:
        host = urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        raise HttpError(f"{where}: not a valid URL") from None
    literal = _literal_address(host)
    if literal is not None:
        # An address typed as such is judged before any pooled connection could be reused.
        try:
            _check_address(host, literal, allow_private)
        except DestinationNotAllowed as exc:
            raise DestinationNotAllowed(f"{where} {exc}") from None
    seconds = settings.VENDOR_HTTP_TIMEOUT if timeout is None else timeout
    limit = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    try:
        with _get_client(allow_private).stream(
            method, url, content=content, headers=headers, timeout=_timeout(seconds)
        ) as response:
            body = _read_limited(response, limit + 1)
            return Answer(
                response.status_code,
                body[:limit],
                len(body) > limit,
                response.headers.get("Retry-After", "")[:100],
            )
    except DestinationNotAllowed as exc:
        raise DestinationNotAllowed(f"{where} {exc}") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError):
        raise HttpError(f"{where}: not a valid URL") from None
    except httpx.TimeoutException:
        raise HttpError(f"{where} timed out after {seconds} s", retryable=True) from None
    except httpx.TransportError as exc:
        raise HttpError(f"{where} failed: {exc}", retryable=True) from None


def request(
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    payload: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> bytes:
    """Send one request (a JSON body when `payload` is given, an urlencoded one for `form`:
    Twilio's API takes forms) and return the raw answer, or raise HttpError. For services that
    answer something else than JSON (Slack answers "ok")."""
    if params:
        url = str(httpx.URL(url, params=params))
    where = f"{method} {describe(url)}"
    all_headers = {"Accept": "application/json", **(headers or {})}
    content = None
    if payload is not None:
        content = json.dumps(payload).encode()
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        content = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    answer = exchange(method, url, content=content, headers=all_headers, timeout=timeout)
    status = answer.status
    if 300 <= status < 400:
        # Its Location is not shown: it may carry a token in its query string.
        raise HttpError(
            f"{where} answered {status}, a redirect; outbound calls do not follow "
            "redirects (so a credential never reaches another host): use the address "
            "it redirects to",
            status=status,
        )
    if status >= 400:
        detail = answer.body[:2000].decode("utf-8", "replace")
        raise HttpError(
            f"{where} answered {status}: {detail[:500]}",
            status=status,
            retryable=status == 429 or status >= 500,
        )
    if answer.truncated:
        raise HttpError(f"{where} answered more than {MAX_RESPONSE_BYTES} bytes")
    return answer.body


def _read_limited(response: httpx.Response, limit: int) -> bytes:
    """At most `limit` bytes of the (decoded) body: a huge or endless answer is cut, not held."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def request_json(method: str, url: str, **kwargs) -> Any:
    """Send one request and return the decoded JSON answer, or raise HttpError."""
    body = request(method, url, **kwargs)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HttpError(
            f"{method} {describe(url)} answered something that is not JSON: {body[:200]!r}"
        ) from None


def get_json(url: str, **kwargs) -> Any:
    return request_json("GET", url, **kwargs)


def post_json(url: str, payload: Any, **kwargs) -> Any:
    return request_json("POST", url, payload=payload, **kwargs)


def post(url: str, payload: Any, **kwargs) -> bytes:
    """POST a JSON body; the answer is returned as it came (for answers that are not JSON)."""
    return request("POST", url, payload=payload, **kwargs)
