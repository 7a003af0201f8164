"""Intake's reads: finding leads by what a person typed (search), the values of lead columns,
and what went wrong with a source's deliveries. Which leads a user may see, and a lead with
what later steps made of it, are read above the apps (`leadrouter.api.selectors`)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThan, StartsWith

from intake.models import ContactIdentity, Lead, Submission
from intake.quality.email import check_email
from intake.quality.phone import check_phone
from leadrouter import sql

# Lower-cased names searched by prefix; each has a PrefixIndex on its lower(), as has
# email_normalized (intake.models.LEAD_PREFIX_FIELDS).
NAME_PREFIX_FIELDS = ("full_name", "last_name", "company")
PHONE_SEARCH_DIGITS = 7


def lead_search(term: str) -> Q:
    """The leads a search term finds, by index only, whatever the size of the history.

    - with an "@": that e-mail address (normalised, through the contact's identities, so
      every lead of the person), or addresses starting with the term ("ann@");
    - with 7 digits or more: that phone number in any format (normalised to E.164, through
      the identities too), or E.164 numbers starting with the digits ("+1512555");
    - anything else: names and companies starting with the term, case-insensitively ("lee"
      finds "Ann Lee" by her surname, "ann l" by her full name); a number finds that lead id.

    Substrings are not searched: "nn" does not find "Ann". A substring test reads every lead.
    """
    term = term.strip()
    if not term:
        return Q()
    # SQLite's lower() folds ASCII letters only; prefixes are folded the same way.
    folded = "".join(ch.lower() if ch.isascii() else ch for ch in term)
    if "@" in term:
        email = (check_email(term).normalized or term).lower()
        return _through_identity(ContactIdentity.Kind.EMAIL, email) | _prefix(
            Lower("email_normalized"), folded
        )
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= PHONE_SEARCH_DIGITS:
        match = _prefix("phone_e164", f"+{digits}")
        e164 = check_phone(term).e164
        if e164:
            match |= _through_identity(ContactIdentity.Kind.PHONE, e164) | Q(phone_e164=e164)
        return match
    match = Q()
    for field in NAME_PREFIX_FIELDS:
        match |= _prefix(Lower(field), folded)
    if term.isdigit():
        match |= Q(pk=int(term))
    return match


def lead_attributes_search(text: str) -> Q:
    """Leads whose attributes, as JSON text, contain `text` (any case). Reads every lead: only
    for a search asked for by name (the admin's `attributes:TEXT`)."""
    matches = Lead.objects.annotate(text=Cast("attributes", TextField()))
    return Q(pk__in=matches.filter(text__icontains=text).values("pk"))


def _through_identity(kind: str, value: str) -> Q:
    # The unique (kind, value) index gives the contact; the contact FK's index its leads.
    # Read first: PostgreSQL cannot OR an IN (subquery) with the other indexed conditions
    # and would read every lead instead.
    contact_ids = list(
        ContactIdentity.objects.filter(kind=kind, value=value).values_list("contact_id", flat=True)
    )
    return Q(contact_id__in=contact_ids) if contact_ids else Q(pk__in=[])


def _prefix(field, prefix: str) -> Q:
    """field starts with prefix (case-sensitive), in a form the database's index answers.

    PostgreSQL: LIKE 'prefix%', answered by a pattern-ops index whatever the collation.
    SQLite: LIKE is case-insensitive there and cannot use an ordinary index, so a range
    [prefix, prefix with its last character incremented) in the binary order of its indexes.
    """
    expression = F(field) if isinstance(field, str) else field
    if connection.vendor == "postgresql":
        return Q(StartsWith(expression, prefix))
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(GreaterThanOrEqual(expression, prefix), LessThan(expression, upper))


# The lead columns whose values the admin lists as filters; each has an index.
DISTINCT_VALUE_FIELDS = frozenset({"state", "request_type"})


def lead_distinct_values(field: str, limit: int = 200) -> list[str]:
    """The values of a lead column, in order, at most `limit` of them.

    A loose index scan (`leadrouter.sql.distinct_values`): one index probe per value (a few
    dozen states), not one row per lead (SELECT DISTINCT read all of them: 33 ms at 50,000
    leads); the ORM has no recursive query to say it.
    """
    if field not in DISTINCT_VALUE_FIELDS:
        raise ValueError(f"no index to list the values of {field!r}")
    return sql.distinct_values(Lead, field, limit)


# Statuses of a submission that did not become a lead because something was wrong.
PROBLEM_STATUSES = (
    Submission.Status.REJECTED,
    Submission.Status.INVALID,
    Submission.Status.FAILED,
)


def source_recent_problems(source, limit: int = 5) -> list[Submission]:
    """A source's latest rejected, invalid or failed deliveries, newest first."""
    return list(
        Submission.objects.filter(source=source, status__in=PROBLEM_STATUSES)
        .only("id", "received_at", "status", "errors", "error_detail")
        .order_by("-received_at", "-id")[:limit]
    )


def submission_problem(submission: Submission) -> str:
    """One line saying what went wrong with a submission."""
    if submission.errors:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in submission.errors.items())
    lines = submission.error_detail.strip().splitlines()
    return lines[-1] if lines else ""


def organisation_time_zone() -> ZoneInfo:
    """The organisation's time zone: whole-organisation reports count their weeks in it."""
    return ZoneInfo(settings.TIME_ZONE)
