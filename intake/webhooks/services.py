"""Outbound webhooks: the outbox written with each change, and its delivery after commit.

Writing: a service that makes a change a receiver may care about calls
`webhook_event_record(event_type=, lead=, ...)` inside its own transaction. One row per
subscribed endpoint (`WebhookDelivery`) is inserted there, so it commits or rolls back with the
change; once it commits, `intake.tasks.webhooks_send_for_lead` is queued for the lead.

Sending: that task, and the sweep `intake.tasks.webhooks_sweep` every minute for anything a
lost queueing or a retry left, send each due delivery once it is first in line for its lead
and endpoint (a later event of the same lead waits while an earlier one is pending). A send is
claimed by a conditional update that pushes `next_attempt_at` past the send's longest possible
duration, so two workers never send one delivery at once, and a worker killed mid-send leaves
it due again once that lease runs out (delivery is at least once: receivers dedupe on
`webhook-id`).
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.expressions import NegatedExpression
from django.utils import timezone

from intake.models import Lead, Source, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from intake.webhooks import signing
from intake.webhooks.events import BODY_VERSION, EVENT_TYPES, retry_delay
from intake.webhooks.models import RESPONSE_EXCERPT_CHARS, message_id_new
from leadrouter import http_client, sql
from leadrouter.config_version import ConfigCache, config_changed, reload_on_change

logger = logging.getLogger(__name__)

WEBHOOKS_CONFIG = "webhooks"
SEND_TASK = "intake.tasks.webhooks_send_for_lead"
# A receiver's answer is read up to this size; the log keeps its first characters.
RESPONSE_READ_BYTES = 64 * 1024
SWEEP_LIMIT = 200
# A sweep starts no send after this long, to end before django-q2's task timeout (60 s)
# would kill it mid-send; what is left is due for the next minute's run.
SWEEP_SECONDS = 40


# --- endpoints ------------------------------------------------------------------------------


def endpoint_url_refusal(url: str) -> str | None:
    """Why LeadRouter will not send to `url` (not http(s), or a private or loopback address
    while WEBHOOKS_ALLOW_PRIVATE_TARGETS is off), or None."""
    try:
        http_client.destination_check(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)
    except http_client.HttpError as exc:
        message = str(exc).removeprefix("refused: ")
        if isinstance(exc, http_client.DestinationNotAllowed):
            message = message.split("; ")[0] + (
                "; webhooks go only to public addresses unless WEBHOOKS_ALLOW_PRIVATE_TARGETS=true"
            )
        return f"LeadRouter will not send webhooks to this URL: {message}."
    return None


def webhook_endpoint_create(
    *,
    url: str,
    events: list[str],
    team=None,
    source: Source | None = None,
    description: str = "",
    kind: str = WebhookEndpoint.Kind.WEBHOOK,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; return it with its secret (`whsec_…`), shown to the caller once.
    Raises ValidationError naming the field for a refused URL or an unknown event."""
    endpoint = WebhookEndpoint(
        kind=kind,
        url=url,
        events=list(events),
        team=team,
        source=source,
        description=description,
        secret=signing.secret_generate(),
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, endpoint.secret


def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, grace_hours: int | None = None
) -> str:
    """Give the endpoint a new secret and return it (shown once). As with the sources' vendor
    secrets, the previous one keeps signing for INTAKE_SECRET_ROTATION_HOURS: each delivery
    carries a signature with both (`v1,new v1,old`), so the receiver can switch over."""
    hours = settings.INTAKE_SECRET_ROTATION_HOURS if grace_hours is None else grace_hours
    endpoint.previous_secret = endpoint.secret if hours > 0 else ""
    endpoint.previous_secret_expires_at = (
        timezone.now() + timedelta(hours=hours) if hours > 0 else None
    )
    endpoint.secret = signing.secret_generate()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint.secret


def webhook_endpoint_set_state(
    *, endpoint: WebhookEndpoint, state: str, reason: str = "", now: datetime | None = None
) -> None:
    """Pause, disable or resume an endpoint. Resuming counts its failures from zero and makes
    its waiting deliveries due at once (the sweep sends them within a minute)."""
    now = now or timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            state=state,
            state_reason=reason[:500],
            state_changed_at=now,
            consecutive_failures=0
            if state == WebhookEndpoint.State.ACTIVE
            else F("consecutive_failures"),
        )
        if state == WebhookEndpoint.State.ACTIVE:
            endpoint.deliveries.filter(
                state=WebhookDelivery.State.PENDING, next_attempt_at__gt=now
            ).update(next_attempt_at=now)
        config_changed(WEBHOOKS_CONFIG)
    endpoint.refresh_from_db()


