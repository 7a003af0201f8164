"""The signed-in viewer's time zone on every page."""

from django.utils import timezone

from routing.selectors import user_time_zone

# The URL namespaces of the pages people read: the rep queue, the lead page, the board, the
# review pages and the reports. Not the API (it speaks UTC, whoever calls it, with a session or
# a key), nor the admin (its forms read and show the server's TIME_ZONE, as its help says).
PAGE_NAMESPACES = frozenset({"routing", "qualification", "reporting"})


class ViewerTimeZoneMiddleware:
    """Activate the viewer's zone for a page (`selectors.user_time_zone`: their rep profile's,
    else the first team they manage, else `TIME_ZONE`), so every time the page renders
    (`|local_time`, `|date`) is in it; kept on the request as `viewer_zone` for the views that
    name it or read a typed time in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, _view, _args, _kwargs) -> None:
        if request.resolver_match.namespace in PAGE_NAMESPACES:
            request.viewer_zone = user_time_zone(request.user)
            timezone.activate(request.viewer_zone)
