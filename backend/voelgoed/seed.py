"""Demo data for `voelgoed run` / `voelgoed seed`, and the create-user command. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from voelgoed.auth.context import AuthContext
from voelgoed.db import make_alchemy_config
from voelgoed.db.tenancy import scope_session
from voelgoed.domain.accounts.models import UserSession
from voelgoed.domain.accounts.services import AccountService
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.schemas import CouponCreate, TicketTypeCreate
from voelgoed.domain.catalog.services import CouponService, TicketTypeService
from voelgoed.domain.events.services import EventService
from voelgoed.domain.orders.expiry import release_expired
from voelgoed.domain.organizations.services import OrganizationService
from voelgoed.domain.seating.event_seating import EventSeatingService
from voelgoed.domain.seating.generation import generate_section
from voelgoed.domain.seating.plan_format import SeatingPlanDocument
from voelgoed.domain.seating.plans import SeatingPlanService
from voelgoed.domain.seating.schemas import CategoryMapping
from voelgoed.domain.venues.services import VenueService

DEMO_EMAIL = "demo@voelgoed.local"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (the documented demo login)


async def create_user_account(
    database_url: str, *, email: str, name: str, password: str, organization: str | None
) -> str:
    make_alchemy_config(database_url)
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            user = await AccountService(db).create_user(email=email, password=password, name=name)
            if organization:
                await OrganizationService(db).create(name=organization, owner=user)
            await db.commit()
            return f"created {user.email}"
    finally:
        await engine.dispose()


async def seed_demo(database_url: str) -> str:
    make_alchemy_config(database_url)
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            accounts = AccountService(db)
            if await accounts.get_by_email(DEMO_EMAIL):
                return f"demo data present (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})"
            user = await accounts.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Organiser")
            org, _ = await OrganizationService(db).create(name="Kaapstad Live", owner=user)
            scope_session(db, org.id)
            auth = AuthContext(user=user, session=UserSession(), organization_id=org.id, role="owner")
            audit = AuditService(db, auth)
            # A VAT vendor, so the demo shows tax invoices (the number has SARS's shape, not a real one).
            await OrganizationService(db, audit).update_tax_settings(
                org.id,
                {
                    "legal_name": "Kaapstad Live (Pty) Ltd",
                    "physical_address": "1 Demo Street\nCape Town\n8001",
                    "vat_registered": True,
                    "vat_number": "4000000001",
                },
            )
            venues = VenueService(db, audit)
            artscape = await venues.create(
                org.id,
                {
                    "name": "Artscape Theatre",
                    "address_line1": "DF Malan St",
                    "city": "Cape Town",
                    "province": "Western Cape",
                    "postal_code": "8001",
                    "capacity": 1500,
                },
            )
            for code, name in (("MAIN", "Main entrance"), ("EAST", "East foyer")):
                await venues.add_gate(artscape.id, code, name)
            kirstenbosch = await venues.create(
                org.id,
                {
                    "name": "Kirstenbosch Gardens",
                    "address_line1": "Rhodes Dr",
                    "city": "Cape Town",
                    "province": "Western Cape",
                    "capacity": 5000,
                },
            )
            await venues.add_gate(kirstenbosch.id, "GATE1", "Gate 1")
            events = EventService(db, audit)
            soon = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days=21)
            jazz = await events.create(
                org.id,
                {
                    "name": "Cape Jazz Evening",
                    "venue_id": artscape.id,
                    "starts_at": soon,
                    "ends_at": soon + timedelta(hours=4),
                    "capacity": 1200,
                    "description": "An evening of Cape jazz in the Artscape Opera House.",
                },
            )
            types = TicketTypeService(db, audit, release_expired_holds=release_expired)
            for name, price, qty, description in (
                ("General admission", 25000, 1000, "Standing and open seating."),
                ("Golden circle", 65000, 150, "Reserved seats in the first rows."),
                ("Student", 15000, 50, "Bring your student card."),
            ):
                tt = TicketTypeCreate(name=name, price_cents=price, quantity=qty, description=description)
                await types.create(org.id, jazz.id, msgspec.structs.asdict(tt))
            early = CouponCreate(code="EARLYBIRD", kind="percent", value=10)
            await CouponService(db, audit).create(org.id, jazz.id, msgspec.structs.asdict(early))
            await events.transition(jazz.id, "publish")
            await _seated_gala(db, audit, org.id, artscape.id, events, types, soon + timedelta(days=7))
            later = soon + timedelta(days=30)
            await events.create(
                org.id,
                {
                    "name": "Summer Sunset Concert",
                    "venue_id": kirstenbosch.id,
                    "starts_at": later,
                    "ends_at": later + timedelta(hours=3),
                    "capacity": 4000,
                },
            )
            await db.commit()
            return f"demo data loaded (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})"
    finally:
        await engine.dispose()


async def _seated_gala(
    db: Any, audit: AuditService, org_id: Any, venue_id: Any, events: EventService, types: Any, when: datetime
) -> None:
    """A published event with reserved seats (docs/seating.md): the Artscape stalls, rows A-D in
    "Front stalls" and E-L in "Stalls", each sold as its own ticket type, so the demo shows the
    seat picker, best available and seats on tickets."""
    stalls = generate_section(key="stalls", name="Stalls", rows=12, seats_per_row=20, category="back", curve=0.3)
    doc = msgspec.convert(
        {
            "name": "Artscape stalls",
            "width": 260.0,
            "height": 200.0,
            "focus": {"x": 0.0, "y": -30.0},  # the stage, in front of row A's middle (sections are centred)
            "categories": [
                {"key": "front", "name": "Front stalls", "color": "#b8860b"},
                {"key": "back", "name": "Stalls", "color": "#2f6db5"},
            ],
            "sections": [msgspec.to_builtins(stalls)],
        },
        SeatingPlanDocument,
    )
    for row in doc.sections[0].rows[:4]:
        for seat in row.seats:
            seat.category = "front"
    plan = await SeatingPlanService(db, audit).create(venue_id, doc)
    gala = await events.create(
        org_id,
        {
            "name": "Artscape Orchestra Gala",
            "venue_id": venue_id,
            "starts_at": when,
            "ends_at": when + timedelta(hours=3),
            "capacity": 240,
            "description": "The Cape Philharmonic in the Artscape Opera House. Choose your seats.",
        },
    )
    mappings = []
    for key, name, price, qty in (("front", "Front stalls", 45000, 80), ("back", "Stalls", 30000, 160)):
        tt = TicketTypeCreate(name=name, price_cents=price, quantity=qty)
        created = await types.create(org_id, gala.id, msgspec.structs.asdict(tt))
        mappings.append(CategoryMapping(category=key, ticket_type_id=created.id))
    await EventSeatingService(db, audit).assign(gala.id, plan.id, mappings)
    await events.transition(gala.id, "publish")
