"""The signed ticket QR payload ("VG1"): compact, verifiable offline with the event's public key.

Byte layout (all integers big-endian; the full specification, with a test vector, is in
docs/scanning-protocol.md, which scanners implement):

    offset len  field
    0      1    version (0x01)
    1      6    key_id: the event signing key's id (raw bytes; shown as 12 lower-case hex digits)
    7      12   serial: the ticket's random serial (shown as 20 base32 characters)
    19     4    type_ref: first 4 bytes of SHA-256(ticket_type_id as its 16 UUID bytes)
    23     1    flags: bit 0 valid_from present, bit 1 valid_until present, other bits zero
    24     4/0  valid_from, Unix seconds (uint32), when flag bit 0
    ..     4/0  valid_until, Unix seconds (uint32), when flag bit 1
    ..     64   Ed25519 signature over every byte before it

Version 2 ("VG2:", version byte 0x02) is the same layout with the ticket's seat after the validity
times, before the signature: one length byte n (1..120), then n bytes of UTF-8 text
"section_key US row US seat" (US = 0x1F). Only seated tickets use it, so a general-admission
ticket's payload is exactly the version 1 bytes it always was, and every old ticket still verifies.

Text form: "VG1:" (or "VG2:") + RFC 4648 base32 of those bytes, upper case, no padding. Every character is
in the QR alphanumeric set, so the 88-byte payload (145 characters) fits a version 6 QR code at
error correction level M (version 7 with both validity times).

One ticket has exactly one code: any character outside ASCII is refused before anything is
trimmed or upper-cased (Unicode case mapping turns a long s, U+017F, into "S", a dotless i,
U+0131, into "I", the Kelvin sign, U+212A, into "k"; Unicode trimming drops no-break spaces), and
trimming removes ASCII white space only.
The text vectors in docs/scanning-protocol.md hold this and the scanner's verifier to it.

Verification never trusts anything before the signature checks out, and every way a payload can
be wrong raises a `PayloadError` (a ValueError), never anything else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import struct
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "VG1:"
VERSION = 1
SEAT_PREFIX = "VG2:"
SEAT_VERSION = 2
SEAT_SEPARATOR = "\x1f"
MAX_SEAT_BYTES = 120
KEY_ID_LEN = 6
SERIAL_LEN = 12
TYPE_REF_LEN = 4
SIGNATURE_LEN = 64
FLAG_VALID_FROM = 0x01
FLAG_VALID_UNTIL = 0x02
_HEADER_LEN = 1 + KEY_ID_LEN + SERIAL_LEN + TYPE_REF_LEN + 1  # up to and including flags
MIN_BYTES = _HEADER_LEN + SIGNATURE_LEN
MAX_BYTES = MIN_BYTES + 8
MAX_SEAT_BYTES_TOTAL = MAX_BYTES + 1 + MAX_SEAT_BYTES  # version 2
# Anything longer cannot be ours; checked before any decoding work.
MAX_TEXT_LEN = len(PREFIX) + (MAX_BYTES * 8 + 4) // 5
MAX_SEAT_TEXT_LEN = len(SEAT_PREFIX) + (MAX_SEAT_BYTES_TOTAL * 8 + 4) // 5
_BASE32 = re.compile(r"[A-Z2-7]+")
# What "trim" removes: ASCII white space only, the same six characters JavaScript's trim() removes
# from ASCII text (str.strip() would also drop \x1c-\x1f, and any Unicode space).
ASCII_WHITESPACE = " \t\n\r\x0b\x0c"
_UINT32_MAX = 2**32 - 1


class PayloadError(ValueError):
    """Not a valid ticket payload; `reason` is a stable machine-readable word."""

    reason = "invalid"


class MalformedPayload(PayloadError):
    reason = "malformed"


class UnsupportedVersion(PayloadError):
    reason = "unsupported_version"


class WrongKey(PayloadError):
    """Signed with another key (e.g. another event's) than the one it is checked against."""

    reason = "wrong_key"


class BadSignature(PayloadError):
    reason = "bad_signature"


@dataclass(frozen=True)
class TicketClaims:
    """What a payload says about a ticket. Only trust it after `verify_payload`."""

    key_id: bytes
    serial: bytes
    type_ref: bytes
    valid_from: int | None = None  # Unix seconds, UTC
    valid_until: int | None = None
    # (section key, row label, seat label) of a reserved seat; None: general admission (version 1)
    seat: tuple[str, str, str] | None = None

    def __post_init__(self) -> None:
        if len(self.key_id) != KEY_ID_LEN or len(self.serial) != SERIAL_LEN or len(self.type_ref) != TYPE_REF_LEN:
            raise ValueError("key_id, serial and type_ref have fixed lengths (6, 12, 4 bytes)")
        for value in (self.valid_from, self.valid_until):
            if value is not None and not 0 <= value <= _UINT32_MAX:
                raise ValueError("validity times are Unix seconds between 1970 and 2106")
        if self.seat is not None:
            seat_bytes(self.seat)  # raises on an empty or oversized seat

    @property
    def version(self) -> int:
        return VERSION if self.seat is None else SEAT_VERSION

    @property
    def key_id_text(self) -> str:
        return key_id_to_text(self.key_id)

    @property
    def serial_text(self) -> str:
        return serial_to_text(self.serial)

    def body(self) -> bytes:
        """The signed bytes: everything before the signature."""
        flags = (FLAG_VALID_FROM if self.valid_from is not None else 0) | (
            FLAG_VALID_UNTIL if self.valid_until is not None else 0
        )
        out = bytes([self.version]) + self.key_id + self.serial + self.type_ref + bytes([flags])
        if self.valid_from is not None:
            out += struct.pack(">I", self.valid_from)
        if self.valid_until is not None:
            out += struct.pack(">I", self.valid_until)
        if self.seat is not None:
            seat = seat_bytes(self.seat)
            out += bytes([len(seat)]) + seat
        return out


def seat_bytes(seat: tuple[str, str, str]) -> bytes:
    """The seat as signed: UTF-8 "section_key US row US seat"; each part non-empty, without US."""
    if len(seat) != 3 or any(not part or SEAT_SEPARATOR in part for part in seat):
        raise ValueError("a seat is (section key, row, seat), each non-empty")
    data = SEAT_SEPARATOR.join(seat).encode("utf-8")
    if len(data) > MAX_SEAT_BYTES:
        raise ValueError(f"a seat takes at most {MAX_SEAT_BYTES} bytes")
    return data


def _seat_from_bytes(data: bytes) -> tuple[str, str, str]:
    try:
        parts = data.decode("utf-8").split(SEAT_SEPARATOR)
    except UnicodeDecodeError as exc:
        raise MalformedPayload("seat is not UTF-8") from exc
    if len(parts) != 3 or not all(parts):
        raise MalformedPayload("a seat has a section, a row and a seat")
    return parts[0], parts[1], parts[2]


# --- identifiers -----------------------------------------------------------------------------


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(text: str) -> bytes:
    """Strict RFC 4648 base32 without padding: canonical input only (unused bits zero)."""
    if not _BASE32.fullmatch(text) or len(text) % 8 in (1, 3, 6):
        raise MalformedPayload("not base32")
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise MalformedPayload("not base32") from exc
    if _b32(data) != text:  # another spelling of the same bytes: refuse, one ticket has one code
        raise MalformedPayload("non-canonical base32")
    return data


def ascii_text(text: str) -> str:
    """`text` trimmed of ASCII white space, after refusing any non-ASCII character in it.

    Every reading of a scanned or typed text starts here, before any case change: a look-alike
    (U+017F, U+0131, U+212A, a no-break space, ...) must not become another spelling of a real code.
    """
    if not text.isascii():
        raise MalformedPayload("not ASCII")
    return text.strip(ASCII_WHITESPACE)


def new_serial() -> bytes:
    return secrets.token_bytes(SERIAL_LEN)


def new_key_id() -> bytes:
    return secrets.token_bytes(KEY_ID_LEN)


def serial_to_text(serial: bytes) -> str:
    """The form stored in `ticket.serial` and typed in by hand: 20 base32 characters."""
    return _b32(serial)


def serial_from_text(text: str) -> bytes:
    data = _unb32(ascii_text(text).upper())
    if len(data) != SERIAL_LEN:
        raise MalformedPayload("a serial is 12 bytes")
    return data


# Characters a person may read for a base32 letter: the digits 0, 1 and 8 are not in the alphabet.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_CODE_SEPARATORS = re.compile(r"[ \t\n\r\x0b\x0c\-_.]+")  # ASCII only: str patterns' \s is Unicode
CODE_GROUP = 5


def ticket_code(serial_text: str) -> str:
    """The serial as printed under the QR for typing in by hand: "ABCDE-FGHIJ-KLMNO-PQRST"."""
    return "-".join(serial_text[i : i + CODE_GROUP] for i in range(0, len(serial_text), CODE_GROUP))


def serial_from_code(text: str) -> bytes:
    """A typed ticket code: any case, any grouping (spaces, dashes), 0/1/8 read as O/I/B."""
    if not isinstance(text, str) or len(text) > 64:
        raise MalformedPayload("not a ticket code")
    compact = _CODE_SEPARATORS.sub("", ascii_text(text)).upper().translate(_LOOKALIKES)
    if len(compact) != 20:
        raise MalformedPayload("a ticket code has 20 characters")
    return serial_from_text(compact)


def key_id_to_text(key_id: bytes) -> str:
    return key_id.hex()


def key_id_from_text(text: str) -> bytes:
    try:
        data = bytes.fromhex(text)
    except ValueError as exc:
        raise MalformedPayload("key id is not hex") from exc
    if len(data) != KEY_ID_LEN:
        raise MalformedPayload("a key id is 6 bytes")
    return data


def ticket_type_ref(ticket_type_id: uuid.UUID) -> bytes:
    """A short, stable reference to a ticket type (collisions within one event: ~n²/2³³)."""
    return hashlib.sha256(ticket_type_id.bytes).digest()[:TYPE_REF_LEN]


# --- encoding, parsing, verifying ------------------------------------------------------------


def sign_payload(claims: TicketClaims, private_key: Ed25519PrivateKey) -> str:
    body = claims.body()
    return (PREFIX if claims.seat is None else SEAT_PREFIX) + _b32(body + private_key.sign(body))


def parse_payload(text: str) -> tuple[TicketClaims, bytes, bytes]:
    """Split a payload into (claims, signed body, signature) WITHOUT checking the signature.

    Use it to find which key to verify with (claims.key_id); trust nothing else from it.
    """
    if not isinstance(text, str):
        raise MalformedPayload("a payload is text")
    if len(text) > MAX_SEAT_TEXT_LEN + 8:  # a little slack for surrounding whitespace
        raise MalformedPayload("too long to be a ticket")
    text = ascii_text(text)
    prefix = text[: len(PREFIX)].upper()
    if len(text) > (MAX_SEAT_TEXT_LEN if prefix == SEAT_PREFIX else MAX_TEXT_LEN):
        raise MalformedPayload("too long to be a ticket")
    if prefix not in (PREFIX, SEAT_PREFIX):
        if text[:2].upper() == "VG" and text[3:4] == ":":
            raise UnsupportedVersion("unknown payload version")
        raise MalformedPayload("not a VoelgoedEvents ticket")
    version = VERSION if prefix == PREFIX else SEAT_VERSION
    raw = _unb32(text[len(PREFIX) :].upper())
    if len(raw) < MIN_BYTES:
        raise MalformedPayload("truncated")
    if raw[0] != version:  # the text's version and the signed byte must agree
        raise UnsupportedVersion(f"unknown payload version {raw[0]}")
    flags = raw[_HEADER_LEN - 1]
    if flags & ~(FLAG_VALID_FROM | FLAG_VALID_UNTIL):
        raise MalformedPayload("unknown flags")
    body_len = _HEADER_LEN + 4 * bin(flags).count("1")
    seat_len = 0
    if version == SEAT_VERSION:
        if len(raw) <= body_len:
            raise MalformedPayload("truncated")
        seat_len = raw[body_len]
        if not 1 <= seat_len <= MAX_SEAT_BYTES:
            raise MalformedPayload("bad seat length")
        body_len += 1 + seat_len
    if len(raw) != body_len + SIGNATURE_LEN:
        raise MalformedPayload("truncated" if len(raw) < body_len + SIGNATURE_LEN else "trailing bytes")
    pos = 1
    key_id = raw[pos : pos + KEY_ID_LEN]
    pos += KEY_ID_LEN
    serial = raw[pos : pos + SERIAL_LEN]
    pos += SERIAL_LEN
    type_ref = raw[pos : pos + TYPE_REF_LEN]
    pos += TYPE_REF_LEN + 1
    valid_from = valid_until = None
    if flags & FLAG_VALID_FROM:
        (valid_from,) = struct.unpack_from(">I", raw, pos)
        pos += 4
    if flags & FLAG_VALID_UNTIL:
        (valid_until,) = struct.unpack_from(">I", raw, pos)
        pos += 4
    seat = _seat_from_bytes(raw[pos + 1 : pos + 1 + seat_len]) if seat_len else None
    claims = TicketClaims(key_id, serial, type_ref, valid_from, valid_until, seat)
    return claims, raw[:body_len], raw[body_len:]


def verify_payload(
    text: str, public_key: bytes | Ed25519PublicKey, *, key_id: bytes | str | None = None
) -> TicketClaims:
    """The payload's claims, if it is well formed and signed by `public_key`.

    When `key_id` is given, a payload naming another key fails with WrongKey before any
    signature work (the usual case: a ticket of another event).
    """
    claims, body, signature = parse_payload(text)
    if key_id is not None:
        expected = key_id_from_text(key_id) if isinstance(key_id, str) else key_id
        if claims.key_id != expected:
            raise WrongKey("signed with another key")
    if isinstance(public_key, bytes):
        if len(public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        public_key = Ed25519PublicKey.from_public_bytes(public_key)
    try:
        public_key.verify(signature, body)
    except InvalidSignature as exc:
        raise BadSignature("signature does not match") from exc
    return claims
