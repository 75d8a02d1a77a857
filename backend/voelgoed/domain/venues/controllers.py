"""Venues and gates. Thin: rules live in VenueService."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.venues.schemas import (
    GateCreate,
    GateRead,
    GateUpdate,
    VenueCreate,
    VenuePage,
    VenueRead,
    VenueUpdate,
    gate_read,
    venue_read,
)
from voelgoed.domain.venues.services import VenueService, VenueSort
from voelgoed.lib.pagination import PageParams
from voelgoed.lib.patching import sent_fields


async def provide_venue_service(db_session: AsyncSession, auth: AuthContext) -> VenueService:
    return VenueService(db_session, AuditService(db_session, auth))


class VenueController(Controller):
    path = "/api/organizations/{organization_id:uuid}/venues"
    tags = ["venues"]
    dependencies = {"venues": Provide(provide_venue_service)}

    @get("", operation_id="listVenues", opt=access(Permission.VENUES_READ))
    async def list_venues(
        self,
        organization_id: uuid.UUID,
        venues: VenueService,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=25, ge=1, le=200),
        q: str | None = Parameter(default=None, max_length=200),
        sort: VenueSort | None = None,
    ) -> VenuePage:
        """List venues

        The organisation's venues, a page at a time; `q` searches the name and city, `sort` orders them."""
        items, total = await venues.list(PageParams(page=page, page_size=page_size, sort=sort), q)
        return VenuePage(items=[venue_read(v) for v in items], total=total, page=page, page_size=page_size)

    @post("", operation_id="createVenue", opt=access(Permission.VENUES_WRITE))
    async def create_venue(self, organization_id: uuid.UUID, data: VenueCreate, venues: VenueService) -> VenueRead:
        """Create a venue

        A place where events happen, with an address, a capacity and a time zone. Gates are added with `createGate`.
        Audit-logged."""
        return venue_read(await venues.create(organization_id, msgspec.structs.asdict(data)))

    @get("/{venue_id:uuid}", operation_id="getVenue", opt=access(Permission.VENUES_READ))
    async def get_venue(self, organization_id: uuid.UUID, venue_id: uuid.UUID, venues: VenueService) -> VenueRead:
        """Get a venue

        One venue with its gates."""
        return venue_read(await venues.get(venue_id))

    @patch("/{venue_id:uuid}", operation_id="updateVenue", opt=access(Permission.VENUES_WRITE))
    async def update_venue(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, data: VenueUpdate, venues: VenueService
    ) -> VenueRead:
        """Update a venue

        Change a venue; only the fields sent change. Audit-logged."""
        return venue_read(await venues.update(venue_id, sent_fields(data)))

    @delete(
        "/{venue_id:uuid}",
        operation_id="deleteVenue",
        opt=access(Permission.VENUES_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_venue(self, organization_id: uuid.UUID, venue_id: uuid.UUID, venues: VenueService) -> None:
        """Delete a venue

        Delete a venue no event uses; a venue with events is a 409 (move or delete them first). Answers 204.
        Audit-logged."""
        await venues.delete(venue_id)

    @post("/{venue_id:uuid}/gates", operation_id="createGate", opt=access(Permission.VENUES_WRITE))
    async def create_gate(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, data: GateCreate, venues: VenueService
    ) -> GateRead:
        """Add a gate to a venue

        A gate is where scanners stand (entrance, exit). `code` is short and unique at the venue (upper-cased; 409
        when taken); `name` defaults to the code. Audit-logged."""
        return gate_read(await venues.add_gate(venue_id, data.code, data.name))

    @patch(
        "/{venue_id:uuid}/gates/{gate_id:uuid}",
        operation_id="updateGate",
        opt=access(Permission.VENUES_WRITE),
    )
    async def update_gate(
        self,
        organization_id: uuid.UUID,
        venue_id: uuid.UUID,
        gate_id: uuid.UUID,
        data: GateUpdate,
        venues: VenueService,
    ) -> GateRead:
        """Update a gate

        Change a gate's code or name; only the fields sent change. A code another gate of the venue has is a 409.
        Audit-logged."""
        return gate_read(await venues.update_gate(venue_id, gate_id, sent_fields(data)))

    @delete(
        "/{venue_id:uuid}/gates/{gate_id:uuid}",
        operation_id="deleteGate",
        opt=access(Permission.VENUES_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_gate(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, gate_id: uuid.UUID, venues: VenueService
    ) -> None:
        """Delete a gate

        Remove a gate from the venue. Answers 204. Audit-logged."""
        await venues.delete_gate(venue_id, gate_id)
