"""The lead API's write: a source submits a lead, answered once per Idempotency-Key."""

from dataclasses import dataclass

from django.http import HttpRequest
from rest_framework import status

from intake import services as intake_services
from intake.doors import store_request
from intake.models import Door, Source
from leadrouter import pipeline
from leadrouter.api.selectors import lead_answer_read
from leadrouter.api.serializers import LeadSerializer

MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True)
class SubmitAnswer:
    """What `POST /api/v1/leads/` answers."""

    status: int
    body: dict
    replayed: bool = False  # the stored answer to an earlier request with the same key


def lead_submit(
    *, request: HttpRequest, source: Source, body: bytes, idempotency_key: str | None
) -> SubmitAnswer:
    """Store a source's lead, run it through the pipeline and answer; with an Idempotency-Key,
    answer each key once and replay that answer (`intake.services.idempotency`).

    1. No key: store the raw body, run the pipeline, answer (`_store_and_answer`).
    2. A key that is not 1 to 255 printable characters once cleaned like lead text: 400.
    3. Claim the key. Used before with another body: 422. Its first request still running:
       409. Answered before: that answer again (a 201 as 200), marked as replayed.
    4. Claimed: store, run and answer as in 1, and keep the answer on the key. Should anything
       raise before there is an answer, the claim is released so that the client can retry.
    """
    if idempotency_key is None:
        return _store_and_answer(request, source, body)
    key = intake_services.idempotency_key_clean(idempotency_key)
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        return _refused(
            status.HTTP_400_BAD_REQUEST,
            f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters",
        )
    claim = intake_services.idempotency_claim(source=source, key=key, body=body)
    if claim.state is intake_services.Claim.MISMATCH:
        return _refused(
            status.HTTP_422_UNPROCESSABLE_ENTITY, "was already used with a different request body"
        )
    if claim.state is intake_services.Claim.IN_FLIGHT or claim.record_id is None:
        return _refused(
            status.HTTP_409_CONFLICT, "a request with this key is still being processed"
        )
    if claim.state is intake_services.Claim.REPLAY:
        replay_status = claim.response_status or status.HTTP_200_OK
        if replay_status == status.HTTP_201_CREATED:
            replay_status = status.HTTP_200_OK  # the lead exists now: nothing new was created
        return SubmitAnswer(replay_status, claim.response_body or {}, replayed=True)
    try:
        answer = _store_and_answer(request, source, body)
    except BaseException:
        intake_services.idempotency_release(record_id=claim.record_id)
        raise
    intake_services.idempotency_complete(
        record_id=claim.record_id, status=answer.status, body=answer.body
    )
    return answer


def _refused(answer_status: int, reason: str) -> SubmitAnswer:
    return SubmitAnswer(answer_status, {"errors": {"idempotency_key": [reason]}})


def _store_and_answer(request: HttpRequest, source: Source, body: bytes) -> SubmitAnswer:
    submission = store_request(request, source=source, door=Door.API, body=body)
    result = pipeline.process_submission(submission)
    if result.errors:
        return SubmitAnswer(
            status.HTTP_400_BAD_REQUEST, {"errors": result.errors, "submission": submission.pk}
        )
    if result.failed or result.lead is None:
        return SubmitAnswer(
            status.HTTP_202_ACCEPTED,
            {
                "submission": submission.pk,
                "status": "failed",
                "detail": "The lead was stored but could not be processed; "
                "it is kept and an operator can reprocess it.",
            },
        )
    lead, steps = lead_answer_read(lead_id=result.lead.pk)
    answer_status = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return SubmitAnswer(answer_status, dict(LeadSerializer(lead, context={"steps": steps}).data))
