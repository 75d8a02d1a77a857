"""Tenant scoping, in one place.

Every organisation-owned model mixes in `OrgOwned`. Once the authorization layer has checked a
user's membership it calls `scope_session(session, organization_id)`; from then on every ORM
SELECT, UPDATE and DELETE issued through that session only sees that organisation's rows. Code
never filters by organisation id by hand, so a forgotten filter cannot leak another
organisation's data: a row outside the scope simply does not exist (404).
"""

from __future__ import annotations

import uuid
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
_installed = False


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
    if org_id is None or state.execution_options.get("skip_tenant_scope", False):
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
