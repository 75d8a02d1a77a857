"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys derived from SECRET_KEY.

Each use names a `purpose` (e.g. "event-signing-key", "payment-credentials"); HKDF derives a
separate key per purpose, so a value encrypted for one purpose never decrypts as another.
Rotating SECRET_KEY makes every stored value unreadable: re-encrypt before rotating.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(ValueError):
    """The value was not encrypted by us under this SECRET_KEY and purpose, or was altered."""


def _fernet(purpose: str, secret_key: str | None) -> Fernet:
    if secret_key is None:
        from voelgoed.settings import get_settings

        secret_key = get_settings().secret_key
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
