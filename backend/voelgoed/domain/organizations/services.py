"""Organisations, memberships and invitations."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.accounts.models import User
from voelgoed.domain.organizations.machines import InvitationLifecycle
from voelgoed.domain.organizations.models import ROLE_RANK, Invitation, Membership, Organization, Role
from voelgoed.lib.problems import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from voelgoed.lib.secrets import new_token, token_digest
from voelgoed.lib.timezones import check_timezone
from voelgoed.lib.vat_numbers import clean_vat_number

if TYPE_CHECKING:  # passed in by the caller: organisations sit below audit (docs/architecture.md)
    from voelgoed.domain.audit.services import AuditService

INVITATION_TTL = timedelta(days=7)


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"


async def charged_vat_rate_bp(db: AsyncSession, org_id: uuid.UUID) -> int:
    """The VAT rate (basis points) an organisation's new orders carry: 0 unless it is a VAT vendor."""
    row = (
        await db.execute(select(Organization.vat_registered, Organization.vat_rate_bp).where(Organization.id == org_id))
    ).first()
    return int(row.vat_rate_bp) if row is not None and row.vat_registered else 0


_TAX_TEXT_FIELDS = ("legal_name", "trading_name", "postal_address", "physical_address")


def parse_role(value: str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise Unprocessable.field(field, f"Unknown role '{value}'; use one of {allowed}.") from None


class OrganizationService:
    def __init__(self, db: AsyncSession, audit: AuditService | None = None) -> None:
        self.db = db
        self.audit = audit

    def _record(self, action: str, entity_type: str, entity_id: uuid.UUID, changes: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit.record(action=action, entity_type=entity_type, entity_id=entity_id, changes=changes)

    async def create(self, *, name: str, owner: User) -> tuple[Organization, Membership]:
        name = name.strip()
        if not name:
            raise Unprocessable.field("name", "Enter the organisation's name.")
        base = slugify(name)
        slug, n = base, 1
        while await self.db.scalar(select(Organization.id).where(Organization.slug == slug)):
            n += 1
            slug = f"{base}-{n}"
        org = Organization(name=name, slug=slug)
        self.db.add(org)
        await self.db.flush()
        membership = Membership(organization_id=org.id, user_id=owner.id, role=Role.OWNER.value)
        self.db.add(membership)
        await self.db.flush()
        membership.organization = org
        return org, membership

    async def memberships_of(self, user_id: uuid.UUID) -> list[Membership]:
        rows = await self.db.scalars(
            select(Membership)
            .where(Membership.user_id == user_id)
            .execution_options(**UNSCOPED)
            .order_by(Membership.created_at)
        )
        return list(rows)

    async def get(self, org_id: uuid.UUID) -> Organization:
        org = await self.db.get(Organization, org_id)
        if org is None:
            raise NotFound("No such organisation.")
        return org

    async def rename(self, org_id: uuid.UUID, name: str) -> Organization:
        org = await self.get(org_id)
        if not name.strip():
            raise Unprocessable.field("name", "Enter the organisation's name.")
        self._record("organization.renamed", "organization", org.id, {"name": [org.name, name.strip()]})
        org.name = name.strip()
        return org

    async def set_time_zone(self, org_id: uuid.UUID, time_zone: str) -> Organization:
        org = await self.get(org_id)
        time_zone = check_timezone(time_zone.strip(), field="time_zone")
        if time_zone != org.time_zone:
            changes = {"time_zone": [org.time_zone, time_zone]}
            self._record("organization.time_zone_changed", "organization", org.id, changes)
            org.time_zone = time_zone
        return org

    async def update_tax_settings(self, org_id: uuid.UUID, sent: dict[str, Any]) -> Organization:
        """Apply the fields sent (already shape-checked by the schema); audit-logged with the
        before and after of each changed field. Registered for VAT without a number: 422."""
        org = await self.get(org_id)
        wanted: dict[str, Any] = {}
        for name in _TAX_TEXT_FIELDS:
            if name in sent:
                value = sent[name]
                wanted[name] = value.strip() or None if isinstance(value, str) else None
        if "vat_number" in sent:
            raw = sent["vat_number"]
            wanted["vat_number"] = clean_vat_number(raw) if raw is not None and raw.strip() else None
        if "vat_registered" in sent:
            wanted["vat_registered"] = bool(sent["vat_registered"])
        if "vat_rate_bp" in sent:
            wanted["vat_rate_bp"] = int(sent["vat_rate_bp"])
        if "invoice_prefix" in sent:
            wanted["invoice_prefix"] = str(sent["invoice_prefix"]).upper()
        registered = wanted.get("vat_registered", org.vat_registered)
        number = wanted.get("vat_number", org.vat_number)
        if registered and not number:
            raise Unprocessable.field("vat_number", "Enter the VAT number: a VAT vendor's invoices must show it.")
        if registered and wanted.get("vat_rate_bp", org.vat_rate_bp) <= 0:
            raise Unprocessable.field("vat_rate_bp", "A VAT vendor charges a rate above 0 (15% is 1500).")
        changes = {k: [getattr(org, k), v] for k, v in wanted.items() if getattr(org, k) != v}
        if changes:
            self._record("organization.tax_settings_changed", "organization", org.id, changes)
            for k, (_, v) in changes.items():
                setattr(org, k, v)
            await self.db.flush()
        return org

    # --- members --------------------------------------------------------------------------
    async def members(self) -> list[tuple[Membership, User]]:
        rows = await self.db.execute(
            select(Membership, User).join(User, User.id == Membership.user_id).order_by(User.name)
        )
        return [(m, u) for m, u in rows.all()]

    async def _membership(self, user_id: uuid.UUID) -> Membership:
        membership = await self.db.scalar(select(Membership).where(Membership.user_id == user_id))
        if membership is None:
            raise NotFound("No such member.")
        return membership

    async def _owner_count(self) -> int:
        # Lock the owners' rows: two owners demoting each other at once are serialised, and the
        # second sees one owner left (409) instead of both succeeding.
        owners = await self.db.scalars(
            select(Membership.id).where(Membership.role == Role.OWNER.value).with_for_update()
        )
        return len(list(owners))

    def _check_can_manage(self, actor_role: str, target_role: str, new_role: str | None = None) -> None:
        # Only owners grant, change or remove the owner role; admins manage everyone below them.
        touches_owner = Role.OWNER.value in {target_role, new_role}
        if touches_owner and actor_role != Role.OWNER.value:
            raise Forbidden("Only an owner can grant, change or remove the owner role.")
        if ROLE_RANK[Role(actor_role)] < ROLE_RANK[Role(target_role)]:
            raise Forbidden("You cannot change a member whose role is above yours.")

    async def change_role(self, *, actor_role: str, user_id: uuid.UUID, role: str) -> Membership:
        new_role = parse_role(role)
        membership = await self._membership(user_id)
        self._check_can_manage(actor_role, membership.role, new_role.value)
        if membership.role == Role.OWNER.value and new_role != Role.OWNER and await self._owner_count() <= 1:
            raise Conflict("An organisation needs at least one owner.")
        self._record("member.role_changed", "member", user_id, {"role": [membership.role, new_role.value]})
        membership.role = new_role.value
        return membership

    async def remove_member(self, *, actor_role: str, user_id: uuid.UUID) -> None:
        membership = await self._membership(user_id)
        self._check_can_manage(actor_role, membership.role)
        if membership.role == Role.OWNER.value and await self._owner_count() <= 1:
            raise Conflict("An organisation needs at least one owner.")
        await self.db.delete(membership)
        self._record("member.removed", "member", user_id, {"role": membership.role})

    # --- invitations ----------------------------------------------------------------------
    async def invitations(self) -> list[Invitation]:
        await self._expire_stale()
        return list(await self.db.scalars(select(Invitation).order_by(Invitation.created_at.desc())))

    async def _expire_stale(self) -> None:
        stale = await self.db.scalars(
            select(Invitation).where(Invitation.status == "pending", Invitation.expires_at <= datetime.now(UTC))
        )
        for invitation in stale:
            InvitationLifecycle(model=invitation, state_field="status").expire()

    async def invite(
        self, *, organization_id: uuid.UUID, actor: User, actor_role: str, email: str, role: str
    ) -> tuple[Invitation, str]:
        from voelgoed.lib.contact import normalise_email

        email = normalise_email(email)
        new_role = parse_role(role)
        if new_role == Role.OWNER and actor_role != Role.OWNER.value:
            raise Forbidden("Only an owner can invite another owner.")
        existing_member = await self.db.scalar(
            select(Membership.id).join(User, User.id == Membership.user_id).where(User.email == email)
        )
        if existing_member:
            raise Conflict(
                "This person is already a member.",
                errors=[FieldError(field="email", message="already a member")],
            )
        pending = await self.db.scalar(
            select(Invitation).where(
                Invitation.email == email,
                Invitation.status == "pending",
                Invitation.expires_at > datetime.now(UTC),
            )
        )
        if pending is not None:  # re-inviting replaces the old link
            InvitationLifecycle(model=pending, state_field="status").revoke()
        token = new_token()
        invitation = Invitation(
            organization_id=organization_id,
            email=email,
            role=new_role.value,
            token_hash=token_digest(token),
            expires_at=datetime.now(UTC) + INVITATION_TTL,
            invited_by_user_id=actor.id,
        )
        self.db.add(invitation)
        await self.db.flush()
        self._record("invitation.created", "invitation", invitation.id, {"email": email, "role": new_role.value})
        return invitation, token

    async def revoke_invitation(self, invitation_id: uuid.UUID) -> Invitation:
        invitation = await self.db.get(Invitation, invitation_id)
        if invitation is None:
            raise NotFound("No such invitation.")
        InvitationLifecycle(model=invitation, state_field="status").revoke()
        self._record("invitation.revoked", "invitation", invitation.id, {"email": invitation.email})
        return invitation

    async def find_invitation(self, token: str) -> tuple[Invitation, Organization]:
        """Public lookup by token (not tenant-scoped: the token is the proof)."""
        row = (
            await self.db.execute(
                select(Invitation, Organization)
                .join(Organization, Organization.id == Invitation.organization_id)
                .where(Invitation.token_hash == token_digest(token))
                .execution_options(**UNSCOPED)
            )
        ).first()
        if row is None:
            raise NotFound("This invitation does not exist.")
        invitation, org = row
        if invitation.status == "pending" and invitation.expires_at <= datetime.now(UTC):
            InvitationLifecycle(model=invitation, state_field="status").expire()
        return invitation, org

    async def accept_invitation(self, token: str, user: User) -> Membership:
        invitation, org = await self.find_invitation(token)
        if invitation.status != "pending":
            raise Conflict(f"This invitation is {invitation.status}.")
        if invitation.email != user.email:
            raise Forbidden(f"This invitation was sent to {invitation.email}; sign in with that address to accept it.")
        already = await self.db.scalar(
            select(Membership)
            .where(Membership.organization_id == org.id, Membership.user_id == user.id)
            .execution_options(**UNSCOPED)
        )
        if already is not None:
            raise Conflict("You are already a member of this organisation.")
        InvitationLifecycle(model=invitation, state_field="status").accept()
        invitation.accepted_by_user_id = user.id
        membership = Membership(organization_id=org.id, user_id=user.id, role=invitation.role)
        self.db.add(membership)
        await self.db.flush()
        membership.organization = org
        return membership
