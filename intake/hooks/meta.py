"""Meta (Facebook and Instagram) Lead Ads.

1. Subscription check: Meta GETs the URL with hub.mode=subscribe, hub.verify_token and
   hub.challenge; we echo the challenge when the token is the source's verify token.
2. Notifications: `leadgen` changes carry ids only, signed with X-Hub-Signature-256 (hex
   HMAC-SHA256 of the raw body with the app secret). We answer at once and queue one fetch
   per lead id (`intake.services.vendor_fetch`).
3. The fetch GETs the lead from the Graph API (`field_data[]` of {name, values[]}) with the
   source's page access token; the answer is stored raw as its own submission and parsed here.
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving
"""

import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from intake import services
from intake.adapters import Parsed
from intake.hooks.base import (
    DeferredHook,
    HookRejected,
    first_text,
    json_for_verification,
    json_ids,
    parse_errors,
    require_secrets,
    secret_matches,
    signature_matches,
    stored_json,
)
from intake.models import Channel, Source, Submission
from leadrouter.http_client import HttpError, get_json

GRAPH_FIELDS = (
    "id,created_time,ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name,form_id,"
    "field_data,is_organic,platform,partner_name,custom_disclaimer_responses"
)
# Meta's standard question names (and common custom ones) -> lead fields.
QUESTION_FIELDS = {
    "full_name": "full_name",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "work_email": "email",
    "phone_number": "phone",
    "phone": "phone",
    "mobile_number": "phone",
    "work_phone_number": "phone",
    "zip_code": "postal_code",
    "zip": "postal_code",
    "post_code": "postal_code",
    "postal_code": "postal_code",
    "city": "city",
    "state": "state",
    "province": "state",
    "country": "country",
    "company_name": "company",
    "company": "company",
}
# Meta's Lead Ads Testing Tool fills every answer with "<test lead: dummy data for …>".
TEST_VALUE = re.compile(r"^\s*<test lead", re.IGNORECASE)


def _question_key(name: str) -> str:
    # "phone_number_(eg.65xxxxxxxx)" -> "phone_number"; "Zip Code" -> "zip_code".
    without_hints = re.sub(r"\(.*?\)", "", name)
    return re.sub(r"[^a-z0-9]+", "_", without_hints.lower()).strip("_")


class MetaHook(DeferredHook):
    name = "meta"
    label = "Meta Lead Ads"
    channel = Channel.VENDOR
    signing_help = (
        "the Meta app secret (signs notifications); also set the verify token and a page "
        "access token with leads_retrieval"
    )

    def handshake(self, request, source):
        mode = request.GET.get("hub.mode", "")
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if (
            mode == "subscribe"
            and source.verify_token
            and secret_matches([source.verify_token], token)
        ):
            return HttpResponse(challenge, content_type="text/plain")
        return JsonResponse(
            {"errors": {"hub.verify_token": ["does not match this source's verify token"]}},
            status=403,
        )

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        header = request.headers.get("X-Hub-Signature-256", "")
        if not header.startswith("sha256="):
            raise HookRejected("X-Hub-Signature-256 is missing or not sha256=<hex>")
        if not signature_matches(secrets, body, header.removeprefix("sha256=")):
            raise HookRejected("X-Hub-Signature-256 does not match the body and app secret")

    def defer(self, submission: Submission) -> HttpResponse:
        data = json_for_verification(bytes(submission.body))
        leads = list(_leadgen_changes(data))
        if not leads:
            services.submission_mark_invalid(
                submission=submission,
                errors={"entry": ["has no leadgen change: nothing to fetch"]},
            )
            # Meta would retry anything but 200 for hours; there is nothing to retry.
            return JsonResponse({"ok": True, "submission": submission.pk, "leads": 0})
        fetches = services.vendor_fetches_create(notification=submission, leads=leads)
        services.submission_mark_deferred(
            submission=submission,
            detail=f"{len(leads)} lead(s) named, {len(fetches)} new fetch(es) queued",
        )
        return JsonResponse({"ok": True, "submission": submission.pk, "leads": len(leads)})

    def fetch_lead(self, source: Source, vendor_lead_id: str) -> bytes:
        """The Graph API's lead object, as the raw bytes to store."""
        if not source.access_token:
            raise HttpError("this source has no page access token to fetch leads with")
        if not vendor_lead_id.isdigit():
            raise HttpError(f"{vendor_lead_id[:50]!r} is not a Meta lead id")
        data = get_json(
            f"{settings.META_GRAPH_BASE_URL.rstrip('/')}/{vendor_lead_id}",
            params={"fields": GRAPH_FIELDS},
            headers={"Authorization": f"Bearer {source.access_token}"},
        )
        if not isinstance(data, dict) or "field_data" not in data:
            raise HttpError(f"the Graph API answered without field_data: {str(data)[:200]}")
        return json.dumps(data).encode()

    def parse(self, submission) -> Parsed:
        if not submission.options.get("fetched"):
            raise parse_errors(
                body="a Meta notification carries only lead ids; each lead is fetched and "
                "processed as its own submission"
            )
        return _graph_lead_fields(stored_json(submission), submission.options.get("context", {}))


def _leadgen_changes(data: dict[str, Any]):
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise HookRejected("entry must be a list of page entries", status=400, field="entry")
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict) or change.get("field") != "leadgen":
                continue
            value = value if isinstance(value := change.get("value"), dict) else {}
            leadgen_id = first_text(value.get("leadgen_id"))
            if leadgen_id:
                context = json_ids(
                    value, "page_id", "form_id", "ad_id", "adgroup_id", "created_time"
                )
                yield leadgen_id, context


def _graph_lead_fields(data: dict[str, Any], context: dict[str, str]) -> Parsed:
    answers = data.get("field_data")
    if not isinstance(answers, list):
        raise parse_errors(field_data="must be a list of {name, values} answers")
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    is_test = False
    for index, answer in enumerate(answers):
        if not isinstance(answer, dict) or not isinstance(answer.get("name"), str):
            raise parse_errors(**{f"field_data[{index}]": "must be an object with a name"})
        values = answer.get("values")
        values = values if isinstance(values, list) else [values]
        text = ", ".join(first_text(value) for value in values if value not in (None, ""))
        is_test = is_test or bool(TEST_VALUE.match(text))
        key = _question_key(answer["name"])
        target = QUESTION_FIELDS.get(key) or ("phone" if key.startswith("phone") else None)
        if target and not fields.get(target):
            fields[target] = text
        else:
            attributes[answer["name"]] = text
    lead_id = first_text(data.get("id"))
    if not lead_id:
        raise parse_errors(id="is required: Meta's id of the lead")
    ids = json_ids(
        data,
        "ad_id",
        "ad_name",
        "adset_id",
        "adset_name",
        "campaign_id",
        "campaign_name",
        "form_id",
        "platform",
        "created_time",
        "partner_name",
    )
    organic = data.get("is_organic") is True or context.get("ad_id") == "0"
    fields.update(
        external_id=lead_id,
        is_test=is_test,
        utm_source="instagram" if ids.get("platform") == "ig" else "facebook",
        utm_medium="organic" if organic else "paid",
        utm_campaign=ids.get("campaign_name") or ids.get("campaign_id", ""),
    )
    attributes.update({f"meta_{key}": value for key, value in {**context, **ids}.items()})
    fields["attributes"] = attributes
    return fields


ADAPTER = MetaHook()
