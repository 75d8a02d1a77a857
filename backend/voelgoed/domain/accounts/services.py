"""Accounts: sign-up, credentials, server-side sessions and password resets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.accounts.models import PasswordResetToken, User, UserSession
from voelgoed.lib.contact import fold_email, normalise_email
from voelgoed.lib.problems import AppError, Conflict, FieldError, Unauthorized, Unprocessable
from voelgoed.lib.secrets import hash_password, new_token, token_digest, verify_password

MIN_PASSWORD_LENGTH = 10
RESET_TOKEN_TTL = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(UTC)


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable.field(field, f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip() == "" or len(set(password)) < 4:
        raise Unprocessable.field(field, "This password is too easy to guess.")


class AccountService:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get_by_email(self, email: str) -> User | None:
        return await self.db.scalar(select(User).where(User.email == fold_email(email)))

    async def create_user(self, *, email: str, password: str, name: str) -> User:
        # Every broken rule at once, so a form can mark each field, not only the first.
        problems: list[FieldError] = []
        try:
            email = normalise_email(email)
        except Unprocessable as exc:
            problems += exc.errors or []
        name = name.strip()
        if not name:
            problems.append(FieldError(field="name", message="Enter your name."))
        try:
            check_password_strength(password)
        except Unprocessable as exc:
            problems += exc.errors or []
        if problems:
            raise Unprocessable(" ".join(p.message for p in problems), errors=problems)
        if await self.get_by_email(email):
            raise Conflict(
                "An account with this e-mail address already exists.",
                errors=[FieldError(field="email", message="An account with this e-mail already exists.")],
            )
        user = User(email=email, name=name, password_hash=hash_password(password))
        self.db.add(user)
        await self.db.flush()
        return user

    async def authenticate(self, email: str, password: str) -> User:
        user = await self.get_by_email(email)
        ok = verify_password(user.password_hash if user else None, password)
        if not user or not ok or not user.is_active:
            raise Unauthorized("The e-mail address or password is wrong.")
        user.last_login_at = now()
        return user

    # --- sessions -------------------------------------------------------------------------
    async def start_session(
        self, user: User, *, ttl: timedelta, ip: str | None, user_agent: str | None
    ) -> tuple[str, UserSession]:
        token = new_token()
        session = UserSession(
            token_hash=token_digest(token),
            user_id=user.id,
            csrf_token=new_token(24),
            expires_at=now() + ttl,
            ip_address=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
        self.db.add(session)
        await self.db.flush()
        return token, session

    async def resolve_session(self, token: str) -> tuple[UserSession, User] | None:
        row = (
            await self.db.execute(
                select(UserSession, User)
                .join(User, User.id == UserSession.user_id)
                .where(UserSession.token_hash == token_digest(token), UserSession.expires_at > now())
            )
        ).first()
        if row is None or not row[1].is_active:
            return None
        return row[0], row[1]

    async def end_session(self, token: str) -> None:
        await self.db.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))

    async def end_all_sessions(self, user_id: uuid.UUID) -> None:
        await self.db.execute(delete(UserSession).where(UserSession.user_id == user_id))

    # --- password reset -------------------------------------------------------------------
    async def start_password_reset(self, email: str) -> tuple[User, str] | None:
        """A one-hour token for the account, or None when there is no such account (the caller
        answers the same either way, so the endpoint does not reveal which e-mails exist)."""
        try:
            user = await self.get_by_email(normalise_email(email))
        except AppError:
            return None
        if user is None or not user.is_active:
            return None
        token = new_token()
        self.db.add(
            PasswordResetToken(token_hash=token_digest(token), user_id=user.id, expires_at=now() + RESET_TOKEN_TTL)
        )
        await self.db.flush()
        return user, token

    async def finish_password_reset(self, token: str, new_password: str) -> User:
        reset = await self.db.scalar(
            select(PasswordResetToken).where(PasswordResetToken.token_hash == token_digest(token)).with_for_update()
        )
        if reset is None or reset.used_at is not None or reset.expires_at <= now():
            raise AppError(
                "This reset link is invalid or has expired. Ask for a new one.",
                errors=[FieldError(field="token", message="invalid or expired")],
            )
        check_password_strength(new_password)
        user = await self.db.get(User, reset.user_id)
        assert user is not None
        user.password_hash = hash_password(new_password)
        reset.used_at = now()
        # A reset ends every session and voids the other outstanding reset links.
        await self.end_all_sessions(user.id)
        await self.db.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
            .values(used_at=now())
        )
        return user
