"""API keys in tests: make one as a member, and call with it (no cookies, no CSRF header)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Api


async def make_key(owner: Api, scopes: list[str], *, name: str = "CRM sync", **extra: Any) -> dict[str, Any]:
    response = await owner.post(owner.org("/api-keys"), json={"name": name, "scopes": scopes, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def key_client(base_url: str, key: str) -> httpx.AsyncClient:
    """An integration's client: the key in `Authorization`, nothing else."""
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=20)
