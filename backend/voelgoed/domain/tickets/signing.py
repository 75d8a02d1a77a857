"""Per-event Ed25519 signing keys and signed ticket payloads.

The private half is stored encrypted (lib/crypto, purpose "event-signing-key", derived from
SECRET_KEY); scanners only ever get the public half. A key is created the first time an event
issues a ticket (or a scanner asks for it) and is never replaced, so a ticket's payload is the
same every time it is rendered (Ed25519 signatures are deterministic).
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.tickets import payload
from voelgoed.domain.tickets.models import EventSigningKey, Ticket
from voelgoed.lib import crypto

PURPOSE = "event-signing-key"


async def find_signing_key(db: AsyncSession, event_id: uuid.UUID) -> EventSigningKey | None:
    return await db.scalar(
        select(EventSigningKey).where(EventSigningKey.event_id == event_id).execution_options(**UNSCOPED)
    )


async def get_or_create_signing_key(
    db: AsyncSession, *, event_id: uuid.UUID, organization_id: uuid.UUID
) -> EventSigningKey:
    """The event's key, created on first use. Safe when two transactions race to create it:
    the unique event_id makes one insert win and the other reads the winner's key."""
    for _ in range(5):
        existing = await find_signing_key(db, event_id)
        if existing is not None:
            return existing
        private = Ed25519PrivateKey.generate()
        await db.execute(
            insert(EventSigningKey)
            .values(
                id=uuid.uuid4(),
                organization_id=organization_id,
                event_id=event_id,
                key_id=payload.key_id_to_text(payload.new_key_id()),
                public_key=private.public_key().public_bytes_raw(),
                private_key_encrypted=crypto.encrypt(private.private_bytes_raw(), purpose=PURPOSE),
            )
            .on_conflict_do_nothing()  # same event (a racing creator) or, rarely, a key_id clash
        )
    raise RuntimeError(f"could not create a signing key for event {event_id}")


def private_key(key: EventSigningKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(crypto.decrypt(key.private_key_encrypted, purpose=PURPOSE))


def ticket_claims(
    key: EventSigningKey, ticket: Ticket, seat: tuple[str, str, str] | None = None
) -> payload.TicketClaims:
    """`seat`: (section key, row, seat) of a reserved seat: the payload becomes version 2."""
    return payload.TicketClaims(
        key_id=payload.key_id_from_text(key.key_id),
        serial=payload.serial_from_text(ticket.serial),
        type_ref=payload.ticket_type_ref(ticket.ticket_type_id),
        seat=seat,
    )


def sign_ticket(
    key: EventSigningKey,
    ticket: Ticket,
    signer: Ed25519PrivateKey | None = None,
    seat: tuple[str, str, str] | None = None,
) -> str:
    """The QR payload of a ticket. Pass `signer` (private_key(key)) when signing many, and the
    ticket's `seat` when it has one (domain/seating/labels.py)."""
    return payload.sign_payload(ticket_claims(key, ticket, seat), signer or private_key(key))
