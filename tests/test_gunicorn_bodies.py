"""Request bodies under a real gunicorn: chunked leads are read, oversized bodies close.

gunicorn is started on a free port of 127.0.0.1 on the test database (threads, so connections
are kept alive as in production), and requests are written on raw sockets, so the bytes on the
wire are exactly the ones a vendor's HTTP client sends.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from intake import services
from intake.models import Submission

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 1_048_576  # the default INTAKE_MAX_BODY_BYTES
LEAD = json.dumps({"full_name": "Ann Lee", "email": "ann.lee@acme-roofing.com"}).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_env() -> dict[str, str]:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": settings["NAME"]}
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{settings['NAME']}"}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """One gunicorn for the module (it takes seconds to start), on the test database."""
    port = _free_port()
    with django_db_blocker.unblock():
        database = _database_env()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH", "INTAKE_MAX_BODY_BYTES")
    }
    env.update(database, DJANGO_SETTINGS_MODULE="leadrouter.settings")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "leadrouter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def key() -> str:
    _, raw_key = services.source_create(name="Chunked vendor")
    return raw_key


def _head(key: str, extra: str) -> bytes:
    return (
        "POST /api/v1/leads/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\n"
        f"{extra}\r\n"
    ).encode()


def _chunked(body: bytes, size: int = 16_384) -> bytes:
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length (every answer of these doors has one)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full response: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", 0))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_chunked_lead_is_created_with_its_bytes_stored(server, key):
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.sendall(_head(key, "Transfer-Encoding: chunked\r\n") + _chunked(LEAD, size=7))
        status, _, body = _read_response(sock)

    assert status == 201, body[:300]
    submission = Submission.objects.get()
    assert bytes(submission.body) == LEAD
    assert submission.status == Submission.Status.PROCESSED


def test_a_3_mb_chunked_body_is_413_and_the_connection_closed(server, key):
    body = b'{"message": "' + b"x" * (3 * LIMIT) + b'"}'
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.sendall(_head(key, "Transfer-Encoding: chunked\r\n"))
        # Send about 1.1 MB, which is past the limit, and read the answer before the rest:
        # the server refuses as soon as it counts one byte too many.
        wire = _chunked(body)
        sock.sendall(wire[: LIMIT + 100_000])
        status, headers, answer = _read_response(sock)

        assert status == 413, answer[:300]
        assert headers["connection"] == "close"
        assert "1048576 bytes" in json.loads(answer)["errors"]["detail"][0]
        assert _closed_by_server(sock)
    assert not Submission.objects.exists()


def test_a_kept_alive_connection_after_a_declared_oversized_body_is_not_corrupted(server, key):
    big = b"{" + b" " * (2 * LIMIT) + b"}"
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        # The oversized body is sent in full after its headers, as most clients do; the next
        # request follows on the same connection. Its bytes must never be read as a request.
        smuggled = _head(key, f"Content-Length: {len(LEAD)}\r\n") + LEAD
        big_with_request = big[: -len(smuggled)] + smuggled
        sock.sendall(_head(key, f"Content-Length: {len(big)}\r\n"))
        first_status, first_headers, _ = _read_response(sock)
        try:
            sock.sendall(big_with_request)
            sock.sendall(_head(key, f"Content-Length: {len(LEAD)}\r\n") + LEAD)
            second = _read_response(sock)
        except (ConnectionError, BrokenPipeError):
            second = None  # closed, as the 413 said: the client opens a new connection

    assert first_status == 413
    assert first_headers["connection"] == "close"
    # Either the server closed the connection, or it served the real second request; the
    # request hidden at the end of the refused body was never run.
    assert second is None or second[0] == 201
    assert Submission.objects.count() == (0 if second is None else 1)


def test_a_broken_chunked_body_is_400_and_the_connection_closed(server, key):
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.sendall(_head(key, "Transfer-Encoding: chunked\r\n") + b'5\r\n{"a":\r\nzz\r\n')
        status, headers, answer = _read_response(sock)

        assert status == 400, answer[:300]
        assert headers["connection"] == "close"
        assert "body" in json.loads(answer)["errors"]
        assert _closed_by_server(sock)
    assert not Submission.objects.exists()
