"""The organiser's questions and the attendee-name setting of an event.

A question that has answers is never deleted: `delete` archives it (it leaves checkout, its
answers stay in orders and exports). Its kind and scope cannot change either, so no stored
answer becomes an answer of the wrong kind or place.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.attendees.models import AttendeeAnswer, AttendeeSettings, Question
from voelgoed.domain.attendees.schemas import MAX_OPTIONS, OPTION_LENGTH
from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.catalog.services import get_event
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable


def clean_text(value: str) -> str:
    return " ".join(value.split())


def check_options(kind: str, options: list[str]) -> list[str]:
    """A choice question's options: 2 to MAX_OPTIONS distinct non-empty ones, each at most
    OPTION_LENGTH characters; other kinds take none."""
    cleaned = [clean_text(o) for o in options]
    if kind != "choice":
        if any(cleaned):
            raise Unprocessable.field("options", "Only a choice question has options; leave them empty.")
        return []
    for i, option in enumerate(cleaned):
        if not option:
            raise Unprocessable.field(f"options.{i}", "An option cannot be empty.")
        if len(option) > OPTION_LENGTH:
            raise Unprocessable.field(f"options.{i}", f"An option can be at most {OPTION_LENGTH} characters.")
    if len(cleaned) < 2:
        raise Unprocessable.field("options", "A choice question needs at least 2 options.")
    if len(cleaned) > MAX_OPTIONS:
        raise Unprocessable.field("options", f"A choice question takes at most {MAX_OPTIONS} options.")
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        raise Unprocessable.field("options", "Each option must be different.")
    return cleaned


async def answer_counts(db: AsyncSession, question_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not question_ids:
        return {}
    rows = await db.execute(
        select(AttendeeAnswer.question_id, func.count())
        .where(AttendeeAnswer.question_id.in_(question_ids))
        .group_by(AttendeeAnswer.question_id)
    )
    return {qid: int(n) for qid, n in rows.tuples()}


async def holder_names_mode(db: AsyncSession, event_id: uuid.UUID, **options: Any) -> str:
    """'off' (no row), 'optional' or 'required'."""
    mode = await db.scalar(
        select(AttendeeSettings.holder_names).where(AttendeeSettings.event_id == event_id).execution_options(**options)
    )
    return mode or "off"


class QuestionService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def of_event(self, event_id: uuid.UUID, *, include_archived: bool = True) -> list[Question]:
        await get_event(self.db, event_id)
        stmt = select(Question).where(Question.event_id == event_id)
        if not include_archived:
            stmt = stmt.where(Question.archived_at.is_(None))
        return list(await self.db.scalars(stmt.order_by(Question.archived_at.is_not(None), Question.position)))

    async def get(self, event_id: uuid.UUID, question_id: uuid.UUID, *, for_update: bool = False) -> Question:
        stmt = select(Question).where(Question.id == question_id, Question.event_id == event_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        q = await self.db.scalar(stmt)
        if q is None:
            raise NotFound("No such question.")
        return q

    async def _type_ids(self, event_id: uuid.UUID, wanted: list[uuid.UUID]) -> list[uuid.UUID] | None:
        if not wanted:
            return None  # every type
        ids = set(wanted)
        found = set(
            await self.db.scalars(select(TicketType.id).where(TicketType.event_id == event_id, TicketType.id.in_(ids)))
        )
        if found != ids:
            raise Unprocessable.field("ticket_type_ids", "Every ticket type must belong to this event.")
        return sorted(ids)

    def _texts(self, values: dict[str, Any]) -> None:
        for key, message in (("label", "A question needs its text."), ("purpose", "Say why you ask this.")):
            if key in values:
                values[key] = clean_text(values[key])
                if not values[key]:
                    raise Unprocessable.field(key, message)

    async def create(self, organization_id: uuid.UUID, event_id: uuid.UUID, data: dict[str, Any]) -> Question:
        event = await get_event(self.db, event_id)
        values = dict(data)
        self._texts(values)
        values["options"] = check_options(values["kind"], values.get("options") or [])
        values["ticket_type_ids"] = await self._type_ids(event.id, values.get("ticket_type_ids") or [])
        last = await self.db.scalar(select(func.max(Question.position)).where(Question.event_id == event.id))
        q = Question(organization_id=organization_id, event_id=event.id, position=(last or 0) + 1, **values)
        self.db.add(q)
        await self.db.flush()
        self.audit.record(
            action="question.created",
            entity_type="question",
            entity_id=q.id,
            changes={"label": q.label, "kind": q.kind, "scope": q.scope, "event_id": event.id},
        )
        return q

    async def update(self, event_id: uuid.UUID, question_id: uuid.UUID, changes: dict[str, Any]) -> Question:
        await get_event(self.db, event_id)
        q = await self.get(event_id, question_id, for_update=True)
        new = dict(changes)
        archived = new.pop("archived", None)
        self._texts(new)
        kind = new.get("kind", q.kind)
        reshaped = [k for k in ("kind", "scope") if k in new and new[k] != getattr(q, k)]
        if reshaped and (await answer_counts(self.db, [q.id])).get(q.id):
            raise Conflict(
                "This question already has answers; how it is answered and asked cannot change."
                " Archive it and add a new one.",
                errors=[FieldError(field=k, message="Answered already.") for k in reshaped],
            )
        if "options" in new or "kind" in new:
            new["options"] = check_options(kind, new.get("options", q.options or []))
        if "ticket_type_ids" in new:
            new["ticket_type_ids"] = await self._type_ids(event_id, new["ticket_type_ids"])
        before = {k: getattr(q, k) for k in new}
        for key, value in new.items():
            setattr(q, key, value)
        changed = diff(before, new)
        if archived is not None and archived != (q.archived_at is not None):
            q.archived_at = datetime.now(UTC) if archived else None
            changed["archived"] = [not archived, archived]
        await self.db.flush()
        if changed:
            self.audit.record(action="question.updated", entity_type="question", entity_id=q.id, changes=changed)
        return q

    async def delete(self, event_id: uuid.UUID, question_id: uuid.UUID) -> bool:
        """Deletes an unanswered question; archives an answered one. True when deleted."""
        q = await self.get(event_id, question_id, for_update=True)
        if (await answer_counts(self.db, [q.id])).get(q.id):
            if q.archived_at is None:
                q.archived_at = datetime.now(UTC)
                await self.db.flush()
                self.audit.record(
                    action="question.archived", entity_type="question", entity_id=q.id, changes={"label": q.label}
                )
            return False
        await self.db.delete(q)
        await self.db.flush()
        self.audit.record(action="question.deleted", entity_type="question", entity_id=q.id, changes={"label": q.label})
        return True

    async def reorder(self, event_id: uuid.UUID, question_ids: list[uuid.UUID]) -> list[Question]:
        await get_event(self.db, event_id)
        active = list(
            await self.db.scalars(
                select(Question).where(Question.event_id == event_id, Question.archived_at.is_(None)).with_for_update()
            )
        )
        if len(question_ids) != len(set(question_ids)) or set(question_ids) != {q.id for q in active}:
            raise Unprocessable.field("question_ids", "List every active question of this event exactly once.")
        by_id = {q.id: q for q in active}
        for position, qid in enumerate(question_ids, start=1):
            by_id[qid].position = position
        await self.db.flush()
        self.audit.record(
            action="question.reordered",
            entity_type="event",
            entity_id=event_id,
            changes={"question_ids": [str(i) for i in question_ids]},
        )
        return await self.of_event(event_id)

    async def settings(self, event_id: uuid.UUID) -> str:
        await get_event(self.db, event_id)
        return await holder_names_mode(self.db, event_id)

    async def set_holder_names(self, organization_id: uuid.UUID, event_id: uuid.UUID, mode: str) -> str:
        await get_event(self.db, event_id)
        row = await self.db.scalar(
            select(AttendeeSettings).where(AttendeeSettings.event_id == event_id).with_for_update()
        )
        before = row.holder_names if row else "off"
        if row is None:
            row = AttendeeSettings(organization_id=organization_id, event_id=event_id, holder_names=mode)
            self.db.add(row)
        row.holder_names = mode
        await self.db.flush()
        if before != mode:
            self.audit.record(
                action="event.attendee_settings_updated",
                entity_type="event",
                entity_id=event_id,
                changes={"holder_names": [before, mode]},
            )
        return mode


async def copy_questions(
    db: AsyncSession,
    source_event_id: uuid.UUID,
    target_event_id: uuid.UUID,
    type_id_map: dict[uuid.UUID, uuid.UUID],
) -> int:
    """Copy an event's active questions (and its attendee-name setting) to another event of the
    same organisation, for event copies. `type_id_map`: source ticket type id -> the copy's. A
    question limited to types none of which were copied is left out (it would be asked of every
    type otherwise). Flushes, never commits; returns how many questions were copied."""
    source = await db.scalars(
        select(Question)
        .where(Question.event_id == source_event_id, Question.archived_at.is_(None))
        .order_by(Question.position)
    )
    copied = 0
    for q in source:
        type_ids = None
        if q.ticket_type_ids:
            type_ids = sorted(type_id_map[t] for t in q.ticket_type_ids if t in type_id_map) or None
            if type_ids is None:
                continue
        copied += 1
        db.add(
            Question(
                organization_id=q.organization_id,
                event_id=target_event_id,
                kind=q.kind,
                label=q.label,
                purpose=q.purpose,
                required=q.required,
                scope=q.scope,
                ticket_type_ids=type_ids,
                options=list(q.options or []),
                position=copied,
            )
        )
    setting = await db.scalar(select(AttendeeSettings).where(AttendeeSettings.event_id == source_event_id))
    if setting is not None and setting.holder_names != "off":
        db.add(
            AttendeeSettings(
                organization_id=setting.organization_id, event_id=target_event_id, holder_names=setting.holder_names
            )
        )
    await db.flush()
    return copied
