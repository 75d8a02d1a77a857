"""The organiser's wording of buyer e-mails (one row per kind and locale; none: our default), and
`mail_look`, what every buyer e-mail is rendered with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events.models import Event
from voelgoed.domain.notifications.contacts import owner_email
from voelgoed.domain.notifications.kinds import SPECS, EmailKind, EmailLocale
from voelgoed.domain.notifications.models import EmailTemplate
from voelgoed.domain.notifications.rendering import MailLook
from voelgoed.domain.notifications.wording import Wording, normalise
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.services import order_link_token
from voelgoed.domain.organizations.branding import branding_for
from voelgoed.lib import i18n


async def stored_wording(
    db: AsyncSession, organization_id: uuid.UUID, kind: EmailKind, locale: str
) -> EmailTemplate | None:
    # By organisation explicitly: jobs' sessions are not scoped to one (db/tenancy.py).
    return await db.scalar(
        select(EmailTemplate).where(
            EmailTemplate.organization_id == organization_id,
            EmailTemplate.kind == kind.value,
            EmailTemplate.locale == locale,
        )
    )


async def mail_look(db: AsyncSession, organization_id: uuid.UUID, kind: EmailKind, locale: str = "en") -> MailLook:
    """The organisation's branding, Reply-To, and wording of `kind` in `locale`. Reply-To is the
    organisation's contact address (branding); without one, its first owner's address, so a
    buyer's reply still reaches the organiser."""
    branding = await branding_for(db, organization_id)
    reply_to = branding.contact_email or await owner_email(db, organization_id)
    row = await stored_wording(db, organization_id, kind, locale)
    wording = Wording(subject=row.subject, intro=row.intro) if row else None
    return MailLook(branding=branding, reply_to=reply_to, wording=wording)


@dataclass(frozen=True)
class KindWording:
    kind: EmailKind
    current: Wording
    row: EmailTemplate | None


class EmailTemplateService:
    """Reads and changes one organisation's wording (the request's session is scoped to it)."""

    def __init__(self, db: AsyncSession, audit: AuditService | None = None) -> None:
        self.db = db
        self.audit = audit

    async def all(self, organization_id: uuid.UUID, locale: EmailLocale) -> list[KindWording]:
        rows = {
            r.kind: r
            for r in await self.db.scalars(
                select(EmailTemplate).where(
                    EmailTemplate.organization_id == organization_id, EmailTemplate.locale == locale.value
                )
            )
        }
        out = []
        for kind, spec in SPECS.items():
            row = rows.get(kind.value)
            current = Wording(subject=row.subject, intro=row.intro) if row else spec.default
            out.append(KindWording(kind, current, row))
        return out

    async def one(self, organization_id: uuid.UUID, kind: EmailKind, locale: EmailLocale) -> KindWording:
        row = await stored_wording(self.db, organization_id, kind, locale.value)
        current = Wording(subject=row.subject, intro=row.intro) if row else SPECS[kind].default
        return KindWording(kind, current, row)

    async def put(
        self, organization_id: uuid.UUID, kind: EmailKind, locale: EmailLocale, wording: Wording, user_id: uuid.UUID
    ) -> KindWording:
        """Store the organiser's wording; raises WordingError (nothing stored) when a field is bad."""
        clean = normalise(wording, SPECS[kind].allowed)
        row = await stored_wording(self.db, organization_id, kind, locale.value)
        before = {"subject": row.subject, "intro": row.intro} if row else {}
        if row is None:
            row = EmailTemplate(organization_id=organization_id, kind=kind.value, locale=locale.value)
            self.db.add(row)
        row.subject, row.intro, row.updated_by = clean.subject, clean.intro, user_id
        await self.db.flush()
        if self.audit is not None:
            changes: dict[str, Any] = {"kind": kind.value, "locale": locale.value}
            changes |= {k: [before.get(k), v] for k, v in (("subject", clean.subject), ("intro", clean.intro))}
            self.audit.record(
                action="email_template.update", entity_type="email_template", entity_id=row.id, changes=changes
            )
        return KindWording(kind, clean, row)

    async def reset(self, organization_id: uuid.UUID, kind: EmailKind, locale: EmailLocale) -> bool:
        """Back to our default; False when it already was."""
        row = await stored_wording(self.db, organization_id, kind, locale.value)
        if row is None:
            return False
        if self.audit is not None:
            changes = {"kind": kind.value, "locale": locale.value, "subject": [row.subject, None]}
            changes["intro"] = [row.intro, None]
            self.audit.record(
                action="email_template.reset", entity_type="email_template", entity_id=row.id, changes=changes
            )
        await self.db.execute(delete(EmailTemplate).where(EmailTemplate.id == row.id))
        return True


def order_facts(order: Order, event: Event, public_url: str) -> dict[str, Any]:
    """The OrderFacts (messages.py) of an order with a buyer address: the keyword arguments every
    buyer e-mail starts from."""
    assert order.buyer_email
    return {
        "to": order.buyer_email,
        "buyer_name": order.buyer_name,
        "reference": order.reference,
        "event_name": event.name,
        "starts_local": i18n.format_local(event.starts_at, event.timezone, "%a %-d %b %Y, %H:%M", order.locale),
        "timezone": event.timezone,
        "venue": f"{event.venue.name}, {event.venue.city}" if event.venue else None,
        # The buyer's own token is not stored: the link carries the order-link token.
        "order_url": f"{public_url}/orders/{order.reference}?token={order_link_token(order)}",
    }
