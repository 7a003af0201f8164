"""LeadRouter's own JSON lead shape at a webhook URL, for tools that can only be given a URL
and a header (the same fields as POST /api/v1/leads/, authenticated by the source key)."""

from intake.adapters import Parsed, parse_api
from intake.hooks.base import HookAdapter, HookRejected
from intake.models import Channel


class ApiHook(HookAdapter):
    name = "api"
    label = "LeadRouter JSON"
    channel = Channel.API
    signing_help = "not used: send the source's API key as Authorization: Bearer <key>"
    requires_secret = False

    def verify(self, request, body, source) -> None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not source.has_api_key(key.strip()):
            raise HookRejected("send this source's API key as Authorization: Bearer <key>")

    def parse(self, submission) -> Parsed:
        return parse_api(submission)


ADAPTER = ApiHook()
