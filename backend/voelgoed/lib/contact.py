"""E-mail addresses and phone numbers: the one rule for each, used by sign-up and sign-in, invitations,
the buyers' JSON API, the checkout workflow and the checkout site (which used to carry their own,
disagreeing copies: a 6-character phone was fine in the API and refused on the site).

E-mail: surrounding space is dropped and the address lower-cased (`fold_email`), then it must look
like local@domain.tld: at most 64 characters before the @ (RFC 5321), no spaces, a top-level
domain of two or more characters. Nothing stricter: the only real check is the mail that arrives.

Phone: optional; a leading +, then ASCII digits with spaces, hyphens or parentheses between them,
7 to 15 digits (E.164 allows at most 15; the shortest numbers in use, with their country code, have
7) and at most 20 characters. South African numbers pass written locally ("082 123 4567") or
internationally ("+27 82 123 4567"); "call me" or "12345" do not.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from voelgoed.lib.problems import Unprocessable

EMAIL_MAX_LENGTH = 320
# The request bodies' e-mail field: length only, so a sign-in with a mistyped address still answers
# "wrong e-mail or password", and the form rule (normalise_email) gives field-level messages.
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=EMAIL_MAX_LENGTH)]

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_PHONE = re.compile(r"\+?[0-9 ()-]{1,20}")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15


def fold_email(email: str) -> str:
    """The stored and compared form of an address: surrounding space dropped, lower case."""
    return email.strip().lower()


def is_email(email: str) -> bool:
    """Whether an already folded address looks deliverable (see the module's rule)."""
    return len(email) <= EMAIL_MAX_LENGTH and _EMAIL.fullmatch(email) is not None


def normalise_email(email: str, *, field: str = "email", message: str = "Enter a valid e-mail address.") -> str:
    """fold_email, refusing (422 at `field`) an address that does not look deliverable."""
    value = fold_email(email)
    if not is_email(value):
        raise Unprocessable.field(field, message)
    return value


def clean_phone(phone: str | None) -> str | None:
    """Runs of white space collapsed to one space; None for an empty number (the phone is optional)."""
    return " ".join((phone or "").split()) or None


def is_phone(phone: str) -> bool:
    """Whether a cleaned (clean_phone) number is a phone number by the module's rule."""
    if _PHONE.fullmatch(phone) is None:
        return False
    digits = sum(c.isascii() and c.isdigit() for c in phone)
    return PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS
