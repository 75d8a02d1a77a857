"""The VG1 ticket payload: round trip, the published test vector, and every kind of forgery."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import uuid
from pathlib import Path

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from voelgoed.domain.tickets import payload as ticket_payload
from voelgoed.lib import crypto
from voelgoed.workflows.check_in import is_ticket_code

# The test vector in docs/scanning-protocol.md: keep both in step.
VECTOR_SEED = bytes(range(32))
VECTOR_PUBLIC_KEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
VECTOR_KEY_ID = "a1b2c3d4e5f6"
VECTOR_SERIAL = "00112233445566778899aabb"
VECTOR_TICKET_TYPE = uuid.UUID("0192f5e4-7b3a-7cde-8f01-23456789abcd")
VECTOR_TYPE_REF = "a939b790"
VECTOR_PAYLOAD = (
    "VG1:AGQ3FQ6U4X3AAEJCGNCFKZTXRCM2VO5JHG3ZAAB7UUE675OYZYD3C53N2ZEJYSQ4PS5AR3N6DBGMGKZJHR4B2DEM"
    "T5SJ6GHLZKICHD3OKHAKDHJLA6M2A6AMXLRTAB5WG2ZU2OM5ZDOAY"
)


# The text vectors: the JSON block in docs/scanning-protocol.md, read as it stands (the scanner's
# vitest reads the same block), so both implementations accept and refuse exactly the same texts.
PROTOCOL_DOC = Path(__file__).resolve().parents[3] / "docs" / "scanning-protocol.md"
_TEXT_VECTORS = json.loads(
    re.search(r"```json text-vectors\n(.*?)\n```", PROTOCOL_DOC.read_text("utf-8"), re.S).group(1)  # type: ignore[union-attr]
)


def vector_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(VECTOR_SEED)


def claims(**overrides: object) -> ticket_payload.TicketClaims:
    values: dict[str, object] = {
        "key_id": bytes.fromhex(VECTOR_KEY_ID),
        "serial": bytes.fromhex(VECTOR_SERIAL),
        "type_ref": ticket_payload.ticket_type_ref(VECTOR_TICKET_TYPE),
    }
    values.update(overrides)
    return ticket_payload.TicketClaims(**values)  # type: ignore[arg-type]


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def raw_of(text: str) -> bytearray:
    body = text[len(ticket_payload.PREFIX) :]
    return bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))


def text_of(raw: bytes) -> str:
    return ticket_payload.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_test_vector_signs_and_verifies_exactly() -> None:
    key = vector_key()
    assert public_bytes(key).hex() == VECTOR_PUBLIC_KEY
    assert ticket_payload.ticket_type_ref(VECTOR_TICKET_TYPE).hex() == VECTOR_TYPE_REF
    assert ticket_payload.sign_payload(claims(), key) == VECTOR_PAYLOAD
    verified = ticket_payload.verify_payload(VECTOR_PAYLOAD, bytes.fromhex(VECTOR_PUBLIC_KEY), key_id=VECTOR_KEY_ID)
    assert verified == claims()
    assert verified.serial_text == "AAISEM2EKVTHPCEZVK5Q"
    assert verified.key_id_text == VECTOR_KEY_ID


def _serial_of(text: str) -> bytes:
    """What the server does with a scanned text: a typed code or a QR payload."""
    if is_ticket_code(text):
        return ticket_payload.serial_from_code(text)
    return ticket_payload.verify_payload(text, bytes.fromhex(VECTOR_PUBLIC_KEY), key_id=VECTOR_KEY_ID).serial


@pytest.mark.parametrize("case", _TEXT_VECTORS["accepted"], ids=lambda c: c["note"])
def test_text_vectors_accepted(case: dict[str, str]) -> None:
    assert _serial_of(case["text"]).hex() == _TEXT_VECTORS["serial"] == VECTOR_SERIAL


@pytest.mark.parametrize("case", _TEXT_VECTORS["refused"], ids=lambda c: c["note"])
def test_text_vectors_refused(case: dict[str, str]) -> None:
    # One ticket has exactly one code: a look-alike is refused whichever way it is read.
    with pytest.raises(ticket_payload.MalformedPayload):
        _serial_of(case["text"])
    with pytest.raises(ticket_payload.MalformedPayload):
        ticket_payload.parse_payload(case["text"])
    with pytest.raises(ticket_payload.MalformedPayload):
        ticket_payload.serial_from_code(case["text"])


def test_layout_is_the_documented_one() -> None:
    raw = raw_of(VECTOR_PAYLOAD)
    assert len(raw) == 88 and len(VECTOR_PAYLOAD) == 145
    assert raw[0] == 1
    assert raw[1:7].hex() == VECTOR_KEY_ID
    assert raw[7:19].hex() == VECTOR_SERIAL
    assert raw[19:23].hex() == VECTOR_TYPE_REF
    assert raw[23] == 0
    vector_key().public_key().verify(bytes(raw[24:]), bytes(raw[:24]))  # raises if not


def test_round_trip_with_validity_window_and_qr_size() -> None:
    key = Ed25519PrivateKey.generate()
    c = claims(serial=ticket_payload.new_serial(), valid_from=1_767_225_600, valid_until=1_767_312_000)
    text = ticket_payload.sign_payload(c, key)
    assert ticket_payload.verify_payload(text, public_bytes(key)) == c
    assert ticket_payload.verify_payload(text.lower(), key.public_key()) == c  # typed by hand, any case
    assert segno.make_qr(text, error="m").version <= 7
    assert segno.make_qr(ticket_payload.sign_payload(claims(), key), error="m").version <= 6
    assert ticket_payload.serial_from_text(c.serial_text) == c.serial


@pytest.mark.parametrize("index", [1, 6, 7, 12, 18, 19, 22])  # key_id, serial, type_ref bytes
def test_any_changed_signed_byte_is_refused(index: int) -> None:
    raw = raw_of(VECTOR_PAYLOAD)
    raw[index] ^= 0x01
    with pytest.raises(ticket_payload.BadSignature):
        ticket_payload.verify_payload(text_of(raw), bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_changed_signature_is_refused() -> None:
    raw = raw_of(VECTOR_PAYLOAD)
    raw[-1] ^= 0x80
    with pytest.raises(ticket_payload.BadSignature):
        ticket_payload.verify_payload(text_of(raw), bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_signed_by_someone_else_with_our_key_id_is_refused() -> None:
    forger = Ed25519PrivateKey.generate()
    forged = ticket_payload.sign_payload(claims(), forger)  # claims our key id, signed with another key
    with pytest.raises(ticket_payload.BadSignature):
        ticket_payload.verify_payload(forged, bytes.fromhex(VECTOR_PUBLIC_KEY), key_id=VECTOR_KEY_ID)


def test_another_events_ticket_is_refused() -> None:
    other_key = Ed25519PrivateKey.generate()
    other = ticket_payload.sign_payload(claims(key_id=bytes.fromhex("0f0e0d0c0b0a")), other_key)
    with pytest.raises(ticket_payload.WrongKey):
        ticket_payload.verify_payload(other, bytes.fromhex(VECTOR_PUBLIC_KEY), key_id=VECTOR_KEY_ID)
    with pytest.raises(ticket_payload.BadSignature):  # without the key id hint, the signature still fails
        ticket_payload.verify_payload(other, bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_added_validity_window_is_refused() -> None:
    # Setting a flag and appending a time changes the signed bytes: the old signature fails.
    raw = raw_of(VECTOR_PAYLOAD)
    tampered = raw[:23] + bytes([ticket_payload.FLAG_VALID_UNTIL]) + (2**31).to_bytes(4, "big") + raw[24:]
    with pytest.raises(ticket_payload.BadSignature):
        ticket_payload.verify_payload(text_of(tampered), bytes.fromhex(VECTOR_PUBLIC_KEY))


@pytest.mark.parametrize("cut", [1, 5, 10, 60, 100, 140])
def test_truncated_payloads_are_malformed(cut: int) -> None:
    with pytest.raises(ticket_payload.MalformedPayload):
        ticket_payload.verify_payload(VECTOR_PAYLOAD[:cut], bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_truncated_at_a_byte_boundary_is_malformed() -> None:
    raw = raw_of(VECTOR_PAYLOAD)
    with pytest.raises(ticket_payload.MalformedPayload, match="truncated"):
        ticket_payload.verify_payload(text_of(raw[:-1]), bytes.fromhex(VECTOR_PUBLIC_KEY))
    with pytest.raises(ticket_payload.MalformedPayload, match="trailing"):
        ticket_payload.verify_payload(text_of(raw + b"\x00"), bytes.fromhex(VECTOR_PUBLIC_KEY))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "hello world",
        "https://example.com/ticket/123",
        "VG1:",
        "VG1:!!!!",
        "VG1:" + "A" * 141,  # well-formed base32, all zero bytes: version 0
        "VG1:" + "1" * 141,  # 1 is not in the base32 alphabet
        "VG1:AGQ3FQ6U4X3AAEJ=",  # padding is not allowed
        "VG1:AGQ3FQ6U\x00X3AAEJ",
        "VG1:ÄGQ3FQ6U4X3AAEJ",
        "\ufeffVG1:AGQ3",
    ],
)
def test_garbage_is_a_clean_value_error(garbage: str) -> None:
    with pytest.raises(ticket_payload.PayloadError):
        ticket_payload.verify_payload(garbage, bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_huge_input_is_refused_before_decoding() -> None:
    for huge in ("VG1:" + "A" * 10_000_000, VECTOR_PAYLOAD + "A" * 16, " " * 1000 + VECTOR_PAYLOAD):
        with pytest.raises(ticket_payload.MalformedPayload, match="too long"):
            ticket_payload.verify_payload(huge, bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_other_version_and_non_text_inputs() -> None:
    with pytest.raises(ticket_payload.UnsupportedVersion):
        ticket_payload.verify_payload("VG3:AAAA", bytes.fromhex(VECTOR_PUBLIC_KEY))
    raw = raw_of(VECTOR_PAYLOAD)
    raw[0] = 2
    with pytest.raises(ticket_payload.UnsupportedVersion):
        ticket_payload.verify_payload(text_of(raw), bytes.fromhex(VECTOR_PUBLIC_KEY))
    with pytest.raises(ticket_payload.MalformedPayload):
        ticket_payload.verify_payload(b"VG1:AAAA", bytes.fromhex(VECTOR_PUBLIC_KEY))  # type: ignore[arg-type]


def test_unknown_flags_and_non_canonical_base32_are_refused() -> None:
    raw = raw_of(VECTOR_PAYLOAD)
    raw[23] = 0x04
    with pytest.raises(ticket_payload.MalformedPayload, match="flags"):
        ticket_payload.verify_payload(text_of(raw), bytes.fromhex(VECTOR_PUBLIC_KEY))
    # 88 bytes leave one unused bit in the last character: setting it spells the same bytes
    # differently, and one ticket has exactly one code.
    last = VECTOR_PAYLOAD[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    other = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(ticket_payload.MalformedPayload, match="non-canonical"):
        ticket_payload.verify_payload(VECTOR_PAYLOAD[:-1] + other, bytes.fromhex(VECTOR_PUBLIC_KEY))


def test_a_bad_public_key_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        ticket_payload.verify_payload(VECTOR_PAYLOAD, b"short")


def test_fuzzed_inputs_never_raise_anything_but_payload_errors() -> None:
    import random

    rng = random.Random(1234)
    public = bytes.fromhex(VECTOR_PUBLIC_KEY)
    raw = raw_of(VECTOR_PAYLOAD)
    for _ in range(3000):
        mutated = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        mutated = mutated[: rng.randint(0, len(mutated) + 4)]
        candidates = [text_of(mutated), VECTOR_PAYLOAD[: rng.randrange(150)] + chr(rng.randrange(32, 0x3000))]
        for text in candidates:
            with contextlib.suppress(ticket_payload.PayloadError):
                ticket_payload.verify_payload(text, public)


def test_claims_refuse_wrong_lengths_and_times() -> None:
    with pytest.raises(ValueError):
        claims(serial=b"short")
    with pytest.raises(ValueError):
        claims(valid_until=2**32)


def test_private_keys_at_rest_are_bound_to_secret_and_purpose() -> None:
    secret = vector_key().private_bytes_raw()
    token = crypto.encrypt(secret, purpose="event-signing-key", secret_key="s1")
    assert secret not in token
    assert crypto.decrypt(token, purpose="event-signing-key", secret_key="s1") == secret
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, purpose="event-signing-key", secret_key="s2")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, purpose="payment-credentials", secret_key="s1")
