"""Times on pages, in the zone active for the request (the viewer's: see
`routing.middleware.ViewerTimeZoneMiddleware`) and named: "Mon 30 Nov 2026, 14:05 CST"."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()

# Day, date and time, then the zone's abbreviation (CST, PDT; "+03" where a zone has none).
LOCAL_TIME_FORMAT = "D j M Y, H:i T"


@register.filter
def local_time(value: datetime | None) -> str:
    """An instant as a `<time>` element: its words in the active zone, named, and its UTC
    instant in `datetime` for scripts and tests."""
    if not value:
        return "—"
    return format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(UTC).isoformat(timespec="seconds"),
        date_format(timezone.localtime(value), LOCAL_TIME_FORMAT),
    )
