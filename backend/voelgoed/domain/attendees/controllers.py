"""The organiser's questions of an event, and its attendee-name setting. Thin: rules live in
services.py."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.attendees.models import Question
from voelgoed.domain.attendees.schemas import (
    AttendeeSettingsRead,
    AttendeeSettingsUpdate,
    QuestionCreate,
    QuestionOrder,
    QuestionRead,
    QuestionUpdate,
    question_read,
)
from voelgoed.domain.attendees.services import QuestionService, answer_counts
from voelgoed.domain.audit.services import AuditService
from voelgoed.lib.patching import sent_fields


async def provide_questions(db_session: AsyncSession, auth: AuthContext) -> QuestionService:
    return QuestionService(db_session, AuditService(db_session, auth))


async def _reads(db: AsyncSession, questions: list[Question]) -> list[QuestionRead]:
    counts = await answer_counts(db, [q.id for q in questions])
    return [question_read(q, counts.get(q.id, 0)) for q in questions]


class QuestionController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/questions"
    tags = ["questions"]
    dependencies = {"questions": Provide(provide_questions)}

    @get("", operation_id="listQuestions", opt=access(Permission.EVENTS_READ))
    async def list_questions(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, questions: QuestionService
    ) -> list[QuestionRead]:
        """List checkout questions

        The event's checkout questions in the order buyers see them, archived ones last."""
        return await _reads(questions.db, await questions.of_event(event_id))

    @post("", operation_id="createQuestion", opt=access(Permission.EVENTS_WRITE))
    async def create_question(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: QuestionCreate, questions: QuestionService
    ) -> QuestionRead:
        """Create a checkout question

        A new question, asked after the event's other questions."""
        q = await questions.create(organization_id, event_id, msgspec.structs.asdict(data))
        return question_read(q, 0)

    @post("/reorder", operation_id="reorderQuestions", opt=access(Permission.EVENTS_WRITE), status_code=200)
    async def reorder_questions(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: QuestionOrder, questions: QuestionService
    ) -> list[QuestionRead]:
        """Reorder checkout questions

        Put the active questions in a new order (every one listed once)."""
        return await _reads(questions.db, await questions.reorder(event_id, data.question_ids))

    @get("/{question_id:uuid}", operation_id="getQuestion", opt=access(Permission.EVENTS_READ))
    async def get_question(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, question_id: uuid.UUID, questions: QuestionService
    ) -> QuestionRead:
        """Get a checkout question

        One question, with how many answers it has."""
        return (await _reads(questions.db, [await questions.get(event_id, question_id)]))[0]

    @patch("/{question_id:uuid}", operation_id="updateQuestion", opt=access(Permission.EVENTS_WRITE))
    async def update_question(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        question_id: uuid.UUID,
        data: QuestionUpdate,
        questions: QuestionService,
    ) -> QuestionRead:
        """Update a checkout question

        Change a question; `archived` takes it out of checkout (or back) and keeps its answers.
        An answered question keeps its kind and scope (409 at the field)."""
        q = await questions.update(event_id, question_id, sent_fields(data))
        return (await _reads(questions.db, [q]))[0]

    @delete(
        "/{question_id:uuid}",
        operation_id="deleteQuestion",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_question(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, question_id: uuid.UUID, questions: QuestionService
    ) -> None:
        """Delete a checkout question

        Delete a question nobody answered; a question with answers is archived instead, so no
        answer is lost."""
        await questions.delete(event_id, question_id)


class AttendeeSettingsController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/attendee-settings"
    tags = ["questions"]
    dependencies = {"questions": Provide(provide_questions)}

    @get("", operation_id="getAttendeeSettings", opt=access(Permission.EVENTS_READ))
    async def get_settings(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, questions: QuestionService
    ) -> AttendeeSettingsRead:
        """Get attendee settings

        Whether checkout asks a name for each ticket (printed on it, shown at the gate)."""
        return AttendeeSettingsRead(event_id=event_id, holder_names=await questions.settings(event_id))

    @put("", operation_id="updateAttendeeSettings", opt=access(Permission.EVENTS_WRITE))
    async def update_settings(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: AttendeeSettingsUpdate,
        questions: QuestionService,
    ) -> AttendeeSettingsRead:
        """Update attendee settings

        Ask a name per ticket: `off`, `optional` or `required`. Orders already placed keep theirs."""
        mode = await questions.set_holder_names(organization_id, event_id, data.holder_names)
        return AttendeeSettingsRead(event_id=event_id, holder_names=mode)
