"""Every answer is declared as it is sent: the running product's status, Content-Type and body
against what the committed spec (shared_schemas/openapi.json, kept equal to the app's by `just
openapi-check`) declares for that operation and status.

One test calls every GET operation it can fill in (and some that change things) with the
credentials the operation's `security` names; explicit tests cover the answers a generated client
trips on: CSV, PDF, event streams, sign-out's empty 204, the check-in changes object, the required
X-Order-Token, 429 with Retry-After."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.checkin_support import pair
from tests.api.refund_helpers import on_sale_event, paid_order
from tests.conftest import Api, Stack, wait_for_worker_idle

SPEC = json.loads((Path(__file__).parents[3] / "shared_schemas" / "openapi.json").read_text())
OPERATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    op["operationId"]: (method.upper(), path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
}
BINARY = ("application/pdf", "application/octet-stream", "image/")


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def check_declared(operation_id: str, response: httpx.Response, body: bytes | None) -> dict[str, Any]:
    """The answer's status is declared, and its Content-Type and body are what the declaration
    says (body None: a stream whose end was not waited for)."""
    op = OPERATIONS[operation_id][2]
    declared = op["responses"].get(str(response.status_code))
    assert declared is not None, f"{operation_id} answered {response.status_code}, which its spec does not declare"
    content_type = response.headers.get("content-type", "")
    content = declared.get("content")
    if not content:
        assert not body, f"{operation_id} {response.status_code}: declared without a body, sent {body[:80]!r}"
        return declared
    assert content_type.lower().count("charset") <= 1, f"{operation_id}: {content_type}"
    sent = media_type(content_type)
    assert sent in content, f"{operation_id} {response.status_code}: sent {sent}, declared {sorted(content)}"
    schema = content[sent].get("schema", {})
    if body is not None and (sent == "application/json" or sent.endswith("+json")):
        value = json.loads(body)
        if "$ref" in schema or schema.get("type") == "object":
            assert isinstance(value, dict), f"{operation_id}: declared an object, sent {type(value).__name__}"
        elif schema.get("type") == "array":
            assert isinstance(value, list), f"{operation_id}: declared an array, sent {type(value).__name__}"
    if sent.startswith(BINARY):
        assert schema == {"type": "string", "format": "binary"}, f"{operation_id}: {schema}"
    elif sent.startswith("text/"):
        assert schema.get("type") == "string", f"{operation_id}: {schema}"
    for name, header in (declared.get("headers") or {}).items():
        if header.get("required"):
            assert name in response.headers, f"{operation_id} {response.status_code}: no {name} header"
    return declared


async def send(
    http: httpx.AsyncClient, operation_id: str, path_values: dict[str, str], **kwargs: Any
) -> tuple[httpx.Response, bytes | None]:
    """Call an operation; an event stream is checked on its headers (it does not end by itself)."""
    method, path, _ = OPERATIONS[operation_id]
    url = path.format(**path_values)
    async with http.stream(method, url, **kwargs) as response:
        if media_type(response.headers.get("content-type", "")) == "text/event-stream":
            return response, None
        await response.aread()
        return response, response.content


class World:
    """An organisation with a published event, a paid order, a finished export and a paired
    scanner: enough to fill in most operations' parameters."""

    def __init__(self, owner: Api, buyer: httpx.AsyncClient, device: httpx.AsyncClient, values: dict[str, str]):
        self.owner, self.buyer, self.device, self.values = owner, buyer, device, values

    def client_for(self, op: dict[str, Any]) -> tuple[httpx.AsyncClient, dict[str, str]]:
        names = {name for requirement in op.get("security", []) for name in requirement}
        if "orderToken" in names:
            return self.buyer, {"X-Order-Token": self.values["access_token"]}
        if "deviceToken" in names:
            return self.device, {}
        if "sessionCookie" in names:
            return self.owner, {}
        assert op.get("security") == [], f"{op['operationId']}: security is not declared"
        return self.buyer, {}


