"""One path, one view per HTTP method.

A DRF view is one operation with its own authentication, permission, throttle and schema; a
collection is two operations on one path (`GET /api/v1/leads/` lists, `POST` submits). `by_method`
serves such a path with one view per method, and `split_by_method`, a drf-spectacular
preprocessing hook (settings), documents each method from its own view.
"""

from typing import Any

from rest_framework.views import APIView


def by_method(**views: type[APIView]):
    """The view function of a path that hands each request to the view of its method.

    HEAD goes to GET's view. Any other method (OPTIONS, or one the path does not serve, which
    is a 405) goes to the first view given. Every answer's `Allow` names all of the path's
    methods, as one view with every handler would.
    """
    handlers = {method.upper(): view.as_view() for method, view in views.items()}
    first = next(iter(handlers.values()))
    served = {*handlers, "OPTIONS", *(["HEAD"] if "GET" in handlers else [])}
    allow = ", ".join(m.upper() for m in APIView.http_method_names if m.upper() in served)

    def view(request, *args, **kwargs):
        method = "GET" if request.method == "HEAD" and "GET" in handlers else request.method
        response = handlers.get(method, first)(request, *args, **kwargs)
        response["Allow"] = allow
        return response

    # Attributes Django and drf-spectacular read from a view function.
    dispatcher: Any = view
    # Each view checks CSRF itself for session users, as DRF's as_view() leaves it to them.
    dispatcher.csrf_exempt = True
    # drf-spectacular lists only DRF views: it finds the path through the first view's class,
    # then `split_by_method` documents every method from its own view.
    dispatcher.cls = first.cls
    dispatcher.initkwargs = {}
    dispatcher.views_by_method = handlers
    return dispatcher


def split_by_method(endpoints):
    """drf-spectacular preprocessing hook: a `by_method` path as one endpoint per method, each
    documented by its own view."""
    split, done = [], set()
    for path, path_regex, method, callback in endpoints:
        handlers = getattr(callback, "views_by_method", None)
        if handlers is None:
            split.append((path, path_regex, method, callback))
        elif path not in done:
            done.add(path)
            split.extend((path, path_regex, m, handler) for m, handler in handlers.items())
    return split
