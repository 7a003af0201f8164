"""Google Ads lead form asset webhook.

Google posts one JSON lead: `user_column_data[]` of {column_id, column_name, string_value},
ids as JSON numbers (int64), `is_test` for "Send test data", and `google_key`, the key the
advertiser typed into the form, which must equal the source's secret (a shared key, no HMAC).
https://developers.google.com/google-ads/webhook/docs/implementation
"""

from typing import Any

from django.http import JsonResponse

from intake.adapters import Parsed
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    first_text,
    json_for_verification,
    json_ids,
    parse_errors,
    require_secrets,
    secret_matches,
    stored_json,
)
from intake.models import Channel

# Google's column ids -> lead fields. Any other column (custom questions, SERVICE, …) is kept
# in attributes under its column name, so a field map can still place it.
COLUMN_FIELDS = {
    "FULL_NAME": "full_name",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "EMAIL": "email",
    "WORK_EMAIL": "email",
    "PHONE_NUMBER": "phone",
    "WORK_PHONE": "phone",
    "POSTAL_CODE": "postal_code",
    "ZIP_CODE": "postal_code",
    "REGION": "state",
    "CITY": "city",
    "COUNTRY": "country",
    "COMPANY_NAME": "company",
}


class GoogleAdsHook(HookAdapter):
    name = "google_ads"
    label = "Google Ads lead form"
    channel = Channel.VENDOR
    signing_help = "the Key (google_key) typed into the lead form's webhook integration"

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        data = json_for_verification(body)
        given = data.get("google_key")
        if not isinstance(given, str) or not secret_matches(secrets, given):
            raise HookRejected("google_key is missing or does not match this source's key")

    def delivery_id(self, submission) -> str:
        return first_text(stored_json(submission).get("lead_id"))

    def parse(self, submission) -> Parsed:
        data = stored_json(submission)
        columns = data.get("user_column_data")
        if not isinstance(columns, list):
            raise parse_errors(user_column_data="must be a list of answered columns")
        fields: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for index, column in enumerate(columns):
            if not isinstance(column, dict):
                raise parse_errors(**{f"user_column_data[{index}]": "must be an object"})
            column_id = first_text(column.get("column_id")).upper()
            label = first_text(column.get("column_name")) or column_id or f"column_{index}"
            value = column.get("string_value")
            target = COLUMN_FIELDS.get(column_id)
            if target and not fields.get(target):
                fields[target] = value
            else:
                attributes[label] = value
        lead_id = first_text(data.get("lead_id"))
        if not lead_id:
            raise parse_errors(lead_id="is required: Google's id of the lead")
        fields["external_id"] = lead_id
        fields["is_test"] = data.get("is_test") is True
        fields["utm_source"] = "google"
        fields["utm_medium"] = "paid"
        ids = json_ids(
            data,
            "campaign_id",
            "form_id",
            "adgroup_id",
            "creative_id",
            "asset_group_id",
            "gcl_id",
            "lead_stage",
            "lead_submit_time",
            "api_version",
        )
        if ids.get("campaign_id"):
            fields["utm_campaign"] = ids["campaign_id"]
        attributes.update({f"google_{key}": value for key, value in ids.items()})
        fields["attributes"] = attributes
        return fields

    def accepted(self, submission, lead_id, *, created):
        # Google only checks for a 200; the body is for people reading delivery logs.
        return JsonResponse({"ok": True, "submission": submission.pk, "lead": lead_id})


ADAPTER = GoogleAdsHook()
