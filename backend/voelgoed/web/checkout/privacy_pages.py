"""The buyer's side of personal data requests (POPIA): ask for a copy or the erasure of one's data,
confirm it from the e-mailed link, and download the export file.

The form never says whether data exists for an address: the answer is the same either way, and
the e-mail goes only to that address. It is rate limited per client address and per e-mail
address. The confirmation link's GET shows a page with a button and changes nothing (mail
scanners open links); the POST confirms. Links carry random tokens of which only hashes are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.organizations.models import Organization
from voelgoed.domain.privacy import services
from voelgoed.domain.privacy.machines import KINDS
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.contact import fold_email, is_email
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.i18n import ngettext
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings
from voelgoed.web.checkout import language, workflow_bridge
from voelgoed.web.checkout.render import render
from voelgoed.web.checkout.security import Visit
from voelgoed.workflows import personal_data_requests as workflow

REQUESTS_PER_IP = 5  # per 15 minutes
REQUESTS_PER_EMAIL = 3  # per hour
FORM = "privacy-request"


def _message(
    visit: Visit | None, status: int, heading: str, *paragraphs: str, link: tuple[str, str] | None = None
) -> Response[str]:
    return render(
        "message.html",
        status=status,
        cookies=visit.cookies() if visit else [],
        heading=heading,
        paragraphs=list(paragraphs),
        link=link,
        robots="noindex",
    )


def _link_problem(exc: AppError) -> Response[str]:
    return _message(
        None,
        exc.status,
        _("This link does not work"),
        workflow_bridge.translate_problem(exc.detail),
        link=("/privacy/requests", _("Make a new request")),
    )


class PrivacyPagesController(Controller):
    include_in_schema = False

    @get("/privacy/requests", opt=access(Access.PUBLIC))
    async def request_form(self, request: Request[Any, Any, Any], settings: Settings) -> Response[str]:
        visit = Visit(request, settings)
        return render(
            "privacy_request.html",
            cookies=visit.cookies(),
            csrf=visit.form_token(FORM),
            values={"email": "", "kind": "export"},
            errors={},
            sent=False,
            robots="noindex",
        )

    @post("/privacy/requests", opt=access(Access.PUBLIC), status_code=200)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        queue: Queue,
        settings: Settings,
    ) -> Response[str]:
        visit = Visit(request, settings)
        form = await request.form()
        values = {"email": str(form.get("email") or "").strip()[:320], "kind": str(form.get("kind") or "")[:10]}
        errors: dict[str, str] = {}
        email = fold_email(values["email"])
        if not is_email(email):
            errors["email"] = _("Enter an e-mail address like name@example.co.za.")
        if values["kind"] not in KINDS:
            errors["kind"] = _("Choose a copy of your data or its erasure.")

        def page(status: int, *, sent: bool = False, error: str | None = None) -> Response[str]:
            return render(
                "privacy_request.html",
                status=status,
                cookies=visit.cookies(),
                csrf=visit.form_token(FORM),
                values=values,
                errors=errors,
                sent=sent,
                error=error,
                robots="noindex",
            )

        if not visit.check_form_token(FORM, str(form.get("csrf") or "")):
            return page(403, error=_("This form has expired or did not come from this site. Please try again."))
        if errors:
            return page(422, error=_("Please correct the details below."))
        try:
            await ratelimit.hit(redis, f"privacy-request-ip:{client_address(request)}", REQUESTS_PER_IP, 900)
            digest = services.email_digest(email, settings.security.secret_key)
            await ratelimit.hit(redis, f"privacy-request-email:{digest}", REQUESTS_PER_EMAIL, 3600)
        except AppError as exc:
            return page(exc.status, error=workflow_bridge.translate_problem(exc.detail))
        # The same answer whether or not any organisation holds data for the address.
        await workflow.submit(db_session, queue, settings, email=email, kind=values["kind"])
        return page(200, sent=True)

    @get("/privacy/confirm", opt=access(Access.PUBLIC))
    async def confirm_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        token: str = Parameter(default="", max_length=100),
    ) -> Response[str]:
        """Shows what will be confirmed; changes nothing."""
        language.apply(request)  # no session (no Visit) on the e-mailed link's pages, only the language
        rows = await services.requests_of_confirm_token(db_session, token)
        try:
            services.check_confirmable(rows)
        except AppError as exc:
            await db_session.commit()  # an expired link's requests are now `expired`
            return _link_problem(exc)
        names = sorted(
            await db_session.scalars(
                select(Organization.name)
                .where(Organization.id.in_([r.organization_id for r in rows if r.status == "unconfirmed"]))
                .execution_options(**UNSCOPED)
            )
        )
        return render(
            "privacy_confirm.html",
            token=token,
            kind=rows[0].kind,
            email=rows[0].email,
            organisations=names,
            robots="noindex",
        )

    @post("/privacy/confirm", opt=access(Access.PUBLIC), status_code=200)
    async def confirm(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[str]:
        language.apply(request)
        form = await request.form()
        token = str(form.get("token") or "")[:100]
        try:
            confirmed = await workflow.confirm(db_session, token)
        except AppError as exc:
            return _link_problem(exc)
        count = len(confirmed)
        return _message(
            None,
            200,
            _("Request confirmed"),
            ngettext(
                "Thank you. Your request went to %(num)d organiser. Each one handles it and e-mails you when it"
                " is done (POPIA gives them a reasonable time, usually no more than 30 days).",
                "Thank you. Your request went to %(num)d organisers. Each one handles it and e-mails you when it"
                " is done (POPIA gives them a reasonable time, usually no more than 30 days).",
                count,
            ),
        )

    @get("/privacy/download", opt=access(Access.PUBLIC))
    async def download(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        token: str = Parameter(default="", max_length=100),
    ) -> Response[Any]:
        """The export file behind the e-mailed link, while it is kept (7 days)."""
        language.apply(request)
        try:
            row = await services.request_of_download_token(db_session, token)
            file = await services.export_file(db_session, row)
        except AppError as exc:
            return _message(
                None, exc.status, _("This download does not work"), workflow_bridge.translate_problem(exc.detail),
                link=("/privacy/requests", _("Ask for a new copy")),
            )  # fmt: skip
        if row.downloaded_at is None:
            row.downloaded_at = datetime.now(UTC)
            services.audit(db_session, row, "privacy_request.export_downloaded_by_buyer")
        return Response(
            file,
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="my-personal-data.json"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )
