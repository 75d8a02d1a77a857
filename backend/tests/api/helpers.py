"""Shared helpers for the API tests: problem assertions, invitations, venues and events."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Api, Stack, future, mail_text, sign_up, wait_for_mail

PROBLEM = "application/problem+json"
INVITE_LINK = re.compile(r"/app/invitations/([A-Za-z0-9_\-]+)")
RESET_LINK = re.compile(r"/app/reset-password\?token=([A-Za-z0-9_\-]+)")


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; when `field` is given, an entry of
    `errors` names it."""
    assert response.status_code == status, f"{response.status_code} != {status}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, f"problem without {key}: {body}"
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"].strip()
    if field is not None:
        fields = [e["field"] for e in body.get("errors") or []]
        assert field in fields, f"no error at {field!r}: {body}"
    return body  # type: ignore[no-any-return]


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.co.za"


async def invite(owner: Api, email: str, role: str, org_id: str | None = None) -> dict[str, Any]:
    org_id = org_id or owner.org_id
    response = await owner.post(f"/api/organizations/{org_id}/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def invitation_token(stack: Stack, email: str) -> str:
    msg = await wait_for_mail(stack, email, "invited you")
    match = INVITE_LINK.search(mail_text(msg))
    assert match, mail_text(msg)
    return match.group(1)


async def add_member(
    owner: Api, new_client: Callable[[], Api], stack: Stack, role: str, name: str | None = None
) -> Api:
    """Invite a new person with `role`, let them sign up (without an organisation) and accept.
    Returns their client; its `me` lists the owner's organisation."""
    email = unique_email(role)
    await invite(owner, email, role)
    token = await invitation_token(stack, email)
    member = new_client()
    await sign_up(member, email=email, name=name or f"{role.title()} Person", organization=None)
    accepted = await member.post(f"/api/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.text
    me = await member.get("/api/auth/me")
    member.me = me.json()
    return member


VENUE = {"name": "Artscape Theatre", "address_line1": "DF Malan St", "city": "Cape Town"}


async def make_venue(api: Api, **overrides: Any) -> dict[str, Any]:
    response = await api.post(api.org("/venues"), json={**VENUE, **overrides})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def make_gate(api: Api, venue_id: str, code: str = "NORTH") -> dict[str, Any]:
    response = await api.post(api.org(f"/venues/{venue_id}/gates"), json={"code": code, "name": f"{code} gate"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def make_event(api: Api, venue_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Jazz on the Lawn", "starts_at": future(30, 19), "ends_at": future(30, 23)}
    if venue_id:
        body["venue_id"] = venue_id
    response = await api.post(api.org("/events"), json={**body, **overrides})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


VAT_NUMBER = "4123456789"  # 10 digits starting with 4: the shape SARS issues


async def register_for_vat(api: Api, *, vat_number: str = VAT_NUMBER, rate_bp: int = 1500) -> dict[str, Any]:
    """Make `api`'s organisation a VAT vendor (organisations start as not registered: no VAT)."""
    r = await api.patch(
        api.org("/tax-settings"), json={"vat_registered": True, "vat_number": vat_number, "vat_rate_bp": rate_bp}
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]
