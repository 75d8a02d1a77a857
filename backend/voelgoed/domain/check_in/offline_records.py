"""What a scanner may keep offline about a ticket, and nothing readable without the ticket.

Per ticket the snapshot carries `h` (a one-way hash of the serial, the lookup key) and `e` (the
holder's name, ticket type and seat, AES-256-GCM encrypted under a key derived from the serial). The
serial is 96 random bits printed only in the ticket's QR, so a stolen device reveals nothing: only
scanning the ticket yields the key. The scanner (WebCrypto) implements exactly this; the layout
and a test vector are in docs/scanning-protocol.md ("Offline records").
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HASH_PREFIX = b"voelgoed/checkin/h1"
KDF_SALT = b"voelgoed/checkin/v1"
KDF_INFO = b"ticket-details"
HASH_HEX_LEN = 32  # 128 bits of SHA-256, hex
NONCE_LEN = 12


class Details(msgspec.Struct, frozen=True, omit_defaults=True):
    """The plaintext: n = holder name (may be null), t = ticket type name, i = ticket type id,
    s = a reserved seat as [section key, section name, row, seat] (left out for general admission,
    so a GA record is byte for byte what it was; older scanners ignore the extra key)."""

    n: str | None
    t: str
    i: str
    s: list[str] | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Details)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def serial_hash(serial: bytes) -> str:
    """h: hex(SHA-256("voelgoed/checkin/h1" || serial))[:32]; serial = the 12 raw serial bytes."""
    return hashlib.sha256(HASH_PREFIX + serial).hexdigest()[:HASH_HEX_LEN]


@lru_cache(maxsize=250_000)
def _keys(serial: bytes) -> tuple[str, AESGCM]:
    return serial_hash(serial), AESGCM(details_key(serial))


def details_key(serial: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=KDF_SALT, info=KDF_INFO).derive(serial)


def seal(serial: bytes, details: Details, *, nonce: bytes | None = None) -> tuple[str, str]:
    """(h, e) for one ticket. e = base64url(nonce(12) || AES-GCM ciphertext+tag), no padding;
    the associated data is the ASCII of h, so a record cannot be moved to another ticket."""
    h, aead = _keys(serial)
    nonce = nonce if nonce is not None else os.urandom(NONCE_LEN)
    return h, b64url(nonce + aead.encrypt(nonce, _encoder.encode(details), h.encode("ascii")))


def open_sealed(serial: bytes, e: str) -> Details:
    h, aead = _keys(serial)
    raw = unb64url(e)
    return _decoder.decode(aead.decrypt(raw[:NONCE_LEN], raw[NONCE_LEN:], h.encode("ascii")))


def test_vector() -> dict[str, str]:
    serial = bytes(range(1, 13))
    nonce = bytes(range(100, 112))
    details = Details(n="Thandi Nkosi", t="General admission", i="0b6f7e52-3f7a-4c1e-9a55-2d0c3b1f4e77")
    h, e = seal(serial, details, nonce=nonce)
    return {
        "serial_hex": serial.hex(),
        "serial_text": base64.b32encode(serial).decode().rstrip("="),
        "h": h,
        "key_hex": details_key(serial).hex(),
        "nonce_hex": nonce.hex(),
        "plaintext": _encoder.encode(details).decode(),
        "e": e,
    }


if __name__ == "__main__":  # prints the test vector quoted in docs/scanning-protocol.md
    for k, v in test_vector().items():
        print(f"{k}: {v}")
