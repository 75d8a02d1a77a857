"""Response bodies of the ticket endpoints."""

from __future__ import annotations

import uuid

import msgspec


class SigningKeyRead(msgspec.Struct):
    """An event's public ticket-signing key: all a scanner needs to verify VG1 payloads offline
    (docs/scanning-protocol.md)."""

    event_id: uuid.UUID
    event_slug: str
    key_id: str  # 12 lower-case hex digits; bytes 1..6 of every payload signed with this key
    algorithm: str  # "Ed25519"
    public_key: str  # the 32 raw bytes, lower-case hex
    public_key_base64url: str  # the same bytes, base64url without padding (a JWK's "x")
    payload_version: int  # the VG payload version this key signs (1)
