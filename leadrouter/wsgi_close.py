"""Closing the connection after an answer that left the request body unread.

An intake door refuses an oversized body (413) without reading it to its end and marks the
answer `Connection: close` (`intake.doors.close_connection`), so the unread rest is never taken
for the next request on a kept-alive connection. PEP 3333 leaves Connection to the server, and
servers treat an application's header differently:

- gunicorn drops it and decides keep-alive itself; its `start_response` is a method of its
  response object, whose `force_close()` is what its workers call to close after an answer
  (it then sends `Connection: close` itself);
- wsgiref (Django's runserver) refuses hop-by-hop headers with an AssertionError; it reads
  the declared rest of the body itself;
- others (waitress, uWSGI) close when the application's answer says so.
"""

from wsgiref.handlers import BaseHandler


class CloseConnection:
    """WSGI middleware: an answer marked `Connection: close` closes the connection."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            if any(n.lower() == "connection" and v.lower() == "close" for n, v in headers):
                server_response = getattr(start_response, "__self__", None)
                force_close = getattr(server_response, "force_close", None)
                if callable(force_close) or isinstance(server_response, BaseHandler):
                    headers = [(n, v) for n, v in headers if n.lower() != "connection"]
                if callable(force_close):
                    force_close()
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        return self.application(environ, start)
