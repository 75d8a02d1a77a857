"""Signing secrets of webhook endpoints: made, stored encrypted, rotated.

A secret is `whsec_` + base64 of 32 random bytes (the Standard Webhooks form, as Svix and Stripe
show it). At rest it is encrypted with the app key (lib/crypto.py, purpose "webhook-secret"). A
rotation keeps the previous secret for PREVIOUS_SECRET_GRACE so the receiver can switch over while
every message carries a signature by both.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from voelgoed.lib.crypto import decrypt_str, encrypt_str

if TYPE_CHECKING:
    from voelgoed.domain.webhooks.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_PURPOSE = "webhook-secret"  # noqa: S105 (a key-derivation label)
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def encrypt_secret(secret: str) -> str:
    return encrypt_str(secret, purpose=SECRET_PURPOSE)


def current_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt_str(endpoint.secret_encrypted, purpose=SECRET_PURPOSE)


def previous_secret(endpoint: WebhookEndpoint, now: datetime | None = None) -> str | None:
    """The secret before the last rotation while it is still honoured, else None."""
    now = now or datetime.now(UTC)
    if endpoint.previous_secret_encrypted is None or endpoint.previous_secret_expires_at is None:
        return None
    if endpoint.previous_secret_expires_at <= now:
        return None
    return decrypt_str(endpoint.previous_secret_encrypted, purpose=SECRET_PURPOSE)


def rotate(endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """Give the endpoint a new secret, keeping the current one for PREVIOUS_SECRET_GRACE; the new one."""
    now = now or datetime.now(UTC)
    fresh = new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_GRACE
    endpoint.secret_encrypted = encrypt_secret(fresh)
    return fresh
