"""What the Yoco and Paystack endpoints share (web/yoco_api.py, web/paystack_api.py): the
"Connect" request and answer. Their webhooks are answered as every provider's notification is
(domain/payments/controllers.answer_notification), with Yoco's and Paystack's `{"received": true}`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Response
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.gateway_accounts import Connected, GatewayAccounts
from voelgoed.domain.payments.providers import PaymentProviderName

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


def received() -> Response[dict[str, bool]]:
    """The answer Yoco and Paystack get for a notification taken (verified, duplicate or no action)."""
    return Response({"received": True}, status_code=200)
