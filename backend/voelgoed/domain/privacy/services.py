"""Personal data requests and the retention setting: the rules of this area's own rows.

What the requests do to other areas' rows (export, erasure) is in workflows/personal_data*.py.
Links: the buyer's confirmation link lives 24 hours, the export download link 7 days; only SHA-256
hashes of their tokens are kept (lib/secrets.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.privacy.machines import ORGANISER_VISIBLE_STATUSES, PersonalDataRequestLifecycle
from voelgoed.domain.privacy.models import (
    RETENTION_DAYS_MAX,
    RETENTION_DAYS_MIN,
    PersonalDataRequest,
    PrivacySettings,
)
from voelgoed.lib import crypto
from voelgoed.lib.problems import AppError, NotFound, Unprocessable
from voelgoed.lib.secrets import new_token, token_digest

CONFIRM_LINK_HOURS = 24
DOWNLOAD_LINK_DAYS = 7
ENTITY = "personal_data_request"


class LinkGone(AppError):
    """A confirmation or download link that was used, replaced or has expired: 410."""

    status, slug, title = 410, "gone", "Link no longer valid"


def email_digest(email: str, secret_key: str) -> str:
    """A keyed hash of the folded address: kept after an erasure, so "did you erase X?" can be
    answered without keeping X."""
    return crypto.sign(email, purpose="personal-data-subject", secret_key=secret_key)[:64]


def audit(
    db: AsyncSession,
    request: PersonalDataRequest,
    action: str,
    *,
    actor_user_id: uuid.UUID | None = None,
    actor_email: str | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """An audit entry about a request; the buyer's own steps have no actor (no account). The
    address is never written into the log: the request's id leads to it while it is kept."""
    db.add(
        AuditEntry(
            organization_id=request.organization_id,
            actor_user_id=actor_user_id,
            actor_email=actor_email,
            action=action,
            entity_type=ENTITY,
            entity_id=request.id,
            changes={"kind": request.kind, **(changes or {})},
        )
    )


def new_requests(
    organization_ids: set[uuid.UUID], *, email: str, kind: str, secret_key: str, now: datetime | None = None
) -> tuple[str, list[PersonalDataRequest]]:
    """One unconfirmed request per organisation, all confirmed by the one returned token."""
    token = new_token()
    now = now or datetime.now(UTC)
    digest = email_digest(email, secret_key)
    rows = [
        PersonalDataRequest(
            id=uuid.uuid4(),
            organization_id=org,
            kind=kind,
            status="unconfirmed",
            email=email,
            email_digest=digest,
            confirm_token_hash=token_digest(token),
            confirm_expires_at=now + timedelta(hours=CONFIRM_LINK_HOURS),
            summary={},
        )
        for org in sorted(organization_ids)
    ]
    return token, rows


async def requests_of_confirm_token(db: AsyncSession, token: str) -> list[PersonalDataRequest]:
    """Every organisation's request made by one submission (unscoped: the buyer has no organisation)."""
    if not token or len(token) > 100:
        return []
    rows = await db.scalars(
        select(PersonalDataRequest)
        .where(PersonalDataRequest.confirm_token_hash == token_digest(token))
        .with_for_update()
        .execution_options(**UNSCOPED)
    )
    return list(rows)


def check_confirmable(rows: list[PersonalDataRequest], now: datetime | None = None) -> None:
    """Raise unless the link may confirm now: unknown 404, used 410, past its 24 hours 410 (and the
    rows become expired)."""
    if not rows:
        raise NotFound("This link is not valid.")
    pending = [r for r in rows if r.status == "unconfirmed"]
    if not pending:
        raise LinkGone("This link was already used or has expired. Ask again if you need to.")
    if pending[0].confirm_expires_at <= (now or datetime.now(UTC)):
        for r in pending:
            PersonalDataRequestLifecycle(r).send("expire")
        raise LinkGone("This link has expired (it lives 24 hours). Ask again if you need to.")


