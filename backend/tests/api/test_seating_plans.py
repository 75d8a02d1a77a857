"""Seating plans and an event's seating over the organiser API: import/export round trip,
versioning, bad plans, the event's category map, blocking, and organisation B seeing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.api.helpers import assert_problem, make_venue
from tests.api.sales_helpers import add_type, organiser_with_event, reserve
from tests.api.seating_helpers import create_plan, hold, plan_doc, seat_map, seated_event
from tests.conftest import Api, sign_up


async def test_plan_json_round_trip(client: Api) -> None:
    await sign_up(client)
    venue = await make_venue(client)
    doc = plan_doc(rows=4, seats=5, categories=("A", "B"))
    doc["sections"][0]["rows"][0]["seats"][0]["accessible"] = True
    doc["sections"][0]["rows"][1]["seats"][2]["restricted_view"] = True
    created = await create_plan(client, venue["id"], doc)
    assert created["version"] == 1 and created["seat_count"] == 20 and created["in_use"] is False
    base = client.org(f"/venues/{venue['id']}/seating-plans")
    exported = (await client.get(f"{base}/{created['id']}/export")).json()
    assert exported["id"] is None and "id" not in exported["sections"][0]["rows"][0]["seats"][0]
    assert exported["format"] == "voelgoed-seating" and exported["format_version"] == 1
    # the export is exactly what was imported (defaults filled in), and imports to the same again
    assert exported["sections"][0]["rows"] == doc["sections"][0]["rows"]
    assert exported["sections"][1]["capacity"] == 50 and exported["sections"][1]["kind"] == "standing"
    again = await create_plan(client, venue["id"], exported)
    assert (await client.get(f"{base}/{again['id']}/export")).json() == exported
    detail = (await client.get(f"{base}/{created['id']}")).json()
    assert detail["id"] == created["id"] and all(s["id"] for r in detail["sections"][0]["rows"] for s in r["seats"])
    listed = (await client.get(base)).json()
    assert {p["id"] for p in listed} == {created["id"], again["id"]}


async def test_bad_plans_are_refused_at_their_field(client: Api) -> None:
    await sign_up(client)
    venue = await make_venue(client)
    url = client.org(f"/venues/{venue['id']}/seating-plans")
    doc = plan_doc()
    doc["sections"][0]["rows"][0]["seats"][1]["label"] = doc["sections"][0]["rows"][0]["seats"][0]["label"]
    assert_problem(await client.post(url, json=doc), 422, "sections.0.rows.0.seats.1.label")
    doc = plan_doc()
    doc["sections"][0]["rows"][2]["seats"][0]["category"] = "nope"
    assert_problem(await client.post(url, json=doc), 422, "sections.0.rows.2.seats.0.category")
    doc = plan_doc()
    del doc["sections"][1]["capacity"]
    assert_problem(await client.post(url, json=doc), 422, "sections.1.capacity")
    doc = plan_doc()
    doc["sections"][1]["key"] = "stalls"
    assert_problem(await client.post(url, json=doc), 422, "sections.1.key")
    assert (await client.post(url, json={"name": "x"})).status_code == 400  # not the format at all
    assert (await client.get(url)).json() == []


async def test_a_plan_in_use_keeps_its_version_and_changes_make_a_new_one(client: Api) -> None:
    seated = await seated_event(client)
    base = client.org(f"/venues/{seated.venue_id}/seating-plans")
    plan_id = seated.plan["id"]
    sold_seat = seated.seat("A", "1")
    r = await hold(client, seated.slug, [sold_seat])
    assert r.status_code == 201, r.text
    changed = plan_doc(rows=5, seats=6)
    replaced = await client.put(f"{base}/{plan_id}", json=changed)
    assert replaced.status_code == 200, replaced.text
    new = replaced.json()
    assert new["id"] != plan_id and new["version"] == 2 and new["seat_count"] == 30
    assert new["lineage_id"] == plan_id and new["in_use"] is False
    old = (await client.get(f"{base}/{plan_id}")).json()
    assert old["version"] == 1 and len(old["sections"][0]["rows"]) == 3  # untouched
    assert_problem(await client.delete(f"{base}/{plan_id}"), 409)
    # moving the event to version 2 while a seat is held: 409, nothing changes
    event_url = client.org(f"/events/{seated.event['id']}/seating")
    body = {"plan_id": new["id"], "categories": [{"category": "A", "ticket_type_id": seated.ticket_type["id"]}]}
    assert_problem(await client.put(event_url, json=body), 409)
    assert (await client.get(event_url)).json()["plan_version"] == 1
    # a version nobody uses is replaced in place, and can be deleted
    in_place = (await client.put(f"{base}/{new['id']}", json=plan_doc(rows=2, seats=2))).json()
    assert in_place["id"] == new["id"] and in_place["version"] == 2 and in_place["seat_count"] == 4
    assert (await client.delete(f"{base}/{new['id']}")).status_code == 204


async def test_buyers_see_a_plan_replaced_in_place_while_no_event_sold_it(client: Api) -> None:
    """The buyers' plan document is kept per plan version (plans.py's event_plan): a version replaced
    in place (no event used it then) and sold again shows its new seats, never the kept ones."""
    seated = await seated_event(client)
    base = client.org(f"/venues/{seated.venue_id}/seating-plans")
    public = f"/api/public/events/{seated.slug}/seating"

    def seats(read: dict[str, Any]) -> int:
        return sum(len(r["seats"]) for s in read["plan"]["sections"] for r in s.get("rows") or [])

    assert seats((await client.get(public)).json()) == 18
    event_url = client.org(f"/events/{seated.event['id']}/seating")
    other = await create_plan(client, seated.venue_id, plan_doc(rows=2, seats=2, name="Other"))
    mapping = [{"category": "A", "ticket_type_id": seated.ticket_type["id"]}]
    assert (await client.put(event_url, json={"plan_id": other["id"], "categories": mapping})).status_code == 200
    assert seats((await client.get(public)).json()) == 4
    # the same name, size and seat count (nothing of the plan's own row changes), one seat renamed
    doc = plan_doc()
    doc["sections"][0]["rows"][0]["seats"][0]["label"] = "1a"
    in_place = (await client.put(f"{base}/{seated.plan['id']}", json=doc)).json()
    assert in_place["id"] == seated.plan["id"] and in_place["version"] == 1
    assert (await client.put(event_url, json={"plan_id": in_place["id"], "categories": mapping})).status_code == 200
    read = (await client.get(public)).json()
    assert read["plan"]["id"] == seated.plan["id"] and seats(read) == 18
    assert read["plan"]["sections"][0]["rows"][0]["seats"][0]["label"] == "1a"


async def test_event_mapping_rules_and_blocking(client: Api) -> None:
    seated = await seated_event(client, quantity=100)
    event_id = seated.event["id"]
    url = client.org(f"/events/{event_id}/seating")
    read = (await client.get(url)).json()
    assert read["plan_version"] == 1
    assert read["counts"] == {"available": 18, "held": 0, "sold": 0, "blocked": 0}
    assert read["categories"][0]["ticket_type_id"] == seated.ticket_type["id"] and read["categories"][0]["seats"] == 18
    small = await add_type(client, event_id, name="Small", quantity=5)
    body = {"plan_id": seated.plan["id"], "categories": [{"category": "A", "ticket_type_id": small["id"]}]}
    problem = assert_problem(await client.put(url, json=body), 422, "categories.0.ticket_type_id")
    assert "18" in problem["detail"]
    body = {"plan_id": seated.plan["id"], "categories": [{"category": "Z", "ticket_type_id": small["id"]}]}
    assert_problem(await client.put(url, json=body), 422, "categories.0.category")
    other_venue = await make_venue(client, name="Elsewhere")
    foreign = await create_plan(client, other_venue["id"], plan_doc())
    body = {"plan_id": foreign["id"], "categories": []}
    assert_problem(await client.put(url, json=body), 422, "plan_id")

    # a seated type is sold only with seats: the GA reservation refuses it
    assert_problem(await reserve(client, seated.slug, {seated.ticket_type["id"]: 1}), 422, "items.0.ticket_type_id")

    cams = [seated.seat("A", "3"), seated.seat("A", "4")]
    r = await client.post(f"{url}/block", json={"seat_ids": cams, "reason": "cameras"})
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["blocked"] == 2
    status = await seat_map(client, seated.slug)
    assert status[2:4] == "bb" and status.count("a") == 16
    organiser_map = (await client.get(f"{url}/seats")).json()  # the organiser app's map: same letters
    assert organiser_map["seat_codes"] == status and organiser_map["plan_version"] == 1
    assert_problem(await hold(client, seated.slug, [cams[0]]), 409)
    assert_problem(await client.post(f"{url}/block", json={"seat_ids": cams, "reason": "lasers"}), 400)
    held = await hold(client, seated.slug, [seated.seat("B", "1")])
    assert held.status_code == 201
    assert_problem(
        await client.post(f"{url}/block", json={"seat_ids": [seated.seat("B", "1")], "reason": "comps"}), 409
    )
    r = await client.post(f"{url}/unblock", json={"seat_ids": cams})
    assert r.status_code == 200 and r.json()["counts"]["blocked"] == 0
    assert (await seat_map(client, seated.slug))[2:4] == "aa"


async def test_organisation_b_cannot_read_or_change_a_plans(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    b = new_client()
    await sign_up(b, organization="Org B")
    b_event = await organiser_with_event(b)
    plan_id = seated.plan["id"]
    a_base = f"/venues/{seated.venue_id}/seating-plans"
    for method, path, body in [
        ("GET", a_base, None),
        ("GET", f"{a_base}/{plan_id}", None),
        ("GET", f"{a_base}/{plan_id}/export", None),
        ("PUT", f"{a_base}/{plan_id}", plan_doc()),
        ("DELETE", f"{a_base}/{plan_id}", None),
        ("POST", a_base, plan_doc()),
        ("GET", f"/events/{seated.event['id']}/seating", None),
        ("GET", f"/events/{seated.event['id']}/seating/seats", None),
        (
            "POST",
            f"/events/{seated.event['id']}/seating/block",
            {"seat_ids": [seated.seat("A", "1")], "reason": "comps"},
        ),
        ("DELETE", f"/events/{seated.event['id']}/seating", None),
    ]:
        for org_path in (b.org(path), client.org(path)):  # B's own org path with A's ids; A's org path
            assert_problem(await b.request(method, org_path, json=body), 404)
    # B's event cannot take A's plan
    body = {"plan_id": plan_id, "categories": []}
    assert_problem(await b.put(b.org(f"/events/{b_event['id']}/seating"), json=body), 422, "plan_id")
    assert (await client.get(client.org(f"{a_base}/{plan_id}"))).status_code == 200
    assert (await seat_map(client, seated.slug)).count("a") == 18


async def test_a_stadium_plan_larger_than_the_app_wide_body_limit_imports_and_saves(client: Api) -> None:
    """bench/seating found a 50,000-seat plan refused with 413: the app-wide MAX_BODY_BYTES (1 MB) fits
    ~18,000 seats, the format allows 100,000. createSeatingPlan and replaceSeatingPlan take a plan's size."""
    await sign_up(client)
    venue = await make_venue(client)
    doc = plan_doc(rows=100, seats=250)
    assert len(json.dumps(doc)) > 1_000_000
    created = await create_plan(client, venue["id"], doc)
    assert created["seat_count"] == 25_000
    base = client.org(f"/venues/{venue['id']}/seating-plans")
    detail = (await client.get(f"{base}/{created['id']}")).json()  # with ids, as the editor saves it back
    detail["name"] = "Stadium"
    r = await client.put(f"{base}/{created['id']}", json=detail)
    assert r.status_code == 200, r.text[:300]
