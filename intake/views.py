"""The plain HTML form door: any website's <form> posts here, no key needed.

The source comes from the URL (its unguessable public id); a hidden honeypot field catches bots;
the answer is a redirect to the source's thank-you page, a JSON answer for scripts, or our own
thank-you page.

The hosted form (GET) names the organisation and shows the source's consent line under its Send
button. A person whose post is refused sees the form again with plain words beside the fields
(the API's reasons name internal fields and types: scripts get those, people never do).
"""

import re

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from intake.adapters import CONSENT_AGREED, CONSENT_FIELD
from intake.doors import door_accept
from intake.fields import STRING_FIELDS
from intake.models import Door, Source
from leadrouter import pipeline

# The hosted form's fields: (name, label, what an error calls it, input type, autocomplete).
FORM_FIELDS = [
    ("full_name", "Name", "Your name", "text", "name"),
    ("email", "Email", "Your email address", "email", "email"),
    ("phone", "Phone", "Your phone number", "tel", "tel"),
    ("postal_code", "ZIP code", "Your ZIP code", "text", "postal-code"),
    ("message", "How can we help?", "Your message", "textarea", "off"),
]
TOO_LONG = re.compile(r"at most (\d+) characters")
EMPTY_FORM = "Please tell us who you are and how to reach you: your name, and an email or phone."
UNREADABLE_FORM = (
    "Something in the form could not be read. Please check your answers and try again."
)
# Refusals before the fields are read (by HTTP status): what a person can do about them.
REFUSALS = {
    413: "The form is too large to send. Please shorten your message and try again.",
    429: "This form was sent several times in a short while. Please wait a minute, then try again.",
}


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
        return _hosted_form(request, source)
    wants_json = _wants_json(request)
    submission = door_accept(
        request,
        source=source,
        door=Door.FORM,
        refuse=lambda status, errors: _answer_error(request, source, wants_json, status, errors),
        too_many="Too many submissions.",
        # The consent line in force now: a post sent with the hosted form's button keeps it.
        options={"consent_text": source.consent_text} if source.consent_text else None,
    )
    if isinstance(submission, HttpResponse):
        return submission
    result = pipeline.process_submission(submission)
    if result.errors:
        return _answer_error(request, source, wants_json, 400, result.errors, submission.pk)
    # A bot that filled the honeypot is told the same as a person, so it learns nothing.
    lead_id = result.lead.pk if result.lead else None
    if wants_json:
        status = 201 if result.created else (202 if result.failed or result.spam else 200)
        return JsonResponse(
            {"ok": True, "submission": submission.pk, "lead": lead_id}, status=status
        )
    if source.thank_you_url:
        return HttpResponseRedirect(source.thank_you_url, status=303)
    return render(
        request, "intake/thank_you.html", {"source": source, "organisation": _organisation(source)}
    )


def _hosted_form(request, source: Source, *, errors=None, status: int = 200) -> HttpResponse:
    """The hosted form, empty or (refused) with the person's answers and plain-worded errors."""
    field_errors, form_errors = _plain_errors(errors or {})
    values = request.POST if request.method == "POST" else {}
    fields = [
        {
            "name": name,
            "label": label,
            "type": kind,
            "autocomplete": autocomplete,
            "max_length": STRING_FIELDS[name],
            "value": values.get(name, ""),
            "error": field_errors.get(name, ""),
        }
        for name, label, _, kind, autocomplete in FORM_FIELDS
    ]
    context = {
        "source": source,
        "organisation": _organisation(source),
        "fields": fields,
        "form_errors": form_errors,
        "honeypot": settings.INTAKE_HONEYPOT_FIELD,
        "consent_field": CONSENT_FIELD,
        "consent_agreed": CONSENT_AGREED,
    }
    return render(request, "intake/hosted_form.html", context, status=status)


def _organisation(source: Source) -> str:
    return source.organisation_name or settings.ORGANISATION_NAME


def _plain_errors(errors: dict) -> tuple[dict[str, str], list[str]]:
    """The door's errors in plain words for a person: one line per hosted-form field, and
    lines for the form as a whole. The reasons themselves are never shown (they name
    internal fields and types); only a length limit is passed on."""
    nouns = {name: noun for name, _, noun, *_ in FORM_FIELDS}
    by_field: dict[str, str] = {}
    general: list[str] = []
    for field, reasons in errors.items():
        if field in nouns:
            limits = [m.group(1) for reason in reasons if (m := TOO_LONG.search(str(reason)))]
            by_field[field] = (
                f"{nouns[field]} is too long: please keep it under {limits[0]} characters."
                if limits
                else f"{nouns[field]} could not be read: please check it."
            )
        else:
            line = EMPTY_FORM if field == "non_field_errors" else UNREADABLE_FORM
            if line not in general:
                general.append(line)
    return by_field, general


def _answer_error(
    request, source: Source, wants_json, status, errors, submission_id=None
) -> HttpResponse:
    if wants_json:
        body = {"errors": errors}
        if submission_id is not None:
            body["submission"] = submission_id
        return JsonResponse(body, status=status)
    if status == 400 and "body" not in errors:
        return _hosted_form(request, source, errors=errors, status=400)
    message = REFUSALS.get(status, UNREADABLE_FORM)
    return render(
        request,
        "intake/form_error.html",
        {"message": message, "source": source, "organisation": _organisation(source)},
        status=status,
    )
