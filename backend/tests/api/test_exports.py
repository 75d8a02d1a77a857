"""CSV exports: streamed at once and as SAQ jobs, on a 20,000-ticket event; who may export;
every export audit-logged."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.helpers import add_member, assert_problem
from tests.api.test_ticket_delivery import job_ctx, worker_env  # noqa: F401  (fixture)
from tests.conftest import Api, Stack, sign_up
from voelgoed.testing.seeding import seed_tickets

BIG = 20_000


def _api_pid(port: str) -> int | None:
    """The `voelgoed serve` child of the test product (its environment carries our PORT)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve" not in cmd or b"voelgoed" not in b" ".join(cmd):
                continue
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PORT={port}".encode() in env:
            return int(proc.name)
    return None


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def _audit_actions(engine: AsyncEngine, org_id: str) -> list[str]:
    async with engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text("SELECT action FROM audit_entry WHERE organization_id = :o AND action LIKE 'export.%'"
                         " ORDER BY created_at"),
                    {"o": uuid.UUID(org_id)},
                )
            ).scalars()
        )  # fmt: skip


async def test_large_event_streams_every_attendee_with_bounded_memory(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=0)
    async with engine.begin() as conn:
        await seed_tickets(conn, setup.event, BIG, sign=False)
        await conn.execute(
            text("UPDATE ticket SET holder_name = :n WHERE id = :t"),
            {"n": '=HYPERLINK("http://evil")', "t": setup.event.tickets[0].id},
        )
    url = client.org(f"/events/{setup.event_id}/exports/csv/attendees")
    pid = _api_pid(stack.base_url.rsplit(":", 1)[1])
    before = _rss_kb(pid) if pid else 0
    peak = before
    received = 0
    chunks = 0
    body = io.BytesIO()
    started = time.monotonic()
    async with client.stream("GET", url) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert "content-length" not in response.headers  # streamed, not built up front
        async for chunk in response.aiter_raw():
            body.write(chunk)
            received += len(chunk)
            chunks += 1
            if pid and chunks % 5 == 0:
                peak = max(peak, _rss_kb(pid))
                await asyncio.sleep(0.01)  # a slow reader: the server must wait, not buffer everything
    import gzip

    raw = body.getvalue()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    rows = _rows(data.decode())
    assert len(rows) == BIG
    assert len({r["ticket_code"] for r in rows}) == BIG
    assert rows[0].keys() >= {"holder_name", "ticket_type", "order_reference", "checked_in"}
    assert {r["checked_in"] for r in rows} == {"no"}
    assert any(r["holder_name"] == '\'=HYPERLINK("http://evil")' for r in rows)  # no formula injection
    assert chunks > 3, "the file arrived in one piece: not streamed"
    if pid:  # the CSV is ~2 MB; rows as Python objects would be far more than the chunked cursor holds
        growth_mb = (peak - before) / 1024
        print(f"export {BIG} rows: {len(data)} bytes in {time.monotonic() - started:.2f}s, "
              f"API RSS {before // 1024} -> peak {peak // 1024} MB")  # fmt: skip
        assert growth_mb < 12, f"API memory grew by {growth_mb:.0f} MB while streaming"
    assert await _audit_actions(engine, client.org_id) == ["export.downloaded"]