@pytest.fixture
async def world(client: Api, new_client: Any, stack: Stack) -> World:
    event = await on_sale_event(client)
    buyer = new_client()
    order = await paid_order(buyer, event)
    export = await client.post(client.org(f"/events/{event['id']}/exports"), json={"kind": "orders"})
    assert export.status_code == 202, export.text
    await wait_for_worker_idle(stack.redis_url)
    device = await pair(client, stack.base_url, [event["id"]])
    orders = (await client.get(client.org("/orders"))).json()["items"]
    values = {
        "organization_id": client.org_id,
        "event_id": event["id"],
        "slug": event["slug"],
        "reference": order["reference"],
        "access_token": order["access_token"],
        "token": order["access_token"],
        "order_id": orders[0]["id"],
        "export_id": export.json()["id"],
        "kind": "orders",
        "cursor": "0",
    }
    return World(client, buyer, device, values)


def fill(path: str, op: dict[str, Any], values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]] | None:
    """Path and query values for an operation, or None when one it requires is not known."""
    path_values, query = {}, {}
    for param in op.get("parameters", []):
        where, name = param["in"], param["name"]
        if where == "header":
            continue  # credentials: World.client_for
        if name in values:
            (path_values if where == "path" else query)[name] = values[name]
        elif param.get("required"):
            return None
    return path_values, query


async def test_every_get_answers_as_its_spec_declares(world: World) -> None:
    checked, skipped = [], []
    for operation_id, (method, path, op) in sorted(OPERATIONS.items()):
        if method != "GET":
            continue
        filled = fill(path, op, world.values)
        if filled is None:
            skipped.append(operation_id)
            continue
        http, headers = world.client_for(op)
        params, query = filled
        response, body = await send(http, operation_id, params, params=query, headers=headers)
        assert response.status_code < 500, f"{operation_id}: {response.status_code} {body!r}"
        assert not 300 <= response.status_code < 400 or str(response.status_code) in op["responses"], operation_id
        check_declared(operation_id, response, body)
        checked.append(operation_id)
    # Most reads are reachable from one organisation with one paid order; the rest need ids of
    # things this world does not make (a refund, a coupon ...).
    assert len(checked) >= 45, (checked, skipped)
    must = {"downloadEventCsv", "downloadExport", "downloadSalesReportCsv", "downloadOrderTickets", "ready"}
    must |= {"streamEventDashboard", "streamScans", "getCheckinChanges", "getCheckinSnapshot"}
    assert must <= set(checked), (must - set(checked), skipped)


async def test_csv_pdf_and_streams_are_declared_and_sent_alike(world: World) -> None:
    v = world.values
    csv, body = await send(world.owner, "downloadEventCsv", v)
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert check_declared("downloadEventCsv", csv, body)["content"] == {"text/csv": {"schema": {"type": "string"}}}
    assert body is not None and body.decode().splitlines()[0]
    done, body = await send(world.owner, "downloadExport", v)
    assert done.status_code == 200 and done.headers["content-type"] == "text/csv; charset=utf-8"
    check_declared("downloadExport", done, body)

    pdf, body = await send(world.buyer, "downloadOrderTickets", v, params={"token": v["access_token"]})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert body is not None and body.startswith(b"%PDF")
    check_declared("downloadOrderTickets", pdf, body)

    for operation_id in ("streamEventDashboard", "streamScans"):
        stream, body = await send(world.owner, operation_id, v, headers={"Accept": "text/event-stream"})
        assert stream.status_code == 200 and media_type(stream.headers["content-type"]) == "text/event-stream"
        check_declared(operation_id, stream, body)


