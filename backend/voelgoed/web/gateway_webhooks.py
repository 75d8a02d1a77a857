"""What the Yoco and Paystack endpoints share (web/yoco_api.py, web/paystack_api.py): answering a
verified or refused webhook, and the "Connect" request and answer.

A verified payment goes through workflows/payment_confirmation.confirm_payment, the one path of
every provider (transaction lock first, de-duplication on the provider's id, retries of lock
conflicts, 503 never 500); a verified refund outcome through workflows/refunds.apply_refund_notice.
A refused notification is recorded and committed before the 400 goes out.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Response
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments import gateway_notifications as gn
from voelgoed.domain.payments.gateway_accounts import Connected, GatewayAccounts
from voelgoed.domain.payments.providers import PaymentProviderName
from voelgoed.workflows.payment_confirmation import confirm_payment
from voelgoed.workflows.refunds import apply_refund_notice

SecretKey = Annotated[str, msgspec.Meta(max_length=200)]


class GatewayConnect(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Omit `secret_key` to reconnect with the key saved before (e.g. after a new PUBLIC_URL)."""

    secret_key: SecretKey | None = None


class GatewayConnection(msgspec.Struct):
    provider: PaymentProviderName
    connected: bool
    mode: Literal["test", "live"]  # from the key (sk_test_ / sk_live_)
    message: str
    webhook_url: str  # where the provider sends its notifications
    webhook_registered: bool  # True: registered for you (Yoco); False: paste it in the provider's dashboard


def connection_read(done: Connected) -> GatewayConnection:
    return GatewayConnection(
        provider=done.provider,
        connected=True,
        mode="test" if done.mode == "test" else "live",
        message=done.message,
        webhook_url=done.webhook_url,
        webhook_registered=done.webhook_registered,
    )


async def provide_gateway_accounts(db_session: AsyncSession, auth: AuthContext) -> GatewayAccounts:
    return GatewayAccounts(db_session, AuditService(db_session, auth))


async def answer(
    db: AsyncSession, result: gn.WebhookResult, *, queue: Queue, redis: Redis
) -> Response[dict[str, bool]]:
    """Apply a verified notification (or keep the record of a refused one) and answer the provider."""
    if result.payment is not None:
        confirmation = await confirm_payment(db, result.payment)  # commits; 503 when lock conflicts persist
        await confirmation.after_commit(queue=queue, redis=redis)  # tickets e-mailed, availability refreshed
        return Response({"received": True}, status_code=200)
    if result.refund is not None:
        outcome = await apply_refund_notice(db, result.refund)  # commits
        await gn.record_refund_outcome(db, result, outcome)
        await db.commit()
        return Response({"received": True}, status_code=200)
    await db.commit()  # the record of a refused (or informational) notification
    if result.status_code == 200:
        return Response({"received": True}, status_code=200)
    if result.status_code == 503:
        raise gn.ProviderUnreachable(result.outcome, headers={"Retry-After": "60"})
    raise gn.WebhookRejected(result.outcome)
