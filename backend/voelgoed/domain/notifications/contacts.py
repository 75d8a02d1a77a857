"""Who answers a buyer's reply: e-mail goes out from MAIL_FROM (a no-reply address), so ticket
e-mails carry a Reply-To that reaches the organiser.

An organisation has no contact address of its own (organizations/models.py has only a name and
a slug), so the organiser's address is its owner's account e-mail: the first owner, by when they
became one. When an organisation gets a contact e-mail setting, prefer it here."""

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
    email = await db.scalar(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.role == Role.OWNER.value)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
        .execution_options(**UNSCOPED)
    )
    return Organiser(name=name or "the organiser", reply_to=email)