async def test_checkin_changes_and_snapshot_are_the_declared_objects(world: World) -> None:
    v = world.values
    changes, body = await send(world.device, "getCheckinChanges", {}, params={"event_id": v["event_id"], "cursor": 0})
    assert changes.status_code == 200
    check_declared("getCheckinChanges", changes, body)
    schema = SPEC["components"]["schemas"]["CheckinChanges"]
    assert body is not None and set(json.loads(body)) == set(schema["properties"])
    snapshot, body = await send(world.device, "getCheckinSnapshot", {}, params={"event_id": v["event_id"]})
    assert snapshot.status_code == 200
    check_declared("getCheckinSnapshot", snapshot, body)
    schema = SPEC["components"]["schemas"]["CheckinSnapshot"]
    assert body is not None and set(json.loads(body)) == set(schema["properties"])


async def test_order_token_is_a_required_header(world: World) -> None:
    op = OPERATIONS["getPublicOrder"][2]
    (header,) = [p for p in op["parameters"] if p["name"] == "X-Order-Token"]
    assert header["in"] == "header" and header["required"] is True and header["description"]
    assert op["security"] == [{"orderToken": []}]
    missing, body = await send(world.buyer, "getPublicOrder", world.values)
    assert missing.status_code == 400
    check_declared("getPublicOrder", missing, body)
    wrong, body = await send(world.buyer, "getPublicOrder", world.values, headers={"X-Order-Token": "wrong"})
    assert wrong.status_code == 404
    check_declared("getPublicOrder", wrong, body)


async def test_rate_limited_answers_carry_the_declared_retry_after(new_client: Any) -> None:
    http = new_client()
    email = f"limit-{uuid.uuid4().hex[:8]}@example.co.za"
    statuses = []
    for _ in range(7):
        response, body = await send(http, "requestPasswordReset", {}, json={"email": email})
        statuses.append(response.status_code)
        check_declared("requestPasswordReset", response, body)
    assert statuses[0] == 202 and statuses[-1] == 429, statuses
    assert int(response.headers["retry-after"]) > 0
    assert OPERATIONS["requestPasswordReset"][2]["responses"]["429"]["headers"]["Retry-After"]["required"]


async def test_sign_out_is_an_empty_204(world: World) -> None:
    response, body = await send(world.owner, "signOut", {}, headers={"X-CSRF-Token": world.owner.cookies["vg_csrf"]})
    assert response.status_code == 204 and body == b""
    assert "content" not in check_declared("signOut", response, body)
    assert (await world.owner.get("/api/auth/me")).status_code == 401


def test_every_operation_declares_its_security() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert set(schemes) == {"sessionCookie", "csrfHeader", "apiKey", "deviceToken", "orderToken"}
    assert all(s.get("description") for s in schemes.values())
    for operation_id, (method, path, op) in OPERATIONS.items():
        assert "security" in op, operation_id
        names = [set(requirement) for requirement in op["security"]]
        if path.startswith("/api/organizations/{organization_id}"):
            assert ({"sessionCookie"} if method == "GET" else {"sessionCookie", "csrfHeader"}) in names, operation_id
            keys = [r["apiKey"] for r in op["security"] if "apiKey" in r]
            assert keys == [] or (len(keys) == 1 and len(keys[0]) == 1), operation_id  # one scope when keys may
        if path.startswith("/api/checkin/"):
            assert names == [{"deviceToken"}], operation_id
    assert OPERATIONS["health"][2]["security"] == []
    assert OPERATIONS["signIn"][2]["security"] == []
    assert OPERATIONS["getMe"][2]["security"] == [{"sessionCookie": []}]
    # API keys where their scope allows, with that scope; never where only people may act.

    def key_scopes(operation_id: str) -> list[list[str]]:
        return [r["apiKey"] for r in OPERATIONS[operation_id][2]["security"] if "apiKey" in r]

    assert key_scopes("listEvents") == [["events:read"]]
    assert key_scopes("listOrders") == [["orders:read"]]
    assert key_scopes("updateOrganization") == []
    assert key_scopes("createApiKey") == []
