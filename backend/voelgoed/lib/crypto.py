"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys derived from SECRET_KEY.

Each use names a `purpose` (e.g. "event-signing-key", "payment-credentials"); HKDF derives a
separate key per purpose, so a value encrypted for one purpose never decrypts as another.
Rotating SECRET_KEY makes every stored value unreadable: re-encrypt before rotating.
`sign`/`verify` give short HMAC signatures for values handed out in links and forms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(ValueError):
    """The value was not encrypted by us under this SECRET_KEY and purpose, or was altered."""


def _fernet(purpose: str, secret_key: str | None) -> Fernet:
    if secret_key is None:
        from voelgoed.settings import get_settings

        secret_key = get_settings().security.secret_key
    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"voelgoed-secrets-at-rest-v1",
        info=f"voelgoed:{purpose}".encode(),
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(plaintext: bytes, *, purpose: str, secret_key: str | None = None) -> bytes:
    return _fernet(purpose, secret_key).encrypt(plaintext)


def decrypt(token: bytes, *, purpose: str, secret_key: str | None = None) -> bytes:
    try:
        return _fernet(purpose, secret_key).decrypt(token)
    except InvalidToken as exc:
        raise DecryptionError(f"cannot decrypt this {purpose}: wrong SECRET_KEY or altered data") from exc


def encrypt_str(plaintext: str, *, purpose: str, secret_key: str | None = None) -> str:
    return encrypt(plaintext.encode(), purpose=purpose, secret_key=secret_key).decode("ascii")


def decrypt_str(token: str, *, purpose: str, secret_key: str | None = None) -> str:
    return decrypt(token.encode("ascii"), purpose=purpose, secret_key=secret_key).decode()


def _hmac_key(purpose: str, secret_key: str | None) -> bytes:
    if secret_key is None:
        from voelgoed.settings import get_settings

        secret_key = get_settings().security.secret_key
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"voelgoed-signed-values-v1",
        info=f"voelgoed:{purpose}".encode(),
    ).derive(secret_key.encode())


def sign(message: str, *, purpose: str, secret_key: str | None = None) -> str:
    """HMAC-SHA256 of `message` under a per-purpose key; URL-safe base64 without padding."""
    digest = hmac.new(_hmac_key(purpose, secret_key), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(message: str, signature: str, *, purpose: str, secret_key: str | None = None) -> bool:
    """Constant-time check of a value made by `sign`."""
    return hmac.compare_digest(sign(message, purpose=purpose, secret_key=secret_key), signature or "")
