"""Who may do what: the role x permission matrix, and the API-key scope each permission needs.
The guard (auth/guard.py) is the only reader."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

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
    API_KEYS_MANAGE = "api-keys:manage"  # create, list and revoke the organisation's API keys
    WEBHOOKS_MANAGE = "webhooks:manage"  # webhook endpoints, their secrets, delivery logs, redelivery


class ApiKeyScope(enum.StrEnum):
    """What an API key may do (docs/api-keys.md). A write scope includes its read scope."""

    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"  # orders and refunds
    CHECKIN = "checkin"
    WEBHOOKS = "webhooks"


_READ = {Permission.ORG_READ, Permission.MEMBERS_READ, Permission.VENUES_READ, Permission.EVENTS_READ}
_WRITE = {Permission.VENUES_WRITE, Permission.EVENTS_WRITE, Permission.CHECKIN, Permission.DEVICES_MANAGE}
_MANAGE = {
    Permission.ORG_MANAGE,
    Permission.MEMBERS_MANAGE,
    Permission.EVENTS_PUBLISH,
    Permission.AUDIT_READ,
    Permission.MONEY_READ,
    Permission.REFUNDS_WRITE,
    Permission.API_KEYS_MANAGE,
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


# The scope an API key needs for a permission, unless the handler names its own (`access(scope=)`).
# None: no key can ever do it (people, roles and the organisation's own settings stay with people).
PERMISSION_SCOPES: dict[Permission, ApiKeyScope | None] = {
    Permission.ORG_READ: ApiKeyScope.EVENTS_READ,
    Permission.ORG_MANAGE: None,
    Permission.MEMBERS_READ: None,
    Permission.MEMBERS_MANAGE: None,
    Permission.VENUES_READ: ApiKeyScope.EVENTS_READ,
    Permission.VENUES_WRITE: ApiKeyScope.EVENTS_WRITE,
    Permission.EVENTS_READ: ApiKeyScope.EVENTS_READ,
    Permission.EVENTS_WRITE: ApiKeyScope.EVENTS_WRITE,
    Permission.EVENTS_PUBLISH: ApiKeyScope.EVENTS_WRITE,
    Permission.AUDIT_READ: None,
    Permission.CHECKIN: ApiKeyScope.CHECKIN,
    Permission.DEVICES_MANAGE: ApiKeyScope.CHECKIN,
    Permission.MONEY_READ: ApiKeyScope.ORDERS_READ,
    Permission.REFUNDS_WRITE: ApiKeyScope.ORDERS_WRITE,
    Permission.API_KEYS_MANAGE: None,
    Permission.WEBHOOKS_MANAGE: ApiKeyScope.WEBHOOKS,
}

# A write scope grants its read scope too: a key that may change orders may read them.
_IMPLIED: dict[ApiKeyScope, frozenset[ApiKeyScope]] = {
    ApiKeyScope.EVENTS_WRITE: frozenset({ApiKeyScope.EVENTS_READ}),
    ApiKeyScope.ORDERS_WRITE: frozenset({ApiKeyScope.ORDERS_READ}),
}

_SCOPE_OPT = "api_key_scope"
_DEFAULT: object = object()


def effective_scopes(scopes: Iterable[str]) -> frozenset[ApiKeyScope]:
    """A key's scopes with the read scopes its write scopes include."""
    granted: set[ApiKeyScope] = set()
    for value in scopes:
        try:
            scope = ApiKeyScope(value)
        except ValueError:
            continue
        granted |= {scope, *_IMPLIED.get(scope, ())}
    return frozenset(granted)


def required_scope(opt: Mapping[str, object]) -> ApiKeyScope | None:
    """The scope an API key needs for a handler (None: keys may not call it at all)."""
    level = opt.get("access")
    if _SCOPE_OPT in opt:
        declared = opt[_SCOPE_OPT]
        return declared if isinstance(declared, ApiKeyScope) else None
    return PERMISSION_SCOPES.get(level) if isinstance(level, Permission) else None


def access(level: Access | Permission, *, scope: ApiKeyScope | object | None = _DEFAULT) -> dict[str, object]:
    """The `opt` of a route handler: every handler declares its access level, or the app refuses
    to start (see app.py). `scope` names the API-key scope when the permission alone cannot tell
    (orders are read with EVENTS_READ, for example); `scope=None` keeps keys out entirely."""
    opt: dict[str, object] = {"access": level}
    if scope is not _DEFAULT:
        opt[_SCOPE_OPT] = scope
    return opt


def describe_access(opt: Mapping[str, object]) -> str:
    """The "Access:" line of an operation's description in the OpenAPI spec (lib/openapi_docs.py),
    from its handler's `opt` (the access level, and the API-key scope it needs)."""
    level = opt.get("access")
    if level == Access.PUBLIC:
        return "Access: public, no sign-in needed."
    if level == Access.USER:
        return "Access: any signed-in user (session only; API keys are refused)."
    if level == Access.DEVICE:
        return "Access: a paired scanner's device token."
    if isinstance(level, Permission):
        roles = [role.value for role, permissions in ROLE_PERMISSIONS.items() if level in permissions]
        scope = required_scope(opt)
        key = f"API keys with the `{scope.value}` scope" if scope else "API keys are refused"
        return f"Access: the `{level.value}` permission (roles: {', '.join(roles)}); {key}."
    return f"Access: {level}."
