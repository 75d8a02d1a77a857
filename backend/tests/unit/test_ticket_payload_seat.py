"""Version 2 payloads ("VG2:"): a reserved seat signed into the QR; version 1 unchanged."""

from __future__ import annotations

import base64

import pytest

from tests.unit.test_ticket_payload import VECTOR_PAYLOAD, claims, public_bytes, vector_key
from voelgoed.domain.tickets import payload as ticket_payload

# The seated test vector in docs/scanning-protocol.md (the scanner's vitest checks the same text).
SEAT_VECTOR = (
    "VG2:AKQ3FQ6U4X3AAEJCGNCFKZTXRCM2VO5JHG3ZAAALON2GC3DMOMPUCHZRGJTBNGSNHLOERBHIGT4E5CLDIKV4V3OO5OI7"
    "HPLMG7AHFVQU24MPJZFTGOGE2PTMRHCBIQPWSKC3XMTLD3LE7VV6Y7YC6EMQPUAQYAIJ"
)


def test_seat_vector_signs_and_verifies_exactly() -> None:
    text = ticket_payload.sign_payload(claims(seat=("stalls", "A", "12")), vector_key())
    assert text == SEAT_VECTOR
    got = ticket_payload.verify_payload(text, public_bytes(vector_key()))
    assert got.seat == ("stalls", "A", "12")
    assert got.version == 2


def test_general_admission_stays_version_1() -> None:
    assert ticket_payload.sign_payload(claims(), vector_key()) == VECTOR_PAYLOAD
    assert ticket_payload.verify_payload(VECTOR_PAYLOAD, public_bytes(vector_key())).seat is None


def test_seat_with_validity_window_and_unicode_round_trips() -> None:
    c = claims(seat=("balkon", "Ö", "101"), valid_from=1_800_000_000, valid_until=1_800_086_400)
    text = ticket_payload.sign_payload(c, vector_key())
    assert ticket_payload.verify_payload(text, public_bytes(vector_key())) == c


def _raw(text: str) -> bytearray:
    body = text[4:]
    return bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))


def _text(prefix: str, raw: bytes) -> str:
    return prefix + base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_changed_seat_is_refused() -> None:
    raw = _raw(SEAT_VECTOR)
    raw[25] ^= 0x01  # the first byte of the seat text
    with pytest.raises(ticket_payload.BadSignature):
        ticket_payload.verify_payload(_text("VG2:", raw), public_bytes(vector_key()))


def test_prefix_and_version_byte_must_agree() -> None:
    with pytest.raises(ticket_payload.UnsupportedVersion):
        ticket_payload.verify_payload("VG2:" + VECTOR_PAYLOAD[4:], public_bytes(vector_key()))
    with pytest.raises(ticket_payload.PayloadError):  # longer than any version 1 payload
        ticket_payload.verify_payload("VG1:" + SEAT_VECTOR[4:], public_bytes(vector_key()))


@pytest.mark.parametrize("length", [0, 121, 200])
def test_bad_seat_length_is_malformed(length: int) -> None:
    raw = _raw(SEAT_VECTOR)
    raw[24] = length
    with pytest.raises(ticket_payload.MalformedPayload):
        ticket_payload.verify_payload(_text("VG2:", raw), public_bytes(vector_key()))


def test_bad_seats_cannot_be_signed() -> None:
    for seat in (("", "A", "1"), ("a\x1fb", "A", "1"), ("x" * 100, "y" * 20, "z" * 20)):
        with pytest.raises(ValueError):
            claims(seat=seat)
