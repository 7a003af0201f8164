"""Inbound email: a Mailgun route's forward() post or Postmark's inbound webhook.

Which one sent a delivery is told by its body: Mailgun posts form fields (urlencoded, or
multipart when the email has attachments), Postmark posts JSON.

- Mailgun signs each post: `signature` is the hex HMAC-SHA256 of `timestamp` + `token` under
  the webhook signing key (this source's secret). The signature covers neither the email nor
  the recipient, so a stale timestamp is refused and a token already used is a retry.
  https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http
- Postmark signs nothing: the webhook URL carries basic-auth credentials
  (https://any-user:SECRET@host/hooks/email/<id>/) and the password must be this source's
  secret. https://postmarkapp.com/developer/webhooks/inbound-webhook

An email is either a vendor's lead notification (Zillow, Realtor.com, a website form plugin)
whose labelled lines describe the lead, or a person writing in, who is then the lead.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

from intake.adapters import Parsed
from intake.fields import STRING_FIELDS, lead_field_for
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    check_fresh,
    first_text,
    parse_errors,
    require_secrets,
    secret_matches,
    signature_matches,
    stored_form,
    stored_json,
)
from intake.hooks.lead_email import html_to_text, lead_fields_from_labels, parse_labeled_lines
from intake.models import Channel

MAILGUN = "mailgun"
POSTMARK = "postmark"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_MAX_MESSAGE = STRING_FIELDS["message"]
_MAX_ATTRIBUTE = 1000
_NAME_FIELDS = ("full_name", "first_name", "last_name")


def _provider(content_type: str) -> str | None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _FORM_TYPES:
        return MAILGUN
    if media == "application/json" or media.endswith("+json"):
        return POSTMARK
    return None


@dataclass
class InboundEmail:
    """The parts of an email a lead is made of, whichever service delivered it."""

    provider: str
    from_name: str = ""
    from_email: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    stripped_text: str = ""
    html: str = ""
    message_id: str = ""
    mailbox_tag: str = ""


def _decoded(value: str) -> str:
    """A header still in RFC 2047 encoded words ("=?UTF-8?B?…?=") as text."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value


def _plus_tag(addresses: list[str]) -> str:
    """The tag of the first plus-addressed recipient: leads+zillow@… -> "zillow"."""
    for address in addresses:
        local = address.rpartition("@")[0]
        if "+" in local:
            return local.partition("+")[2]
    return ""


def _text_fields(data: dict[str, Any], *names: str, within: str = "") -> dict[str, str]:
    """Postmark's string members; anything else there is a body this adapter cannot trust."""
    values: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise parse_errors(**{f"{within}{name}": "must be a string"})
        values[name] = value or ""
    return values


def _postmark_email(data: dict[str, Any]) -> InboundEmail:
    text = _text_fields(
        data,
        "From",
        "FromName",
        "Subject",
        "TextBody",
        "HtmlBody",
        "StrippedTextReply",
        "MessageID",
        "OriginalRecipient",
        "MailboxHash",
        "To",
    )
    sender = data.get("FromFull") or {}
    if not isinstance(sender, dict):
        raise parse_errors(FromFull="must be an object with Email and Name")
    sender_text = _text_fields(sender, "Email", "Name", within="FromFull.")
    header_name, header_email = parseaddr(text["From"])
    recipients = [text["OriginalRecipient"]] if text["OriginalRecipient"] else []
    to_full = data.get("ToFull") or []
    if not isinstance(to_full, list) or not all(isinstance(item, dict) for item in to_full):
        raise parse_errors(ToFull="must be a list of objects with Email")
    recipients += [first_text(item.get("Email")) for item in to_full]
    recipients += [address for _, address in getaddresses([text["To"]])]
    email = InboundEmail(
        provider=POSTMARK,
        from_name=_decoded(sender_text["Name"] or text["FromName"] or header_name),
        from_email=sender_text["Email"] or header_email,
        recipients=[address for address in recipients if address],
        subject=_decoded(text["Subject"]),
        text=text["TextBody"],
        stripped_text=text["StrippedTextReply"],
        html=text["HtmlBody"],
        message_id=text["MessageID"],
        mailbox_tag=text["MailboxHash"],
    )
    if not (email.from_email or email.text or email.html or email.subject):
        raise parse_errors(
            body="is not a Postmark inbound email: it has no From, Subject, TextBody or HtmlBody"
        )
    return email


def _mailgun_message_id(raw_headers: str) -> str:
    try:
        headers = json.loads(raw_headers) if raw_headers else []
    except ValueError:
        return ""
    if not isinstance(headers, list):
        return ""
    for pair in headers:
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == "message-id":
            return first_text(pair[1])
    return ""


def _mailgun_email(form: dict[str, Any]) -> InboundEmail:
    def text(name: str) -> str:
        return first_text(form.get(name))

    from_name, from_email = parseaddr(text("from") or text("From"))
    if not from_email:
        from_name, from_email = parseaddr(text("sender"))
    recipients = [address for _, address in getaddresses([text("recipient") or text("To")])]
    email = InboundEmail(
        provider=MAILGUN,
        from_name=_decoded(from_name),
        from_email=from_email,
        recipients=[address for address in recipients if address],
        subject=_decoded(text("subject") or text("Subject")),
        text=text("body-plain"),
        stripped_text=text("stripped-text"),
        html=text("body-html") or text("stripped-html"),
        message_id=_mailgun_message_id(text("message-headers")),
    )
    if not (email.from_email or email.text or email.html or email.subject):
        raise parse_errors(
            body="is not a Mailgun inbound email: it has no from, subject, body-plain or body-html"
        )
    return email


