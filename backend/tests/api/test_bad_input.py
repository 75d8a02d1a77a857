"""Bad input gets a 4xx problem document that names the field, never a 500, and writes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import VENUE, assert_problem, make_event, make_gate, make_venue
from tests.conftest import Api, future, sign_up

UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def _rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        sql = f'SELECT count(*) FROM "{table}"'  # noqa: S608 (table names chosen by the tests)
        return int((await conn.execute(text(sql))).scalar_one())


@pytest.fixture
async def owner(client: Api) -> Api:
    await sign_up(client)
    return client


async def test_malformed_json_is_400(owner: Api, engine: AsyncEngine) -> None:
    for raw in (b"{not json", b'{"name": "x",}', b"name=x"):
        response = await owner.post(owner.org("/venues"), content=raw, headers={"content-type": "application/json"})
        assert_problem(response, 400)
    assert_problem(
        await owner.post("/api/auth/sign-in", content=b"{", headers={"content-type": "application/json"}), 400
    )
    assert await _rows(engine, "venue") == 0


async def test_wrong_types_name_the_field(owner: Api, engine: AsyncEngine) -> None:
    cases = [
        (owner.org("/venues"), {**VENUE, "name": 5}, "name"),
        (owner.org("/venues"), {**VENUE, "capacity": "lots"}, "capacity"),
        (owner.org("/venues"), {**VENUE, "capacity": -1}, "capacity"),
        (owner.org("/venues"), {**VENUE, "country": "South Africa"}, "country"),
        (owner.org("/events"), {"name": "E", "starts_at": "tomorrow", "ends_at": future()}, "starts_at"),
        (
            owner.org("/events"),
            {"name": "E", "starts_at": future(), "ends_at": future(31), "venue_id": "nope"},
            "venue_id",
        ),
        (
            owner.org("/events"),
            {"name": "E", "starts_at": future(), "ends_at": future(31), "slug": "Not A Slug"},
            "slug",
        ),
    ]
    for url, body, field in cases:
        assert_problem(await owner.post(url, json=body), 400, field=field)
    venue = await make_venue(owner)
    patched = await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"capacity": "lots"})
    assert_problem(patched, 400, field="capacity")
    assert_problem(await owner.get(owner.org("/venues"), params={"page": "abc"}), 400, field="page")
    assert_problem(await owner.get(owner.org("/venues"), params={"page_size": "0"}), 400, field="page_size")
    assert_problem(await owner.get(owner.org("/venues"), params={"page_size": "201"}), 400, field="page_size")
    assert await _rows(engine, "venue") == 1
    assert await _rows(engine, "event") == 0


async def test_unknown_fields_are_400(owner: Api, engine: AsyncEngine) -> None:
    assert_problem(await owner.post(owner.org("/venues"), json={**VENUE, "colour": "red"}), 400)
    venue = await make_venue(owner)
    patch = await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"name": "New", "owner_id": UNKNOWN})
    assert_problem(patch, 400)
    event = await owner.post(
        owner.org("/events"), json={"name": "E", "starts_at": future(), "ends_at": future(31), "status": "published"}
    )
    assert_problem(event, 400)
    sign_up_extra = await owner.post(
        "/api/auth/sign-up",
        json={"email": "x@example.co.za", "password": "correct-horse-battery", "name": "X", "is_admin": True},
    )
    assert_problem(sign_up_extra, 400)
    assert (await owner.get(owner.org(f"/venues/{venue['id']}"))).json()["name"] == VENUE["name"]
    assert await _rows(engine, "event") == 0
    assert await _rows(engine, "user_account") == 1


async def test_unknown_and_missing_fields_are_named_as_sent(owner: Api) -> None:
    unknown = await owner.post(owner.org("/venues"), json={**VENUE, "colour": "red"})
    assert [e["field"] for e in assert_problem(unknown, 400)["errors"]] == ["colour"]
    extra = await owner.post(
        "/api/auth/sign-up", json={"email": "x@example.co.za", "password": "p" * 12, "name": "X", "is_admin": True}
    )
    assert [e["field"] for e in assert_problem(extra, 400)["errors"]] == ["is_admin"]
    missing = await owner.post(owner.org("/events"), json={"name": "E", "ends_at": future(31)})
    assert [e["field"] for e in assert_problem(missing, 400)["errors"]] == ["starts_at"]
    missing = await owner.post(owner.org("/venues"), json={"name": "V", "city": "Durban"})
    assert [e["field"] for e in assert_problem(missing, 400)["errors"]] == ["address_line1"]


async def test_body_over_one_megabyte_is_413(owner: Api, engine: AsyncEngine) -> None:
    huge = await owner.post(owner.org("/venues"), json={**VENUE, "notes": "x" * 1_100_000})
    assert_problem(huge, 413)
    padded = await owner.post(
        owner.org("/venues"), content=b"{" + b" " * 1_050_000 + b"}", headers={"content-type": "application/json"}
    )
    assert_problem(padded, 413)
    assert await _rows(engine, "venue") == 0


async def test_unknown_ids_are_404(owner: Api) -> None:
    venue = await make_venue(owner)
    gate = await make_gate(owner, venue["id"])
    name, code, role = {"name": "X"}, {"code": "X"}, {"role": "viewer"}
    for method, url, body in [
        ("GET", owner.org(f"/venues/{UNKNOWN}"), None),
        ("PATCH", owner.org(f"/venues/{UNKNOWN}"), name),
        ("DELETE", owner.org(f"/venues/{UNKNOWN}"), None),
        ("GET", owner.org("/venues/not-a-uuid"), None),
        ("POST", owner.org(f"/venues/{UNKNOWN}/gates"), code),
        ("PATCH", owner.org(f"/venues/{venue['id']}/gates/{UNKNOWN}"), code),
        ("DELETE", owner.org(f"/venues/{venue['id']}/gates/{UNKNOWN}"), None),
        ("PATCH", owner.org(f"/venues/{UNKNOWN}/gates/{gate['id']}"), code),  # gate exists, venue does not
        ("DELETE", owner.org(f"/venues/{UNKNOWN}/gates/{gate['id']}"), None),
        ("GET", owner.org(f"/events/{UNKNOWN}"), None),
        ("PATCH", owner.org(f"/events/{UNKNOWN}"), name),
        ("DELETE", owner.org(f"/events/{UNKNOWN}"), None),
        ("POST", owner.org(f"/events/{UNKNOWN}/publish"), None),
        ("PATCH", owner.org(f"/members/{UNKNOWN}"), role),
        ("DELETE", owner.org(f"/members/{UNKNOWN}"), None),
        ("DELETE", owner.org(f"/invitations/{UNKNOWN}"), None),
        ("GET", f"/api/organizations/{UNKNOWN}", None),
        ("GET", f"/api/organizations/{UNKNOWN}/venues", None),
        ("GET", "/api/invitations/no-such-token-at-all", None),
        ("POST", "/api/invitations/no-such-token-at-all/accept", None),
    ]:
        assert_problem(await owner.request(method, url, json=body), 404)
    still = (await owner.get(owner.org(f"/venues/{venue['id']}"))).json()
    assert [g["code"] for g in still["gates"]] == ["NORTH"]


async def test_end_before_start_is_422_and_stores_nothing(owner: Api, engine: AsyncEngine) -> None:
    for ends in (future(30, 18), future(30, 19), future(29, 23)):
        response = await owner.post(
            owner.org("/events"), json={"name": "Backwards", "starts_at": future(30, 19), "ends_at": ends}
        )
        assert_problem(response, 422, field="ends_at")
    assert await _rows(engine, "event") == 0

    event = await make_event(owner)
    response = await owner.patch(owner.org(f"/events/{event['id']}"), json={"ends_at": future(1)})
    assert_problem(response, 422, field="ends_at")
    again = (await owner.get(owner.org(f"/events/{event['id']}"))).json()
    assert (again["starts_at"], again["ends_at"]) == (event["starts_at"], event["ends_at"])


async def test_duplicate_slug_is_409_at_slug(owner: Api, engine: AsyncEngine) -> None:
    first = await make_event(owner, slug="summer-sessions")
    duplicate = await owner.post(
        owner.org("/events"),
        json={"name": "Other", "slug": "summer-sessions", "starts_at": future(), "ends_at": future(31)},
    )
    assert_problem(duplicate, 409, field="slug")
    other = await make_event(owner, name="Other")
    rename = await owner.patch(owner.org(f"/events/{other['id']}"), json={"slug": "summer-sessions"})
    assert_problem(rename, 409, field="slug")
    assert (await owner.get(owner.org(f"/events/{other['id']}"))).json()["slug"] == other["slug"]
    assert await _rows(engine, "event") == 2
    # Without an explicit slug, a free one is derived from the name.
    same_name = await make_event(owner, name="Summer Sessions")
    assert same_name["slug"] != first["slug"]
    assert same_name["slug"].startswith(first["slug"])


async def test_invalid_time_zone_is_422(owner: Api, engine: AsyncEngine) -> None:
    assert_problem(
        await owner.post(owner.org("/venues"), json={**VENUE, "timezone": "Mars/Olympus"}), 422, field="timezone"
    )
    event = await owner.post(
        owner.org("/events"),
        json={"name": "E", "starts_at": future(), "ends_at": future(31), "timezone": "Africa/Atlantis"},
    )
    assert_problem(event, 422, field="timezone")
    venue = await make_venue(owner)
    patched = await owner.patch(owner.org(f"/venues/{venue['id']}"), json={"timezone": "Not/AZone"})
    assert_problem(patched, 422, field="timezone")
    assert (await owner.get(owner.org(f"/venues/{venue['id']}"))).json()["timezone"] == "Africa/Johannesburg"
    assert await _rows(engine, "event") == 0


async def test_bad_sort_and_filters_are_4xx(owner: Api) -> None:
    for url in (owner.org("/venues"), owner.org("/events")):
        for sort in ("password_hash", "-organization_id", "-"):
            assert_problem(await owner.get(url, params={"sort": sort}), 400, field="sort")
    status = await owner.get(owner.org("/events"), params={"status": "sold-out"})
    assert status.status_code in (400, 422)
    assert_problem(status, status.status_code, field="status")
    assert_problem(await owner.get(owner.org("/events"), params={"venue_id": "nope"}), 400, field="venue_id")


async def test_references_and_rules_are_422(owner: Api, engine: AsyncEngine) -> None:
    small = await make_venue(owner, capacity=100)
    too_big = await owner.post(
        owner.org("/events"),
        json={"name": "E", "starts_at": future(), "ends_at": future(31), "venue_id": small["id"], "capacity": 101},
    )
    assert_problem(too_big, 422, field="capacity")
    nowhere = await owner.post(
        owner.org("/events"),
        json={"name": "E", "starts_at": future(), "ends_at": future(31), "venue_id": str(uuid.uuid4())},
    )
    assert_problem(nowhere, 422, field="venue_id")
    assert_problem(
        await owner.post(owner.org("/invitations"), json={"email": "a@b.co.za", "role": "god"}), 422, field="role"
    )
    assert_problem(
        await owner.post(owner.org("/invitations"), json={"email": "nope", "role": "viewer"}), 422, field="email"
    )
    assert await _rows(engine, "event") == 0
    assert await _rows(engine, "invitation") == 0


async def test_out_of_range_dates_are_4xx(owner: Api, engine: AsyncEngine) -> None:
    for starts, ends, tz in (
        ("0001-01-01T00:00:00", "0001-01-01T05:00:00", "Africa/Johannesburg"),
        ("9999-12-31T20:00:00", "9999-12-31T23:00:00", "America/New_York"),
    ):
        response = await owner.post(
            owner.org("/events"), json={"name": "E", "starts_at": starts, "ends_at": ends, "timezone": tz}
        )
        assert response.status_code in (400, 422), response.text
        assert_problem(response, response.status_code, field="starts_at")
    assert await _rows(engine, "event") == 0


async def test_nul_characters_are_4xx(owner: Api, engine: AsyncEngine) -> None:
    created = await owner.post(owner.org("/venues"), json={**VENUE, "name": "Bad\u0000Name"})
    assert created.status_code in (400, 422), created.text
    listed = await owner.get(owner.org("/venues"), params={"q": "a\x00b"})
    assert listed.status_code in (200, 400, 422), listed.text
    assert await _rows(engine, "venue") == 0


async def test_huge_page_numbers_are_4xx(owner: Api) -> None:
    for params in ({"page": str(10**17), "page_size": "200"}, {"page": str(10**30)}):
        for url in (owner.org("/venues"), owner.org("/events"), owner.org("/audit-log")):
            response = await owner.get(url, params=params)
            assert response.status_code in (200, 400), f"{url} {params}: {response.status_code}"


async def test_blank_names_are_422(owner: Api, engine: AsyncEngine) -> None:
    venue = await owner.post(owner.org("/venues"), json={**VENUE, "name": "   "})
    assert_problem(venue, 422, field="name")
    event = await owner.post(owner.org("/events"), json={"name": "   ", "starts_at": future(), "ends_at": future(31)})
    assert_problem(event, 422, field="name")
    assert await _rows(engine, "event") == 0


async def test_empty_body_has_a_clear_message(owner: Api) -> None:
    response = await owner.post(owner.org("/venues"), content=b"", headers={"content-type": "application/json"})
    body = assert_problem(response, 400)
    assert "data" not in [e["field"] for e in body.get("errors") or []]
    assert body["detail"] != "data: 'data'"
