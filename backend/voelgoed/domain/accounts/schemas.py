from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from voelgoed.lib.contact import Email

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class SignUp(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    name: Name
    organization_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class PasswordResetConfirm(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
    password: Password


class UserRead(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
