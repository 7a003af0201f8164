"""What every vendor door shares: verifying a delivery, reading it, and answering the vendor.

An adapter verifies a request the way its vendor signs it (`verify`), names the vendor's id of
the delivery (`delivery_id`), reads a stored submission into lead fields (`parse`, pure: it
only reads the stored bytes and headers, so reprocessing gives the same lead) and answers the
way the vendor expects. The view in `intake.hooks.views` runs them in that order, after the
raw request is stored.
"""

import base64
import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone

from intake.adapters import Parsed, decode_json_object, form_fields
from intake.fields import LeadFieldErrors
from intake.models import Channel, Source, Submission


class HookRejected(Exception):
    """The request is not from the vendor (bad or missing signature, stale timestamp), or is
    too broken to verify at all (status 400, field "body")."""

    def __init__(self, reason: str, *, status: int = 401, field: str = "signature"):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.field = field


def source_secrets(source: Source, now: datetime | None = None) -> list[str]:
    """The secrets a delivery may be signed with: the current one, and during a rotation the
    previous one until it expires."""
    now = now or timezone.now()
    secrets = [source.secret] if source.secret else []
    if (
        source.previous_secret
        and source.previous_secret_expires_at
        and source.previous_secret_expires_at > now
    ):
        secrets.append(source.previous_secret)
    return secrets


def require_secrets(source: Source) -> list[str]:
    secrets = source_secrets(source)
    if not secrets:
        raise HookRejected("this source has no vendor secret configured, so nothing can verify")
    return secrets


def hmac_digest(secret: str, message: bytes, algorithm: str) -> bytes:
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def signature_matches(
    secrets: Iterable[str],
    message: bytes,
    given: str,
    *,
    algorithm: str = "sha256",
    encoding: str = "hex",
) -> bool:
    """True when `given` is the HMAC of `message` under one of `secrets` (constant time)."""
    given = (given or "").strip()
    if not given:
        return False
    for secret in secrets:
        digest = hmac_digest(secret, message, algorithm)
        expected = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
        if hmac.compare_digest(expected.encode(), given.encode()):
            return True
    return False


def secret_matches(secrets: Iterable[str], given: str) -> bool:
    """A shared secret sent as is (Google Ads' google_key, Postmark's basic-auth password)."""
    given = given or ""
    return any(hmac.compare_digest(secret.encode(), given.encode()) for secret in secrets)


def check_fresh(timestamp: float | str | None, *, now: datetime | None = None) -> None:
    """Reject a signed timestamp (in seconds) older or further ahead than INTAKE_HOOK_MAX_AGE."""
    try:
        seconds = float(timestamp if timestamp is not None else "missing")
    except (TypeError, ValueError):
        raise HookRejected("the signed timestamp is missing or not a number") from None
    now = now or timezone.now()
    age = now.timestamp() - seconds
    limit = settings.INTAKE_HOOK_MAX_AGE_SECONDS
    if abs(age) > limit:
        raise HookRejected(
            f"the signed timestamp is {int(abs(age))} s {'old' if age > 0 else 'in the future'}; "
            f"deliveries are accepted within {limit} s"
        )


def stored_json(submission: Submission) -> dict[str, Any]:
    return decode_json_object(bytes(submission.body))


def json_for_verification(body: bytes) -> dict[str, Any]:
    """A JSON body whose credential is inside it; unreadable -> 400 naming the reason."""
    try:
        return decode_json_object(body)
    except LeadFieldErrors as exc:
        reasons = exc.errors.get("body") or ["is not a JSON object"]
        raise HookRejected(reasons[0], status=400, field="body") from None


def stored_form(submission: Submission) -> dict[str, Any]:
    """An urlencoded or multipart body as {name: value or [values]}."""
    return form_fields(submission)


def request_form(request: HttpRequest, body: bytes) -> QueryDict:
    """The urlencoded parameters of a request body (for signatures computed over them)."""
    try:
        return QueryDict(body.decode("utf-8"), encoding="utf-8")
    except UnicodeDecodeError:
        return QueryDict("")


def first_text(value: Any) -> str:
    """A vendor's value as text: the first of a list, '' for None; numbers keep every digit."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def json_ids(data: Mapping[str, Any], *names: str) -> dict[str, str]:
    """Vendor ids as strings (they arrive as JSON numbers past 2^53; Python keeps every digit)."""
    return {name: first_text(data[name]) for name in names if data.get(name) not in (None, "")}


class HookAdapter(ABC):
    """One vendor's door at POST /hooks/<name>/<source public id>/."""

    name: str = ""
    label: str = ""
    channel: str = Channel.VENDOR
    # What the source's secret is for this vendor, shown in the admin and README.
    signing_help: str = ""
    # False when deliveries are accepted without a secret (authenticated another way, or the
    # secret is optional): then a source without one is not "rejecting everything".
    requires_secret: bool = True

    @abstractmethod
    def verify(self, request: HttpRequest, body: bytes, source: Source) -> None:
        """Raise HookRejected unless the request is the vendor's, signed with a valid secret."""

    def delivery_id(self, submission: Submission) -> str:
        """The vendor's id of this delivery, '' when it has none or the body is unreadable."""
        return ""

    def carries_crm_events(self, submission: Submission) -> bool:
        """True when the delivery changes leads already known (a CRM's status events) rather
        than bringing a lead: it goes to `leadrouter.pipeline.process_crm_events`."""
        return False

    @abstractmethod
    def parse(self, submission: Submission) -> Parsed:
        """Lead fields (and vendor labels the source's field map may rename) from the stored
        body; raise LeadFieldErrors naming the field and reason when it cannot."""

    def handshake(self, request: HttpRequest, source: Source) -> HttpResponse:
        """A GET to the hook URL (only Meta's subscription check uses one)."""
        return JsonResponse({"errors": {"method": ["this hook accepts POST only"]}}, status=405)

    # --- answers ---------------------------------------------------------------------------
    def accepted(self, submission: Submission, lead_id: int | None, *, created: bool):
        return JsonResponse(
            {"ok": True, "submission": submission.pk, "lead": lead_id},
            status=201 if created else 200,
        )

    def rejected(self, exc: HookRejected) -> HttpResponse:
        return JsonResponse({"errors": {exc.field: [exc.reason]}}, status=exc.status)

    def invalid(self, submission: Submission, errors: dict[str, list[str]]) -> HttpResponse:
        return JsonResponse({"errors": errors, "submission": submission.pk}, status=400)


class DeferredHook(HookAdapter):
    """A vendor whose deliveries only name leads: `defer` answers instead of the pipeline
    running in the request, and each lead's data is fetched from the vendor later."""

    @abstractmethod
    def defer(self, submission: Submission) -> HttpResponse:
        """Queue a fetch for each lead the delivery names and answer the vendor."""

    @abstractmethod
    def fetch_lead(self, source: Source, vendor_lead_id: str) -> bytes:
        """The vendor's data for one lead, as the raw bytes to store."""


def parse_errors(**errors: str) -> LeadFieldErrors:
    return LeadFieldErrors({field: [reason] for field, reason in errors.items()})
