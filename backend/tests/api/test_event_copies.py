"""Event copies over HTTP: a draft copy at a new date with its types, rules and (when asked)
coupons; a series of dates in one transaction; retries by Idempotency-Key; bad input at the
field with nothing stored; another organisation kept out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.api.helpers import assert_problem, make_event, make_gate, make_venue
from tests.conftest import Api, future, sign_up


async def _source(api: Api) -> dict[str, Any]:
    """An event with two types (one with a sales window), a gate rule for VIP and a coupon."""
    venue = await make_venue(api)
    north = await make_gate(api, venue["id"], "NORTH")
    south = await make_gate(api, venue["id"], "SOUTH")
    event = await make_event(api, venue["id"], description="Jazz under the oaks", capacity=300)
    base = api.org(f"/events/{event['id']}")
    general = await api.post(f"{base}/ticket-types", json={"name": "General", "price_cents": 15000, "quantity": 200})
    vip = await api.post(
        f"{base}/ticket-types",
        json={
            "name": "VIP",
            "price_cents": 45000,
            "quantity": 50,
            "sales_start_at": future(1, 9),
            "sales_end_at": future(29, 18),
        },
    )
    assert general.status_code == 201 and vip.status_code == 201, (general.text, vip.text)
    rules = await api.put(
        f"{base}/checkin-config",
        json={
            "reentry_allowed": True,
            "valid_from": future(30, 17),
            "gates": [{"gate_id": south["id"], "ticket_type_ids": [vip.json()["id"]]}],
        },
    )
    assert rules.status_code == 200, rules.text
    coupon = await api.post(
        f"{base}/coupons",
        json={"code": "EARLYBIRD", "kind": "percent", "value": 10, "ticket_type_ids": [vip.json()["id"]]},
    )
    assert coupon.status_code == 201, coupon.text
    return {"event": event, "north": north, "south": south, "general": general.json(), "vip": vip.json()}


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


async def test_copy_to_a_new_date_with_everything(client: Api) -> None:
    await sign_up(client)
    s = await _source(client)
    ev = s["event"]
    url = client.org(f"/events/{ev['id']}/copies")
    r = await client.post(
        url, json={"starts_at": future(37, 19), "include_coupons": True}, headers={"Idempotency-Key": "copy-1"}
    )
    assert r.status_code == 201, r.text
    copy = r.json()
    delta = _at(copy["starts_at"]) - _at(ev["starts_at"])
    assert delta == timedelta(days=7)
    assert copy["status"] == "draft" and copy["id"] != ev["id"] and copy["slug"] != ev["slug"]
    assert (copy["name"], copy["venue_id"], copy["description"], copy["capacity"]) == (
        ev["name"], ev["venue_id"], "Jazz under the oaks", 300,
    )  # fmt: skip
    assert _at(copy["ends_at"]) - _at(copy["starts_at"]) == _at(ev["ends_at"]) - _at(ev["starts_at"])

    types = {t["name"]: t for t in (await client.get(client.org(f"/events/{copy['id']}/ticket-types"))).json()}
    assert set(types) == {"General", "VIP"}
    assert types["VIP"]["id"] != s["vip"]["id"] and types["VIP"]["price_cents"] == 45000
    assert _at(types["VIP"]["sales_start_at"]) - _at(s["vip"]["sales_start_at"]) == delta
    assert _at(types["VIP"]["sales_end_at"]) - _at(s["vip"]["sales_end_at"]) == delta

    rules = (await client.get(client.org(f"/events/{copy['id']}/checkin-config"))).json()
    source_rules = (await client.get(client.org(f"/events/{ev['id']}/checkin-config"))).json()
    assert rules["reentry_allowed"] is True
    assert _at(rules["valid_from"]) - _at(source_rules["valid_from"]) == delta
    gate_types = {g["gate_id"]: g["ticket_type_ids"] for g in rules["gates"]}
    assert gate_types == {s["north"]["id"]: None, s["south"]["id"]: [types["VIP"]["id"]]}

    coupons = (await client.get(client.org(f"/events/{copy['id']}/coupons"))).json()
    items = coupons["items"] if isinstance(coupons, dict) else coupons
    assert [(c["code"], c["ticket_type_ids"]) for c in items] == [("EARLYBIRD", [types["VIP"]["id"]])]

    # The copy sells on its own once published: a buyer holds two General tickets of it.
    published = await client.post(client.org(f"/events/{copy['id']}/publish"))
    assert published.status_code == 200, published.text
    held = await client.post(
        f"/api/public/events/{copy['slug']}/reservations",
        json={"items": [{"ticket_type_id": types["General"]["id"], "quantity": 2}]},
    )
    assert held.status_code == 201, held.text
    source_types = (await client.get(client.org(f"/events/{ev['id']}/ticket-types"))).json()
    assert [t["reserved"] for t in source_types] == [0, 0]  # the source sold nothing

    # A retry with the same key answers the same copy; nothing new is made.
    again = await client.post(
        url, json={"starts_at": future(37, 19), "include_coupons": True}, headers={"Idempotency-Key": "copy-1"}
    )
    assert again.status_code == 201 and again.json()["id"] == copy["id"]
    # Without coupons, another name: no coupons on that copy.
    other = await client.post(url, json={"starts_at": future(44, 19), "name": "Jazz, second night"})
    assert other.status_code == 201, other.text
    assert other.json()["name"] == "Jazz, second night"
    none = (await client.get(client.org(f"/events/{other.json()['id']}/coupons"))).json()
    assert (none["items"] if isinstance(none, dict) else none) == []
    listed = (await client.get(client.org("/events"), params={"page_size": 50})).json()
    assert listed["total"] == 3


async def test_bad_copies_are_refused_at_the_field_and_store_nothing(client: Api) -> None:
    await sign_up(client)
    ev = await make_event(client)
    url = client.org(f"/events/{ev['id']}/copies")
    assert_problem(
        await client.post(url, json={"starts_at": future(40, 19), "ends_at": future(40, 17)}), 422, "ends_at"
    )
    assert_problem(await client.post(url, json={"starts_at": future(-3, 19)}), 422, "starts_at")
    assert_problem(await client.post(url, json={"starts_at": future(40, 19), "name": "   "}), 422, "name")
    assert_problem(await client.post(url, json={"starts_at": "next friday"}), 400, "starts_at")
    series = client.org(f"/events/{ev['id']}/series")
    assert_problem(await client.post(series, json={"repeat": "weekly", "count": 53}), 422, "count")
    too_many = [future(40 + i, 19) for i in range(53)]
    assert_problem(await client.post(series, json={"starts": too_many}), 422, "starts")
    assert_problem(await client.post(series, json={"starts": [future(40, 19), future(-1, 19)]}), 422, "starts[1]")
    assert_problem(await client.post(series, json={"starts": [future(40, 19), future(40, 19)]}), 422, "starts")
    assert_problem(await client.post(series, json={"repeat": "weekly"}), 422, "starts")
    assert_problem(await client.post(series, json={"repeat": "monthly", "count": 2}), 400, "repeat")
    listed = (await client.get(client.org("/events"))).json()
    assert listed["total"] == 1


async def test_weekly_series_is_linked_and_retry_safe(client: Api) -> None:
    await sign_up(client)
    s = await _source(client)
    ev = s["event"]
    url = client.org(f"/events/{ev['id']}/series")
    r = await client.post(url, json={"repeat": "weekly", "count": 4}, headers={"Idempotency-Key": "series-1"})
    assert r.status_code == 201, r.text
    body = r.json()
    starts = [_at(e["starts_at"]) for e in body["events"]]
    assert [(t - _at(ev["starts_at"])).days for t in starts] == [7, 14, 21, 28]
    assert [e["starts_at_local"][11:16] for e in body["events"]] == ["19:00"] * 4
    assert all(e["status"] == "draft" for e in body["events"])
    for e in body["events"]:
        types = (await client.get(client.org(f"/events/{e['id']}/ticket-types"))).json()
        assert sorted(t["name"] for t in types) == ["General", "VIP"]
    again = await client.post(url, json={"repeat": "weekly", "count": 4}, headers={"Idempotency-Key": "series-1"})
    assert again.status_code == 201
    assert again.json()["series_id"] == body["series_id"]
    assert [e["id"] for e in again.json()["events"]] == [e["id"] for e in body["events"]]
    # Explicit dates join the same series.
    more = await client.post(url, json={"starts": [future(90, 20), future(60, 18)]})
    assert more.status_code == 201, more.text
    assert more.json()["series_id"] == body["series_id"]
    assert [e["starts_at_local"][11:16] for e in more.json()["events"]] == ["18:00", "20:00"]
    assert (await client.get(client.org("/events"))).json()["total"] == 7


async def test_another_organisation_cannot_copy(client: Api, new_client: Any) -> None:
    await sign_up(client)
    ev = await make_event(client)
    other = new_client()
    await sign_up(other)
    for path, body in (("copies", {"starts_at": future(40, 19)}), ("series", {"repeat": "daily", "count": 2})):
        r = await other.post(f"/api/organizations/{other.org_id}/events/{ev['id']}/{path}", json=body)
        assert_problem(r, 404)
        r = await other.post(f"/api/organizations/{client.org_id}/events/{ev['id']}/{path}", json=body)
        assert r.status_code == 404, r.text
    assert (await other.get(other.org("/events"))).json()["total"] == 0
    assert (await client.get(client.org("/events"))).json()["total"] == 1


async def test_a_copy_brings_questions_and_shared_quotas(client: Api) -> None:
    """The copy endpoint wires the other areas in: the event's questions (with their ticket types
    mapped to the copy's) and its shared quotas (an empty pool of the same capacity that the copied
    types draw from, never the source's pool)."""
    await sign_up(client)
    s = await _source(client)
    ev = s["event"]
    base = client.org(f"/events/{ev['id']}")
    question = await client.post(
        f"{base}/questions",
        json={
            "kind": "choice",
            "label": "Shirt size",
            "purpose": "So your festival shirt fits.",
            "scope": "ticket",
            "options": ["S", "M", "L"],
            "ticket_type_ids": [s["vip"]["id"]],
        },
    )
    assert question.status_code == 201, question.text
    quota = await client.post(
        f"{base}/quotas",
        json={"name": "Early pool", "capacity": 120, "ticket_type_ids": [s["general"]["id"], s["vip"]["id"]]},
    )
    assert quota.status_code == 201, quota.text

    r = await client.post(client.org(f"/events/{ev['id']}/copies"), json={"starts_at": future(37, 19)})
    assert r.status_code == 201, r.text
    copy = r.json()
    types = {t["name"]: t for t in (await client.get(client.org(f"/events/{copy['id']}/ticket-types"))).json()}

    questions = (await client.get(client.org(f"/events/{copy['id']}/questions"))).json()
    assert [(q["label"], q["options"], q["ticket_type_ids"]) for q in questions] == [
        ("Shirt size", ["S", "M", "L"], [types["VIP"]["id"]])
    ]
    pools = (await client.get(client.org(f"/events/{copy['id']}/quotas"))).json()
    pools = pools["items"] if isinstance(pools, dict) else pools
    assert [(p["name"], p["capacity"]) for p in pools] == [("Early pool", 120)]
    assert pools[0]["id"] != quota.json()["id"]
    assert {types["General"]["quota_id"], types["VIP"]["quota_id"]} == {pools[0]["id"]}
