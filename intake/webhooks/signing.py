"""Secrets and signatures as the Standard Webhooks specification says
(https://www.standardwebhooks.com/, "Signature scheme"):

- a secret is `whsec_` + base64 of 24 to 64 random bytes; the key is the decoded bytes;
- the signed content is `{webhook-id}.{webhook-timestamp}.{body}`;
- `webhook-signature` is `v1,` + base64 of its HMAC-SHA256, and several signatures may be sent
  separated by spaces (during a secret rotation, one with each secret).
"""

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the specification's prefix, not a secret
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret (its base64 part, decoded)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with `secret`."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_use: list[str], message_id: str, timestamp: int, body: bytes) -> dict:
    """The three Standard Webhooks headers: one signature per secret in use."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use
        ),
    }
