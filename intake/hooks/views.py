"""POST /hooks/<adapter>/<source public id>/: every vendor door, one sequence.

1. The source must exist, be active and use this adapter (else 404: the URL is the credential
   for unsigned vendors, so it reveals nothing).
2. The raw request is stored before anything reads it (413 and 429 come first, as JSON; a
   chunked body is read to its end, and a 413 closes the connection: see intake.doors).
3. The adapter verifies it the way the vendor signs; a failure keeps the submission as
   rejected and answers 401.
4. A vendor's retry of a delivery already handled is answered as before, without a new touch.
5. Deferred adapters (Meta) queue background fetches; a CRM's status events (HubSpot's
   deal and lifecycle changes) are kept and applied by a task; others run the pipeline in the
   request and answer the way the vendor expects. An inbound call (Twilio Voice) is answered
   with whom to ring: the pipeline's `answer_call` asks routing, and the answer is TwiML.
"""

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from intake import services
from intake.doors import door_accept
from intake.fields import storable_text
from intake.hooks import HookRejected, get_hook
from intake.hooks.base import DeferredHook, first_text, stored_form
from intake.hooks.twilio_voice import twiml_say
from intake.models import Adapter, Door, Source
from leadrouter import pipeline


@csrf_exempt
@require_http_methods(["GET", "POST"])
def hook_receive(request, adapter: str, public_id):
    hook = get_hook(adapter)
    source = Source.objects.filter(public_id=public_id, adapter=adapter, is_active=True).first()
    if hook is None or source is None:
        raise Http404("No active source takes this adapter at this URL.")
    if request.method == "GET":
        return hook.handshake(request, source)
    submission = door_accept(
        request,
        source=source,
        door=Door.HOOK,
        refuse=lambda status, errors: JsonResponse({"errors": errors}, status=status),
        too_many="Too many deliveries.",
        options={"adapter": adapter},
    )
    if isinstance(submission, HttpResponse):
        return submission
    try:
        hook.verify(request, submission.body, source)
    except HookRejected as exc:
        services.submission_mark_rejected(submission=submission, reason=exc.reason)
        return hook.rejected(exc)

    earlier = services.submission_claim_delivery(
        submission=submission, delivery_id=_safe_delivery_id(hook, submission)
    )
    if hook.name == Adapter.TWILIO_VOICE:
        return _answer_call(request, hook, submission, earlier)
    if earlier is not None:
        return hook.accepted(submission, earlier.lead_id, created=False)
    if hook.carries_crm_events(submission):
        return JsonResponse({"received": pipeline.process_crm_events(submission)})
    if isinstance(hook, DeferredHook):
        try:
            return hook.defer(submission)
        except HookRejected as exc:
            services.submission_mark_invalid(
                submission=submission, errors={exc.field: [exc.reason]}
            )
            return hook.rejected(exc)

    result = pipeline.process_submission(submission)
    if result.errors:
        return hook.invalid(submission, result.errors)
    return hook.accepted(
        submission, result.lead.pk if result.lead else None, created=bool(result.created)
    )


def _answer_call(request, hook, submission, earlier) -> HttpResponse:
    """An inbound call is answered with whom to ring (TwiML): the lead is taken in (or, for
    Twilio asking again about the same call, found), then routing decides through the
    pipeline (`leadrouter.pipeline.answer_call`)."""
    if earlier is not None:
        lead = earlier.lead
    else:
        result = pipeline.process_submission(submission)
        if result.errors:
            return hook.invalid(submission, result.errors)
        lead = result.lead
    if lead is None:  # spam, or a failure kept for reprocessing
        return twiml_say(pipeline.CALL_FAILED)
    params = stored_form(submission)
    twiml = pipeline.answer_call(
        lead=lead,
        source=submission.source,
        # Cleaned as every stored text is (a NUL, which PostgreSQL refuses, removed).
        call_sid=storable_text(first_text(params.get("CallSid")), multiline=False)[:64],
        caller=storable_text(first_text(params.get("From")), multiline=False),
        base=request.build_absolute_uri("/"),
    )
    return HttpResponse(twiml, content_type="text/xml")


def _safe_delivery_id(hook, submission) -> str:
    # The id is read from an unparsed body; a body too broken to name one is parsed (and
    # refused with its reasons) by the pipeline, not here.
    try:
        return hook.delivery_id(submission) or ""
    except Exception:  # any unreadable body simply has no delivery id
        return ""
