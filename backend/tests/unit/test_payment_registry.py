"""The provider registry: the closed set of names, what is implemented, and the simulated switch."""

from __future__ import annotations

import dataclasses

import pytest

from voelgoed.domain.payments.providers import PROVIDER_NAMES, REGISTRY, available_providers, get_provider
from voelgoed.domain.payments.services import PROVIDER_FIELDS, notify_url
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import load_settings


def test_the_spec_names_every_provider_of_issue_11_and_the_registry_is_a_subset() -> None:
    assert {"simulated", "payfast", "yoco", "paystack", "ozow"} <= set(PROVIDER_NAMES)
    assert set(REGISTRY) <= set(PROVIDER_NAMES)


def test_credential_fields_come_from_the_providers() -> None:
    assert PROVIDER_FIELDS["payfast"] == {"merchant_id": False, "merchant_key": True, "passphrase": True}
    assert PROVIDER_FIELDS["simulated"] == {}
    assert notify_url("payfast", "https://tix.example") == "https://tix.example/api/payments/payfast/itn"
    assert notify_url("simulated", "https://tix.example") == ""


def test_simulated_only_where_allowed_and_unbuilt_names_refused() -> None:
    settings = load_settings({"VOELGOED_ENV": "test", "SECRET_KEY": "x"})
    assert available_providers(settings.payments)[:2] == ["simulated", "payfast"]
    off = dataclasses.replace(settings, payments=dataclasses.replace(settings.payments, allow_simulated=False))
    assert "simulated" not in available_providers(off.payments)
    with pytest.raises(Unprocessable):
        get_provider("simulated", off)
    with pytest.raises(Unprocessable):
        get_provider("stripe", settings)
    for name in (n for n in PROVIDER_NAMES if n not in REGISTRY):
        with pytest.raises(Unprocessable, match="not available"):
            get_provider(name, settings)
    assert get_provider("payfast", settings).supports_refunds is True


def test_refund_outcomes_go_to_the_providers_refund_address() -> None:
    """Ozow posts refund notifications to their own URL (the refund request names it); the others
    report refunds where they report payments."""
    from voelgoed.domain.payments.services import refund_notify_url

    base = "https://tickets.example.co.za"
    assert refund_notify_url("ozow", base) == f"{base}/api/payments/ozow/refund-notify"
    assert (
        refund_notify_url("paystack", base) == notify_url("paystack", base) == f"{base}/api/payments/paystack/webhook"
    )
    assert refund_notify_url("simulated", base) == ""