# --- writing the outbox ---------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    """An endpoint as the outbox writer reads it."""

    endpoint_id: int
    events: frozenset[str]
    team_id: int | None
    source_id: int | None
    active: bool


def _load_subscribers() -> tuple[Subscriber, ...]:
    # Paused endpoints keep receiving rows (sent once resumed); disabled ones do not.
    return tuple(
        Subscriber(
            endpoint.pk,
            frozenset(endpoint.events),
            endpoint.team_id,
            endpoint.source_id,
            endpoint.state == WebhookEndpoint.State.ACTIVE,
        )
        for endpoint in WebhookEndpoint.objects.exclude(state=WebhookEndpoint.State.DISABLED)
    )


_subscribers: ConfigCache[tuple[Subscriber, ...]] = ConfigCache(
    WEBHOOKS_CONFIG, lambda: _load_subscribers()
)


def reload_webhooks_on_change() -> None:
    """Connect the endpoints' signals (from `IntakeConfig.ready()`)."""
    reload_on_change(WEBHOOKS_CONFIG, models=[WebhookEndpoint])


def forget_webhook_endpoints() -> None:
    _subscribers.forget()


_DELIVERY_COLUMNS = (
    "endpoint_id",
    "lead_id",
    "event_type",
    "event_data",
    "occurred_at",
    "message_id",
    "state",
    "attempts",
    "next_attempt_at",
    "body",
)


def webhook_event_record(
    *,
    event_type: str,
    lead: Lead,
    data: dict | None = None,
    team_id: int | None = None,
    at: datetime | None = None,
) -> int:
    """Write the outbox rows of one event in the caller's transaction, one per endpoint
    subscribed to it (its team and source filters matching), and queue their sending once
    that transaction commits. Returns how many rows it wrote.

    `data` is what the event adds to the lead (its assignment, the statuses …), as the
    receiver will read it in `data`; `team_id` the team holding the lead, for team filters.
    Test leads and imported history send nothing. With no endpoint subscribed this costs one
    statement (the endpoints' configuration token)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not a webhook event type")
    if lead.is_test or lead.is_historical:
        return 0
    matching = [
        subscriber
        for subscriber in _subscribers.current()
        if event_type in subscriber.events
        and subscriber.source_id in (None, lead.source_id)
        and subscriber.team_id in (None, team_id)
    ]
    if not matching:
        return 0
    at = at or timezone.now()
    sql.rows_insert(
        WebhookDelivery,
        _DELIVERY_COLUMNS,
        [
            (
                subscriber.endpoint_id,
                lead.pk,
                event_type,
                data or {},
                at,
                message_id_new(),
                WebhookDelivery.State.PENDING,
                0,
                at,
                "",
            )
            for subscriber in matching
        ],
    )
    if any(subscriber.active for subscriber in matching):
        lead_id = lead.pk
        transaction.on_commit(lambda: webhooks_send_enqueue(lead_id))
    return len(matching)


def webhooks_send_enqueue(lead_id: int) -> None:
    """Queue the sending of a lead's due deliveries (after the commit that wrote them)."""
    from django_q.tasks import async_task

    async_task(SEND_TASK, lead_id, task_name=f"webhooks-lead-{lead_id}")


# --- sending --------------------------------------------------------------------------------


def _first_in_line() -> NegatedExpression:
    """No earlier delivery of the same lead to the same endpoint is still pending."""
    return ~Exists(
        WebhookDelivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            lead_id=OuterRef("lead_id"),
            state=WebhookDelivery.State.PENDING,
            id__lt=OuterRef("id"),
        )
    )


def deliveries_due(*, now: datetime, lead_id: int | None = None) -> QuerySet[WebhookDelivery]:
    """Pending deliveries due at `now` to active endpoints, each first in line for its lead
    and endpoint, oldest first."""
    due = WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.PENDING,
        next_attempt_at__lte=now,
        endpoint__state=WebhookEndpoint.State.ACTIVE,
    )
    if lead_id is not None:
        due = due.filter(lead_id=lead_id)
    return due.filter(_first_in_line()).order_by("id")


