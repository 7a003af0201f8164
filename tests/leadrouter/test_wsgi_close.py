"""`leadrouter.wsgi_close.CloseConnection`: an answer marked Connection: close closes the
connection on servers that do not take the header from the application."""

import io
from wsgiref.handlers import SimpleHandler

from leadrouter.wsgi_close import CloseConnection


def refusing_app(environ, start_response):
    start_response("413 Content Too Large", [("Content-Length", "2"), ("Connection", "close")])
    return [b"{}"]


def test_under_wsgiref_the_hop_by_hop_header_is_removed_instead_of_failing():
    # wsgiref (Django's runserver) asserts on any hop-by-hop header from the application.
    out = io.BytesIO()
    environ = {"REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1"}
    handler = SimpleHandler(io.BytesIO(), out, io.StringIO(), environ)

    handler.run(CloseConnection(refusing_app))

    assert out.getvalue().startswith(b"HTTP/1.0 413 Content Too Large")
    assert b"Connection" not in out.getvalue()


class GunicornLikeResponse:
    """What gunicorn hands the application: start_response bound to its response object."""

    def __init__(self):
        self.closed = False
        self.headers = None

    def force_close(self):
        self.closed = True

    def start_response(self, status, headers, exc_info=None):
        self.headers = headers


def test_under_gunicorn_the_server_is_asked_to_close():
    server = GunicornLikeResponse()

    CloseConnection(refusing_app)({}, server.start_response)

    assert server.closed
    assert ("Content-Length", "2") in server.headers


def test_other_answers_pass_through_untouched():
    server = GunicornLikeResponse()

    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "application/json")])
        return [b"{}"]

    CloseConnection(app)({}, server.start_response)

    assert not server.closed
    assert server.headers == [("Content-Type", "application/json")]
