"""Signing secrets and signatures, the Standard Webhooks way (standardwebhooks.com, docs/webhooks.md).

A secret is `whsec_` + base64 of 32 random bytes; the HMAC key is the base64-decoded part after
the prefix. Every request carries `webhook-id` (the event's `msg_<hex>`, the same on every retry),
`webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`: space-separated
`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per secret in force. After a rotation
the previous secret signs too until `previous_secret_expires_at`, so a receiver that still has the
old secret keeps verifying while its owner swaps it.

Secrets are stored encrypted (lib/crypto.py, purpose "webhook-secret"); only the endpoint's owner
ever sees one, and only through the admin API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from voelgoed.domain.webhooks.event_types import PAYLOAD_VERSION
from voelgoed.lib.crypto import decrypt_str, encrypt_str

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
SECRET_BYTES = 32
PURPOSE = "webhook-secret"
USER_AGENT = "VoelgoedEvents-Webhooks/1"
DEFAULT_KEEP_PREVIOUS = timedelta(hours=24)


class HasSecrets(Protocol):
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def encrypt_secret(secret: str) -> str:
    return encrypt_str(secret, purpose=PURPOSE)


def decrypt_secret(stored: str) -> str:
    return decrypt_str(stored, purpose=PURPOSE)


def rotate(endpoint: Any, keep_previous_for: timedelta = DEFAULT_KEEP_PREVIOUS, *, now: datetime | None = None) -> str:
    """Give `endpoint` (a WebhookEndpoint, in the caller's transaction) a new secret and return it
    in clear (to show once). The current one becomes the previous one and keeps signing for
    `keep_previous_for` (0: not at all)."""
    secret = new_secret()
    now = now or datetime.now(UTC)
    if keep_previous_for > timedelta(0):
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = now + keep_previous_for
    else:
        endpoint.previous_secret_encrypted = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = encrypt_secret(secret)
    return secret


def secrets_in_force(
    secret_encrypted: str,
    previous_secret_encrypted: str | None,
    previous_secret_expires_at: datetime | None,
    now: datetime,
) -> list[str]:
    """The clear secrets that sign a request now: the current one, and the previous one while it
    has not expired."""
    out = [decrypt_secret(secret_encrypted)]
    if previous_secret_encrypted and previous_secret_expires_at and previous_secret_expires_at > now:
        out.append(decrypt_secret(previous_secret_encrypted))
    return out


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64>` for one secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a delivery request."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
        "webhook-payload-version": PAYLOAD_VERSION,
    }