def _claim_lease() -> timedelta:
    # Longer than any send can take (each phase of the call has the timeout), so a delivery
    # being sent is never claimed again by another worker, and one whose worker died is.
    return timedelta(seconds=4 * settings.WEBHOOKS_TIMEOUT_SECONDS + 30)


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Take a due delivery for sending; False when another worker got there first (or it is
    no longer due, or its endpoint is no longer active)."""
    # No join in the filter: Django would put the whole condition in a subquery, which
    # PostgreSQL does not check again on the row another worker has just claimed; conditions
    # on the row itself are checked again, so only one of two racing claims updates it.
    endpoint_active = Exists(
        WebhookEndpoint.objects.filter(
            pk=OuterRef("endpoint_id"), state=WebhookEndpoint.State.ACTIVE
        )
    )
    return bool(
        WebhookDelivery.objects.filter(
            endpoint_active,
            _first_in_line(),
            pk=delivery_id,
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
        ).update(
            # From the actual time: a sweep passes the time it started.
            next_attempt_at=max(now, timezone.now()) + _claim_lease(),
            attempts=F("attempts") + 1,
        )
    )


def delivery_body(delivery: WebhookDelivery, lead_detail: dict) -> str:
    """The JSON body: Standard Webhooks' `{"type", "timestamp", "data"}`, with `data` holding
    the body's version, what the event adds and the lead as the API's detail shows it."""
    return json.dumps(
        {
            "type": delivery.event_type,
            "timestamp": delivery.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": {"version": BODY_VERSION, **delivery.event_data, "lead": lead_detail},
        },
        separators=(",", ":"),
        default=str,
    )


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to, as the delivery log keeps it. A CRM transport may also say
    when to try again (`retry_after` seconds: a 429's Retry-After) or that trying again cannot
    help (`give_up`: the CRM refused the data itself)."""

    status: int | None
    error: str
    excerpt: str
    duration_ms: int
    retry_after: float | None = None
    give_up: bool = False


# How a delivery of an endpoint of another kind than a signed webhook is sent: its app
# registers the function from its `AppConfig.ready()` (intake imports no app).
Transport = Callable[[WebhookDelivery], Outcome]
_transports: dict[str, Transport] = {}


def transport_register(kind: str, send: Transport) -> None:
    """Send the deliveries of endpoints of `kind` with `send(delivery) -> Outcome`."""
    _transports[kind] = send


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> Outcome:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        **signing.headers(
            endpoint.secrets_in_use(now), delivery.message_id, int(now.timestamp()), body
        ),
    }
    started = time.monotonic()
    try:
        answer = http_client.exchange(
            "POST",
            endpoint.url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            max_bytes=RESPONSE_READ_BYTES,
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
        )
    except http_client.HttpError as exc:
        return Outcome(None, str(exc)[:500], "", _since(started))
    excerpt = answer.body.decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
    error = ""
    if 300 <= answer.status < 400:
        error = f"answered {answer.status}, a redirect: webhooks do not follow redirects"
    elif answer.status >= 400:
        error = f"answered {answer.status}"
    return Outcome(answer.status, error, excerpt, _since(started))


def _transport_send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
    send = _transports.get(endpoint.kind)
    if send is None:
        return Outcome(None, f"nothing sends {endpoint.get_kind_display()} deliveries", "", 0)
    started = time.monotonic()
    try:
        return send(delivery)
    except Exception as exc:
        # A bug or an outage in a transport is a failed attempt, retried on the schedule and
        # shown in the log, never a task that dies with the delivery claimed.
        logger.exception("sending delivery %s (%s) failed", delivery.pk, endpoint.kind)
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500], "", _since(started))


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def delivery_send(*, delivery_id: int, render, now: datetime | None = None) -> str:
    """Send one delivery if it is due and first in line, and record the attempt.

    1. Claim it (a conditional update); another worker may have.
    2. Render its body the first time (`render(lead_id)` is the API's lead detail, given by
       the task, an entry point); retries and resends send the same bytes.
    3. POST it signed with the endpoint's secrets (the previous one too during a rotation);
       an endpoint of another kind (a CRM sync) is sent by the transport registered for it.
    4. Record the attempt; then: a 2xx is delivered; 410 Gone disables the endpoint; anything
       else is tried again after the next delay of `RETRY_DELAYS` (or the transport's
       `retry_after`), or given up after the last (or when the transport says to),
       and WEBHOOKS_PAUSE_AFTER_FAILURES failures in a row pause the endpoint and e-mail the
       administrators (once: only the update that pauses it sends).
    """
    if not delivery_claim(delivery_id=delivery_id, now=now or timezone.now()):
        return "claimed elsewhere"
    # The attempt's own time (a sweep's sends follow each other): what `webhook-timestamp`
    # says, which receivers compare with their clock.
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if endpoint.kind != WebhookEndpoint.Kind.WEBHOOK:
        outcome = _transport_send(endpoint, delivery)
    else:
        if not delivery.body:
            delivery.body = delivery_body(delivery, render(delivery.lead_id))
            WebhookDelivery.objects.filter(pk=delivery.pk).update(body=delivery.body)
        outcome = _post(endpoint, delivery, now)
    finished = now + timedelta(milliseconds=outcome.duration_ms)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=outcome.status,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
        )
        if outcome.status is not None and 200 <= outcome.status < 300:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=WebhookDelivery.State.DELIVERED, delivered_at=finished, next_attempt_at=None
            )
            WebhookEndpoint.objects.filter(pk=endpoint.pk).exclude(consecutive_failures=0).update(
                consecutive_failures=0
            )
            return "delivered"
        if outcome.status == 410:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=WebhookDelivery.State.FAILED, next_attempt_at=None
            )
            _disable(endpoint, now)
            return "gone: endpoint disabled"
        delay = None if outcome.give_up else retry_delay(delivery.attempts)
        if delay and outcome.retry_after is not None:
            # The receiver said when (a rate limit's Retry-After); the schedule still ends.
            delay = timedelta(seconds=outcome.retry_after)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.PENDING if delay else WebhookDelivery.State.FAILED,
            next_attempt_at=finished + delay if delay else None,
        )
        _count_failure(endpoint, now)
    return "will retry" if delay else "given up"


