"""Personal data requests across areas: a buyer's submission (one request per organisation that
holds data for the address), its confirmation, and the organiser's completion (the export file,
or the erasure) or rejection. Every step is audit-logged in the organisation's log; the e-mails
are queued after the commit, so a rolled-back step never sends one."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.notifications.contacts import organiser_contact
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.organizations.models import Organization
from voelgoed.domain.privacy import mails, services
from voelgoed.domain.privacy.machines import PersonalDataRequestLifecycle
from voelgoed.domain.privacy.models import PersonalDataRequest
from voelgoed.settings import Settings
from voelgoed.workflows import personal_data
from voelgoed.workflows.personal_data_holders import HOLDERS


async def submit(db: AsyncSession, queue: Any, settings: Settings, *, email: str, kind: str) -> int:
    """Make the unconfirmed requests and e-mail the confirmation link; returns how many
    organisations hold data (0: no e-mail, and the buyer is told the same either way)."""
    organisations = await personal_data.organizations_holding(db, email)
    if not organisations:
        return 0
    token, rows = services.new_requests(organisations, email=email, kind=kind, secret_key=settings.security.secret_key)
    db.add_all(rows)
    await db.flush()
    for row in rows:
        services.audit(db, row, "privacy_request.submitted")
    names = sorted(
        await db.scalars(
            select(Organization.name).where(Organization.id.in_(organisations)).execution_options(**UNSCOPED)
        )
    )
    await db.commit()
    link = f"{settings.server.public_url}/privacy/confirm?token={token}"
    await enqueue_mail(
        queue,
        mails.confirm_request(to=email, kind=kind, organisations=names, link=link),
        key=f"privacy-confirm:{rows[0].id}",
    )
    return len(rows)


async def confirm(db: AsyncSession, token: str) -> list[PersonalDataRequest]:
    """Open every request of the link, or raise 404 (unknown) / 410 (used or expired; an expired
    link's requests become `expired`, committed before the error)."""
    rows = await services.requests_of_confirm_token(db, token)
    before = {row.id: row.status for row in rows}
    try:
        services.check_confirmable(rows)
    except services.LinkGone:
        for row in rows:
            if row.status != before[row.id]:
                services.audit(db, row, "privacy_request.expired")
        await db.commit()
        raise
    confirmed = services.confirm(rows)
    for row in confirmed:
        services.audit(db, row, "privacy_request.confirmed")
    await db.flush()
    return confirmed


async def preview(db: AsyncSession, request: PersonalDataRequest) -> dict[str, int]:
    """What each holder has for the request's address now (nothing once it is erased)."""
    if request.email is None:
        return {h.key: 0 for h in HOLDERS}
    return await personal_data.preview(db, request.organization_id, request.email)


async def complete(
    db: AsyncSession,
    queue: Any,
    settings: Settings,
    request: PersonalDataRequest,
    *,
    actor_id: uuid.UUID,
    actor_email: str,
) -> None:
    """Export: keep the file and e-mail the buyer a 7-day download link. Erasure: tombstone every
    holder's personal fields, forget the address on this organisation's requests, e-mail the buyer."""
    PersonalDataRequestLifecycle(request).send("complete", handled_by=actor_id)  # 409 unless open
    email = request.email
    assert email is not None  # only a completed erasure forgets it, and completed is final
    contact = await organiser_contact(db, request.organization_id)
    if request.kind == "export":
        file, counts = await personal_data.export_document(db, request.organization_id, email, request_id=request.id)
        token = services.attach_export(request, file)
        request.summary = counts
        message = mails.export_ready(
            to=email,
            organiser=contact.name,
            link=f"{settings.server.public_url}/privacy/download?token={token}",
            reply_to=contact.reply_to,
        )
    else:
        counts = await personal_data.erase(db, request.organization_id, email)
        request.summary = counts
        await db.flush()
        await services.forget_address(db, request.organization_id, request.email_digest)
        kept = [h.description for h in HOLDERS if h.erase is None]
        message = mails.erasure_done(to=email, organiser=contact.name, kept=kept, reply_to=contact.reply_to)
    services.audit(
        db,
        request,
        "privacy_request.completed",
        actor_user_id=actor_id,
        actor_email=actor_email,
        changes={"status": ["open", "completed"], "summary": counts},
    )
    await db.commit()
    await enqueue_mail(queue, message, key=f"privacy-completed:{request.id}")


async def reject(
    db: AsyncSession,
    queue: Any,
    request: PersonalDataRequest,
    *,
    reason: str,
    actor_id: uuid.UUID,
    actor_email: str,
) -> None:
    PersonalDataRequestLifecycle(request).send("reject", reason=reason, handled_by=actor_id)  # 409 unless open
    email = request.email
    assert email is not None
    contact = await organiser_contact(db, request.organization_id)
    services.audit(
        db,
        request,
        "privacy_request.rejected",
        actor_user_id=actor_id,
        actor_email=actor_email,
        changes={"status": ["open", "rejected"], "reason": reason},
    )
    await db.commit()
    await enqueue_mail(
        queue,
        mails.request_rejected(
            to=email, organiser=contact.name, kind=request.kind, reason=reason, reply_to=contact.reply_to
        ),
        key=f"privacy-rejected:{request.id}",
    )