def confirm(rows: list[PersonalDataRequest]) -> list[PersonalDataRequest]:
    confirmed = [r for r in rows if r.status == "unconfirmed"]
    for r in confirmed:
        PersonalDataRequestLifecycle(r).send("confirm")
    return confirmed


def visible_requests(status: str | None) -> Select[Any]:
    """The organiser's list (tenant-scoped by the session): requests the buyer confirmed."""
    stmt = select(PersonalDataRequest).where(PersonalDataRequest.status.in_(ORGANISER_VISIBLE_STATUSES))
    if status:
        stmt = stmt.where(PersonalDataRequest.status == status)
    return stmt


async def get_request(db: AsyncSession, request_id: uuid.UUID) -> PersonalDataRequest:
    """One of the caller's organisation's confirmed requests, locked for a change; 404 otherwise."""
    row = await db.scalar(
        select(PersonalDataRequest)
        .where(PersonalDataRequest.id == request_id, PersonalDataRequest.status.in_(ORGANISER_VISIBLE_STATUSES))
        .with_for_update()
    )
    if row is None:
        raise NotFound("No such privacy request.")
    return row


def attach_export(request: PersonalDataRequest, file: bytes, now: datetime | None = None) -> str:
    """Keep the export file and give it a download link; returns the link's token."""
    token = new_token()
    request.export_file = file
    request.download_token_hash = token_digest(token)
    request.download_expires_at = (now or datetime.now(UTC)) + timedelta(days=DOWNLOAD_LINK_DAYS)
    return token


async def request_of_download_token(db: AsyncSession, token: str) -> PersonalDataRequest:
    if not token or len(token) > 100:
        raise NotFound("This link is not valid.")
    row = await db.scalar(
        select(PersonalDataRequest)
        .where(PersonalDataRequest.download_token_hash == token_digest(token))
        .execution_options(**UNSCOPED)
    )
    if row is None:
        raise NotFound("This link is not valid.")
    if row.download_expires_at is None or row.download_expires_at <= datetime.now(UTC):
        raise LinkGone("This download has expired (it lives 7 days). Ask for a new copy if you need one.")
    return row


async def export_file(db: AsyncSession, request: PersonalDataRequest) -> bytes:
    """The kept export file (a deferred column: loaded only here); 410 once it is gone."""
    file = await db.scalar(
        select(PersonalDataRequest.export_file)
        .where(PersonalDataRequest.id == request.id)
        .execution_options(**UNSCOPED)
    )
    if file is None:
        raise LinkGone("This export file is no longer kept. Ask for a new copy if you need one.")
    return bytes(file)


async def forget_address(db: AsyncSession, organization_id: uuid.UUID, digest: str) -> None:
    """After an erasure: this organisation's requests for the address keep only its digest, and
    earlier exports' files (a copy of what was erased) go."""
    await db.execute(
        update(PersonalDataRequest)
        .where(PersonalDataRequest.organization_id == organization_id, PersonalDataRequest.email_digest == digest)
        .values(email=None, export_file=None, download_token_hash=None)
        .execution_options(synchronize_session="fetch")
    )


# --- the retention setting ---


async def retention_days(db: AsyncSession) -> int | None:
    return await db.scalar(select(PrivacySettings.attendee_retention_days))


async def set_retention_days(db: AsyncSession, organization_id: uuid.UUID, days: int | None) -> int | None:
    """Returns the previous value. Refuses (422 at the field) a value outside 1..3650."""
    if days is not None and not RETENTION_DAYS_MIN <= days <= RETENTION_DAYS_MAX:
        raise Unprocessable.field(
            "attendee_retention_days",
            f"Choose between {RETENTION_DAYS_MIN} and {RETENTION_DAYS_MAX} days, or turn retention off (null).",
        )
    row = await db.scalar(select(PrivacySettings).with_for_update())
    before = row.attendee_retention_days if row else None
    if row is None:
        db.add(PrivacySettings(organization_id=organization_id, attendee_retention_days=days))
    else:
        row.attendee_retention_days = days
    await db.flush()
    return before
