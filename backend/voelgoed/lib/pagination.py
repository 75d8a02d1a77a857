"""List pages: `?page&page_size&sort` answered as `{items, total, page, page_size}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.lib.problems import AppError, FieldError

T = TypeVar("T")
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # keeps OFFSET far inside int64


class PageParams(msgspec.Struct):
    page: int = 1
    page_size: int = 25
    sort: str | None = None

    def validated(self) -> PageParams:
        errors = []
        if self.page < 1:
            errors.append(FieldError(field="page", message="must be 1 or more"))
        if self.page > MAX_PAGE:
            errors.append(FieldError(field="page", message=f"must be {MAX_PAGE} or less"))
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            errors.append(FieldError(field="page_size", message=f"must be between 1 and {MAX_PAGE_SIZE}"))
        if errors:
            raise AppError("Invalid paging parameters.", errors=errors)
        return self


def order_by(stmt: Select[Any], sort: str | None, columns: Mapping[str, Any], default: str) -> Select[Any]:
    """Apply `sort=field` or `sort=-field` from an allow-list of columns."""
    key = sort or default
    descending = key.startswith("-")
    name = key.lstrip("-")
    if name not in columns:
        allowed = ", ".join(sorted(columns))
        raise AppError(
            f"Cannot sort by '{name}'.",
            errors=[FieldError(field="sort", message=f"one of {allowed}, optionally prefixed with '-'")],
        )
    column = columns[name]
    return stmt.order_by(column.desc() if descending else column.asc())


async def paginate(session: AsyncSession, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    params.validated()
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = await session.scalars(stmt.limit(params.page_size).offset((params.page - 1) * params.page_size))
    return list(rows.unique()), int(total or 0)
