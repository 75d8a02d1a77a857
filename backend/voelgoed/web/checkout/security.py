"""Cookies and form tokens of the checkout site.

The site has no sign-in, so it carries state in three first-party cookies, all HttpOnly and
SameSite=Lax:
- `vg_sid`: a random visit id (30 minutes, sliding) for funnel analytics and form tokens;
- `vg_utm`: the landing URL's UTM parameters, so later steps are attributed to the campaign;
- `vg_order_<reference>`: the order's access token, scoped to `/checkout/<reference>`, so the
  token never appears in a URL while the buyer fills in the checkout form.

Every form carries a signed token, HMAC(SECRET_KEY, purpose + visit id + timestamp): a page on
another site cannot read the visit id, so it cannot forge a post that spends someone's hold.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.analytics.schemas import UTM_FIELDS, Attribution
from voelgoed.domain.analytics.services import attribution_from, is_bot, record, valid_session_id
from voelgoed.lib.digits import parse_whole_number
from voelgoed.settings import Settings
from voelgoed.web.checkout import language

SESSION_COOKIE = "vg_sid"
UTM_COOKIE = "vg_utm"
SESSION_SECONDS = 30 * 60
FORM_TOKEN_MAX_AGE = 3 * 60 * 60  # a form left open for an afternoon still works


def order_cookie_name(reference: str) -> str:
    return f"vg_order_{reference}"


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


class Visit:
    """The visitor's cookies for this request, and what to set on the answer."""

    def __init__(self, request: Request[Any, Any, Any], settings: Settings) -> None:
        self.settings = settings
        existing = request.cookies.get(SESSION_COOKIE)
        self.is_new = not valid_session_id(existing)
        self.session_id: str = existing if existing and not self.is_new else new_session_id()
        landing = attribution_from({k: request.query_params.get(k) for k in UTM_FIELDS})
        self.attribution_changed = not landing.empty
        self.attribution = landing if not landing.empty else _read_utm_cookie(request.cookies.get(UTM_COOKIE))
        self.user_agent = request.headers.get("user-agent")
        self.extra_cookies: list[Cookie] = []
        # The page's language (language.py): kept for this request; `?lang=` is also remembered.
        self.locale, remember = language.apply(request)
        if remember:
            self.extra_cookies.append(language.lang_cookie(settings, self.locale))

    def cookies(self) -> list[Cookie]:
        """`vg_sid` is re-sent on every page so its 30 minutes slide; `vg_utm` when it changed."""
        secure = self.settings.security.cookie_secure
        out = [
            Cookie(
                key=SESSION_COOKIE,
                value=self.session_id,
                max_age=SESSION_SECONDS,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        ]
        if self.attribution_changed:
            out.append(
                Cookie(
                    key=UTM_COOKIE,
                    value=_write_utm_cookie(self.attribution),
                    max_age=SESSION_SECONDS,
                    httponly=True,
                    samesite="lax",
                    secure=secure,
                    path="/",
                )
            )
        return out + self.extra_cookies

    def form_token(self, purpose: str) -> str:
        return sign_form_token(self.settings.security.secret_key, self.session_id, purpose)

    def check_form_token(self, purpose: str, token: str | None) -> bool:
        """False for a missing, forged, foreign or stale token, or when the visit is new (no cookie)."""
        if self.is_new:
            return False
        return verify_form_token(self.settings.security.secret_key, self.session_id, purpose, token or "")

    def utm(self) -> dict[str, str | None]:
        a = self.attribution
        return {"utm_source": a.utm_source, "utm_medium": a.utm_medium, "utm_campaign": a.utm_campaign}


def _read_utm_cookie(raw: str | None) -> Attribution:
    if not raw:
        return Attribution()
    return attribution_from(dict(parse_qsl(raw)))


def _write_utm_cookie(a: Attribution) -> str:
    return urlencode(
        {
            k: v
            for k, v in (("utm_source", a.utm_source), ("utm_medium", a.utm_medium), ("utm_campaign", a.utm_campaign))
            if v
        }
    )


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:40]


def sign_form_token(secret: str, session_id: str, purpose: str, *, at: int | None = None) -> str:
    ts = int(time.time()) if at is None else at
    return f"{ts}.{_mac(secret, f'form|{purpose}|{session_id}|{ts}')}"


def verify_form_token(secret: str, session_id: str, purpose: str, token: str, *, now: int | None = None) -> bool:
    ts_text, _, mac = token.partition(".")
    ts = parse_whole_number(ts_text, max_digits=12)
    if ts is None or not mac:
        return False
    current = int(time.time()) if now is None else now
    if not (current - FORM_TOKEN_MAX_AGE <= ts <= current + 60):
        return False
    return hmac.compare_digest(mac, _mac(secret, f"form|{purpose}|{session_id}|{ts}"))


def order_cookie(settings: Settings, reference: str, access_token: str, max_age: int) -> Cookie:
    return Cookie(
        key=order_cookie_name(reference),
        value=access_token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.security.cookie_secure,
        path=f"/checkout/{reference}",
    )


async def record_step(
    db: AsyncSession,
    visit: Visit,
    name: str,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID | None = None,
) -> None:
    """One funnel row for this visit, with its UTM attribution; automated clients are not counted."""
    if is_bot(visit.user_agent):
        return
    await record(
        db,
        organization_id=organization_id,
        event_id=event_id,
        name=name,
        session_id=visit.session_id,
        **visit.utm(),
        order_id=order_id,
    )
