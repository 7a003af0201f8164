"""A real HTTP server on 127.0.0.1 for tests of outbound calls (no mocks of the client).

with FakeServer() as server:
    server.reply(200, {"id": "1"})          # queued answers, in order
    server.reply(500, {"error": "boom"})
    server.reply(200, {...}, delay=2.0)     # answer after 2 s (timeouts)
    server.reply(302, headers={"Location": "http://elsewhere/"})
    ... server.url ...; server.requests     # what the client sent
    server.connections                      # TCP connections accepted (it speaks HTTP/1.1)
"""

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Reply:
    status: int
    body: bytes
    delay: float = 0.0
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeServer:
    replies: list[_Reply] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    sockets: list[socket.socket] = field(default_factory=list)

    def reply(
        self,
        status: int,
        body=None,
        *,
        delay: float = 0.0,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ):
        payload = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        self.replies.append(_Reply(status, payload, delay, headers=headers or {}))

    @property
    def connections(self) -> int:
        return len(self.sockets)

    def __enter__(self) -> "FakeServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as real servers do: a client's connection pool can be observed.
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, the body would wait for the
            # client's delayed ACK (40 ms a call on a kept-alive connection).
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                fake.sockets.append(self.connection)

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.requests.append(
                    Recorded(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(length),
                    )
                )
                reply = (
                    fake.replies.pop(0)
                    if fake.replies
                    else _Reply(404, b'{"error": "no reply queued"}')
                )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll: shutting down waits for one poll, and many tests start a server.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        # Kept-alive connections end with the server, as when a real server goes away.
        for sock in self.sockets:
            with contextlib.suppress(OSError):  # the client closed it already
                sock.shutdown(socket.SHUT_RDWR)
