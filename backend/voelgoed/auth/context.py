from __future__ import annotations

import uuid
from dataclasses import dataclass

from voelgoed.domain.accounts.models import User, UserSession


@dataclass
class AuthContext:
    """Who is calling: set by the guard, read by handlers through the `auth` dependency."""

    user: User
    session: UserSession
    organization_id: uuid.UUID | None = None
    role: str | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    def require_org(self) -> uuid.UUID:
        assert self.organization_id is not None, "route is not organisation-scoped"
        return self.organization_id
