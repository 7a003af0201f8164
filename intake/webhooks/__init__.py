"""Outbound webhooks: every change a receiver may care about (a lead created, qualified,
assigned, its status, a breached SLA, a review decided) becomes a signed HTTP POST to the
endpoints subscribed to it.

It lives in intake, the bottom of the layer order, because every app writes its events: intake
writes `lead.created`, qualification `lead.qualified` and `review.decided`, routing the rest,
each in the transaction of its own change (`intake.webhooks.services.webhook_event_record`).
Intake may be imported by every app and imports none, so the writer can sit nowhere higher.

- `events.py`: the event types (the one list) and the retry schedule.
- `signing.py`: secrets and Standard Webhooks signatures (pure Python).
- `models.py`: `WebhookEndpoint`, `WebhookDelivery` (the outbox: one message for one
  endpoint) and `WebhookAttempt` (the delivery log).
- `services.py`: writing the outbox, claiming and sending due deliveries, pausing and
  disabling endpoints, resending.
"""
