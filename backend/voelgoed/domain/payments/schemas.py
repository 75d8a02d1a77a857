"""API shapes for the organiser's payment provider settings. Secrets go in, never out: a secret
field says only whether it is set and its last 4 characters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec

from voelgoed.domain.payments import services
from voelgoed.domain.payments.providers import PROVIDER_NAMES, REGISTRY, PaymentProviderName
from voelgoed.lib.closed_sets import documented_as

if TYPE_CHECKING:
    from voelgoed.domain.payments.gateway_accounts import Connected
    from voelgoed.domain.payments.models import PaymentProviderAccount
    from voelgoed.settings import Settings

CredentialValue = Annotated[str, msgspec.Meta(max_length=200)]
# Any name decodes; the service refuses an unknown one with 422 at `providers.<i>`.
ProviderNameIn = Annotated[str, msgspec.Meta(min_length=1, max_length=20), documented_as(PROVIDER_NAMES)]


class PaymentProviderUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only what is sent changes. `credentials`: field name -> value; "" or null clears a value, a
    field left out keeps its value. An unknown field or a value not matching the field's pattern
    is a 422."""

    credentials: (
        Annotated[
            dict[str, CredentialValue | None],
            msgspec.Meta(
                max_length=20,
                description=(
                    "Credential values by field name (see `fields`); null or an empty "
                    "string clears one, a field not sent keeps its value."
                ),
                examples=[{"merchant_id": "10000100", "merchant_key": "46f0cd694581a"}],
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    sandbox: Annotated[bool, msgspec.Meta(description="Use the provider's sandbox.")] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    enabled: (
        Annotated[bool, msgspec.Meta(description="Offer it at checkout (once configured).")] | msgspec.UnsetType
    ) = msgspec.UNSET


class PaymentProviderOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Provider names in the order checkout offers them; any left out follow in the default order."""

    providers: Annotated[
        list[ProviderNameIn],
        msgspec.Meta(max_length=len(PROVIDER_NAMES), description="Provider names in the order checkout offers them."),
    ]


class CredentialFieldRead(msgspec.Struct):
    """One credential a provider needs."""

    name: Annotated[str, msgspec.Meta(description="The field's key in `credentials`.", examples=["merchant_id"])]
    label: Annotated[str, msgspec.Meta(description="What people see.", examples=["Merchant ID"])]
    secret: Annotated[
        bool, msgspec.Meta(description="A secret: write-only, shown as set or not and its last 4 characters.")
    ]
    help: Annotated[
        str,
        msgspec.Meta(
            description="Where to find it.", examples=["In your PayFast dashboard under Settings > Developer."]
        ),
    ]
    required: Annotated[bool, msgspec.Meta(description="Needed before the provider is offered at checkout.")]
    set: Annotated[bool, msgspec.Meta(description="A value is saved.")]
    last4: (
        Annotated[str, msgspec.Meta(description="A secret's last 4 characters, when set; null otherwise.")] | None
    )  # secrets only, when set and long enough; never more than 4 characters
    value: (
        Annotated[str, msgspec.Meta(description="A non-secret field's value; null for secrets.")] | None
    )  # non-secret fields only


class ConnectionTestRead(msgspec.Struct):
    """The result of asking the provider whether the credentials work."""

    ok: Annotated[bool, msgspec.Meta(description="They work.")]
    message: Annotated[str, msgspec.Meta(description="What the provider said.", examples=["Credentials accepted."])]
    tested_at: Annotated[datetime, msgspec.Meta(description="When (UTC).")]


class PaymentProviderRead(msgspec.Struct):
    """A payment provider's settings for the organisation."""

    provider: PaymentProviderName
    label: Annotated[str, msgspec.Meta(description="The provider's name.", examples=["PayFast"])]
    position: Annotated[
        int, msgspec.Meta(description="0-based place in this organisation's checkout order.")
    ]  # 0-based place in this organisation's checkout order
    configured: Annotated[
        bool, msgspec.Meta(description="Every required credential is set.")
    ]  # every required credential is set
    enabled: bool
    sandbox: Annotated[bool, msgspec.Meta(description="Uses the provider's sandbox (test payments).")]
    offered_at_checkout: Annotated[
        bool, msgspec.Meta(description="Enabled and configured (or PayFast's sandbox test merchant stands in).")
    ]  # enabled and configured (or PayFast's sandbox test merchant stands in)
    uses_sandbox_test_merchant: Annotated[
        bool, msgspec.Meta(description="PayFast's public test merchant 10000100 stands in.")
    ]  # PayFast's public test merchant 10000100 stands in
    fields: Annotated[list[CredentialFieldRead], msgspec.Meta(description="Its credentials.")]
    supports_refunds: Annotated[
        bool, msgspec.Meta(description="Refunds can go through its API (else they are manual).")
    ]
    supports_connection_test: Annotated[bool, msgspec.Meta(description="testPaymentProvider works for it.")]
    connect_step: Annotated[
        bool, msgspec.Meta(description="Has a Connect step (connectPaymentProvider): Yoco and Paystack.")
    ]  # has a "Connect" step (POST .../{provider}/connect): Yoco and Paystack
    notify_url: (
        Annotated[
            str,
            msgspec.Meta(description="Paste into the provider's dashboard where it asks for one; null: not needed."),
        ]
        | None
    )  # paste into the provider's dashboard where it asks for one
    last_test: (
        Annotated[ConnectionTestRead, msgspec.Meta(description="The last connection test; null: never tested.")] | None
    )
    updated_at: datetime | None


SecretKey = Annotated[str, msgspec.Meta(max_length=200)]


class GatewayConnect(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Omit `secret_key` to reconnect with the key saved before (e.g. after a new PUBLIC_URL)."""

    secret_key: (
        Annotated[
            SecretKey,
            msgspec.Meta(
                description="The provider's secret key (checked with the provider, then stored encrypted).",
                examples=["sk_test_4f2a9c..."],
            ),
        ]
        | None
    ) = None


class GatewayConnection(msgspec.Struct):
    """The result of connecting a provider account."""

    provider: PaymentProviderName
    connected: Annotated[bool, msgspec.Meta(description="The key works and is saved.")]
    mode: Annotated[
        Literal["test", "live"], msgspec.Meta(description="`test` or `live`, from the key.")
    ]  # from the key (sk_test_ / sk_live_)
    message: Annotated[str, msgspec.Meta(description="What happened.", examples=["Connected in test mode."])]
    webhook_url: Annotated[
        str, msgspec.Meta(description="Where the provider sends its notifications.")
    ]  # where the provider sends its notifications
    webhook_registered: Annotated[
        bool,
        msgspec.Meta(
            description="true: registered for you (Yoco); false: paste it in the provider's dashboard (Paystack)."
        ),
    ]  # True: registered for you (Yoco); False: paste it in the provider's dashboard


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def connection_read(done: Connected) -> GatewayConnection:
    return GatewayConnection(
        provider=done.provider,
        connected=True,
        mode="test" if done.mode == "test" else "live",
        message=done.message,
        webhook_url=done.webhook_url,
        webhook_registered=done.webhook_registered,
    )


def provider_account_read(
    provider: str, account: PaymentProviderAccount | None, settings: Settings, position: int
) -> PaymentProviderRead:
    cls = REGISTRY[provider].cls
    stored = (account.credentials if account else None) or {}
    fields = []
    for f in services.credential_fields(provider):
        raw = stored.get(f.name)
        last4 = (str(raw.get("last4") or "")[-4:] or None) if f.secret and isinstance(raw, dict) else None
        value = raw if not f.secret and isinstance(raw, str) else None
        fields.append(
            CredentialFieldRead(
                name=f.name,
                label=f.label,
                secret=f.secret,
                help=f.help,
                required=f.required,
                set=bool(raw),
                last4=last4,
                value=value,
            )
        )
    last_test = None
    if account is not None and account.last_tested_at is not None and account.last_test_ok is not None:
        last_test = ConnectionTestRead(
            ok=account.last_test_ok, message=account.last_test_message or "", tested_at=account.last_tested_at
        )
    return PaymentProviderRead(
        provider=provider,
        label=str(cls.label),
        position=position,
        configured=services.is_configured(provider, stored),
        enabled=account.active if account else True,
        sandbox=account.sandbox if account else True,
        offered_at_checkout=services.offered(provider, account, settings),
        uses_sandbox_test_merchant=services.uses_sandbox_test_merchant(provider, account, settings),
        fields=fields,
        supports_refunds=bool(cls.supports_refunds),
        supports_connection_test=bool(cls.supports_connection_test),
        connect_step=bool(getattr(cls, "connect_step", False)),
        notify_url=services.notify_url(provider, settings.server.public_url) or None,
        last_test=last_test,
        updated_at=account.updated_at if account else None,
    )
