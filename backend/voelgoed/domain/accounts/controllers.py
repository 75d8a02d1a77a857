"""Sign-up, sign-in, sign-out, who-am-I and password reset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.guard import CSRF_COOKIE, SESSION_COOKIE
from voelgoed.auth.permissions import Access, access
from voelgoed.domain.accounts.models import User, UserSession
from voelgoed.domain.accounts.schemas import (
    PasswordResetConfirm,
    PasswordResetRequest,
    SignIn,
    SignUp,
    UserRead,
)
from voelgoed.domain.accounts.services import AccountService
from voelgoed.domain.notifications import messages
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.organizations.schemas import Me, MembershipRead
from voelgoed.domain.organizations.services import OrganizationService
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.contact import fold_email, normalise_email
from voelgoed.lib.openapi_answers import no_content_answer
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings


async def build_me(db: AsyncSession, user: User, session: UserSession) -> Me:
    memberships = await OrganizationService(db).memberships_of(user.id)
    return Me(
        user=UserRead(id=user.id, email=user.email, name=user.name),
        memberships=[
            MembershipRead(
                organization_id=m.organization_id,
                organization_name=m.organization.name,
                organization_slug=m.organization.slug,
                role=m.role,
            )
            for m in memberships
        ],
        csrf_token=session.csrf_token,
    )


def _session_cookies(settings: Settings, token: str, session: UserSession) -> list[Cookie]:
    max_age = settings.security.session_ttl_hours * 3600
    return [
        Cookie(
            key=SESSION_COOKIE,
            value=token,
            httponly=True,
            samesite="lax",
            secure=settings.security.cookie_secure,
            max_age=max_age,
            path="/",
        ),
        # Readable by the app's JavaScript, which echoes it in X-CSRF-Token (double submit).
        Cookie(
            key=CSRF_COOKIE,
            value=session.csrf_token,
            httponly=False,
            samesite="lax",
            secure=settings.security.cookie_secure,
            max_age=max_age,
            path="/",
        ),
    ]


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    async def _signed_in(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        user: User,
        status_code: int,
    ) -> Response[Me]:
        token, session = await AccountService(db).start_session(
            user,
            ttl=timedelta(hours=settings.security.session_ttl_hours),
            ip=client_address(request),
            user_agent=request.headers.get("user-agent"),
        )
        me = await build_me(db, user, session)
        return Response(me, status_code=status_code, cookies=_session_cookies(settings, token, session))

    @post("/sign-up", operation_id="signUp", opt=access(Access.PUBLIC), summary="Create an account")
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        data: SignUp,
        db_session: AsyncSession,
        settings: Settings,
        redis: Redis,
    ) -> Response[Me]:
        """Creates a user (the password is hashed with argon2) and, with `organization_name`, an organisation they own,
        then signs them in like `signIn` (201). An address already in use is a 409. Rate limited per client address."""
        limit = settings.limits.sign_up_rate_limit
        await ratelimit.hit(redis, f"signup:{client_address(request)}", limit=limit, window_seconds=3600)
        user = await AccountService(db_session).create_user(email=data.email, password=data.password, name=data.name)
        if data.organization_name and data.organization_name.strip():
            await OrganizationService(db_session).create(name=data.organization_name, owner=user)
        return await self._signed_in(request, db_session, settings, user, 201)

    @post(
        "/sign-in",
        operation_id="signIn",
        opt=access(Access.PUBLIC),
        summary="Sign in with e-mail and password",
        status_code=200,
    )
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: SignIn,
        db_session: AsyncSession,
        settings: Settings,
        redis: Redis,
    ) -> Response[Me]:
        """Starts a session: sets the `vg_session` cookie (HttpOnly) and the CSRF cookie, and answers the user as
        `getMe` does. A wrong e-mail or password is a 401 without saying which. Rate limited per address and per
        client address (429 with Retry-After)."""
        email = fold_email(data.email)
        # Two limits: per address (guessing one account's password) and per client (spraying).
        await ratelimit.hit(
            redis,
            f"login:email:{email}",
            settings.security.login_attempts_per_window,
            settings.security.login_window_seconds,
        )
        await ratelimit.hit(
            redis,
            f"login:ip:{client_address(request)}",
            settings.security.login_attempts_per_window * 5,
            settings.security.login_window_seconds,
        )
        user = await AccountService(db_session).authenticate(email, data.password)
        await ratelimit.reset(redis, f"login:email:{email}")
        return await self._signed_in(request, db_session, settings, user, 200)

    @post(
        "/sign-out",
        operation_id="signOut",
        opt=access(Access.USER),
        status_code=HTTP_204_NO_CONTENT,
        summary="End this session",
        responses=no_content_answer("Signed out: no body; the session and CSRF cookies are cleared"),
    )
    async def sign_out(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[None]:
        """Ends the session the cookie names and clears the session and CSRF cookies. Answers 204 with no body."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await AccountService(db_session).end_session(token)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @get(
        "/me",
        operation_id="getMe",
        opt=access(Access.USER),
        summary="The signed-in user and their organisations",
    )
    async def me(self, auth: AuthContext, db_session: AsyncSession) -> Me:
        """The signed-in user, the session's CSRF token, and every organisation they belong to with their role in it."""
        assert auth.session is not None  # USER routes take the session cookie only (auth/guard.py)
        return await build_me(db_session, auth.require_user(), auth.session)

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        opt=access(Access.PUBLIC),
        status_code=HTTP_202_ACCEPTED,
        summary="E-mail a password reset link (always answers 202)",
        responses=no_content_answer("Accepted: a link is e-mailed if the address has an account (no body)", 202),
    )
    async def request_reset(
        self,
        request: Request[Any, Any, Any],
        data: PasswordResetRequest,
        db_session: AsyncSession,
        settings: Settings,
        redis: Redis,
        queue: Queue,
    ) -> Response[bytes]:
        """Queues an e-mail with a single-use reset link when an account has that address. The answer is the same
        whether or not it has one (nobody learns which addresses have accounts). Rate limited per client address and
        per address."""
        await ratelimit.hit(redis, f"reset:ip:{client_address(request)}", 20, 3600)
        try:
            email = normalise_email(data.email)
        except AppError:  # a malformed address gets the same answer as an unknown one
            return Response(b"", status_code=HTTP_202_ACCEPTED)  # no body (not JSON null)
        await ratelimit.hit(redis, f"reset:email:{email}", 5, 3600)
        found = await AccountService(db_session).start_password_reset(email)
        if found is None:
            return Response(b"", status_code=HTTP_202_ACCEPTED)
        user, token = found
        await db_session.commit()  # the link must work by the time the e-mail arrives
        link = f"{settings.server.public_url}/app/reset-password?token={token}"
        await enqueue_mail(
            queue,
            messages.password_reset(to=user.email, name=user.name, link=link),
            key=f"reset:{token[:16]}",
        )
        return Response(b"", status_code=HTTP_202_ACCEPTED)

    @post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        opt=access(Access.PUBLIC),
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a new password with a reset token",
    )
    async def confirm_reset(
        self,
        request: Request[Any, Any, Any],
        data: PasswordResetConfirm,
        db_session: AsyncSession,
        redis: Redis,
    ) -> None:
        """Set a new password with the token from the reset e-mail. The token works once and for a limited time; an
        unknown, used or expired token is refused. Rate limited per client address."""
        await ratelimit.hit(redis, f"reset-confirm:ip:{client_address(request)}", 30, 3600)
        await AccountService(db_session).finish_password_reset(data.token, data.password)
