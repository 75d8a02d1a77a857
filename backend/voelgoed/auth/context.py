from __future__ import annotations

import uuid
from dataclasses import dataclass

from voelgoed.domain.accounts.models import User, UserSession
from voelgoed.lib.problems import Forbidden


@dataclass(frozen=True)
class ApiKeyActor:
    """The API key a request was authenticated with (auth/api_key.py)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    prefix: str
    scopes: frozenset[str]


@dataclass
class AuthContext:
    """Who is calling: set by the guard, read by handlers through the `auth` dependency.

    Either a signed-in person (`user` and `session`) or an organisation's API key (`api_key`,
    with `user` None). Handlers that record who did something use `user_id` (None for a key) and
    `actor_label`; the few things only a person can do call `require_user()`."""

    user: User | None
    session: UserSession | None = None
    api_key: ApiKeyActor | None = None
    organization_id: uuid.UUID | None = None
    role: str | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user is not None else None

    @property
    def actor_label(self) -> str:
        """How the audit log names the actor: the person's e-mail, or "API key <name>"."""
        if self.user is not None:
            return self.user.email
        assert self.api_key is not None
        return f"API key {self.api_key.name}"

    def require_user(self) -> User:
        if self.user is None:
            raise Forbidden("Only a signed-in person can do this, not an API key.")
        return self.user

    def require_org(self) -> uuid.UUID:
        assert self.organization_id is not None, "route is not organisation-scoped"
        return self.organization_id
