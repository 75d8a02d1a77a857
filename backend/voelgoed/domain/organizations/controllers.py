"""Organisations, members and invitations. Thin: rules live in OrganizationService."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_204_NO_CONTENT
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Access, Permission, access
from voelgoed.domain.accounts.models import User
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.notifications import messages
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.organizations import branding_settings
from voelgoed.domain.organizations.branding_settings import (
    BrandingSettingsRead,
    BrandingSettingsUpdate,
    branding_settings_read,
)
from voelgoed.domain.organizations.schemas import (
    AcceptedInvitation,
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    MemberRead,
    MemberUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    TaxSettingsRead,
    TaxSettingsUpdate,
    invitation_read,
    member_read,
    membership_organization_read,
    organization_read,
    tax_settings_read,
)
from voelgoed.domain.organizations.services import OrganizationService
from voelgoed.lib.images import ImageRejected
from voelgoed.lib.media_store import MediaStore, MediaUnavailable, delete_quietly
from voelgoed.lib.patching import sent_fields
from voelgoed.lib.problems import Unprocessable
from voelgoed.lib.uploads import (
    FIELD,
    MAX_UPLOAD_BODY_BYTES,
    ImageUpload,
    check_image_upload_request,
    image_bytes,
    media_unavailable,
)
from voelgoed.settings import Settings

ORG = "/api/organizations/{organization_id:uuid}"


class OrganizationController(Controller):
    tags = ["organizations"]

    @get("/api/organizations", operation_id="listMyOrganizations", opt=access(Access.USER))
    async def list_mine(self, auth: AuthContext, db_session: AsyncSession) -> list[OrganizationRead]:
        """List my organisations

        Every organisation the signed-in user belongs to, with their role in each."""
        memberships = await OrganizationService(db_session).memberships_of(auth.require_user().id)
        return [membership_organization_read(m) for m in memberships]

    @post("/api/organizations", operation_id="createOrganization", opt=access(Access.USER))
    async def create(self, data: OrganizationCreate, auth: AuthContext, db_session: AsyncSession) -> OrganizationRead:
        """Create an organisation

        A new organisation with the signed-in user as its owner; its slug is made from the name."""
        _, membership = await OrganizationService(db_session).create(name=data.name, owner=auth.require_user())
        return membership_organization_read(membership)

    @get(ORG, operation_id="getOrganization", opt=access(Permission.ORG_READ))
    async def get_one(
        self, organization_id: uuid.UUID, auth: AuthContext, db_session: AsyncSession
    ) -> OrganizationRead:
        """Get an organisation

        The organisation's name, slug, time zone and the caller's role in it."""
        org = await OrganizationService(db_session).get(organization_id)
        return organization_read(org, auth.role)

    @patch(ORG, operation_id="updateOrganization", opt=access(Permission.ORG_MANAGE))
    async def update(
        self,
        organization_id: uuid.UUID,
        data: OrganizationUpdate,
        auth: AuthContext,
        db_session: AsyncSession,
    ) -> OrganizationRead:
        """Update an organisation

        Rename the organisation or change its time zone (reports and dates without an event use it). Only the fields
        sent change. Audit-logged."""
        service = OrganizationService(db_session, AuditService(db_session, auth))
        org = await service.get(organization_id)
        if data.name is not msgspec.UNSET:
            org = await service.rename(organization_id, data.name)
        if data.time_zone is not msgspec.UNSET:
            org = await service.set_time_zone(organization_id, data.time_zone)
        return organization_read(org, auth.role)

    @get(ORG + "/tax-settings", operation_id="getTaxSettings", opt=access(Permission.ORG_MANAGE))
    async def get_tax_settings(self, organization_id: uuid.UUID, db_session: AsyncSession) -> TaxSettingsRead:
        """Get tax settings

        Business and tax details: legal and trading name, addresses, VAT registration, number and
        rate, and the invoice number prefix (docs/tax.md)."""
        return tax_settings_read(await OrganizationService(db_session).get(organization_id))

    @patch(ORG + "/tax-settings", operation_id="updateTaxSettings", opt=access(Permission.ORG_MANAGE))
    async def update_tax_settings(
        self, organization_id: uuid.UUID, data: TaxSettingsUpdate, auth: AuthContext, db_session: AsyncSession
    ) -> TaxSettingsRead:
        """Update tax settings

        Change business and tax details. New orders carry the new VAT rule from their reservation
        on; orders and documents already issued keep theirs. Audit-logged."""
        service = OrganizationService(db_session, AuditService(db_session, auth))
        org = await service.update_tax_settings(organization_id, sent_fields(data))
        return tax_settings_read(org)


class MemberController(Controller):
    path = ORG + "/members"
    tags = ["members"]

    @get("", operation_id="listMembers", opt=access(Permission.MEMBERS_READ))
    async def list_members(self, organization_id: uuid.UUID, db_session: AsyncSession) -> list[MemberRead]:
        """List members

        Everyone in the organisation with their name, e-mail address and role."""
        rows = await OrganizationService(db_session).members()
        return [member_read(m, u) for m, u in rows]

    @patch("/{user_id:uuid}", operation_id="updateMember", opt=access(Permission.MEMBERS_MANAGE))
    async def update_member(
        self,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        data: MemberUpdate,
        auth: AuthContext,
        db_session: AsyncSession,
    ) -> MemberRead:
        """Change a member's role

        Give a member another role. Only an owner can grant, change or remove the owner role, nobody can change a
        member whose role is above theirs (403), and the last owner cannot be demoted (409). Audit-logged."""
        service = OrganizationService(db_session, AuditService(db_session, auth))
        membership = await service.change_role(actor_role=auth.role or "", user_id=user_id, role=data.role)
        user = await db_session.get(User, membership.user_id)
        assert user is not None  # the membership references it
        return member_read(membership, user)

    @delete(
        "/{user_id:uuid}",
        operation_id="removeMember",
        opt=access(Permission.MEMBERS_MANAGE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_member(
        self, organization_id: uuid.UUID, user_id: uuid.UUID, auth: AuthContext, db_session: AsyncSession
    ) -> None:
        """Remove a member

        Take a member out of the organisation (their account stays). The same rules as changing a role apply: 403
        above the caller's role, 409 for the last owner. Answers 204."""
        await OrganizationService(db_session, AuditService(db_session, auth)).remove_member(
            actor_role=auth.role or "", user_id=user_id
        )