def _is_notification(found: dict[str, Any], sender: str) -> bool:
    """Whether the labels describe someone other than the sender: a vendor's notification.

    A person's own signature ("Phone: 555 …" under their name) has a phone but no name label
    and must not make their email anonymous, so a phone alone needs a name beside it.
    """
    email = str(found.get("email") or "")
    if email and email.casefold() != sender.casefold():
        return True
    return bool(found.get("phone")) and any(found.get(name) for name in _NAME_FIELDS)


def _sender_message(email: InboundEmail) -> str:
    body = (email.stripped_text or email.text or html_to_text(email.html)).strip()
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in body.splitlines()))
    message = f"{email.subject.strip()}\n\n{body}" if email.subject.strip() else body
    return message.strip()[:_MAX_MESSAGE]


def lead_from_email(email: InboundEmail) -> Parsed:
    """Lead fields from an email: its labels when a vendor sent them, else its sender."""
    # The whole body, not the stripped reply: a forwarded notification is a quoted part.
    found = lead_fields_from_labels(
        parse_labeled_lines(email.text or email.stripped_text, email.html)
    )
    labels: dict[str, Any] = found.pop("attributes")
    attributes: dict[str, Any] = {"subject": email.subject[:_MAX_ATTRIBUTE]}
    tag = email.mailbox_tag or _plus_tag(email.recipients)
    if tag:
        attributes["mailbox_tag"] = tag[:_MAX_ATTRIBUTE]
    if email.recipients:
        attributes["email_to"] = email.recipients[0][:_MAX_ATTRIBUTE]
    if email.message_id:
        attributes["email_message_id"] = email.message_id[:_MAX_ATTRIBUTE]

    if not _is_notification(found, email.from_email):
        fields: Parsed = {"message": _sender_message(email)}
        # An address or display name too long for its column is no person's: keep it aside
        # rather than refuse the email.
        if len(email.from_email) <= STRING_FIELDS["email"]:
            fields["email"] = email.from_email
        else:
            attributes["email_from"] = email.from_email[:_MAX_ATTRIBUTE]
        name = " ".join(email.from_name.split())
        if name and "@" not in name and len(name) <= STRING_FIELDS["full_name"]:
            fields["full_name"] = name
        fields["attributes"] = attributes
        return fields

    fields = found
    attributes["email_from"] = email.from_email
    if email.from_name:
        attributes["email_from_name"] = email.from_name[:_MAX_ATTRIBUTE]
    for label, value in labels.items():
        # Labels no alias claims are returned as fields of their own, so a source's field map
        # can place them ("Loan Type" -> request_type); the others would be read as the field
        # they alias and stay attributes.
        if lead_field_for(label) is None and label not in fields:
            fields[label] = value
        else:
            attributes.setdefault(label, value)
    fields["attributes"] = attributes
    return fields


def _basic_auth_password(header: str) -> str | None:
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon else None


class EmailHook(HookAdapter):
    name = "email"
    label = "Inbound email (Mailgun, Postmark)"
    channel = Channel.EMAIL
    signing_help = (
        "Mailgun: the HTTP webhook signing key; Postmark: the basic-auth password in the "
        "inbound webhook URL (https://any-user:SECRET@…)"
    )

    def verify(self, request, body, source) -> None:
        provider = _provider(request.META.get("CONTENT_TYPE", ""))
        if provider is None:
            # Mailgun's 406 means "rejected, do not retry": a body that is no email never will be.
            raise HookRejected(
                "is not an inbound email: Mailgun posts form fields, Postmark posts JSON",
                status=406,
                field="content_type",
            )
        secrets = require_secrets(source)
        if provider == POSTMARK:
            password = _basic_auth_password(request.headers.get("Authorization", ""))
            if password is None:
                raise HookRejected(
                    "basic-auth credentials are missing: put user:SECRET@ in the webhook URL",
                    field="authorization",
                )
            if not secret_matches(secrets, password):
                raise HookRejected(
                    "the basic-auth password does not match this source's secret",
                    field="authorization",
                )
            return
        try:
            form = request.POST
        except (MultiPartParserError, SuspiciousOperation, RequestDataTooBig, ValueError) as exc:
            raise HookRejected(f"is not valid form data: {exc}", status=400, field="body") from None
        timestamp, token, signature = (
            first_text(form.get(name)).strip() for name in ("timestamp", "token", "signature")
        )
        if not (timestamp and token and signature):
            raise HookRejected("timestamp, token and signature are required (Mailgun signs all)")
        if not signature_matches(secrets, f"{timestamp}{token}".encode(), signature):
            raise HookRejected("the signature does not match this source's signing key")
        check_fresh(timestamp)

    def delivery_id(self, submission) -> str:
        provider = _provider(submission.content_type)
        if provider == MAILGUN:
            return first_text(stored_form(submission).get("token"))
        if provider == POSTMARK:
            return first_text(stored_json(submission).get("MessageID"))
        return ""

    def parse(self, submission) -> Parsed:
        provider = _provider(submission.content_type)
        if provider == MAILGUN:
            return lead_from_email(_mailgun_email(stored_form(submission)))
        if provider == POSTMARK:
            return lead_from_email(_postmark_email(stored_json(submission)))
        raise parse_errors(content_type="must be form data (Mailgun) or JSON (Postmark)")

    def accepted(self, submission, lead_id, *, created):
        # Both services only look for a 200; the body is for people reading delivery logs.
        return JsonResponse({"ok": True, "submission": submission.pk, "lead": lead_id})

    def rejected(self, exc: HookRejected):
        response = super().rejected(exc)
        if exc.field == "authorization":
            response["WWW-Authenticate"] = 'Basic realm="LeadRouter inbound email"'
        return response


ADAPTER = EmailHook()
