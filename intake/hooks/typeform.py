"""Typeform `form_response` webhook.

Typeform posts one response: `form_response.answers[]`, each typed (`text`, `email`,
`phone_number`, `choice`, `choices`, `boolean`, `number`, `date`, `url`, `file_url`, …) and
linked to its question in `form_response.definition.fields[]` only by field id. Email and phone
answers become the lead's email and phone; other questions are placed by their ref or title
("First name", "Zip code", …) or kept in attributes under their title. `hidden` fields carry
utm_* and the landing page. `form_response.token` identifies the response.
https://www.typeform.com/developers/webhooks/example-payload/

Signature: `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`.
https://www.typeform.com/developers/webhooks/secure-your-webhooks/
"""

import re
from typing import Any

from intake.adapters import Parsed
from intake.hooks.base import (
    HookAdapter,
    HookRejected,
    first_text,
    parse_errors,
    require_secrets,
    signature_matches,
    stored_json,
)
from intake.models import Channel

SIGNATURE_PREFIX = "sha256="

# Answer types whose value is the lead field itself, whatever the question says.
TYPED_FIELDS = {"email": "email", "phone_number": "phone"}
# Words in a question's ref or title (lowercased, split on anything but letters and digits)
# -> lead field; the first match wins, so "company name" is a company before it is a name.
QUESTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("first_name", ("first name", "firstname", "given name", "forename")),
    ("last_name", ("last name", "lastname", "surname", "family name")),
    ("company", ("company", "organization", "organisation", "business name", "employer")),
    ("email", ("email", "e mail")),
    ("phone", ("phone", "telephone", "mobile")),
    ("postal_code", ("zip", "zipcode", "postal", "postcode", "post code")),
    ("state", ("state", "province")),
    ("city", ("city", "town")),
    ("country", ("country",)),
    ("message", ("message", "comment", "comments", "how can we help", "anything else")),
    ("full_name", ("full name", "fullname", "name")),
)
# Answer types placed by their question's ref or title, and the fields each may fill: a
# dropdown names a place, never an email ("Email me updates?" -> "Yes"). Other types (booleans,
# numbers, dates, several choices) only describe the lead, so they stay in attributes.
PLACEABLE_TYPES = {
    "text": {field for field, _ in QUESTION_WORDS},
    "choice": {"state", "city", "country"},
}
# Hidden fields (named in the form's URL) that are lead fields; any other stays in attributes.
HIDDEN_FIELDS = {
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_term": "utm_term",
    "utm_content": "utm_content",
    "landing_page": "landing_page",
    "landing_url": "landing_page",
    "referrer": "referrer",
    "referer": "referrer",
}
MAX_KEY_LENGTH = 200


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _question_field(ref: str, title: str) -> str | None:
    # A ref is chosen by the form's author ("first_name"), so it is trusted before the title.
    for text in (ref, title):
        words = _words(text)
        for field, phrases in QUESTION_WORDS:
            if any(f" {phrase} " in words for phrase in phrases):
                return field
    return None


def _answer_value(answer: dict[str, Any], kind: str) -> Any:
    value = answer.get(kind)
    if kind == "choice" and isinstance(value, dict):
        return value.get("label") or value.get("other")
    if kind == "choices" and isinstance(value, dict):
        labels = labels if isinstance(labels := value.get("labels"), list) else []
        return [*labels, value["other"]] if value.get("other") else labels
    return value