def _disable(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).exclude(
        state=WebhookEndpoint.State.DISABLED
    ).update(
        state=WebhookEndpoint.State.DISABLED,
        state_reason="The receiver answered 410 Gone: it asked not to be sent anything more.",
        state_changed_at=now,
    )
    config_changed(WEBHOOKS_CONFIG)


def _count_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = settings.WEBHOOKS_PAUSE_AFTER_FAILURES
    reason = f"{limit} deliveries in a row failed; events wait until it is resumed."
    paused = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, state=WebhookEndpoint.State.ACTIVE, consecutive_failures__gte=limit
    ).update(state=WebhookEndpoint.State.PAUSED, state_reason=reason, state_changed_at=now)
    if paused:
        config_changed(WEBHOOKS_CONFIG)
        transaction.on_commit(lambda: _tell_admins_paused(endpoint, reason))


def _tell_admins_paused(endpoint: WebhookEndpoint, reason: str) -> None:
    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    try:
        send_mail(
            f"Webhook endpoint paused: {endpoint}",
            f"LeadRouter paused the webhook endpoint {endpoint.url}.\n\n{reason}\n\n"
            "Its delivery log in the admin (Webhook endpoints) shows what the receiver "
            "answered. Fix the receiver, then set the endpoint back to Active: the events "
            "that waited are sent in order.",
            None,
            recipients,
        )
    except Exception:
        # The pause itself is recorded and shown in the admin; a mail server down must not
        # turn it into a failed task that retries the delivery.
        logger.exception("could not e-mail the administrators: endpoint %s paused", endpoint.pk)


def webhooks_send_for_lead(*, lead_id: int, render, now: datetime | None = None) -> int:
    """Send a lead's due deliveries in order (the task queued after a commit); returns how
    many were delivered."""
    delivered = 0
    for delivery_id in deliveries_due(now=now or timezone.now(), lead_id=lead_id).values_list(
        "id", flat=True
    ):
        if delivery_send(delivery_id=delivery_id, render=render, now=now) == "delivered":
            delivered += 1
    # A delivery that just went may have let the lead's next one through.
    if delivered and deliveries_due(now=now or timezone.now(), lead_id=lead_id).exists():
        delivered += webhooks_send_for_lead(lead_id=lead_id, render=render, now=now)
    return delivered


def webhooks_sweep(*, render, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Send every due delivery (retries, and sends whose queueing was lost), up to `limit`;
    returns how many this worker attempted. A delivery that goes lets its lead's next one
    through, so the due rows are read again until none is left. Two sweeps at once send each
    delivery once."""
    now = now or timezone.now()
    attempted = 0
    seen: set[int] = set()
    started = time.monotonic()
    while attempted < limit and time.monotonic() - started < SWEEP_SECONDS:
        due = [
            delivery_id
            for delivery_id in deliveries_due(now=now).values_list("id", flat=True)[:limit]
            if delivery_id not in seen
        ]
        if not due:
            break
        for delivery_id in due[: limit - attempted]:
            if time.monotonic() - started >= SWEEP_SECONDS:
                break
            seen.add(delivery_id)
            if (
                delivery_send(delivery_id=delivery_id, render=render, now=now)
                != "claimed elsewhere"
            ):
                attempted += 1
    return attempted


def webhook_deliveries_resend(
    *, deliveries: QuerySet[WebhookDelivery], now: datetime | None = None
) -> int:
    """Send these deliveries again as soon as possible, same `webhook-id` and body (the
    admin's "Resend"); a delivered one is sent once more, and the retry schedule starts
    over. Returns how many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        lead_ids = set(deliveries.values_list("lead_id", flat=True))
        queued = deliveries.update(
            state=WebhookDelivery.State.PENDING, next_attempt_at=now, attempts=0
        )
    for lead_id in lead_ids:
        webhooks_send_enqueue(lead_id)
    return queued
