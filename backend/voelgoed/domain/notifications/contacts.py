"""Who answers a buyer's reply when the organisation has no contact address of its own
(Branding.contact_email; services.mail_look prefers that): e-mail goes out from MAIL_FROM's
no-reply address, so buyer e-mails carry a Reply-To that reaches the organiser, here its owner's
account e-mail: the first owner, by when they became one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.accounts.models import User
from voelgoed.domain.organizations.models import Membership, Organization, Role


@dataclass(frozen=True)
class Organiser:
    name: str
    reply_to: str | None


async def organiser_contact(db: AsyncSession, organization_id: uuid.UUID) -> Organiser:
    name = await db.scalar(select(Organization.name).where(Organization.id == organization_id))
    return Organiser(name=name or "the organiser", reply_to=await owner_email(db, organization_id))


async def owner_email(db: AsyncSession, organization_id: uuid.UUID) -> str | None:
    return await db.scalar(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.role == Role.OWNER.value)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
        .execution_options(**UNSCOPED)
    )
