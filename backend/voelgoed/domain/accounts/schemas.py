from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from voelgoed.lib.contact import Email

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class SignUp(msgspec.Struct, forbid_unknown_fields=True):
    """A new account, and optionally the organisation it will own."""

    email: Email
    password: Annotated[Password, msgspec.Meta(description="The password (stored only as an argon2 hash).")]
    name: Annotated[
        Name, msgspec.Meta(description="The person's name, as other members see it.", examples=["Anri van Wyk"])
    ]
    organization_name: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=200,
                description="When given, an organisation with this name is made with the new user as its owner.",
                examples=["Voelgoed Promosies"],
            ),
        ]
        | None
    ) = None


class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    """E-mail address and password of an account."""

    email: Email
    password: Annotated[Password, msgspec.Meta(description="The account's password.")]


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Where to send a password reset link."""

    email: Email


class PasswordResetConfirm(msgspec.Struct, forbid_unknown_fields=True):
    """A new password with the token from the reset e-mail's link."""

    token: Annotated[
        str,
        msgspec.Meta(
            min_length=10,
            max_length=200,
            description="The token from the reset link (single use, expires).",
            examples=["h7Kq2xVb9mPz4cLw8RtN3sYd"],
        ),
    ]
    password: Annotated[Password, msgspec.Meta(description="The new password.")]


class UserRead(msgspec.Struct):
    """A user account."""

    id: uuid.UUID
    email: str
    name: Annotated[str, msgspec.Meta(description="The person's name.", examples=["Anri van Wyk"])]
