"""The ticket widget over HTTP: the script under its stable and its hashed URL, the public event read
that any site may make (and nothing else opened to other origins), and the organiser's links."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import assert_problem, make_event, make_venue
from tests.conftest import Api, Stack, sign_up
from voelgoed.web.widget import WIDGET_BYTES, WIDGET_VERSION

FOREIGN = "https://www.karoo-sounds.example"


async def _published(api: Api) -> dict[str, Any]:
    venue = await make_venue(api)
    event = await make_event(api, venue["id"])
    r = await api.post(
        api.org(f"/events/{event['id']}/ticket-types"), json={"name": "General", "price_cents": 15000, "quantity": 10}
    )
    assert r.status_code == 201, r.text
    links = await api.get(api.org(f"/events/{event['id']}/public-links"))
    assert links.status_code == 200 and links.json()["published"] is False, links.text
    r = await api.post(api.org(f"/events/{event['id']}/publish"))
    assert r.status_code == 200, r.text
    return event


async def test_widget_script_is_served_and_cached(client: Api) -> None:
    r = await client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.content == WIDGET_BYTES
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["etag"] == f'"{WIDGET_VERSION}"'
    again = await client.get("/widget.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    hashed = await client.get(f"/assets/widget.{WIDGET_VERSION}.js")
    assert hashed.status_code == 200 and hashed.content == WIDGET_BYTES
    assert "immutable" in hashed.headers["cache-control"]


async def test_any_site_may_read_the_public_event_and_nothing_else(client: Api, stack: Stack) -> None:
    await sign_up(client)
    event = await _published(client)
    r = await client.get(f"/api/public/events/{event['slug']}", headers={"Origin": FOREIGN})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert [t["name"] for t in r.json()["ticket_types"]] == ["General"]
    # A write from another site's page is not allowed by the browser: no CORS grant for it.
    pre = await client.request(
        "OPTIONS",
        f"/api/public/events/{event['slug']}/reservations",
        headers={
            "Origin": FOREIGN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.headers.get("access-control-allow-origin") not in ("*", FOREIGN)
    me = await client.get("/api/auth/me", headers={"Origin": FOREIGN})
    assert me.headers.get("access-control-allow-origin") is None


async def test_public_links_once_published_and_only_for_the_owner(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    event = await _published(client)
    r = await client.get(client.org(f"/events/{event['id']}/public-links"))
    assert r.status_code == 200, r.text
    links = r.json()
    assert links["published"] is True
    assert links["page_url"].endswith(f"/events/{event['slug']}")
    assert links["widget_script_url"].endswith("/widget.js")
    assert f'data-voelgoed-event="{event["slug"]}"' in links["widget_snippet"]
    assert links["widget_script_url"] in links["widget_snippet"]
    page = await client.get(links["page_url"].replace(links["page_url"].split("/events/")[0], ""))
    assert page.status_code == 200 and event["name"] in page.text

    other = new_client()
    await sign_up(other)
    assert_problem(await other.get(f"/api/organizations/{other.org_id}/events/{event['id']}/public-links"), 404)
    assert (await other.get(f"/api/organizations/{client.org_id}/events/{event['id']}/public-links")).status_code == 404
