"""Chat transcripts: Tawk.to webhooks, or any chat widget posting a generic JSON shape.

Tawk.to posts one event per delivery (`chat:start`, `chat:end`, `chat:transcript_created`)
with `chatId`, `visitor{name, email, city, country}`, the visitor's first `message{text,
sender{type}}` and `property{id, name}`. https://developer.tawk.to/webhooks/
`chat:transcript_created` is read from `chat{id, visitor, messages[{sender{t}, msg}]}`, a
shape not checked against a captured delivery (tests/fixtures/vendor-samples has none).
The generic shape is `{id | chat_id, visitor{name, email, phone}, messages[{sender | author,
text}]}`.

The chat id is the lead's external id, so every event of one chat lands on one lead; the
lead's message is the visitor's lines. Signature (both shapes): `X-Tawk-Signature` = hex
HMAC-SHA1(secret, raw body).
"""

import hashlib
from typing import Any

from intake.adapters import Parsed
from intake.fields import STRING_FIELDS
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

VISITOR_FIELDS = {
    "name": "full_name",
    "email": "email",
    "phone": "phone",
    "city": "city",
    "country": "country",
}
# Who a message is from, as Tawk.to (`type`, or `t` in transcripts) and generic widgets say it.
VISITOR_SENDERS = {"visitor", "v", "customer", "user", "lead", "contact", "guest", "client"}
MESSAGE_LIMIT = STRING_FIELDS["message"]


def _chat(data: dict[str, Any]) -> dict[str, Any]:
    chat = data.get("chat")
    if chat is None:
        return data
    if not isinstance(chat, dict):
        raise parse_errors(chat="must be an object holding the chat")
    return chat


def _chat_id(data: dict[str, Any]) -> str:
    chat = chat if isinstance(chat := data.get("chat"), dict) else {}
    for value in (data.get("chatId"), chat.get("id"), data.get("chat_id"), data.get("id")):
        if value not in (None, ""):
            return first_text(value)
    return ""


def _is_visitor(message: dict[str, Any]) -> bool:
    sender = message.get("sender", message.get("author"))
    if isinstance(sender, dict):
        sender = sender.get("type") or sender.get("t")
    # A message that names no sender is the one the widget received from its visitor.
    return sender in (None, "") or first_text(sender).strip().lower() in VISITOR_SENDERS


def _messages(data: dict[str, Any], chat: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field name for errors, message object) of every message in the delivery, in order."""
    found: list[tuple[str, dict[str, Any]]] = []
    single = data.get("message")
    if isinstance(single, str):
        found.append(("message", {"text": single}))
    elif isinstance(single, dict):
        found.append(("message", single))
    elif single is not None:
        raise parse_errors(message="must be an object {text, sender} or a text")
    prefix = "chat.messages" if chat is not data else "messages"
    listed = chat.get("messages")
    if listed is None:
        return found
    if not isinstance(listed, list):
        raise parse_errors(**{prefix: "must be a list of messages"})
    for index, message in enumerate(listed):
        if not isinstance(message, dict):
            raise parse_errors(**{f"{prefix}[{index}]": "must be an object {sender, text}"})
        found.append((f"{prefix}[{index}]", message))
    return found


def _transcript(messages: list[tuple[str, dict[str, Any]]]) -> str:
    lines = []
    for _, message in messages:
        text = message.get("text", message.get("msg"))
        if isinstance(text, (str, int, float)) and str(text).strip() and _is_visitor(message):
            lines.append(f"Visitor: {str(text).strip()}")
    transcript = "\n".join(lines)
    # A long chat keeps its opening, where the visitor says what they want.
    if len(transcript) > MESSAGE_LIMIT:
        transcript = transcript[: MESSAGE_LIMIT - 1] + "…"
    return transcript


class ChatHook(HookAdapter):
    name = "chat"
    label = "Chat transcript (Tawk.to or generic JSON)"
    channel = Channel.CHAT
    signing_help = (
        "Tawk.to's webhook Secret key (Administration > Webhooks); a generic sender signs "
        "the body with it the same way"
    )

    def verify(self, request, body, source) -> None:
        secrets = require_secrets(source)
        given = request.headers.get("X-Tawk-Signature", "").strip().lower()
        if not given:
            raise HookRejected("the X-Tawk-Signature header is missing")
        if not signature_matches(secrets, body, given, algorithm="sha1"):
            raise HookRejected("X-Tawk-Signature does not match this source's secret")

    def delivery_id(self, submission) -> str:
        # One id per event of a chat: a retry of chat:start is a duplicate, while the same
        # chat's chat:end or transcript is a new touch on its lead. Without a chat id or an
        # event (a generic sender), only an identical body is the retry.
        data = stored_json(submission)
        chat_id, event = _chat_id(data), first_text(data.get("event"))
        if chat_id and event:
            return f"{chat_id}:{event}"
        return f"{chat_id}:{hashlib.sha256(bytes(submission.body)).hexdigest()[:32]}"

    def parse(self, submission) -> Parsed:
        data = stored_json(submission)
        chat = _chat(data)
        visitor = chat.get("visitor", data.get("visitor")) or {}
        if not isinstance(visitor, dict):
            raise parse_errors(visitor="must be an object {name, email, phone}")
        fields: dict[str, Any] = {}
        for key, target in VISITOR_FIELDS.items():
            value = visitor.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                fields[target] = value
        transcript = _transcript(_messages(data, chat))
        if transcript:
            fields["message"] = transcript
        chat_id = _chat_id(data)
        if chat_id:
            fields["external_id"] = chat_id

        attributes: dict[str, Any] = {}
        prop = data.get("property")
        if prop is not None and not isinstance(prop, dict):
            raise parse_errors(property="must be an object {id, name}")
        if prop:
            attributes.update(
                {f"chat_property_{k}": first_text(prop[k]) for k in ("id", "name") if prop.get(k)}
            )
        for key in ("event", "time"):
            if data.get(key) not in (None, ""):
                attributes[f"chat_{key}"] = first_text(data[key])
        fields["attributes"] = attributes
        return fields


ADAPTER = ChatHook()
