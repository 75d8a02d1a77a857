"""The organiser's wording of buyer e-mails: list, change, reset, preview, send a test. Thin: the
rules are in services.py (storage), wording.py (placeholders) and samples.py (previews)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from email.utils import formataddr, parseaddr
from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.notifications.kinds import SPECS, EmailKind, EmailLocale
from voelgoed.domain.notifications.rendering import Mail, MailLook
from voelgoed.domain.notifications.samples import sample_mail
from voelgoed.domain.notifications.schemas import (
    EmailDraft,
    EmailPreviewRead,
    EmailTemplateRead,
    EmailTemplateUpdate,
    EmailTestRead,
    email_template_read,
)
from voelgoed.domain.notifications.services import EmailTemplateService, mail_look
from voelgoed.domain.notifications.wording import Wording, WordingError, normalise
from voelgoed.lib import ratelimit
from voelgoed.lib.closed_sets import path_documented_as
from voelgoed.lib.problems import FieldError, NotFound, Unprocessable
from voelgoed.settings import Settings

ORG = "/api/organizations/{organization_id:uuid}/email-templates"
LOCALE = Parameter(default=EmailLocale.EN, description="The language of the wording.")
# A str checked by _kind (an unknown e-mail is a 404), documented in the spec as the enum.
KindInPath = Annotated[str, path_documented_as(EmailKind)]
# Test e-mails per member per hour: enough to try wording out, too few to spam one's own inbox.
TESTS_PER_HOUR = 10


def _kind(kind: str) -> EmailKind:
    try:
        return EmailKind(kind)
    except ValueError:
        raise NotFound(f"No e-mail called {kind!r}.") from None


def _unprocessable(exc: WordingError) -> Unprocessable:
    return Unprocessable(f"{exc.field}: {exc.message}", errors=[FieldError(field=exc.field, message=exc.message)])


async def _draft_look(
    db: AsyncSession, organization_id: uuid.UUID, kind: EmailKind, locale: EmailLocale, draft: EmailDraft | None
) -> MailLook:
    """The organisation's look with the draft's wording over its current one, checked as a save is."""
    look = await mail_look(db, organization_id, kind, locale.value)
    current = look.wording or SPECS[kind].default
    if draft is None or (draft.subject is None and draft.intro is None):
        return look
    wording = Wording(
        subject=current.subject if draft.subject is None else draft.subject,
        intro=current.intro if draft.intro is None else draft.intro,
    )
    try:
        return replace(look, wording=normalise(wording, SPECS[kind].allowed))
    except WordingError as exc:
        raise _unprocessable(exc) from None


def _sender(settings: Settings, message: Mail) -> str:
    return formataddr((message.sender_name, parseaddr(settings.mail.sender)[1]))


class EmailTemplateController(Controller):
    path = ORG
    tags = ["email-templates"]

    @get("", operation_id="listEmailTemplates", opt=access(Permission.ORG_MANAGE))
    async def list_templates(
        self, organization_id: uuid.UUID, db_session: AsyncSession, locale: EmailLocale = LOCALE
    ) -> list[EmailTemplateRead]:
        """List e-mail templates

        Every buyer e-mail with its placeholders and its current wording (the organisation's own,
        or the default)."""
        kinds = await EmailTemplateService(db_session).all(organization_id, locale)
        return [email_template_read(w, locale) for w in kinds]

    @put("/{kind:str}", operation_id="updateEmailTemplate", opt=access(Permission.ORG_MANAGE))
    async def update_template(
        self,
        organization_id: uuid.UUID,
        kind: KindInPath,
        data: EmailTemplateUpdate,
        auth: AuthContext,
        db_session: AsyncSession,
        locale: EmailLocale = LOCALE,
    ) -> EmailTemplateRead:
        """Change an e-mail's wording

        Set the subject and intro of one e-mail. Plain text; placeholders {name} from the e-mail's
        list only: an unknown or malformed one is refused (422 at the field), nothing is stored.
        Audit-logged."""
        service = EmailTemplateService(db_session, AuditService(db_session, auth))
        try:
            saved = await service.put(
                organization_id,
                _kind(kind),
                locale,
                Wording(subject=data.subject, intro=data.intro),
                auth.require_user().id,
            )
        except WordingError as exc:
            raise _unprocessable(exc) from None
        return email_template_read(saved, locale)

    @delete(
        "/{kind:str}",
        operation_id="resetEmailTemplate",
        opt=access(Permission.ORG_MANAGE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def reset_template(
        self,
        organization_id: uuid.UUID,
        kind: KindInPath,
        auth: AuthContext,
        db_session: AsyncSession,
        locale: EmailLocale = LOCALE,
    ) -> None:
        """Reset an e-mail to the default

        Back to the default wording of one e-mail (nothing happens when it already is). Audit-logged."""
        await EmailTemplateService(db_session, AuditService(db_session, auth)).reset(
            organization_id, _kind(kind), locale
        )

    @post(
        "/{kind:str}/preview", operation_id="previewEmailTemplate", opt=access(Permission.ORG_MANAGE), status_code=200
    )
    async def preview(
        self,
        organization_id: uuid.UUID,
        kind: KindInPath,
        db_session: AsyncSession,
        settings: Settings,
        data: EmailDraft | None = None,
        locale: EmailLocale = LOCALE,
    ) -> EmailPreviewRead:
        """Preview an e-mail

        The e-mail rendered (HTML and text) with sample order data and the given unsaved wording
        (or the current one). Nothing is stored or sent."""
        k = _kind(kind)
        look = await _draft_look(db_session, organization_id, k, locale, data)
        message = sample_mail(k, look, to="buyer@example.com", public_url=settings.server.public_url, locale=locale)
        return EmailPreviewRead(
            kind=k,
            sender=_sender(settings, message),
            reply_to=message.reply_to,
            subject=message.subject,
            html=message.html or "",
            text=message.text,
        )

    @post(
        "/{kind:str}/test",
        operation_id="sendTestEmail",
        opt=access(Permission.ORG_MANAGE),
        status_code=HTTP_202_ACCEPTED,
    )
    async def send_test(
        self,
        organization_id: uuid.UUID,
        kind: KindInPath,
        auth: AuthContext,
        db_session: AsyncSession,
        settings: Settings,
        queue: Queue,
        redis: Redis,
        data: EmailDraft | None = None,
        locale: EmailLocale = LOCALE,
    ) -> EmailTestRead:
        """Send a test e-mail to myself

        Send the e-mail, with sample order data and the given unsaved wording (or the current
        one), to the signed-in member's own address, and to no one else. At most 10 an hour per
        member and organisation."""
        k = _kind(kind)
        look = await _draft_look(db_session, organization_id, k, locale, data)
        await ratelimit.hit(redis, f"email-test:{organization_id}:{auth.user_id}", TESTS_PER_HOUR, 3600)
        to = auth.require_user().email
        message = sample_mail(k, look, to=to, public_url=settings.server.public_url, locale=locale)
        message = replace(message, subject=f"[Test] {message.subject}")
        await enqueue_mail(queue, message, key=f"email-test:{organization_id}:{uuid.uuid4()}")
        return EmailTestRead(sent_to=to)
