"""Organisations, members and invitations over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import (
    add_member,
    assert_problem,
    invitation_token,
    invite,
    make_venue,
    unique_email,
)
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail

Clients = Callable[[], Api]


async def _members(api: Api, org_id: str | None = None) -> dict[str, str]:
    response = await api.get(f"/api/organizations/{org_id or api.org_id}/members")
    assert response.status_code == 200, response.text
    return {m["email"]: m["role"] for m in response.json()}


async def test_second_organisation_and_switching(client: Api) -> None:
    me = await sign_up(client, organization="Jozi Gigs")
    first = me["memberships"][0]["organization_id"]
    created = await client.post("/api/organizations", json={"name": "Durban Beats"})
    assert created.status_code == 201, created.text
    second = created.json()
    assert second["role"] == "owner" and second["name"] == "Durban Beats" and second["slug"] == "durban-beats"

    mine = (await client.get("/api/organizations")).json()
    assert sorted((o["name"], o["role"]) for o in mine) == [("Durban Beats", "owner"), ("Jozi Gigs", "owner")]
    memberships = (await client.get("/api/auth/me")).json()["memberships"]
    assert {m["organization_id"] for m in memberships} == {first, second["id"]}

    # "Switching" is choosing the organisation in the path: data stays with its organisation.
    await make_venue(client, name="Moses Mabhida")  # in the first organisation
    in_second = await client.post(
        f"/api/organizations/{second['id']}/venues",
        json={"name": "Durban ICC", "address_line1": "45 Bram Fischer Rd", "city": "Durban"},
    )
    assert in_second.status_code == 201
    names_first = [v["name"] for v in (await client.get(f"/api/organizations/{first}/venues")).json()["items"]]
    names_second = [v["name"] for v in (await client.get(f"/api/organizations/{second['id']}/venues")).json()["items"]]
    assert (names_first, names_second) == (["Moses Mabhida"], ["Durban ICC"])

    same_name = await client.post("/api/organizations", json={"name": "Durban Beats"})
    assert same_name.status_code == 201 and same_name.json()["slug"] != second["slug"]


async def test_rename_owner_admin_ok_viewer_forbidden(client: Api, new_client: Clients, stack: Stack) -> None:
    await sign_up(client, organization="Old Name")
    viewer, admin = await asyncio.gather(
        add_member(client, new_client, stack, "viewer"), add_member(client, new_client, stack, "admin")
    )
    renamed = await client.patch(client.org(), json={"name": "  New Name  "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "New Name"
    assert_problem(await viewer.patch(client.org(), json={"name": "Viewer Was Here"}), 403)
    assert (await admin.patch(client.org(), json={"name": "Admin Name"})).status_code == 200
    assert (await viewer.get(client.org())).json()["name"] == "Admin Name"
    assert_problem(await client.patch(client.org(), json={"name": "   "}), 422, field="name")
    assert (await client.get("/api/organizations")).json()[0]["name"] == "Admin Name"


async def test_time_zone_defaults_to_johannesburg_and_the_audit_log_carries_it(
    client: Api, new_client: Clients, stack: Stack
) -> None:
    await sign_up(client, organization="Zoned Org")
    assert (await client.get(client.org())).json()["time_zone"] == "Africa/Johannesburg"
    assert (await client.get(client.org("/audit-log"))).json()["time_zone"] == "Africa/Johannesburg"
    changed = await client.patch(client.org(), json={"time_zone": "Europe/London"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["time_zone"] == "Europe/London" and changed.json()["name"] == "Zoned Org"
    audit = (await client.get(client.org("/audit-log"))).json()
    assert audit["time_zone"] == "Europe/London"
    assert audit["items"][0]["action"] == "organization.time_zone_changed"
    assert_problem(await client.patch(client.org(), json={"time_zone": "Mars/Olympus"}), 422, field="time_zone")
    viewer = await add_member(client, new_client, stack, "viewer")
    assert_problem(await viewer.patch(client.org(), json={"time_zone": "UTC"}), 403)
    assert (await client.get(client.org())).json()["time_zone"] == "Europe/London"


async def test_invitation_end_to_end(client: Api, new_client: Clients, stack: Stack) -> None:
    await sign_up(client, name="Olwethu Owner", organization="Soweto Sound")
    email = unique_email("guest")
    created = await invite(client, email.upper(), "staff")
    assert (created["email"], created["role"], created["status"]) == (email, "staff", "pending")

    msg = await wait_for_mail(stack, email, "invited you")
    assert "Soweto Sound" in str(msg["Subject"]) and "Olwethu Owner" in str(msg["Subject"])
    assert "/app/invitations/" in mail_text(msg)
    token = await invitation_token(stack, email)

    anonymous = new_client()  # no session: the token is the proof
    preview = await anonymous.get(f"/api/invitations/{token}")
    assert preview.status_code == 200, preview.text
    assert {k: preview.json()[k] for k in ("organization_name", "email", "role", "status")} == {
        "organization_name": "Soweto Sound",
        "email": email,
        "role": "staff",
        "status": "pending",
    }
    assert_problem(await anonymous.post(f"/api/invitations/{token}/accept"), 401)

    someone_else = new_client()
    await sign_up(someone_else, organization=None)
    assert_problem(await someone_else.post(f"/api/invitations/{token}/accept"), 403)

    guest = new_client()
    await sign_up(guest, email=email, name="Guest Person", organization=None)
    accepted = await guest.post(f"/api/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["organization_name"], accepted.json()["role"]) == ("Soweto Sound", "staff")
    assert accepted.json()["organization_id"] == client.org_id

    assert (await _members(client))[email] == "staff"
    assert [(o["name"], o["role"]) for o in (await guest.get("/api/organizations")).json()] == [
        ("Soweto Sound", "staff")
    ]
    assert (await guest.get(client.org("/venues"))).status_code == 200  # now a member

    assert_problem(await guest.post(f"/api/invitations/{token}/accept"), 409)  # single use
    assert_problem(await someone_else.post(f"/api/invitations/{token}/accept"), 409)
    assert (await anonymous.get(f"/api/invitations/{token}")).json()["status"] == "accepted"
    listed = (await client.get(client.org("/invitations"))).json()
    assert [(i["email"], i["status"]) for i in listed] == [(email, "accepted")]
    assert len(await _members(client)) == 2  # the wrong person never joined


async def test_revoked_and_replaced_invitations_cannot_be_accepted(
    client: Api, new_client: Clients, stack: Stack
) -> None:
    await sign_up(client)
    email = unique_email("revoked")
    invitation = await invite(client, email, "viewer")
    token = await invitation_token(stack, email)
    revoked = await client.delete(client.org(f"/invitations/{invitation['id']}"))
    assert revoked.status_code == 204, revoked.text
    assert (await client.get(f"/api/invitations/{token}")).json()["status"] == "revoked"
    assert_problem(await client.delete(client.org(f"/invitations/{invitation['id']}")), 409)

    guest = new_client()
    await sign_up(guest, email=email, organization=None)
    assert_problem(await guest.post(f"/api/invitations/{token}/accept"), 409)
    assert email not in await _members(client)

    # Inviting the same address again replaces the first link.
    other = unique_email("twice")
    await invite(client, other, "viewer")
    first_token = await invitation_token(stack, other)
    await invite(client, other, "admin")
    statuses = sorted(i["status"] for i in (await client.get(client.org("/invitations"))).json() if i["email"] == other)
    assert statuses == ["pending", "revoked"]
    assert (await client.get(f"/api/invitations/{first_token}")).json()["status"] == "revoked"


async def test_expired_invitation_cannot_be_accepted(
    client: Api, new_client: Clients, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    email = unique_email("late")
    await invite(client, email, "viewer")
    token = await invitation_token(stack, email)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE invitation SET expires_at = now() - interval '1 minute'"))
    guest = new_client()
    await sign_up(guest, email=email, organization=None)
    assert_problem(await guest.post(f"/api/invitations/{token}/accept"), 409)
    assert (await client.get(f"/api/invitations/{token}")).json()["status"] == "expired"
    assert email not in await _members(client)


async def test_invitation_rules(client: Api, new_client: Clients, stack: Stack) -> None:
    await sign_up(client)
    admin = await add_member(client, new_client, stack, "admin")
    assert_problem(await admin.post(client.org("/invitations"), json={"email": unique_email(), "role": "owner"}), 403)
    assert (
        await admin.post(client.org("/invitations"), json={"email": unique_email(), "role": "staff"})
    ).status_code == 201
    existing = await client.post(
        client.org("/invitations"), json={"email": admin.me["user"]["email"], "role": "viewer"}
    )
    assert_problem(existing, 409, field="email")


async def test_role_changes(client: Api, new_client: Clients, stack: Stack) -> None:
    me = await sign_up(client)
    owner_id = me["user"]["id"]
    admin, viewer = await asyncio.gather(
        add_member(client, new_client, stack, "admin"), add_member(client, new_client, stack, "viewer")
    )
    viewer_id, admin_id = viewer.me["user"]["id"], admin.me["user"]["id"]

    promoted = await client.patch(client.org(f"/members/{viewer_id}"), json={"role": "staff"})
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "staff"
    assert (await viewer.get(client.org())).json()["role"] == "staff"

    assert_problem(await admin.patch(client.org(f"/members/{viewer_id}"), json={"role": "owner"}), 403)
    assert_problem(await admin.patch(client.org(f"/members/{admin_id}"), json={"role": "owner"}), 403)
    assert_problem(await admin.patch(client.org(f"/members/{owner_id}"), json={"role": "viewer"}), 403)
    assert_problem(await admin.delete(client.org(f"/members/{owner_id}")), 403)
    assert (await admin.patch(client.org(f"/members/{viewer_id}"), json={"role": "viewer"})).status_code == 200

    # The last owner can be neither demoted nor removed.
    assert_problem(await client.patch(client.org(f"/members/{owner_id}"), json={"role": "admin"}), 409)
    assert_problem(await client.delete(client.org(f"/members/{owner_id}")), 409)
    roles = await _members(client)
    assert roles[me["user"]["email"]] == "owner"
    assert roles[viewer.me["user"]["email"]] == "viewer"
    assert roles[admin.me["user"]["email"]] == "admin"

    # With a second owner, the first may step down.
    assert (await client.patch(client.org(f"/members/{admin_id}"), json={"role": "owner"})).status_code == 200
    stepped_down = await client.patch(client.org(f"/members/{owner_id}"), json={"role": "admin"})
    assert stepped_down.status_code == 200, stepped_down.text
    assert_problem(await admin.patch(client.org(f"/members/{admin_id}"), json={"role": "staff"}), 409)
    assert (await _members(admin))[me["user"]["email"]] == "admin"


async def test_remove_member(client: Api, new_client: Clients, stack: Stack) -> None:
    await sign_up(client)
    staff = await add_member(client, new_client, stack, "staff")
    assert (await staff.get(client.org("/venues"))).status_code == 200
    removed = await client.delete(client.org(f"/members/{staff.me['user']['id']}"))
    assert removed.status_code == 204, removed.text
    assert staff.me["user"]["email"] not in await _members(client)
    # Access ends at once: the organisation no longer exists for them.
    assert_problem(await staff.get(client.org("/venues")), 404)
    assert_problem(await staff.post(client.org("/venues"), json={"name": "x", "address_line1": "x", "city": "x"}), 404)
    assert (await staff.get("/api/organizations")).json() == []
    assert_problem(await client.delete(client.org(f"/members/{staff.me['user']['id']}")), 404)


async def test_concurrent_demotions_keep_an_owner(client: Api, new_client: Clients, stack: Stack) -> None:
    me = await sign_up(client)
    second = await add_member(client, new_client, stack, "owner")
    ids = (me["user"]["id"], second.me["user"]["id"])
    for _ in range(5):
        results = await asyncio.gather(
            client.patch(client.org(f"/members/{ids[1]}"), json={"role": "admin"}),
            second.patch(client.org(f"/members/{ids[0]}"), json={"role": "admin"}),
        )
        owners = [e for e, r in (await _members(client)).items() if r == "owner"]
        assert owners, f"no owner left: {[r.status_code for r in results]}"
        # Restore two owners for the next round (whoever is still owner promotes the other).
        promoter, other = (client, ids[1]) if me["user"]["email"] in owners else (second, ids[0])
        assert (await promoter.patch(client.org(f"/members/{other}"), json={"role": "owner"})).status_code == 200
