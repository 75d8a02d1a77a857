"""Helpers for the seating tests: a plan made with the generation helpers, an event selling it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from tests.api.sales_helpers import add_type, organiser_with_event
from tests.conftest import Api
from voelgoed.domain.seating.generation import generate_section


def plan_doc(
    rows: int = 3, seats: int = 6, *, name: str = "Main hall", categories: tuple[str, ...] = ("A",)
) -> dict[str, Any]:
    """One seated section of rows x seats (rows after the first len(categories)-1 in the last
    category), plus a standing area; the stage is at (0, -20), in front of row A's middle."""
    section = generate_section(key="stalls", name="Stalls", rows=rows, seats_per_row=seats, category=categories[0])
    doc = {
        "name": name,
        "width": 200.0,
        "height": 200.0,
        "focus": {"x": 0.0, "y": -20.0},
        "categories": [{"key": c, "name": f"Category {c}"} for c in categories],
        "sections": [
            msgspec.to_builtins(section),
            {"key": "floor", "name": "Floor", "kind": "standing", "capacity": 50, "category": categories[0]},
        ],
    }
    if len(categories) > 1:  # the back row in the second category
        for seat in doc["sections"][0]["rows"][-1]["seats"]:
            seat["category"] = categories[1]
    return doc


@dataclass
class SeatedEvent:
    event: dict[str, Any]
    venue_id: str
    plan: dict[str, Any]  # the plan document with ids
    ticket_type: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.event["slug"])

    def seat(self, row: str, label: str) -> str:
        for r in self.plan["sections"][0]["rows"]:
            if r["label"] == row:
                for s in r["seats"]:
                    if s["label"] == label:
                        return str(s["id"])
        raise KeyError(f"{row}{label}")

    def row_ids(self, row: str) -> list[str]:
        for r in self.plan["sections"][0]["rows"]:
            if r["label"] == row:
                return [str(s["id"]) for s in r["seats"]]
        raise KeyError(row)


async def create_plan(api: Api, venue_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    r = await api.post(api.org(f"/venues/{venue_id}/seating-plans"), json=doc)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def seated_event(
    api: Api, *, rows: int = 3, seats: int = 6, quantity: int = 100, price_cents: int = 25000, max_per_order: int = 10
) -> SeatedEvent:
    event = await organiser_with_event(api)
    venue_id = event["venue_id"]
    summary = await create_plan(api, venue_id, plan_doc(rows, seats))
    plan = (await api.get(api.org(f"/venues/{venue_id}/seating-plans/{summary['id']}"))).json()
    tt = await add_type(
        api, event["id"], name="Seated", quantity=quantity, price_cents=price_cents, max_per_order=max_per_order
    )
    r = await api.put(
        api.org(f"/events/{event['id']}/seating"),
        json={"plan_id": summary["id"], "categories": [{"category": "A", "ticket_type_id": tt["id"]}]},
    )
    assert r.status_code == 200, r.text
    return SeatedEvent(event=event, venue_id=venue_id, plan=plan, ticket_type=tt)


async def hold(
    http: httpx.AsyncClient,
    slug: str,
    seat_ids: list[str] | None = None,
    *,
    best: tuple[str, int] | None = None,
    key: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {}
    if seat_ids is not None:
        body["seat_ids"] = seat_ids
    if best is not None:
        body["best_available"] = {"category": best[0], "quantity": best[1]}
    headers = {"Idempotency-Key": key} if key else {}
    return await http.post(f"/api/public/events/{slug}/seat-reservations", json=body, headers=headers)


async def seat_map(http: httpx.AsyncClient, slug: str) -> str:
    r = await http.get(f"/api/public/events/{slug}/seating/availability")
    assert r.status_code == 200, r.text
    return str(r.json()["seat_codes"])
