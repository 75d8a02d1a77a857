"""Venues, gates and events over HTTP: CRUD, lists, time zones, lifecycle and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import VENUE, assert_problem, make_event, make_gate, make_venue
from tests.conftest import Api, future, sign_up


@pytest.fixture
async def owner(client: Api) -> Api:
    await sign_up(client, email=f"owner-{id(client)}@example.co.za")
    return client


# --- venues and gates ------------------------------------------------------------------------
async def test_venue_crud(owner: Api) -> None:
    venue = await make_venue(
        owner,
        address_line2="Foreshore",
        province="Western Cape",
        postal_code="8001",
        capacity=1487,
        notes="Loading bay at the back",
    )
    assert venue["timezone"] == "Africa/Johannesburg" and venue["country"] == "ZA"
    assert (venue["name"], venue["capacity"], venue["gates"]) == ("Artscape Theatre", 1487, [])

    fetched = await owner.get(owner.org(f"/venues/{venue['id']}"))
    assert fetched.json() == venue

    patched = await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"capacity": 1500, "notes": None})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["capacity"], body["notes"], body["name"], body["province"]) == (
        1500,
        None,
        venue["name"],
        "Western Cape",
    )
    assert body["updated_at"] >= venue["updated_at"]

    deleted = await owner.delete(owner.org(f"/venues/{venue['id']}"))
    assert deleted.status_code == 204
    assert_problem(await owner.get(owner.org(f"/venues/{venue['id']}")), 404)
    assert (await owner.get(owner.org("/venues"))).json()["total"] == 0


async def test_venue_with_events_cannot_be_deleted(owner: Api) -> None:
    venue = await make_venue(owner)
    await make_event(owner, venue["id"])
    problem = assert_problem(await owner.delete(owner.org(f"/venues/{venue['id']}")), 409)
    assert problem["detail"] == "This venue has events; move or delete them first."
    assert (await owner.get(owner.org(f"/venues/{venue['id']}"))).status_code == 200


async def test_gates(owner: Api, engine: AsyncEngine) -> None:
    venue = await make_venue(owner)
    north = await make_gate(owner, venue["id"], "north")
    assert north["code"] == "NORTH"  # codes are upper-cased
    south = await make_gate(owner, venue["id"], "SOUTH")
    duplicate = await owner.post(owner.org(f"/venues/{venue['id']}/gates"), json={"code": " North "})
    assert_problem(duplicate, 409, field="code")
    clash = await owner.patch(owner.org(f"/venues/{venue['id']}/gates/{south['id']}"), json={"code": "north"})
    assert_problem(clash, 409, field="code")

    renamed = await owner.patch(owner.org(f"/venues/{venue['id']}/gates/{south['id']}"), json={"name": "Main entrance"})
    assert renamed.status_code == 200 and renamed.json() == {**south, "name": "Main entrance"}
    gates = (await owner.get(owner.org(f"/venues/{venue['id']}"))).json()["gates"]
    assert [(g["code"], g["name"]) for g in gates] == [("NORTH", "north gate"), ("SOUTH", "Main entrance")]

    # The same code at another venue is fine.
    other = await make_venue(owner, name="Baxter Theatre")
    await make_gate(owner, other["id"], "NORTH")
    # A gate belongs to its venue: it cannot be reached through another venue's path.
    assert_problem(await owner.delete(owner.org(f"/venues/{other['id']}/gates/{north['id']}")), 404)

    assert (await owner.delete(owner.org(f"/venues/{venue['id']}/gates/{north['id']}"))).status_code == 204
    gates = (await owner.get(owner.org(f"/venues/{venue['id']}"))).json()["gates"]
    assert [g["code"] for g in gates] == ["SOUTH"]
    # Deleting a venue deletes its gates.
    assert (await owner.delete(owner.org(f"/venues/{venue['id']}"))).status_code == 204
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT count(*) FROM gate WHERE venue_id = :v"), {"v": venue["id"]})).scalar()
    assert left == 0


async def test_venue_list_pagination_search_sort(owner: Api) -> None:
    cities = ["Cape Town", "Durban", "Pretoria"]
    for i in range(12):
        await make_venue(owner, name=f"Hall {i:02d}", city=cities[i % 3], capacity=(i * 37) % 500)
    page1 = (await owner.get(owner.org("/venues"), params={"page_size": 5})).json()
    assert (page1["total"], page1["page"], page1["page_size"], len(page1["items"])) == (12, 1, 5, 5)
    assert [v["name"] for v in page1["items"]] == [f"Hall {i:02d}" for i in range(5)]  # default: by name
    page3 = (await owner.get(owner.org("/venues"), params={"page_size": 5, "page": 3})).json()
    assert (page3["total"], page3["page"], [v["name"] for v in page3["items"]]) == (12, 3, ["Hall 10", "Hall 11"])
    beyond = (await owner.get(owner.org("/venues"), params={"page_size": 5, "page": 4})).json()
    assert (beyond["total"], beyond["items"]) == (12, [])

    desc = (await owner.get(owner.org("/venues"), params={"sort": "-name", "page_size": 3})).json()
    assert [v["name"] for v in desc["items"]] == ["Hall 11", "Hall 10", "Hall 09"]
    by_capacity = (await owner.get(owner.org("/venues"), params={"sort": "capacity", "page_size": 50})).json()
    capacities = [v["capacity"] for v in by_capacity["items"]]
    assert capacities == sorted(capacities) and len(capacities) == 12
    newest = (await owner.get(owner.org("/venues"), params={"sort": "-created_at", "page_size": 1})).json()
    assert newest["items"][0]["name"] == "Hall 11"

    durban = (await owner.get(owner.org("/venues"), params={"q": "durBAN", "page_size": 50})).json()
    assert durban["total"] == 4 and {v["city"] for v in durban["items"]} == {"Durban"}
    by_name = (await owner.get(owner.org("/venues"), params={"q": "hall 0"})).json()
    assert by_name["total"] == 10
    assert (await owner.get(owner.org("/venues"), params={"q": "Bloemfontein"})).json()["total"] == 0


# --- events ----------------------------------------------------------------------------------
async def test_naive_times_are_read_in_the_event_time_zone(owner: Api) -> None:
    venue = await make_venue(owner)
    event = await make_event(owner, venue["id"], starts_at="2031-06-14T19:00:00", ends_at="2031-06-14T23:30:00")
    assert event["timezone"] == "Africa/Johannesburg"
    assert event["starts_at"] in ("2031-06-14T17:00:00Z", "2031-06-14T17:00:00+00:00")
    assert event["starts_at_local"] == "2031-06-14T19:00:00+02:00"
    assert event["ends_at_local"] == "2031-06-14T23:30:00+02:00"
    assert (event["venue_id"], event["venue_name"], event["status"]) == (venue["id"], venue["name"], "draft")

    # An explicit offset is respected; a different zone changes how naive times are read.
    london = await make_event(
        owner, starts_at="2031-01-10T20:00:00", ends_at="2031-01-10T22:00:00", timezone="Europe/London"
    )
    london_start = datetime.fromisoformat(london["starts_at_local"])
    assert (london_start.hour, london_start.utcoffset()) == (20, timedelta(0))
    offset = await make_event(owner, starts_at="2031-06-14T19:00:00+00:00", ends_at="2031-06-14T21:00:00+00:00")
    assert offset["starts_at_local"] == "2031-06-14T21:00:00+02:00"
    # Without a zone, an event takes its venue's.
    perth_venue = await make_venue(owner, name="Perth Arena", timezone="Australia/Perth")
    perth = await make_event(owner, perth_venue["id"], starts_at="2031-06-14T19:00:00", ends_at="2031-06-14T22:00:00")
    assert (perth["timezone"], perth["starts_at_local"]) == ("Australia/Perth", "2031-06-14T19:00:00+08:00")
    assert perth["starts_at"] in ("2031-06-14T11:00:00Z", "2031-06-14T11:00:00+00:00")

    patched = await owner.patch(owner.org(f"/events/{event['id']}"), json={"starts_at": "2031-06-14T18:00:00"})
    assert patched.json()["starts_at_local"] == "2031-06-14T18:00:00+02:00"


async def test_publish_guards(owner: Api) -> None:
    no_venue = await make_event(owner)
    refused = assert_problem(await owner.post(owner.org(f"/events/{no_venue['id']}/publish")), 409)
    assert "venue" in refused["detail"]
    venue = await make_venue(owner)
    past_start = (datetime.now() - timedelta(days=2)).replace(microsecond=0).isoformat()
    past = await make_event(owner, venue["id"], starts_at=past_start, ends_at=future(1))
    refused = assert_problem(await owner.post(owner.org(f"/events/{past['id']}/publish")), 409)
    assert "future" in refused["detail"]
    for event in (no_venue, past):
        assert (await owner.get(owner.org(f"/events/{event['id']}"))).json()["status"] == "draft"
    # Fixing the reason lets it through.
    fixed = await owner.patch(owner.org(f"/events/{no_venue['id']}"), json={"venue_id": venue["id"]})
    assert fixed.status_code == 200
    published = await owner.post(owner.org(f"/events/{no_venue['id']}/publish"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_at"]
    # A published event must keep its venue.
    unset = await owner.patch(owner.org(f"/events/{no_venue['id']}"), json={"venue_id": None})
    assert_problem(unset, 422, field="venue_id")


async def test_lifecycle_and_allowed_transitions(owner: Api) -> None:
    venue = await make_venue(owner)
    event = await make_event(owner, venue["id"])
    url = owner.org(f"/events/{event['id']}")
    assert sorted(event["allowed_transitions"]) == ["cancel", "publish"]
    assert_problem(await owner.post(url + "/close"), 409)  # close a draft

    published = (await owner.post(url + "/publish")).json()
    assert (published["status"], sorted(published["allowed_transitions"])) == ("published", ["cancel", "close"])
    assert_problem(await owner.post(url + "/publish"), 409)
    assert_problem(await owner.delete(url), 409)  # only drafts are deletable
    edited = await owner.patch(url, json={"description": "Bring a blanket"})
    assert edited.status_code == 200 and edited.json()["status"] == "published"

    closed = (await owner.post(url + "/close")).json()
    assert (closed["status"], closed["allowed_transitions"]) == ("closed", [])
    for action in ("publish", "cancel", "close"):
        assert_problem(await owner.post(f"{url}/{action}"), 409)
    assert_problem(await owner.patch(url, json={"name": "Renamed"}), 409)
    assert_problem(await owner.delete(url), 409)
    assert (await owner.get(url)).json()["status"] == "closed"

    draft = await make_event(owner, venue["id"], name="Cancelled draft")
    cancelled = (await owner.post(owner.org(f"/events/{draft['id']}/cancel"))).json()
    assert (cancelled["status"], cancelled["allowed_transitions"]) == ("cancelled", [])
    assert_problem(await owner.post(owner.org(f"/events/{draft['id']}/publish")), 409)
    live = await make_event(owner, venue["id"], name="Cancelled live")
    await owner.post(owner.org(f"/events/{live['id']}/publish"))
    assert (await owner.post(owner.org(f"/events/{live['id']}/cancel"))).json()["status"] == "cancelled"


async def test_only_drafts_are_deletable(owner: Api) -> None:
    venue = await make_venue(owner)
    draft = await make_event(owner, venue["id"])
    assert (await owner.delete(owner.org(f"/events/{draft['id']}"))).status_code == 204
    assert_problem(await owner.get(owner.org(f"/events/{draft['id']}")), 404)
    cancelled = await make_event(owner, venue["id"])
    await owner.post(owner.org(f"/events/{cancelled['id']}/cancel"))
    assert_problem(await owner.delete(owner.org(f"/events/{cancelled['id']}")), 409)
    assert (await owner.get(owner.org(f"/events/{cancelled['id']}"))).status_code == 200


async def test_a_delete_refused_at_commit_is_a_409_not_a_silent_204(owner: Api, engine: AsyncEngine) -> None:
    """The ORM sends an event's DELETE at commit; orders still point at it (here: a draft with
    orders, made by hand). The answer must say so, and the event must still be there."""
    from tests.api.checkin_support import live_event

    s = await live_event(owner, engine, tickets=1)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE event SET status = 'draft' WHERE id = :e"), {"e": s.event.event_id})
    url = owner.org(f"/events/{s.event_id}")
    refused = await owner.delete(url)
    assert_problem(refused, 409)
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["request_id"] and body["instance"] == f"/api/organizations/{owner.org_id}/events/{s.event_id}"
    assert (await owner.get(url)).status_code == 200


async def test_event_list_filters_and_sort(owner: Api) -> None:
    kirstenbosch = await make_venue(owner, name="Kirstenbosch")
    grand_west = await make_venue(owner, name="GrandWest")
    a = await make_event(
        owner, kirstenbosch["id"], name="Summer Sunset Concert", starts_at=future(40), ends_at=future(41)
    )
    b = await make_event(owner, grand_west["id"], name="Comedy Night", starts_at=future(10), ends_at=future(11))
    c = await make_event(owner, kirstenbosch["id"], name="Autumn Jazz", starts_at=future(20), ends_at=future(21))
    d = await make_event(owner, None, name="Secret Gig", starts_at=future(5), ends_at=future(6))
    await owner.post(owner.org(f"/events/{a['id']}/publish"))
    await owner.post(owner.org(f"/events/{b['id']}/publish"))

    async def names(**params: object) -> list[str]:
        response = await owner.get(owner.org("/events"), params=params)
        assert response.status_code == 200, response.text
        return [e["name"] for e in response.json()["items"]]

    assert await names() == ["Secret Gig", "Comedy Night", "Autumn Jazz", "Summer Sunset Concert"]  # by start
    assert await names(sort="-starts_at") == ["Summer Sunset Concert", "Autumn Jazz", "Comedy Night", "Secret Gig"]
    assert await names(sort="name") == ["Autumn Jazz", "Comedy Night", "Secret Gig", "Summer Sunset Concert"]
    assert await names(sort="-created_at") == ["Secret Gig", "Autumn Jazz", "Comedy Night", "Summer Sunset Concert"]
    assert await names(status="published") == ["Comedy Night", "Summer Sunset Concert"]
    assert await names(status="draft") == ["Secret Gig", "Autumn Jazz"]
    assert await names(status="cancelled") == []
    assert await names(venue_id=kirstenbosch["id"]) == ["Autumn Jazz", "Summer Sunset Concert"]
    assert await names(venue_id=kirstenbosch["id"], status="published") == ["Summer Sunset Concert"]
    assert await names(q="jazz") == ["Autumn Jazz"]
    assert await names(q=c["slug"]) == ["Autumn Jazz"]
    assert await names(q="night", sort="-name") == ["Comedy Night"]
    paged = (await owner.get(owner.org("/events"), params={"page_size": 3, "page": 2})).json()
    assert (paged["total"], [e["id"] for e in paged["items"]]) == (4, [a["id"]])
    assert d["venue_name"] is None


async def test_audit_log_records_changes_with_actor(owner: Api) -> None:
    email = owner.me["user"]["email"]
    venue = await make_venue(owner)
    await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"capacity": 900})
    event = await make_event(owner, venue["id"])
    await owner.patch(owner.org(f"/events/{event['id']}"), json={"name": "Renamed Gig"})
    await owner.post(owner.org(f"/events/{event['id']}/publish"))

    log = await owner.get(owner.org("/audit-log"))
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    actions = [(e["action"], e["entity_id"]) for e in entries]
    for expected in [
        ("venue.created", venue["id"]),
        ("venue.updated", venue["id"]),
        ("event.created", event["id"]),
        ("event.updated", event["id"]),
        ("event.publish", event["id"]),
    ]:
        assert expected in actions, actions
    assert actions[0] == ("event.publish", event["id"])  # newest first
    assert {e["actor_email"] for e in entries} == {email}
    assert {e["actor_user_id"] for e in entries} == {owner.me["user"]["id"]}
    by_action = {e["action"]: e for e in entries}
    assert by_action["venue.updated"]["changes"] == {"capacity": [None, 900]}
    assert by_action["event.updated"]["changes"]["name"] == ["Jazz on the Lawn", "Renamed Gig"]
    assert by_action["event.publish"]["changes"] == {"status": ["draft", "published"]}

    only_event = (await owner.get(owner.org("/audit-log"), params={"entity_id": event["id"]})).json()
    assert only_event["total"] == 3 and {e["entity_id"] for e in only_event["items"]} == {event["id"]}
    only_venues = (await owner.get(owner.org("/audit-log"), params={"entity_type": "venue"})).json()
    assert {e["action"] for e in only_venues["items"]} == {"venue.created", "venue.updated"}

    # A refused change leaves no trace.
    assert_problem(await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"timezone": "Bad/Zone"}), 422)
    assert (await owner.get(owner.org("/audit-log"))).json()["total"] == log.json()["total"]


async def test_venue_fields_round_trip(owner: Api) -> None:
    body = {**VENUE, "country": "NA", "timezone": "Africa/Windhoek", "capacity": 0}
    venue = await make_venue(owner, **body)
    assert {k: venue[k] for k in body} == body
