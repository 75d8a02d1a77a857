"""Who may do what: the role x permission matrix. The guard (auth/guard.py) is the only reader."""

from __future__ import annotations

import enum

from voelgoed.domain.organizations.models import Role


class Access(enum.StrEnum):
    """Access levels that are not organisation permissions."""

    PUBLIC = "public"  # anyone, no session needed
    USER = "user"  # any signed-in user
    DEVICE = "device"  # a paired scanner's bearer token (auth/device.py); nothing else


class Permission(enum.StrEnum):
    ORG_READ = "org:read"
    ORG_MANAGE = "org:manage"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    VENUES_READ = "venues:read"
    VENUES_WRITE = "venues:write"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    EVENTS_PUBLISH = "events:publish"
    AUDIT_READ = "audit:read"
    CHECKIN = "checkin:scan"
    DEVICES_MANAGE = "devices:manage"
    MONEY_READ = "money:read"  # reports, the ledger, settlement statements, tax documents
    REFUNDS_WRITE = "refunds:write"  # refund and cancel orders, cancel events with their orders
    WEBHOOKS_MANAGE = "webhooks:manage"  # webhook endpoints, their secrets, delivery logs, redelivery


_READ = {Permission.ORG_READ, Permission.MEMBERS_READ, Permission.VENUES_READ, Permission.EVENTS_READ}
_WRITE = {Permission.VENUES_WRITE, Permission.EVENTS_WRITE, Permission.CHECKIN, Permission.DEVICES_MANAGE}
_MANAGE = {
    Permission.ORG_MANAGE,
    Permission.MEMBERS_MANAGE,
    Permission.EVENTS_PUBLISH,
    Permission.AUDIT_READ,
    Permission.MONEY_READ,
    Permission.REFUNDS_WRITE,
    Permission.WEBHOOKS_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(_READ | _WRITE | _MANAGE),
    Role.ADMIN: frozenset(_READ | _WRITE | _MANAGE),
    Role.STAFF: frozenset(_READ | _WRITE),
    Role.VIEWER: frozenset(_READ),
    Role.SCANNER_ONLY: frozenset({Permission.ORG_READ, Permission.CHECKIN}),
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def access(level: Access | Permission) -> dict[str, object]:
    """The `opt` of a route handler: every handler declares its access level, or the app refuses
    to start (see app.py)."""
    return {"access": level}