async def _wait_done(api: Api, path: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        body = (await api.get(path)).json()
        seen.append(body["status"])
        if body["status"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"export not finished: {seen[-5:]}")


async def test_export_job_with_progress_and_download(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=3)
    device = await pair(client, stack.base_url, [setup.event_id])
    try:
        ok = await device.post("/api/checkin/scans", json=scan_body(setup.event.sign(setup.event.tickets[0]),
                                                                    setup.gates[0].id))  # fmt: skip
        assert ok.json()["result"] == "ok"
        code = setup.event.tickets[1].serial  # typed in by hand at the gate
        typed = await device.post("/api/checkin/scans", json=scan_body(code, setup.gates[0].id))
        assert typed.json()["result"] == "ok"
    finally:
        await device.aclose()
    async with engine.begin() as conn:
        await seed_tickets(conn, setup.event, 12_000, sign=False)
    base = client.org(f"/events/{setup.event_id}/exports")
    created = await client.post(base, json={"kind": "attendees"}, headers={"Idempotency-Key": "exp-1"})
    assert created.status_code == 202, created.text
    export = created.json()
    assert export["status"] in ("queued", "running", "done") and export["kind"] == "attendees"
    again = await client.post(base, json={"kind": "attendees"}, headers={"Idempotency-Key": "exp-1"})
    assert again.json()["id"] == export["id"]
    done = await _wait_done(client, f"{base}/{export['id']}")
    assert done["status"] == "done", done
    assert done["total_rows"] == done["rows_written"] == 12_003 and done["progress"] == 1.0
    r = await client.get(done["download_path"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _rows(r.text)
    assert len(rows) == 12_003 and len(r.content) == done["size_bytes"]
    assert sum(r["checked_in"] == "yes" for r in rows) == 2
    listed = (await client.get(base)).json()["items"]
    assert [x["id"] for x in listed] == [export["id"]]

    scans = await client.post(base, json={"kind": "scans"})
    scans_done = await _wait_done(client, f"{base}/{scans.json()['id']}")
    rows = _rows((await client.get(scans_done["download_path"])).text)
    assert [(r["result"], r["direction"], r["code_typed_in"]) for r in rows] == [
        ("ok", "entry", "no"), ("ok", "entry", "yes")
    ]  # fmt: skip
    orders = (await client.get(client.org(f"/events/{setup.event_id}/exports/csv/orders"))).text
    assert len(_rows(orders)) == 12_003 and _rows(orders)[0]["total_zar"] == "150.00"

    assert_problem(await client.post(base, json={"kind": "passwords"}), 422, "kind")
    assert_problem(await client.post(base, json={"kind": "orders", "extra": 1}), 400)
    assert_problem(await client.get(client.org(f"/events/{setup.event_id}/exports/csv/everything")), 422, "kind")
    assert_problem(await client.get(f"{base}/{uuid.uuid4()}"), 404)
    assert await _audit_actions(engine, client.org_id) == [
        "export.created", "export.downloaded", "export.created", "export.downloaded", "export.downloaded"
    ]  # fmt: skip


async def test_export_not_downloadable_before_done(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=1)
    async with engine.begin() as conn:  # a queued export the worker has not picked up
        xid = uuid.uuid4()
        await conn.execute(
            text("INSERT INTO data_export (id, organization_id, event_id, kind, status, rows_written, size_bytes,"
                 " created_at, updated_at) VALUES (:x, :o, :e, 'orders', 'queued', 0, 0, now(), now())"),
            {"x": xid, "o": uuid.UUID(client.org_id), "e": uuid.UUID(setup.event_id)},
        )  # fmt: skip
    base = client.org(f"/events/{setup.event_id}/exports")
    assert_problem(await client.get(f"{base}/{xid}/download"), 409)
    assert (await client.get(f"{base}/{xid}")).json()["progress"] is None


async def test_only_staff_and_up_may_export(client: Api, new_client: Callable[[], Api], stack: Stack,
                                            engine: AsyncEngine) -> None:  # fmt: skip
    await sign_up(client)
    setup = await live_event(client, engine, tickets=2)
    base = client.org(f"/events/{setup.event_id}/exports")
    created = (await client.post(base, json={"kind": "orders"})).json()
    done = await _wait_done(client, f"{base}/{created['id']}")
    calls = [
        ("GET", f"{base}/csv/attendees", None),
        ("POST", base + "/", {"kind": "orders"}),
        ("GET", base + "/", None),
        ("GET", f"{base}/{created['id']}", None),
        ("GET", done["download_path"], None),
    ]
    staff = await add_member(client, new_client, stack, "staff")
    viewer = await add_member(client, new_client, stack, "viewer")
    for method, path, body in calls:
        assert (await staff.request(method, path, json=body)).status_code in (200, 202), path
        assert_problem(await viewer.request(method, path, json=body), 403)
    other = new_client()
    await sign_up(other, organization="Other Org")
    for method, path, body in calls:
        assert_problem(await other.request(method, path, json=body), 404)
        own = path.replace(client.org_id, other.org_id)
        assert_problem(await other.request(method, own, json=body), 404)
    async with httpx.AsyncClient(base_url=stack.base_url) as anonymous:
        assert_problem(await anonymous.get(f"{base}/csv/orders"), 401)


async def test_too_many_rows_to_stream_at_once_needs_a_job(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=0)
    async with engine.begin() as conn:  # EXPORT_SYNC_MAX_ROWS (default 50,000) + 1 orders
        await conn.execute(
            text(
                "INSERT INTO ticket_order (id, organization_id, event_id, reference, status, hold_expires_at,"
                " subtotal_cents, discount_cents, total_cents, vat_cents, fees_cents, access_token_hash, needs_refund,"
                " created_at, updated_at) SELECT gen_random_uuid(), :o, :e,"
                " left('X' || g || md5(CAST(:e AS uuid)::text), 16), 'expired', now(), 0, 0, 0, 0, 0,"
                " md5(g::text || CAST(:e AS uuid)::text), false, now(), now() FROM generate_series(1, 50001) g"
            ),
            {"o": setup.event.organization_id, "e": setup.event.event_id},
        )
    base = client.org(f"/events/{setup.event_id}/exports")
    problem = assert_problem(await client.get(f"{base}/csv/orders"), 409)
    assert "50001" in problem["detail"]
    created = await client.post(base, json={"kind": "orders"})
    done = await _wait_done(client, f"{base}/{created.json()['id']}", timeout=120)
    assert done["status"] == "done" and done["rows_written"] == 50001


async def test_attendee_csv_prints_the_ticket_code_as_on_the_ticket(client: Api, engine: AsyncEngine) -> None:
    """The code a person types in at the gate is printed on the PDF as "ABCDE-FGHIJ-KLMNO-PQRST";
    the CSV an organiser prints as a door list must show it the same way, not the bare serial."""
    await sign_up(client)
    setup = await live_event(client, engine, tickets=2)
    printed = {re.sub(r"(.{5})(?!$)", r"\1-", t.serial) for t in setup.event.tickets}  # as on the PDF
    attendees = _rows((await client.get(client.org(f"/events/{setup.event_id}/exports/csv/attendees"))).text)
    assert {r["ticket_code"] for r in attendees} == printed
    assert all(re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", r["ticket_code"]) for r in attendees)


async def test_an_export_whose_job_was_lost_is_run_by_the_sweep(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,  # noqa: F811
) -> None:
    """The export row is written before its job is enqueued; a job Redis never got (lost, or kept
    in an API process that then stopped) must not leave the export queued forever."""
    from voelgoed.domain.exports.jobs import requeue_stalled_exports

    await sign_up(client)
    setup = await live_event(client, engine, tickets=3)
    export_id = uuid.uuid4()
    async with engine.begin() as conn:  # what the request wrote before the enqueue that never happened
        await conn.execute(
            text(
                "INSERT INTO data_export (id, organization_id, event_id, kind, status, rows_written, size_bytes,"
                " created_at, updated_at) VALUES (:i, :o, :e, 'attendees', 'queued', 0, 0,"
                " now() - interval '5 minutes', now() - interval '5 minutes')"
            ),
            {"i": export_id, "o": uuid.UUID(client.org_id), "e": uuid.UUID(setup.event_id)},
        )
    path = client.org(f"/events/{setup.event_id}/exports/{export_id}")
    assert await requeue_stalled_exports(job_ctx()) == 1  # the one export owed, found in PostgreSQL
    done = await _wait_done(client, path)
    assert done["status"] == "done" and done["rows_written"] == 3