class InvitationController(Controller):
    tags = ["invitations"]

    @get(ORG + "/invitations", operation_id="listInvitations", opt=access(Permission.MEMBERS_MANAGE))
    async def list_invitations(self, organization_id: uuid.UUID, db_session: AsyncSession) -> list[InvitationRead]:
        """List invitations

        The organisation's invitations, pending and past, with their status and expiry."""
        return [invitation_read(i) for i in await OrganizationService(db_session).invitations()]

    @post(ORG + "/invitations", operation_id="createInvitation", opt=access(Permission.MEMBERS_MANAGE))
    async def create_invitation(
        self,
        organization_id: uuid.UUID,
        data: InvitationCreate,
        auth: AuthContext,
        db_session: AsyncSession,
        queue: Queue,
        settings: Settings,
    ) -> InvitationRead:
        """Invite someone

        Invite an e-mail address with a role and e-mail them a link to accept (`acceptInvitation`). Only an owner
        can invite an owner (403); a current member is a 409. Audit-logged."""
        service = OrganizationService(db_session, AuditService(db_session, auth))
        invitation, token = await service.invite(
            organization_id=organization_id,
            actor=auth.require_user(),
            actor_role=auth.role or "",
            email=data.email,
            role=data.role,
        )
        org = await service.get(organization_id)
        await db_session.commit()  # the link must work by the time the e-mail arrives
        link = f"{settings.server.public_url}/app/invitations/{token}"
        mail = messages.invitation(
            to=invitation.email,
            organization_name=org.name,
            inviter_name=auth.require_user().name,
            role=invitation.role,
            link=link,
        )
        await enqueue_mail(queue, mail, key=f"invite:{invitation.id}")
        return invitation_read(invitation)

    @delete(
        ORG + "/invitations/{invitation_id:uuid}",
        operation_id="revokeInvitation",
        opt=access(Permission.MEMBERS_MANAGE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def revoke_invitation(
        self, organization_id: uuid.UUID, invitation_id: uuid.UUID, auth: AuthContext, db_session: AsyncSession
    ) -> None:
        """Revoke an invitation

        The invitation's link stops working. Answers 204; an unknown invitation is a 404."""
        await OrganizationService(db_session, AuditService(db_session, auth)).revoke_invitation(invitation_id)

    @get("/api/invitations/{token:str}", operation_id="getInvitation", opt=access(Access.PUBLIC))
    async def preview(self, token: str, db_session: AsyncSession) -> InvitationPreview:
        """Preview an invitation

        What an invitation link offers, before signing in: the organisation, the invited address, the role, its
        status and expiry. An unknown token is a 404."""
        invitation, org = await OrganizationService(db_session).find_invitation(token)
        return InvitationPreview(
            organization_name=org.name,
            email=invitation.email,
            role=invitation.role,
            status=invitation.status,
            expires_at=invitation.expires_at,
        )

    @post(
        "/api/invitations/{token:str}/accept",
        operation_id="acceptInvitation",
        opt=access(Access.USER),
        status_code=200,
    )
    async def accept(self, token: str, auth: AuthContext, db_session: AsyncSession) -> AcceptedInvitation:
        """Accept an invitation

        Join the organisation with the invited role. The signed-in user's e-mail address must be the invited one
        (403 otherwise); an invitation that is not pending is a 409, as is accepting while already a member."""
        membership = await OrganizationService(db_session).accept_invitation(token, auth.require_user())
        org = membership.organization
        return AcceptedInvitation(
            organization_id=org.id,
            organization_name=org.name,
            organization_slug=org.slug,
            role=membership.role,
        )


class BrandingController(Controller):
    path = ORG + "/branding"
    tags = ["organizations"]

    @get("", operation_id="getBrandingSettings", opt=access(Permission.ORG_READ))
    async def get_branding(self, organization_id: uuid.UUID, db_session: AsyncSession) -> BrandingSettingsRead:
        """Get branding

        What buyers see of the organisation: its colour, logo, contact address and public text."""
        return branding_settings_read(await OrganizationService(db_session).get(organization_id))

    @patch("", operation_id="updateBrandingSettings", opt=access(Permission.ORG_MANAGE))
    async def update_branding(
        self, organization_id: uuid.UUID, data: BrandingSettingsUpdate, auth: AuthContext, db_session: AsyncSession
    ) -> BrandingSettingsRead:
        """Update branding

        Change the contact address (buyers' replies), the colour ("#rrggbb", dark enough for white
        text) and the public description. Audit-logged."""
        org = await OrganizationService(db_session).get(organization_id)
        branding_settings.update_branding(org, sent_fields(data), AuditService(db_session, auth))
        await db_session.flush()
        return branding_settings_read(org)

    @post(
        "/logo",
        operation_id="uploadOrganizationLogo",
        opt=access(Permission.ORG_MANAGE),
        status_code=200,
        request_max_body_size=MAX_UPLOAD_BODY_BYTES,
        before_request=check_image_upload_request,
    )
    async def upload_logo(
        self,
        organization_id: uuid.UUID,
        data: Annotated[ImageUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        auth: AuthContext,
        db_session: AsyncSession,
        media: MediaStore,
    ) -> BrandingSettingsRead:
        """Upload the logo

        Set or replace the logo: a JPEG, PNG or WebP of at most 8 MB in the multipart field
        `file`, stored without metadata as a small WebP for pages and a PNG for tickets and e-mails."""
        org = await OrganizationService(db_session).get(organization_id)
        content = await image_bytes(data)
        try:
            key, written = await branding_settings.store_logo(media, org.id, content)
        except ImageRejected as exc:
            raise Unprocessable.field(FIELD, str(exc)) from None
        except MediaUnavailable:
            raise media_unavailable() from None
        try:
            old = branding_settings.set_logo(org, key, AuditService(db_session, auth))
            await db_session.commit()
        except BaseException:
            await delete_quietly(media, written)
            raise
        await delete_quietly(media, old)
        return branding_settings_read(await OrganizationService(db_session).get(organization_id))

    @delete("/logo", operation_id="deleteOrganizationLogo", opt=access(Permission.ORG_MANAGE), status_code=200)
    async def delete_logo(
        self, organization_id: uuid.UUID, auth: AuthContext, db_session: AsyncSession, media: MediaStore
    ) -> BrandingSettingsRead:
        """Remove the logo

        Remove the logo (pages show the organiser's name alone). Idempotent."""
        org = await OrganizationService(db_session).get(organization_id)
        if org.logo_key:
            old = branding_settings.set_logo(org, None, AuditService(db_session, auth))
            await db_session.commit()
            await delete_quietly(media, old)
        return branding_settings_read(await OrganizationService(db_session).get(organization_id))
