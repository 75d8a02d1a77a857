from pathlib import Path

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


def _worker_nice(data_dir: Path) -> list[int]:
    """The nice value of this stack's `voelgoed worker` processes (from /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"worker" not in cmdline or b"voelgoed" not in cmdline:
                continue
            if f"VOELGOED_DATA_DIR={data_dir}".encode() not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            found.append(int((proc / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except (OSError, ValueError, IndexError):
            continue
    return found


async def test_the_worker_yields_the_cpu_to_the_api(stack: Stack) -> None:
    """Ticket PDFs and e-mails are work no request waits for: the worker runs at WORKER_NICE (10),
    so on a shared machine a sale's responses are not slowed by its own deliveries."""
    assert _worker_nice(stack.data_dir) == [10]
