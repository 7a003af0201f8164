"""The plain HTML form door: any website's <form> posts here, no key needed.

The source comes from the URL (its unguessable public id); a hidden honeypot field catches bots;
the answer is a redirect to the source's thank-you page, a JSON answer for scripts, or our own
thank-you page.
"""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from intake.doors import door_accept
from intake.models import Door, Source
from leadrouter import pipeline


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _active_source(public_id) -> Source:
    source = Source.objects.filter(public_id=public_id, is_active=True).first()
    if source is None:
        raise Http404("No such form.")
    return source


@csrf_exempt
@require_http_methods(["GET", "POST"])
def form_submit(request, public_id):
    source = _active_source(public_id)
    if request.method == "GET":
        return render(
            request,
            "intake/hosted_form.html",
            {"source": source, "honeypot": settings.INTAKE_HONEYPOT_FIELD},
        )
    wants_json = _wants_json(request)
    submission = door_accept(
        request,
        source=source,
        door=Door.FORM,
        refuse=lambda status, errors: _answer_error(request, wants_json, status, errors),
        too_many="Too many submissions.",
    )
    if isinstance(submission, HttpResponse):
        return submission
    result = pipeline.process_submission(submission)
    if result.errors:
        return _answer_error(request, wants_json, 400, result.errors, submission.pk)
    # A bot that filled the honeypot is told the same as a person, so it learns nothing.
    lead_id = result.lead.pk if result.lead else None
    if wants_json:
        status = 201 if result.created else (202 if result.failed or result.spam else 200)
        return JsonResponse(
            {"ok": True, "submission": submission.pk, "lead": lead_id}, status=status
        )
    if source.thank_you_url:
        return HttpResponseRedirect(source.thank_you_url, status=303)
    return render(request, "intake/thank_you.html", {"source": source})


def _answer_error(request, wants_json, status, errors, submission_id=None) -> HttpResponse:
    if wants_json:
        body = {"errors": errors}
        if submission_id is not None:
            body["submission"] = submission_id
        return JsonResponse(body, status=status)
    return render(
        request, "intake/form_error.html", {"errors": errors, "status": status}, status=status
    )
