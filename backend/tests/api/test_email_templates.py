"""The organiser's wording of buyer e-mails over HTTP: list, change, preview, reset, send a test;
bad wording is refused at the field with nothing stored; other organisations and staff cannot
read or change it."""

from __future__ import annotations

import email
import email.policy
import html as htmllib
import re
from collections.abc import Callable
from email.message import EmailMessage

from tests.api.helpers import add_member, assert_problem
from tests.conftest import Api, Stack, sign_up, wait_for_mail

CONFIRMATION = "/email-templates/order_confirmation"


def visible(page: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def captured_tests(stack: Stack) -> list[EmailMessage]:
    found = []
    for path in sorted(stack.mail_dir.glob("*.eml")) if stack.mail_dir.is_dir() else []:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["Subject"]).startswith("[Test]"):
            assert isinstance(msg, EmailMessage)
            found.append(msg)
    return found


async def kinds(api: Api) -> dict[str, dict]:  # type: ignore[type-arg]
    r = await api.get(api.org("/email-templates"))
    assert r.status_code == 200, r.text
    return {k["kind"]: k for k in r.json()}


async def test_every_buyer_email_is_listed_with_its_placeholders_and_default_wording(client: Api) -> None:
    await sign_up(client, organization="Karoo Sounds")
    listed = await kinds(client)
    assert set(listed) == {"order_confirmation", "reminder", "refund", "order_cancelled", "event_cancelled"}
    confirmation = listed["order_confirmation"]
    names = [p["name"] for p in confirmation["placeholders"]]
    assert {"buyer_name", "event_name", "event_start", "order_reference", "order_link", "organiser_name"} <= set(names)
    assert "refund_amount" in [p["name"] for p in listed["refund"]["placeholders"]]
    assert "refund_amount" not in names
    assert confirmation["customised"] is False
    assert confirmation["subject"] == confirmation["default_subject"] and "{event_name}" in confirmation["subject"]


async def test_override_changes_preview_and_reset_brings_the_default_back(client: Api) -> None:
    await sign_up(client, organization="Karoo Sounds")
    wording = {
        "subject": "Jou kaartjies vir {event_name}!",
        "intro": "Howzit {buyer_name}, <b>thanks</b> for {order_reference}.\n\n\n\nSee you there.",
    }
    saved = await client.put(client.org(CONFIRMATION), json=wording)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["customised"] is True and body["subject"] == wording["subject"]
    assert body["intro"] == "Howzit {buyer_name}, <b>thanks</b> for {order_reference}.\n\nSee you there."
    assert (await kinds(client))["order_confirmation"]["intro"] == body["intro"]

    preview = await client.post(client.org(CONFIRMATION + "/preview"))
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert p["subject"] == "Jou kaartjies vir Summer Sunset Concert!"
    # The organiser's text is text: escaped into the HTML, as typed in the plain text.
    assert "Howzit Thandiwe Mokoena, &lt;b&gt;thanks&lt;/b&gt; for VG-SAMPLE1." in p["html"]
    assert "<b>thanks</b>" not in p["html"]
    assert "Howzit Thandiwe Mokoena, <b>thanks</b> for VG-SAMPLE1." in p["text"]
    # Our fixed parts stay: the tickets, the amounts, the order link, the footer.
    page = visible(p["html"])
    assert "ABCDE-FGHIJ-KLMNO-PQRST" in page and "R 500.00" in page and "Open your order page" in page
    assert "Karoo Sounds" in p["sender"] and "no-reply" in p["sender"]
    assert p["reply_to"] == client.me["user"]["email"]
    assert "<style" not in p["html"] and 'style="' in p["html"]  # CSS inlined

    # A draft previews without being stored.
    draft = await client.post(client.org(CONFIRMATION + "/preview"), json={"intro": "Draft for {event_name}"})
    assert draft.status_code == 200 and "Draft for Summer Sunset Concert" in draft.json()["text"]
    assert (await kinds(client))["order_confirmation"]["intro"] == body["intro"]

    audit = await client.get(client.org("/audit-log"), params={"entity_type": "email_template"})
    assert audit.status_code == 200, audit.text
    assert [e["action"] for e in audit.json()["items"]] == ["email_template.update"]

    reset = await client.delete(client.org(CONFIRMATION))
    assert reset.status_code == 204, reset.text
    audit = await client.get(client.org("/audit-log"), params={"entity_type": "email_template"})
    entries = audit.json()["items"]
    assert [e["action"] for e in entries] == ["email_template.reset", "email_template.update"]
    assert entries[0]["changes"]["subject"] == [wording["subject"], None]
    back = (await kinds(client))["order_confirmation"]
    assert back["customised"] is False and back["intro"] == back["default_intro"]
    preview = (await client.post(client.org(CONFIRMATION + "/preview"))).json()
    assert "Howzit" not in preview["text"] and "Thank you for your order VG-SAMPLE1" in preview["text"]


