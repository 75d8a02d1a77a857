"""Which language a checkout page is shown in, and the language switch.

Chosen once per request, when its `Visit` is made (security.py), in this order:
1. `?lang=af` in the URL (a shared link, the switch's fallback): also remembered in the cookie;
2. the `lang` cookie the switch set (GET /language/{code}?next=/path);
3. the browser's Accept-Language (Babel's negotiation: "af-ZA,af;q=0.9" -> af);
4. English.
The choice is kept for the request in lib/i18n.py's ContextVar (each request is its own asyncio
task, so concurrent requests never mix), which render.py, the templates' `_` and the Python
messages (`_` from lib/i18n) read. A checkout records it on the order (the order's `locale`), so
the buyer's e-mails and ticket PDF are written in the language they bought in.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.response import Redirect

from voelgoed.auth.permissions import Access, access
from voelgoed.lib import i18n
from voelgoed.settings import Settings

LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600

# Where the switch's links send the buyer back to (this page, without ?lang).
_here: ContextVar[str] = ContextVar("checkout_here", default="/")


def _local_path(target: str | None) -> str:
    """`target` when it is a path on this site ("/events/x?access=Y"), else "/": never an open
    redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def lang_cookie(settings: Settings, code: str) -> Cookie:
    return Cookie(
        key=LANG_COOKIE,
        value=code,
        max_age=LANG_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.security.cookie_secure,
        path="/",
    )


def choose(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The request's locale, and whether it came from `?lang=` (then the cookie should remember it)."""
    from_query = i18n.supported(request.query_params.get("lang"))
    if from_query:
        return from_query, True
    from_cookie = i18n.supported(request.cookies.get(LANG_COOKIE))
    if from_cookie:
        return from_cookie, False
    return i18n.negotiate(request.headers.get("accept-language")) or i18n.DEFAULT_LOCALE, False


def apply(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """Choose the request's locale and keep it (and this page's address) for the request."""
    locale, remember = choose(request)
    i18n.use_locale(locale)
    if request.method == "GET":
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        here = request.url.path + (f"?{urlencode(query)}" if query else "")
    else:  # a form's answer: back to the page the form was on
        referer = urlsplit(request.headers.get("referer") or "")
        same_site = referer.netloc == request.url.netloc
        here = (referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else "/"
    _here.set(_local_path(here))
    return locale, remember


def switch_links() -> list[dict[str, Any]]:
    """The language switch: each supported language in its own name, linking to this page in it."""
    current = i18n.current_locale()
    back = quote(_here.get(), safe="/")
    return [
        {"code": code, "name": name, "url": f"/language/{code}?next={back}", "current": code == current}
        for code, name in i18n.LOCALES.items()
    ]


class LanguageController(Controller):
    include_in_schema = False

    @get("/language/{code:str}", opt=access(Access.PUBLIC), status_code=303)
    async def switch(self, code: str, settings: Settings, next: str | None = None) -> Redirect:
        """Remember the buyer's language in the `lang` cookie and go back to the page they were on."""
        chosen = i18n.supported(code) or i18n.DEFAULT_LOCALE
        return Redirect(
            _local_path(next),
            status_code=303,
            cookies=[lang_cookie(settings, chosen)],
            headers={"Cache-Control": "no-store"},
        )
