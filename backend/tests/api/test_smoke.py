from tests.conftest import Api, Stack, sign_up


async def test_health_and_ready(client: Api) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert ready.headers["x-request-id"]


async def test_sign_up_creates_organisation(client: Api, stack: Stack) -> None:
    me = await sign_up(client, organization="Jozi Gigs")
    assert me["memberships"][0]["organization_name"] == "Jozi Gigs"
    assert me["memberships"][0]["role"] == "owner"
    again = await client.get("/api/auth/me")
    assert again.status_code == 200
    assert again.json()["user"]["email"] == me["user"]["email"]


async def test_sign_in_is_rate_limited_per_address(client: Api) -> None:
    me = await sign_up(client)
    email = me["user"]["email"]
    # The test product allows 5 attempts per 60 s (conftest): the 6th is refused even if correct.
    for _ in range(5):
        assert (
            await client.post("/api/auth/sign-in", json={"email": email, "password": "wrong-password"})
        ).status_code == 401
    refused = await client.post("/api/auth/sign-in", json={"email": email, "password": "correct-horse-battery"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