async def test_unknown_or_malformed_placeholders_are_refused_at_the_field_and_nothing_is_stored(client: Api) -> None:
    await sign_up(client)
    good = {"subject": "Tickets: {event_name}", "intro": "Hi {buyer_name}"}
    assert (await client.put(client.org(CONFIRMATION), json=good)).status_code == 200

    bad = await client.put(client.org(CONFIRMATION), json={"subject": "New subject", "intro": "Hi {ticket_price}"})
    problem = assert_problem(bad, 422, field="intro")
    assert "{ticket_price}" in problem["detail"] and "{buyer_name}" in problem["detail"]  # names what is allowed
    bad = await client.put(client.org(CONFIRMATION), json={"subject": "Tickets {event_name", "intro": "Hi"})
    assert "'{'" in assert_problem(bad, 422, field="subject")["detail"]
    bad = await client.put(client.org("/email-templates/refund"), json={"subject": "{refund_amount}", "intro": "x"})
    assert bad.status_code == 200  # the refund e-mail knows it ...
    bad = await client.put(client.org(CONFIRMATION), json={"subject": "{refund_amount}", "intro": "x"})
    assert_problem(bad, 422, field="subject")  # ... the confirmation does not
    assert_problem(await client.put(client.org(CONFIRMATION), json={"subject": " ", "intro": "x"}), 422, "subject")
    too_long = {"subject": "x", "intro": "y" * 2001}
    assert_problem(await client.put(client.org(CONFIRMATION), json=too_long), 422, field="intro")
    draft = await client.post(client.org(CONFIRMATION + "/preview"), json={"intro": "Hi {{buyer_name}"})
    assert_problem(draft, 422, field="intro")
    assert (await client.post(client.org(CONFIRMATION + "/preview"), json={"intro": "{{literal}}"})).status_code == 200
    assert (await client.put(client.org("/email-templates/no_such_mail"), json=good)).status_code == 404

    stored = (await kinds(client))["order_confirmation"]
    assert (stored["subject"], stored["intro"]) == (good["subject"], good["intro"])


async def test_a_test_email_goes_to_the_signed_in_member_only_and_is_rate_limited(client: Api, stack: Stack) -> None:
    await sign_up(client, organization="Karoo Sounds")
    me = client.me["user"]["email"]
    sent = await client.post(client.org(CONFIRMATION + "/test"), json={"intro": "Test wording for {buyer_name}"})
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"sent_to": me}
    msg = await wait_for_mail(stack, me, "[Test]")
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_body(preferencelist=("plain",)), msg.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert "Test wording for Thandiwe Mokoena" in str(plain.get_content())
    assert "Test wording for Thandiwe Mokoena" in visible(str(rich.get_content()))
    assert "Karoo Sounds" in str(msg["From"])
    # The sample buyer got nothing: every test e-mail of this organisation went to the member (the
    # mail folder is shared with other tests, whose test e-mails come from other organisations).
    ours = [str(m["To"]) for m in captured_tests(stack) if "Karoo Sounds" in str(m["From"])]
    assert ours == [me]

    for _ in range(9):
        assert (await client.post(client.org("/email-templates/reminder/test"))).status_code == 202
    assert_problem(await client.post(client.org("/email-templates/reminder/test")), 429)


async def test_other_organisations_get_404_and_staff_403(
    client: Api, new_client: Callable[[], Api], stack: Stack
) -> None:
    await sign_up(client, organization="Org A")
    saved = await client.put(client.org(CONFIRMATION), json={"subject": "A's {event_name}", "intro": "A only"})
    assert saved.status_code == 200

    other = new_client()
    await sign_up(other, organization="Org B")
    for method, path, body in (
        ("GET", "/email-templates", None),
        ("PUT", CONFIRMATION, {"subject": "B was here", "intro": "B"}),
        ("DELETE", CONFIRMATION, None),
        ("POST", CONFIRMATION + "/preview", None),
        ("POST", CONFIRMATION + "/test", None),
    ):
        r = await other.request(method, client.org(path), json=body)
        assert_problem(r, 404)
    assert (await kinds(other))["order_confirmation"]["customised"] is False

    staff = await add_member(client, new_client, stack, "staff")
    assert_problem(await staff.put(client.org(CONFIRMATION), json={"subject": "S", "intro": "S"}), 403)
    assert_problem(await staff.delete(client.org(CONFIRMATION)), 403)
    assert_problem(await staff.post(client.org(CONFIRMATION + "/test")), 403)
    stored = (await kinds(client))["order_confirmation"]
    assert (stored["subject"], stored["intro"]) == ("A's {event_name}", "A only")
