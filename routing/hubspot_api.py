"""The few HubSpot CRM endpoints the sync calls, on the project's HTTP client
(`leadrouter.http_client`: no redirects, private addresses refused, timeouts, size cap).

Every call raises `HubSpotError` saying whether trying again can help: a 429 (with HubSpot's
`Retry-After` when it sends one), a 5xx, a timeout or a network error can; anything else
cannot until a person fixes it (a 401 names the token). https://developers.hubspot.com/docs/api/crm
"""

import json
import re
from typing import Any

from django.conf import settings

from leadrouter import http_client

# Note → contact, one of HubSpot's defined association types.
NOTE_TO_CONTACT = 202
_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")
OWNERS_PAGE = 100


class HubSpotError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class ContactExists(HubSpotError):
    """A create answered 409: the contact exists, and HubSpot's message names its id."""

    def __init__(self, message: str, contact_id: str):
        super().__init__(message, status=409)
        self.contact_id = contact_id


def _retry_after(text: str) -> float | None:
    try:
        seconds = float(text)
    except ValueError:
        return None  # an HTTP date, or none: the schedule's own delay
    return min(max(seconds, 0.0), 3600.0)


def _message(body: bytes) -> str:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return body[:300].decode("utf-8", "replace")
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"][:300]
    return str(data)[:300]


def call(method: str, path: str, *, token: str, payload: Any = None) -> dict:
    """One call to HubSpot's API; the decoded JSON answer (empty for a 204)."""
    where = f"HubSpot {method} {path.split('?')[0]}"
    content = json.dumps(payload).encode() if payload is not None else None
    try:
        answer = http_client.exchange(
            method,
            settings.HUBSPOT_API_BASE.rstrip("/") + path,
            content=content,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
    except http_client.HttpError as exc:
        raise HubSpotError(str(exc), retryable=exc.retryable) from None
    status = answer.status
    if 200 <= status < 300:
        if not answer.body.strip():
            return {}
        try:
            data = json.loads(answer.body)
        except ValueError:
            raise HubSpotError(f"{where} answered something that is not JSON") from None
        return data if isinstance(data, dict) else {"results": data}
    message = _message(answer.body)
    if status == 409 and (found := _EXISTING_ID.search(message)):
        raise ContactExists(f"{where} answered 409: {message}", found.group(1))
    if status == 429:
        raise HubSpotError(
            f"{where} answered 429 (rate limit): {message}",
            status=status,
            retryable=True,
            retry_after=_retry_after(answer.retry_after),
        )
    if status == 401:
        message = "the private app's token is missing, wrong or revoked; save a new one"
    elif status == 403:
        message = f"the private app lacks a scope this needs ({message})"
    elif 300 <= status < 400:
        message = "a redirect, which outbound calls do not follow"
    # 401 and 403 are retried too: once a person fixes the token or scopes, the change goes.
    return_retryable = status >= 500 or status in (401, 403)
    raise HubSpotError(
        f"{where} answered {status}: {message}", status=status, retryable=return_retryable
    )


def contact_search(*, token: str, prop: str, value: str) -> str | None:
    """The id of a contact whose `prop` (email, phone) equals `value`, or None."""
    data = call(
        "POST",
        "/crm/v3/objects/contacts/search",
        token=token,
        payload={
            "filterGroups": [
                {"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}
            ],
            "properties": ["email", "phone"],
            "limit": 1,
        },
    )
    results = data.get("results") or []
    return str(results[0]["id"]) if results else None


def contact_create(*, token: str, properties: dict[str, str]) -> str:
    """Create a contact; its id. ContactExists when HubSpot has one with that e-mail."""
    return str(
        call("POST", "/crm/v3/objects/contacts", token=token, payload={"properties": properties})[
            "id"
        ]
    )


def contact_update(*, token: str, contact_id: str, properties: dict[str, str]) -> None:
    call(
        "PATCH",
        f"/crm/v3/objects/contacts/{contact_id}",
        token=token,
        payload={"properties": properties},
    )


def note_create(*, token: str, contact_id: str, body: str, timestamp: str) -> str:
    """Write a note on the contact's timeline; its id."""
    data = call(
        "POST",
        "/crm/v3/objects/notes",
        token=token,
        payload={
            "properties": {"hs_timestamp": timestamp, "hs_note_body": body},
            "associations": [
                {
                    "to": {"id": contact_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_CONTACT,
                        }
                    ],
                }
            ],
        },
    )
    return str(data["id"])


def owners_list(*, token: str) -> list[dict]:
    """Every owner of the portal (active and archived), page by page."""
    owners: list[dict] = []
    for archived in ("false", "true"):
        after = ""
        while True:
            query = f"?limit={OWNERS_PAGE}&archived={archived}" + (
                f"&after={after}" if after else ""
            )
            data = call("GET", f"/crm/v3/owners/{query}", token=token)
            owners += [
                {**owner, "archived": archived == "true"} for owner in data.get("results") or []
            ]
            after = ((data.get("paging") or {}).get("next") or {}).get("after") or ""
            if not after:
                break
    return owners


def deal_get(*, token: str, deal_id: str) -> dict[str, str]:
    """A deal's stage, amount and lost reason."""
    data = call(
        "GET",
        f"/crm/v3/objects/deals/{deal_id}?properties=dealstage,amount,closed_lost_reason,dealname",
        token=token,
    )
    return {
        key: value for key, value in (data.get("properties") or {}).items() if value is not None
    }


def associated_ids(*, token: str, from_type: str, object_id: str, to_type: str) -> list[str]:
    """The ids of the `to_type` objects associated with one object (v4 associations)."""
    data = call(
        "GET", f"/crm/v4/objects/{from_type}/{object_id}/associations/{to_type}", token=token
    )
    return [str(item["toObjectId"]) for item in data.get("results") or [] if "toObjectId" in item]
