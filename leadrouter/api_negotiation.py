"""Content negotiation for machine endpoints: JSON, whatever the Accept header says.

Vendors, form builders and scripts send all sorts of Accept headers (a browser's
`text/html,…`, `application/xml`, nonsense). The answer of an API call never depends on them:
a renderer the header names is used when the view has one (the schema's YAML or JSON), and
otherwise the view's first renderer answers, rather than a 406 after a lead was already stored.
The browsable API is not offered (see DEFAULT_RENDERER_CLASSES), so no HTML renderer can fail
on a view that has no parsers after its work was committed.
"""

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class FallbackToFirstRenderer(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type