def _attribute_key(attributes: dict[str, Any], title: str, ref: str, fallback: str) -> str:
    key = (title or ref or fallback)[:MAX_KEY_LENGTH]
    if key in attributes:
        # Two questions with one title (a repeated "Other?") both keep their answers.
        suffix = f" ({ref or fallback})"[: MAX_KEY_LENGTH // 2]
        key = key[: MAX_KEY_LENGTH - len(suffix)] + suffix
    return key


class TypeformHook(HookAdapter):
    name = "typeform"
    label = "Typeform"
    channel = Channel.WEB
    signing_help = "the webhook's Secret set in Typeform (Connect > Webhooks > Edit)"

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        given = request.headers.get("Typeform-Signature", "").strip()
        if not given:
            raise HookRejected("the Typeform-Signature header is missing")
        if not given.startswith(SIGNATURE_PREFIX) or not signature_matches(
            secrets, body, given.removeprefix(SIGNATURE_PREFIX), encoding="base64"
        ):
            raise HookRejected("Typeform-Signature does not match this source's secret")

    def delivery_id(self, submission) -> str:
        data = stored_json(submission)
        token = first_text(data["form_response"].get("token"))
        event_type = first_text(data.get("event_type"))
        # A partial response shares its token with the completed one, which must still count.
        if token and event_type and event_type != "form_response":
            return f"{event_type}:{token}"
        return token

    def parse(self, submission) -> Parsed:
        data = stored_json(submission)
        response = data.get("form_response")
        if not isinstance(response, dict):
            raise parse_errors(form_response="must be an object holding the response")
        definition = response.get("definition")
        definition = {} if definition is None else definition
        if not isinstance(definition, dict) or not isinstance(definition.get("fields") or [], list):
            raise parse_errors(**{"form_response.definition": "must be an object with fields[]"})
        questions = definition.get("fields") or []
        by_id = {
            first_text(q.get("id")): q for q in questions if isinstance(q, dict) and q.get("id")
        }
        answers = response.get("answers", [])
        if not isinstance(answers, list):
            raise parse_errors(**{"form_response.answers": "must be a list of answers"})
        token = first_text(response.get("token"))
        if not token:
            raise parse_errors(**{"form_response.token": "is required: Typeform's response id"})

        fields: dict[str, Any] = {"external_id": token}
        attributes: dict[str, Any] = {}
        for index, answer in enumerate(answers):
            if not isinstance(answer, dict):
                raise parse_errors(**{f"form_response.answers[{index}]": "must be an object"})
            kind = first_text(answer.get("type"))
            field_ref = field_ref if isinstance(field_ref := answer.get("field"), dict) else {}
            field_id = first_text(field_ref.get("id"))
            question = by_id.get(field_id, {})
            ref = first_text(question.get("ref") or field_ref.get("ref"))
            title = first_text(question.get("title")).strip()
            value = _answer_value(answer, kind)
            target = TYPED_FIELDS.get(kind)
            if target is None and isinstance(value, str):
                target = _question_field(ref, title)
                if target not in PLACEABLE_TYPES.get(kind, ()):
                    target = None
            if target and not fields.get(target):
                fields[target] = value
            else:
                key = _attribute_key(attributes, title, ref, field_id or f"answer_{index}")
                attributes[key] = value

        hidden = response.get("hidden")
        hidden = {} if hidden is None else hidden
        if not isinstance(hidden, dict):
            raise parse_errors(**{"form_response.hidden": "must be an object of hidden fields"})
        for name, value in hidden.items():
            target = HIDDEN_FIELDS.get(str(name).lower())
            if target and isinstance(value, str) and not fields.get(target):
                fields[target] = value
            else:
                attributes.setdefault(str(name), value)

        attributes.update(self._response_facts(data, response, definition))
        fields["attributes"] = attributes
        return fields

    def _response_facts(self, data, response, definition) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        calculated = response.get("calculated")
        if isinstance(calculated, dict) and "score" in calculated:
            facts["typeform_score"] = calculated["score"]
        variables = response.get("variables")
        if isinstance(variables, list):
            facts["typeform_variables"] = {
                first_text(v.get("key")): v.get(first_text(v.get("type")))
                for v in variables
                if isinstance(v, dict) and v.get("key")
            }
        for key, value in (
            ("form_id", response.get("form_id")),
            ("form_title", definition.get("title") if isinstance(definition, dict) else None),
            ("event_id", data.get("event_id")),
            ("submitted_at", response.get("submitted_at")),
            ("landed_at", response.get("landed_at")),
        ):
            if value not in (None, ""):
                facts[f"typeform_{key}"] = first_text(value)
        return facts


ADAPTER = TypeformHook()
