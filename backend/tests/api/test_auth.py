"""Accounts over HTTP: sign-up, sign-in, sessions, CSRF, login rate limit, password reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.cookies import SimpleCookie

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import RESET_LINK, VENUE, assert_problem, unique_email
from tests.conftest import PASSWORD, Api, Stack, mail_text, sign_up, wait_for_mail

NEW_PASSWORD = "a-brand-new-passphrase"


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            cookies[name] = jar
    return cookies


async def _count(engine: AsyncEngine, sql: str, **params: object) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


# --- sign-up ---------------------------------------------------------------------------------
async def test_sign_up_sets_session_and_csrf_cookies(client: Api) -> None:
    email = unique_email()
    response = await client.post(
        "/api/auth/sign-up",
        json={"email": email.upper(), "password": PASSWORD, "name": "Thandi", "organization_name": "Kaapse Klopse"},
    )
    assert response.status_code == 201, response.text
    me = response.json()
    assert me["user"]["email"] == email  # stored lower-cased
    assert me["user"]["name"] == "Thandi"
    assert [(m["organization_name"], m["role"]) for m in me["memberships"]] == [("Kaapse Klopse", "owner")]

    cookies = _set_cookies(response)
    session = cookies["vg_session"]["vg_session"]
    csrf = cookies["vg_csrf"]["vg_csrf"]
    assert session["httponly"] is True
    assert str(session["samesite"]).lower() == "lax"
    assert session["path"] == "/"
    assert not csrf["httponly"]  # the app's JavaScript must read it
    assert str(csrf["samesite"]).lower() == "lax"
    assert csrf.value == me["csrf_token"]
    assert session.value and session.value != csrf.value
    assert "password" not in response.text.lower()

    assert (await client.get("/api/auth/me")).json()["user"]["email"] == email


async def test_sign_up_without_organisation_has_no_memberships(client: Api) -> None:
    me = await sign_up(client, organization=None)
    assert me["memberships"] == []
    assert (await client.get("/api/organizations")).json() == []


async def test_duplicate_email_is_409_at_email(client: Api, new_client: Callable[[], Api], engine: AsyncEngine) -> None:
    email = unique_email()
    await sign_up(client, email=email)
    again = await new_client().post(
        "/api/auth/sign-up",
        json={
            "email": "  " + email.upper() + " ",
            "password": PASSWORD,
            "name": "Copy Cat",
            "organization_name": "Other",
        },
    )
    assert_problem(again, 409, field="email")
    assert await _count(engine, "SELECT count(*) FROM user_account") == 1
    assert await _count(engine, "SELECT count(*) FROM organization") == 1


async def test_weak_password_is_422_at_password(client: Api, engine: AsyncEngine) -> None:
    for weak in ("short", "aaaaaaaaaaaa"):
        response = await client.post(
            "/api/auth/sign-up", json={"email": unique_email(), "password": weak, "name": "Weak"}
        )
        assert_problem(response, 422, field="password")
    assert await _count(engine, "SELECT count(*) FROM user_account") == 0
    assert "vg_session" not in client.cookies


async def test_invalid_email_is_422_at_email(client: Api) -> None:
    for bad in ("not-an-email", "two@@example.com", "space in@example.com"):
        response = await client.post("/api/auth/sign-up", json={"email": bad, "password": PASSWORD, "name": "X"})
        assert_problem(response, 422, field="email")


async def test_empty_sign_up_reports_every_field(client: Api, engine: AsyncEngine) -> None:
    """An empty form: the problem names every field, not only the first one the decoder met."""
    response = await client.post("/api/auth/sign-up", json={"name": "", "email": "", "password": ""})
    problem = assert_problem(response, 400)
    assert {e["field"] for e in problem["errors"]} == {"name", "email", "password"}, problem
    missing = assert_problem(await client.post("/api/auth/sign-up", json={}), 400)
    assert {e["field"] for e in missing["errors"]} == {"name", "email", "password"}, missing
    assert all(e["message"] == "is required" for e in missing["errors"])
    assert await _count(engine, "SELECT count(*) FROM user_account") == 0


async def test_sign_up_breaking_several_rules_reports_each(client: Api) -> None:
    response = await client.post("/api/auth/sign-up", json={"name": "  ", "email": "nope", "password": "short"})
    problem = assert_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {"name", "email", "password"}, problem


# --- sign-in, sessions -----------------------------------------------------------------------
async def test_sign_in_good_and_bad(client: Api, new_client: Callable[[], Api]) -> None:
    me = await sign_up(client)
    email = me["user"]["email"]

    other = new_client()
    good = await other.post("/api/auth/sign-in", json={"email": email.upper(), "password": PASSWORD})
    assert good.status_code == 200, good.text
    assert good.json()["user"]["id"] == me["user"]["id"]
    assert good.json()["memberships"][0]["role"] == "owner"
    assert (await other.get("/api/auth/me")).status_code == 200

    stranger = new_client()
    wrong = await stranger.post("/api/auth/sign-in", json={"email": email, "password": "not-the-password"})
    unknown = await stranger.post("/api/auth/sign-in", json={"email": unique_email(), "password": PASSWORD})
    body_wrong, body_unknown = assert_problem(wrong, 401), assert_problem(unknown, 401)
    # The same answer either way, so sign-in does not reveal which e-mail addresses exist.
    assert body_wrong["detail"] == body_unknown["detail"]
    assert body_wrong["title"] == body_unknown["title"]
    assert "vg_session" not in stranger.cookies


async def test_me_without_cookie_is_401(client: Api) -> None:
    assert_problem(await client.get("/api/auth/me"), 401)
    assert_problem(await client.get("/api/auth/me", cookies={"vg_session": "made-up-token"}), 401)


async def test_sign_out_ends_the_session(client: Api, stack: Stack) -> None:
    await sign_up(client)
    token = client.cookies["vg_session"]
    response = await client.post("/api/auth/sign-out")
    assert response.status_code == 204
    assert_problem(await client.get("/api/auth/me"), 401)
    # The old cookie, replayed, no longer works: the session was ended on the server.
    async with httpx.AsyncClient(base_url=stack.base_url) as replay:
        assert_problem(await replay.get("/api/auth/me", cookies={"vg_session": token}), 401)


async def test_write_without_csrf_header_is_403_and_writes_nothing(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    cookies = {"vg_session": client.cookies["vg_session"], "vg_csrf": client.cookies["vg_csrf"]}
    async with httpx.AsyncClient(base_url=stack.base_url, cookies=cookies) as browser:
        missing = await browser.post(client.org("/venues"), json=VENUE)
        wrong = await browser.post(client.org("/venues"), json=VENUE, headers={"X-CSRF-Token": "forged"})
        rename = await browser.patch(client.org(), json={"name": "Hijacked"})
        still_read = await browser.get(client.org("/venues"))
    assert_problem(missing, 403)
    assert_problem(wrong, 403)
    assert_problem(rename, 403)
    assert still_read.status_code == 200  # reads need no CSRF header
    assert await _count(engine, "SELECT count(*) FROM venue") == 0
    assert (await client.get(client.org())).json()["name"] == "Test Org"


async def test_login_rate_limit(client: Api, new_client: Callable[[], Api]) -> None:
    me = await sign_up(client)
    email = me["user"]["email"]
    attacker = new_client()
    for _ in range(5):  # the test settings allow 5 attempts per 60 s
        assert_problem(await attacker.post("/api/auth/sign-in", json={"email": email, "password": "guess-1234"}), 401)
    limited = await attacker.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert_problem(limited, 429)
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert "vg_session" not in attacker.cookies  # even the right password is refused while limited


async def test_successful_sign_in_resets_the_counter(client: Api, new_client: Callable[[], Api]) -> None:
    email = (await sign_up(client))["user"]["email"]
    other = new_client()
    for _ in range(3):
        for password in ("wrong-password-1", PASSWORD):
            response = await other.post("/api/auth/sign-in", json={"email": email, "password": password})
            assert response.status_code in (200, 401), response.text
    assert (await other.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})).status_code == 200


# --- password reset --------------------------------------------------------------------------
async def test_password_reset_end_to_end(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    me = await sign_up(client)
    email = me["user"]["email"]
    second_device = new_client()
    assert (
        await second_device.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    ).status_code == 200

    anonymous = new_client()
    asked = await anonymous.post("/api/auth/password-reset", json={"email": email})
    assert asked.status_code == 202, asked.text
    msg = await wait_for_mail(stack, email, "Reset your")
    match = RESET_LINK.search(mail_text(msg))
    assert match, mail_text(msg)
    token = match.group(1)

    weak = await anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": "short"})
    assert_problem(weak, 422, field="password")  # and the token survives a refused attempt

    done = await anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text

    # Every existing session ended.
    assert_problem(await client.get("/api/auth/me"), 401)
    assert_problem(await second_device.get("/api/auth/me"), 401)
    # Old password fails, new works.
    fresh = new_client()
    assert_problem(await fresh.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD}), 401)
    assert (await fresh.post("/api/auth/sign-in", json={"email": email, "password": NEW_PASSWORD})).status_code == 200
    # Single use.
    reused = await anonymous.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "yet-another-pass"}
    )
    assert_problem(reused, 400, field="token")
    assert (
        await new_client().post("/api/auth/sign-in", json={"email": email, "password": NEW_PASSWORD})
    ).status_code == 200


async def test_reset_with_unknown_token_is_400(client: Api) -> None:
    response = await client.post("/api/auth/password-reset/confirm", json={"token": "x" * 43, "password": NEW_PASSWORD})
    assert_problem(response, 400, field="token")


async def test_reset_for_unknown_email_is_202_and_sends_nothing(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    nobody = unique_email("nobody")
    response = await client.post("/api/auth/password-reset", json={"email": nobody})
    assert response.status_code == 202, response.text
    malformed = await client.post("/api/auth/password-reset", json={"email": "not-an-address"})
    assert malformed.status_code == 202, malformed.text
    # A real request made afterwards is delivered; by then the unknown one would have been too.
    known = await sign_up(new_client(), organization=None)
    assert (await client.post("/api/auth/password-reset", json={"email": known["user"]["email"]})).status_code == 202
    await wait_for_mail(stack, known["user"]["email"], "Reset your")
    await asyncio.sleep(0.3)
    with_nobody = [p for p in stack.mail_dir.glob("*.eml") if nobody.encode() in p.read_bytes()]
    assert with_nobody == []
    assert await _count(engine, "SELECT count(*) FROM password_reset_token") == 1
