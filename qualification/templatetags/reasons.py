"""``{{ qualification.reasons|plain_reasons }}`` and ``{{ value|percent }}`` on the pages."""

from django import template

from qualification import reasons

register = template.Library()

register.filter("plain_reasons", reasons.plain_reasons)
register.filter("percent", reasons.percent)
