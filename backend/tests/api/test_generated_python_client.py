"""A Python client generated from the committed spec with a standard generator
(openapi-python-client, shared_schemas/openapi-python-client.yaml), with no warning, used against
the running product: an integrator creates an event, reads its orders, downloads an export (CSV) and
the tickets PDF, and the organiser signs out; no code beyond setting the credentials.

The integrator's credential is an API key made through createApiKey (docs/api.md); the organiser
(who makes the key, publishes and signs out) uses the session cookie and CSRF header through the
same generated client."""

from __future__ import annotations

import importlib
import subprocess
import sys
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.api.refund_helpers import pay_simulated
from tests.conftest import PASSWORD, Stack, future

ROOT = Path(__file__).parents[3]
SPEC = ROOT / "shared_schemas" / "openapi.json"
CONFIG = ROOT / "shared_schemas" / "openapi-python-client.yaml"


@pytest.fixture(scope="module")
def vg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the client into a temp folder and import it (the generator must say nothing)."""
    out = tmp_path_factory.mktemp("client")
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [str(generator), "generate", "--path", str(SPEC), "--config", str(CONFIG), "--meta", "none"]
    run = subprocess.run(
        [*command, "--output-path", str(out / "voelgoed_client")], capture_output=True, text=True, timeout=300
    )
    said = (run.stdout + run.stderr).strip()
    assert run.returncode == 0, said
    assert "warning" not in said.lower() and "error" not in said.lower(), said
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("voelgoed_client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "voelgoed_client" or m.startswith("voelgoed_client.")]:
            del sys.modules[name]


def operation(vg: ModuleType, operation_id: str) -> Any:
    """An operation's module by its operationId, whatever tag it is filed under."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id)
    (found,) = Path(vg.__file__).parent.glob(f"api/*/{snake}.py")
    return importlib.import_module(f"voelgoed_client.api.{found.parent.name}.{snake}")


def session_credentials(vg: ModuleType, base_url: str, signed_in: Any) -> Any:
    """The organiser app's credentials: the session cookies and the CSRF header."""
    cookies = signed_in.get_async_httpx_client().cookies
    return vg.AuthenticatedClient(
        base_url=base_url,
        token=cookies["vg_csrf"],
        prefix="",
        auth_header_name="X-CSRF-Token",
        cookies={"vg_session": cookies["vg_session"], "vg_csrf": cookies["vg_csrf"]},
        raise_on_unexpected_status=True,
    )


async def integrator_credentials(vg: ModuleType, base_url: str, organiser: Any, organization_id: uuid.UUID) -> Any:
    """The integrator's credential: an API key the organiser makes, set on the generated client."""
    create_api_key = operation(vg, "createApiKey")
    body_type = typing.get_type_hints(create_api_key.asyncio_detailed)["body"]  # its model, whatever its name
    body = body_type.from_dict(
        {"name": "CRM", "scopes": ["events:read", "events:write", "orders:read"], "expires_at": None}
    )
    made = await create_api_key.asyncio_detailed(organization_id, client=organiser, body=body)
    assert made.status_code == 201, made.content
    return vg.AuthenticatedClient(base_url=base_url, token=made.parsed.key, raise_on_unexpected_status=True)


async def test_a_generated_client_sells_exports_and_signs_out(vg: ModuleType, stack: Stack) -> None:
    from voelgoed_client.api.auth import get_me, sign_out, sign_up
    from voelgoed_client.api.events import create_event, publish_event
    from voelgoed_client.api.exports import download_event_csv
    from voelgoed_client.api.orders import list_orders
    from voelgoed_client.api.public import create_reservation, start_checkout
    from voelgoed_client.api.ticket_types import create_ticket_type
    from voelgoed_client.api.tickets import download_order_tickets
    from voelgoed_client.api.venues import create_venue
    from voelgoed_client.models import (
        CheckoutStart,
        DownloadEventCsvKind,
        EventCreate,
        ReservationCreate,
        SignUp,
        TicketTypeCreate,
        VenueCreate,
    )
    from voelgoed_client.types import File

    base = stack.base_url
    anonymous = vg.Client(base_url=base, raise_on_unexpected_status=True)
    email = f"crm-{uuid.uuid4().hex[:8]}@example.co.za"
    me = await sign_up.asyncio(
        client=anonymous, body=SignUp(email=email, password=PASSWORD, name="Nomsa", organization_name="Kaapse Klanke")
    )
    org_id = me.memberships[0].organization_id
    organiser = session_credentials(vg, base, anonymous)
    venue = await create_venue.asyncio(
        org_id, client=organiser, body=VenueCreate(name="Baxter", address_line1="Main Rd", city="Cape Town")
    )

    # The integrator: create an event and put it on sale.
    api = await integrator_credentials(vg, base, organiser, org_id)
    event = await create_event.asyncio(
        org_id,
        client=api,
        body=EventCreate.from_dict(
            {"name": "Jazz on the Lawn", "venue_id": str(venue.id), "starts_at": future(20), "ends_at": future(20, 23)}
        ),
    )
    tickets = await create_ticket_type.asyncio(
        org_id, event.id, client=api, body=TicketTypeCreate(name="General", price_cents=15000, quantity=50)
    )
    published = await publish_event.asyncio_detailed(org_id, event.id, client=organiser)
    assert published.status_code == 200

    # A buyer (the public API with the order's token), paying on the simulated provider's page.
    held = await create_reservation.asyncio(
        event.slug,
        client=anonymous,
        body=ReservationCreate.from_dict({"items": [{"ticket_type_id": str(tickets.id), "quantity": 2}]}),
    )
    buyer = vg.AuthenticatedClient(base_url=base, token=held.access_token, prefix="", auth_header_name="X-Order-Token")
    started = await start_checkout.asyncio(
        held.reference,
        client=buyer,
        x_order_token=held.access_token,
        body=CheckoutStart.from_dict(
            {"buyer_name": "Thandi", "buyer_email": "thandi@example.co.za", "provider": "simulated"}
        ),
    )
    async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
        await pay_simulated(browser, started.payment.url)

    # The integrator reads the event's orders and downloads an export.
    orders = await list_orders.asyncio(org_id, client=api, event_id=event.id)
    assert orders.total == 1 and orders.items[0].reference == held.reference
    assert orders.items[0].status == "paid"
    csv = await download_event_csv.asyncio(org_id, event.id, DownloadEventCsvKind("orders"), client=api)
    assert isinstance(csv, str) and held.reference in csv

    # The tickets PDF, behind the order's secret link.
    pdf = await download_order_tickets.asyncio(held.reference, client=anonymous, token=held.access_token)
    assert isinstance(pdf, File) and pdf.payload.read().startswith(b"%PDF")

    # The organiser signs out: 204, no body; the session is gone.
    ended = await sign_out.asyncio_detailed(client=organiser)
    assert ended.status_code == 204 and ended.content == b""
    gone = await get_me.asyncio_detailed(client=organiser)
    assert gone.status_code == 401
