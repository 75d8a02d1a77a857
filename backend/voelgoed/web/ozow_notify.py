"""Ozow's notifications over HTTP (the web tier, like web/simulated_pay.py: it calls a workflow).
Thin: the checks live in domain/payments/ozow_notify.py and ozow_refund_notify.py; a payment
notification is answered as every provider's is (domain/payments/controllers.answer_notification,
which hands a verified payment to workflows/payment_confirmation.py)."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.payments.controllers import answer_notification, plain_ok
from voelgoed.domain.payments.notification_records import NotificationRejected
from voelgoed.domain.payments.ozow_notify import process_notification
from voelgoed.domain.payments.ozow_refund_notify import process_refund_notification, record_verified
from voelgoed.settings import Settings
from voelgoed.workflows.refunds import apply_refund_notice


class OzowNotifyController(Controller):
    path = "/api/payments/ozow"
    tags = ["payments"]

    @post(
        "/notify",
        operation_id="receiveOzowNotification",
        opt=access(Access.PUBLIC),
        status_code=200,
        media_type="text/plain",
    )
    async def notify(
        self, request: Request, db_session: AsyncSession, queue: Queue, redis: Redis, settings: Settings
    ) -> Response[str]:
        """Receive an Ozow payment notification

        Ozow's payment notification (form-encoded, posted by Ozow's servers to NotifyUrl).

        200: accepted (Complete pays the order, Cancelled/Error/Abandoned fail the payment,
        Pending/PendingInvestigation are recorded only), or a duplicate of one already processed.
        400 (problem+json): refused (hash, site code, currency, amount, or Ozow's status API
        disagrees); recorded, nothing else changed.
        503: Ozow's status API could not be reached to confirm it, or lock conflicts outlasted the
        retries; nothing changed (Ozow sends it again)."""
        result = await process_notification(
            db_session,
            payments=settings.payments,
            body=await request.body(),
            source_ip=request.client.host if request.client else None,
        )
        return await answer_notification(db_session, result, queue=queue, redis=redis, ok=plain_ok())

    @post(
        "/refund-notify",
        operation_id="receiveOzowRefundNotification",
        opt=access(Access.PUBLIC),
        status_code=200,
        media_type="text/plain",
    )
    async def refund_notify(self, request: Request, db_session: AsyncSession) -> Response[str]:
        """Receive an Ozow refund notification

        Ozow's refund notification (form-encoded, posted to the refund's NotifyUrl when Ozow paid
        the refund or gave up).

        200: accepted (Complete settles the refund, Failed/Cancelled/Returned fail it, Pending and
        Submitted are recorded only), or a duplicate of one already processed.
        400 (problem+json): refused (unknown payment, hash, currency); recorded, nothing changed."""
        source_ip = request.client.host if request.client else None
        result = await process_refund_notification(db_session, body=await request.body(), source_ip=source_ip)
        if result.status_code != 200:
            await db_session.commit()  # keeps the record of a refused notification
            raise NotificationRejected(result.outcome)
        outcome = result.outcome
        if result.notice is not None:  # settles the refund and commits; idempotent per event id
            outcome = f"verified; {await apply_refund_notice(db_session, result.notice)}"
        await record_verified(db_session, result, outcome=outcome, source_ip=source_ip)
        await db_session.commit()
        return plain_ok()
