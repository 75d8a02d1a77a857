"""Tenant scoping, in one place.

Every organisation-owned model mixes in `OrgOwned`. Once the authorization layer has checked a
user's membership it calls `scope_session(session, organization_id)`; from then on every ORM
SELECT, UPDATE and DELETE issued through that session only sees that organisation's rows. Code
never filters by organisation id by hand, so a forgotten filter cannot leak another
organisation's data: a row outside the scope simply does not exist (404).

The hook sees ORM statements only. Hand-written SQL (the `queries.py` / `*_sql.py` modules, see
docs/architecture.md "Database access") filters by `organization_id` itself;
tests/unit/test_sql_tenancy.py checks that it does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

SCOPE_KEY = "organization_id"
_OPT_OUT = "skip_tenant_scope"
_installed = False

UNSCOPED: Mapping[str, bool] = MappingProxyType({_OPT_OUT: True})
"""The one way to opt a statement out of the tenant scope: `.execution_options(**UNSCOPED)`.

Allowed only where no organisation has been chosen by a member, and the statement is keyed by
something that is itself specific enough: public pages and the buyer API (an event slug, an order
reference, a payment id), device paths (the device's own row, found by its token), jobs, and
cross-tenant system work (payment notifications, invitations, slug uniqueness). Say why in a
comment next to each use when the reason is not obvious from the function."""


class OrgOwned:
    """Mixin for rows that belong to one organisation."""

    @declared_attr
    def organization_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True)


def scope_session(session: Any, organization_id: uuid.UUID) -> None:
    """Restrict every later ORM statement of this (async or sync) session to one organisation."""
    sync_session = getattr(session, "sync_session", session)
    sync_session.info[SCOPE_KEY] = organization_id


def _add_scope(state: ORMExecuteState) -> None:
    org_id = state.session.info.get(SCOPE_KEY)
    if org_id is None or state.execution_options.get(_OPT_OUT, False):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy/column loads inherit the criteria from the statement that loaded the parent.
    if state.is_column_load or state.is_relationship_load:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            OrgOwned,
            lambda cls: cls.organization_id == org_id,
            include_aliases=True,
        )
    )


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "do_orm_execute", _add_scope)
        _installed = True
