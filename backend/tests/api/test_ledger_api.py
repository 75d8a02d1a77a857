"""The organiser's money API over HTTP: trial balance, journal, payouts and their reversal, the
sales report (JSON and CSV) and the settlement statement; who may see them, and that another
organisation sees nothing."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.helpers import add_member, assert_problem, register_for_vat
from tests.api.test_payments_simulated import (
    _worker_idle,
    hidden_fields,
    on_sale_event,
    page_path,
    reserve_and_checkout,
)
from tests.conftest import Api, Stack, sign_up
from voelgoed.db import models  # noqa: F401 (every model registered for the ORM)
from voelgoed.domain.ledger import posting

__all__ = ["_worker_idle"]


async def paid_order(client: Api, buyer: Api, event: dict[str, Any], quantity: int = 2) -> dict[str, Any]:
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=quantity)
    url = order["payment"]["url"]
    form = hidden_fields((await buyer.get(page_path(url))).text)
    assert (await buyer.post(urlsplit(url).path, data={**form, "outcome": "pay"})).status_code == 303
    return order


async def refund(engine: AsyncEngine, reference: str, amount: int, vat: int, *, manual: bool = False) -> None:
    """A refund that succeeded, booked as the refunds workflow books it."""
    async with AsyncSession(engine) as db, db.begin():
        order = (
            await db.execute(
                text("SELECT id, organization_id, event_id FROM ticket_order WHERE reference = :r"), {"r": reference}
            )
        ).one()
        await posting.record_refund(
            db,
            organization_id=order.organization_id,
            event_id=order.event_id,
            order_id=order.id,
            refund_id=uuid.uuid4(),
            provider="manual" if manual else "simulated",
            amount_cents=amount,
            vat_cents=vat,
            allocated=True,
            paid_from="organiser" if manual else "provider",
        )


async def late_fee(engine: AsyncEngine, reference: str, cents: int) -> None:
    """The provider's statement names a fee for the order's payment after the fact."""
    async with AsyncSession(engine) as db, db.begin():
        tx = (
            await db.execute(
                text(
                    "SELECT t.id, t.organization_id, o.event_id, o.id AS order_id FROM payment_transaction t"
                    " JOIN ticket_order o ON o.id = t.order_id WHERE o.reference = :r"
                ),
                {"r": reference},
            )
        ).one()
        await posting.record_fee(
            db,
            organization_id=tx.organization_id,
            provider="simulated",
            amount_cents=cents,
            event_id=tx.event_id,
            order_id=tx.order_id,
            transaction_id=tx.id,
            external_reference=f"statement-fee-{reference}",
        )


def balances(tb: dict[str, Any]) -> dict[str, int]:
    return {a["account"]: a["balance_cents"] for a in tb["accounts"]}


async def test_trial_balance_journal_payout_and_reversal(client: Api, new_client: Callable[[], Api]) -> None:
    event = await on_sale_event(client, price_cents=11500)  # 2 x R 115.00 = R 230.00, VAT R 30.00
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    await paid_order(client, new_client(), event)

    tb = (await client.get(client.org("/ledger/trial-balance"))).json()
    assert tb["total_cents"] == 0 and tb["entries"] == 1
    assert balances(tb)["provider_clearing"] == 23000
    assert balances(tb)["ticket_revenue"] == -20000 and balances(tb)["vat_output"] == -3000
    by_event = (await client.get(client.org("/ledger/trial-balance"), params={"event_id": event["id"]})).json()
    assert balances(by_event) == balances(tb)

    body = {"provider": "simulated", "amount_cents": 20000, "fee_cents": 500, "external_reference": "PO-1"}
    first = await client.post(client.org("/ledger/payouts"), json=body, headers={"Idempotency-Key": "payout-1"})
    assert first.status_code == 201, first.text
    again = await client.post(client.org("/ledger/payouts"), json=body, headers={"Idempotency-Key": "payout-1"})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]  # booked once
    payout = first.json()
    assert payout["kind"] == "payout"
    assert {(line["account"], line["amount_cents"]) for line in payout["lines"]} == {
        ("bank", 20000),
        ("provider_fees", 500),
        ("provider_clearing", -20500),
    }
    tb = (await client.get(client.org("/ledger/trial-balance"))).json()
    assert tb["total_cents"] == 0 and tb["entries"] == 2
    assert tb["clearing_by_provider"] == [
        {"provider": "simulated", "balance_cents": 2500, "balance_display": "R 25.00"}
    ]

    journal = (await client.get(client.org("/ledger/journal"), params={"page_size": 1})).json()
    assert journal["total"] == 2 and len(journal["items"]) == 1 and journal["items"][0]["id"] == payout["id"]
    sale = (await client.get(client.org("/ledger/journal"), params={"page": 2, "page_size": 1})).json()["items"][0]
    assert sale["kind"] == "sale" and sum(line["amount_cents"] for line in sale["lines"]) == 0

    reverse = client.org(f"/ledger/entries/{payout['id']}/reversal")
    undone = await client.post(reverse, json={"explanation": "typed the wrong amount"})
    assert undone.status_code == 201, undone.text
    assert undone.json()["reverses_entry_id"] == payout["id"]
    assert_problem(await client.post(reverse, json={"explanation": "again"}), 409)  # once only
    assert_problem(
        await client.post(client.org(f"/ledger/entries/{sale['id']}/reversal"), json={"explanation": "x"}), 409
    )
    assert_problem(
        await client.post(client.org(f"/ledger/entries/{uuid.uuid4()}/reversal"), json={"explanation": "x"}), 404
    )
    tb = (await client.get(client.org("/ledger/trial-balance"))).json()
    assert tb["total_cents"] == 0 and balances(tb)["provider_clearing"] == 23000 and balances(tb)["bank"] == 0
    journal = (await client.get(client.org("/ledger/journal"))).json()
    assert next(e for e in journal["items"] if e["id"] == payout["id"])["reversed_by_entry_id"] == undone.json()["id"]


async def test_payout_input_is_checked(client: Api) -> None:
    await sign_up(client)
    url = client.org("/ledger/payouts")
    assert_problem(await client.post(url, json={"provider": "simulated", "amount_cents": 0}), 400)
    assert_problem(await client.post(url, json={"provider": "nobody", "amount_cents": 100}), 400)
    assert_problem(await client.post(url, json={"provider": "simulated", "amount_cents": 100, "fee_cents": -1}), 400)
    other_event = str(uuid.uuid4())
    assert_problem(
        await client.post(url, json={"provider": "payfast", "amount_cents": 100, "event_id": other_event}), 404
    )


async def test_sales_report_json_and_csv(client: Api, new_client: Callable[[], Api], engine: AsyncEngine) -> None:
    event = await on_sale_event(client, price_cents=11500)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    await paid_order(client, new_client(), event, quantity=2)
    second = await paid_order(client, new_client(), event, quantity=1)
    await refund(engine, second["reference"], 11500, 1500)  # the whole second order, through the provider

    report = await client.get(client.org("/reports/sales"), params={"event_id": event["id"]})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["time_zone"] == event["timezone"]
    assert body["totals"]["gross_sales_cents"] == 34500 and body["totals"]["gross_sales_display"] == "R 345.00"
    assert body["totals"]["refunds_cents"] == 11500 and body["totals"]["refunds_display"] == "R 115.00"
    assert body["totals"]["vat_output_cents"] == 4500 - 1500  # the refund gave its VAT back
    assert body["totals"]["revenue_ex_vat_cents"] == 30000 - 10000
    assert body["totals"]["tickets_sold"] == 3
    assert body["totals"]["net_cents"] == 34500 - 11500
    assert len(body["days"]) == 30 and body["days"][-1]["date"] == body["date_to"]
    assert sum(d["figures"]["gross_sales_cents"] for d in body["days"]) == 34500
    assert sum(d["figures"]["refunds_cents"] for d in body["days"]) == 11500
    assert body["days"][-1]["figures"]["tickets_sold"] == 3  # today, in the event's time zone

    whole = (await client.get(client.org("/reports/sales"))).json()  # the organisation
    assert whole["event_id"] is None and whole["totals"]["gross_sales_cents"] == 34500

    download = await client.get(client.org("/reports/sales.csv"), params={"event_id": event["id"]})
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:3] == ["date", "gross_sales", "refunds"] and rows[0][-1] == "tickets_sold"
    assert rows[-1][0] == "total" and rows[-1][1:3] == ["345.00", "115.00"] and rows[-1][-1] == "3"
    assert len(rows) == 1 + 30 + 1

    bad = await client.get(client.org("/reports/sales"), params={"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert_problem(bad, 422, "date_to")
    assert_problem(
        await client.get(client.org("/reports/sales"), params={"date_from": "2020-01-01", "date_to": "2026-01-01"}), 422
    )
    assert_problem(await client.get(client.org("/reports/sales"), params={"event_id": str(uuid.uuid4())}), 404)


async def test_settlement_statement_flags_what_does_not_reconcile(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=10000)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    clean = await paid_order(client, new_client(), event, quantity=1)
    odd = await paid_order(client, new_client(), event, quantity=1)
    await refund(engine, clean["reference"], 2000, 261, manual=True)  # the organiser paid R 20 back by hand
    await late_fee(engine, clean["reference"], 250)  # the provider's fee, learnt from its statement
    await late_fee(engine, clean["reference"], 250)  # the same statement line again: booked once
    # The provider reports a second succeeded payment of the same order, of another amount, which
    # the ledger never booked (e.g. entered by hand at the provider).
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO payment_transaction (id, organization_id, order_id, provider, status, amount_cents,"
                " provider_reference, completed_at, created_at, updated_at)"
                " SELECT :id, organization_id, id, 'simulated', 'succeeded', 9000, 'sim-extra', now(), now(), now()"
                " FROM ticket_order WHERE reference = :r"
            ),
            {"id": uuid.uuid4(), "r": odd["reference"]},
        )
    statement = await client.get(client.org("/reports/settlement"), params={"provider": "simulated"})
    assert statement.status_code == 200, statement.text
    body = statement.json()
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for row in body["rows"]:
        by_ref.setdefault(row["order_reference"], []).append(row)
    assert [r["flags"] for r in by_ref[clean["reference"]]] == [[]]
    assert by_ref[clean["reference"]][0]["refunded_cents"] == 2000
    assert by_ref[clean["reference"]][0]["fee_cents"] == 250
    assert by_ref[clean["reference"]][0]["net_cents"] == 10000 - 2000 - 250
    flags = sorted(tuple(sorted(r["flags"])) for r in by_ref[odd["reference"]])
    assert flags == [("amount_differs", "duplicate_payment", "not_in_ledger"), ("duplicate_payment",)]
    assert body["totals"]["payments"] == 3 and body["totals"]["amount_cents"] == 29000
    assert body["totals"]["flagged"] == 2 and body["totals"]["amount_display"] == "R 290.00"
    assert body["totals"]["refunded_cents"] == 2000 and body["totals"]["net_cents"] == 29000 - 2000 - 250
    other = (await client.get(client.org("/reports/settlement"), params={"provider": "payfast"})).json()
    assert other["rows"] == [] and other["totals"]["payments"] == 0
    assert (await client.get(client.org("/reports/settlement"), params={"provider": "cash"})).status_code == 400


MONEY_GETS = ["/ledger/trial-balance", "/ledger/journal", "/reports/sales", "/reports/sales.csv"]


async def test_only_owners_and_admins_see_money(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    await sign_up(client)
    for role, allowed in (("admin", True), ("staff", False), ("viewer", False)):
        member = await add_member(client, new_client, stack, role)
        for path in MONEY_GETS:
            response = await member.get(client.org(path))
            assert response.status_code == (200 if allowed else 403), (role, path, response.text)
        settlement = await member.get(client.org("/reports/settlement"), params={"provider": "simulated"})
        assert settlement.status_code == (200 if allowed else 403)
        payout = await member.post(client.org("/ledger/payouts"), json={"provider": "simulated", "amount_cents": 100})
        assert payout.status_code == (201 if allowed else 403), (role, payout.text)


async def test_another_organisation_sees_nothing(client: Api, new_client: Callable[[], Api]) -> None:
    event = await on_sale_event(client)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    await paid_order(client, new_client(), event, quantity=1)
    other = new_client()
    await sign_up(other, organization="Other Org")
    for path in MONEY_GETS:
        assert (await other.get(client.org(path))).status_code == 404  # not a member: nothing leaks
    assert (
        await other.post(client.org("/ledger/payouts"), json={"provider": "simulated", "amount_cents": 1})
    ).status_code == 404
    own = (await other.get(other.org("/ledger/trial-balance"))).json()
    assert own["entries"] == 0 and all(a["balance_cents"] == 0 for a in own["accounts"])
    assert (await other.get(other.org("/ledger/journal"))).json()["total"] == 0
    assert (await other.get(other.org("/reports/sales"))).json()["totals"]["gross_sales_cents"] == 0
    settlement = (await other.get(other.org("/reports/settlement"), params={"provider": "simulated"})).json()
    assert settlement["rows"] == []
    for path in ("/ledger/trial-balance", "/ledger/journal", "/reports/sales"):  # A's event in B's organisation
        assert (await other.get(other.org(path), params={"event_id": event["id"]})).status_code == 404
