"""Attendee questions and ticket holders' names: the organiser's questions API, answering them
at checkout (buyer API and the checkout site's form), the answers in the order detail and the
exports, and renaming a ticket's holder (audit-logged, the PDF rendered again)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pypdfium2

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import add_type, organiser_with_event, reserve, scalar
from tests.api.test_checkout_site import Buyer as SiteBuyer
from tests.api.test_checkout_site import pay_simulated, reference_of
from tests.api.test_checkout_site import reserve as site_reserve
from tests.conftest import Api, Stack, sign_up

BUYER = {"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "simulated"}


def questions_url(api: Api, event_id: str, path: str = "") -> str:
    return api.org(f"/events/{event_id}/questions{path}")


async def add_question(api: Api, event_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "text", "label": "Dietary needs", "purpose": "So the caterer plans meals."}
    body |= fields
    r = await api.post(questions_url(api, event_id), json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def set_names(api: Api, event_id: str, mode: str) -> None:
    r = await api.put(api.org(f"/events/{event_id}/attendee-settings"), json={"holder_names": mode})
    assert r.status_code == 200, r.text
    assert r.json()["holder_names"] == mode


async def question_count(event_id: str, engine: Any) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM question WHERE event_id = :e", e=uuid.UUID(event_id)))


# --- the organiser's questions ---------------------------------------------------------------
async def test_questions_crud_reorder_and_archive(client: Api, engine: Any) -> None:
    event = await organiser_with_event(client)
    vip = await add_type(client, event["id"], name="VIP")
    diet = await add_question(client, event["id"], required=True)
    shirt = await add_question(
        client,
        event["id"],
        kind="choice",
        label="T-shirt size",
        purpose="Every VIP gets a shirt.",
        scope="ticket",
        ticket_type_ids=[vip["id"]],
        options=[" S ", "M", "L"],
    )
    terms = await add_question(client, event["id"], kind="checkbox", label="I accept the terms", purpose="Entry rules.")
    assert shirt["options"] == ["S", "M", "L"] and shirt["ticket_type_ids"] == [vip["id"]]
    assert [diet["position"], shirt["position"], terms["position"]] == [1, 2, 3]
    assert diet["required"] and not diet["archived"] and diet["answer_count"] == 0

    listed = (await client.get(questions_url(client, event["id"]))).json()
    assert [q["id"] for q in listed] == [diet["id"], shirt["id"], terms["id"]]

    r = await client.post(
        questions_url(client, event["id"], "/reorder"), json={"question_ids": [terms["id"], diet["id"], shirt["id"]]}
    )
    assert r.status_code == 200, r.text
    assert [q["label"] for q in r.json()] == ["I accept the terms", "Dietary needs", "T-shirt size"]
    # Leaving one out is refused at the field
    r = await client.post(questions_url(client, event["id"], "/reorder"), json={"question_ids": [terms["id"]]})
    assert_problem(r, 422, "question_ids")

    r = await client.patch(questions_url(client, event["id"], f"/{diet['id']}"), json={"label": "Allergies"})
    assert r.status_code == 200 and r.json()["label"] == "Allergies"
    r = await client.patch(questions_url(client, event["id"], f"/{diet['id']}"), json={"archived": True})
    assert r.status_code == 200 and r.json()["archived"] is True
    listed = (await client.get(questions_url(client, event["id"]))).json()
    assert listed[-1]["id"] == diet["id"]  # archived ones last

    # An unanswered question is deleted for good
    assert (await client.delete(questions_url(client, event["id"], f"/{terms['id']}"))).status_code == 204
    assert_problem(await client.get(questions_url(client, event["id"], f"/{terms['id']}")), 404)
    assert await question_count(event["id"], engine) == 2

    audit = (await client.get(client.org("/audit-log"), params={"entity_type": "question"})).json()
    actions = {e["action"] for e in audit["items"]}
    assert {"question.created", "question.updated", "question.deleted"} <= actions


async def test_bad_questions_are_refused_at_the_field_and_nothing_is_stored(client: Api, engine: Any) -> None:
    event = await organiser_with_event(client)
    other = await organiser_with_event(client)
    foreign_type = await add_type(client, other["id"])
    base = {"label": "Size", "purpose": "Shirts."}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**base, "kind": "choice", "options": []}, 422, "options"),
        ({**base, "kind": "choice", "options": ["Only one"]}, 422, "options"),
        ({**base, "kind": "choice", "options": ["S", "s"]}, 422, "options"),
        ({**base, "kind": "choice", "options": ["S", "  "]}, 422, "options.1"),
        ({**base, "kind": "choice", "options": ["S", "x" * 101]}, 422, "options.1"),
        ({**base, "kind": "choice", "options": [str(i) for i in range(31)]}, 422, "options"),
        ({**base, "kind": "text", "options": ["S", "M"]}, 422, "options"),
        ({**base, "kind": "text", "label": "   "}, 422, "label"),
        ({**base, "kind": "text", "purpose": "  "}, 422, "purpose"),
        ({**base, "kind": "text", "ticket_type_ids": [foreign_type["id"]]}, 422, "ticket_type_ids"),
        ({**base, "kind": "text", "label": "x" * 201}, 400, "label"),
        ({"kind": "text", "label": "No purpose"}, 400, "purpose"),
        ({**base, "kind": "essay"}, 400, "kind"),
        ({**base, "kind": "text", "scope": "seat"}, 400, "scope"),
    ]
    for body, status, field in cases:
        assert_problem(await client.post(questions_url(client, event["id"]), json=body), status, field)
    assert await question_count(event["id"], engine) == 0
    q = await add_question(client, event["id"], kind="choice", options=["S", "M"])
    r = await client.patch(questions_url(client, event["id"], f"/{q['id']}"), json={"options": ["S"]})
    assert_problem(r, 422, "options")
    assert (await client.get(questions_url(client, event["id"], f"/{q['id']}"))).json()["options"] == ["S", "M"]
    r = await client.put(client.org(f"/events/{event['id']}/attendee-settings"), json={"holder_names": "always"})
    assert_problem(r, 400, "holder_names")


async def test_another_organisation_gets_404(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    q = await add_question(client, event["id"])
    other = new_client()
    await sign_up(other, organization="Other Org")
    own_event = await organiser_with_event(other)
    body = {"kind": "text", "label": "Mine", "purpose": "Mine."}
    for base in (questions_url(client, event["id"]), questions_url(other, event["id"])):
        assert_problem(await other.get(base), 404)
        assert_problem(await other.post(base, json=body), 404)
        assert_problem(await other.get(f"{base}/{q['id']}"), 404)
        assert_problem(await other.patch(f"{base}/{q['id']}", json={"label": "X"}), 404)
        assert_problem(await other.delete(f"{base}/{q['id']}"), 404)
        assert_problem(await other.post(f"{base}/reorder", json={"question_ids": [q["id"]]}), 404)
    settings = other.org(f"/events/{event['id']}/attendee-settings")
    assert_problem(await other.get(settings), 404)
    assert_problem(await other.put(settings, json={"holder_names": "required"}), 404)
    # A's question id under B's own event is no question of B's
    assert_problem(await other.get(questions_url(other, own_event["id"], f"/{q['id']}")), 404)
    assert (await client.get(questions_url(client, event["id"], f"/{q['id']}"))).json()["label"] == "Dietary needs"


# --- answering at checkout: the buyer API ------------------------------------------------------
async def sale_with_questions(client: Api) -> dict[str, Any]:
    event = await organiser_with_event(client)
    general = await add_type(client, event["id"], name="General", price_cents=10000)
    vip = await add_type(client, event["id"], name="VIP", price_cents=30000)
    diet = await add_question(client, event["id"], required=True)
    shirt = await add_question(
        client,
        event["id"],
        kind="choice",
        label="T-shirt size",
        purpose="Every VIP gets a shirt.",
        scope="ticket",
        ticket_type_ids=[vip["id"]],
        options=["S", "M", "L"],
        required=True,
    )
    news = await add_question(client, event["id"], kind="checkbox", label="Send me news", purpose="Only if you want.")
    await set_names(client, event["id"], "required")
    return {"event": event, "general": general, "vip": vip, "diet": diet, "shirt": shirt, "news": news}


async def _checkout(http: httpx.AsyncClient, held: dict[str, Any], **body: Any) -> httpx.Response:
    return await http.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={**BUYER, **body},
    )


async def _pay(http: httpx.AsyncClient, url: str) -> None:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    r = await http.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    assert r.status_code in (200, 303), r.text


async def answer_count(engine: Any, order_id: str) -> int:
    return int(
        await scalar(engine, "SELECT count(*) FROM attendee_answer WHERE order_id = :o", o=uuid.UUID(order_id))
    ) + int(await scalar(engine, "SELECT count(*) FROM attendee_name WHERE order_id = :o", o=uuid.UUID(order_id)))


async def test_buyer_api_answers_questions_and_names_the_tickets(
    client: Api, new_client: Callable[[], Api], engine: Any
) -> None:
    s = await sale_with_questions(client)
    buyer = new_client()
    held = (await reserve(buyer, s["event"]["slug"], {s["general"]["id"]: 1, s["vip"]["id"]: 2})).json()
    asked = await buyer.get(
        f"/api/public/orders/{held['reference']}/questions", headers={"X-Order-Token": held["access_token"]}
    )
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["holder_names"] == "required"
    assert [q["label"] for q in body["order_questions"]] == ["Dietary needs", "Send me news"]
    assert body["order_questions"][0]["purpose"] == "So the caterer plans meals."
    assert [(t["ticket_type_name"], t["number"], [q["label"] for q in t["questions"]]) for t in body["tickets"]] == [
        ("General", 1, []),
        ("VIP", 1, ["T-shirt size"]),
        ("VIP", 2, ["T-shirt size"]),
    ]
    assert_problem(
        await buyer.get(f"/api/public/orders/{held['reference']}/questions"), 400
    )  # no token: a required header

    g, v, d, sh, nw = s["general"]["id"], s["vip"]["id"], s["diet"]["id"], s["shirt"]["id"], s["news"]["id"]
    name = {"holder_name": "Sipho Dlamini"}
    t_g1 = {"ticket_type_id": g, "number": 1, **name}
    t_v1 = {
        "ticket_type_id": v,
        "number": 1,
        "holder_name": "Anna Botha",
        "answers": [{"question_id": sh, "value": "M"}],
    }
    t_v2 = {
        "ticket_type_id": v,
        "number": 2,
        "holder_name": "Lerato  Molefe",
        "answers": [{"question_id": sh, "value": "L"}],
    }
    good_tickets = [t_g1, t_v1, t_v2]
    diet_ok = {"question_id": d, "value": "Vegetarian"}
    good_answers = [diet_ok, {"question_id": nw, "value": True}]
    xxl = {**t_v1, "answers": [{"question_id": sh, "value": "XXL"}]}
    g2 = {"ticket_type_id": g, "number": 2, **name}
    long_name = {**t_g1, "holder_name": "x" * 201}
    unknown = {"question_id": str(uuid.uuid4()), "value": "?"}
    bad: list[tuple[list[Any], list[Any], str]] = [
        ([], good_tickets, f"answers.{d}"),  # required, missing
        ([{"question_id": d, "value": "x" * 501}], good_tickets, f"answers.{d}"),  # too long
        ([{"question_id": d, "value": True}], good_tickets, f"answers.{d}"),  # wrong kind
        ([diet_ok, {"question_id": nw, "value": "yes"}], good_tickets, f"answers.{nw}"),  # a checkbox is a bool
        ([*good_answers, {"question_id": sh, "value": "M"}], good_tickets, f"answers.{sh}"),  # per ticket, not order
        ([*good_answers, unknown], good_tickets, f"answers.{unknown['question_id']}"),
        (good_answers, [t_g1, xxl, t_v2], f"tickets.{v}.1.answers.{sh}"),  # not an option
        (good_answers, [t_g1, t_v1], f"tickets.{v}.2.holder_name"),  # a name is required
        (good_answers, [*good_tickets, g2], f"tickets.{g}.2"),  # no such ticket
        (good_answers, [long_name, t_v1, t_v2], f"tickets.{g}.1.holder_name"),
    ]
    for answers_sent, tickets_sent, field in bad:
        r = await _checkout(buyer, held, answers=answers_sent, tickets=tickets_sent)
        problem = assert_problem(r, 422)
        fields = [e["field"] for e in problem.get("errors") or []]
        assert field in fields, (field, problem)
        assert await answer_count(engine, held["order_id"]) == 0  # nothing stored half
        state = await scalar(engine, "SELECT status FROM ticket_order WHERE id = :o", o=uuid.UUID(held["order_id"]))
        assert state == "reserved"

    r = await _checkout(buyer, held, answers=good_answers, tickets=good_tickets)
    assert r.status_code == 200, r.text
    await _pay(buyer, r.json()["payment"]["url"])

    detail = (await client.get(client.org(f"/orders/{held['order_id']}"))).json()
    assert detail["status"] == "paid"
    holders = sorted((t["ticket_type_name"], t["holder_name"]) for t in detail["tickets"])
    assert holders == [("General", "Sipho Dlamini"), ("VIP", "Anna Botha"), ("VIP", "Lerato Molefe")]
    by_ticket = {t["id"]: t for t in detail["tickets"]}
    answers = {
        (a["label"], by_ticket[a["ticket_id"]]["holder_name"] if a["ticket_id"] else None): a["value"]
        for a in detail["answers"]
    }
    assert answers == {
        ("Dietary needs", None): "Vegetarian",
        ("Send me news", None): True,
        ("T-shirt size", "Anna Botha"): "M",
        ("T-shirt size", "Lerato Molefe"): "L",
    }  # fmt: skip

    # The answered question cannot be deleted: it is archived and its answers stay.
    assert (await client.delete(questions_url(client, s["event"]["id"], f"/{d}"))).status_code == 204
    kept = (await client.get(questions_url(client, s["event"]["id"], f"/{d}"))).json()
    assert kept["archived"] and kept["answer_count"] == 1
    r = await client.patch(questions_url(client, s["event"]["id"], f"/{d}"), json={"kind": "checkbox"})
    assert_problem(r, 409, "kind")
    r = await client.patch(questions_url(client, s["event"]["id"], f"/{d}"), json={"scope": "ticket"})
    assert_problem(r, 409, "scope")
    detail = (await client.get(client.org(f"/orders/{held['order_id']}"))).json()
    assert len(detail["answers"]) == 4


# --- answering on the checkout site, the PDF, renaming, exports --------------------------------
def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    doc = pypdfium2.PdfDocument(pdf)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    doc.close()
    return text


def csv_rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def test_checkout_site_form_names_tickets_pdf_rename_and_exports(
    client: Api, new_client: Callable[[], Api], engine: Any, stack: Stack
) -> None:
    s = await sale_with_questions(client)
    g, v, d, sh, nw = s["general"]["id"], s["vip"]["id"], s["diet"]["id"], s["shirt"]["id"], s["news"]["id"]
    async with SiteBuyer(stack.base_url) as buyer:
        reference = reference_of(await site_reserve(buyer, s["event"]["slug"], {g: 1, v: 1}))
        page, csrf = await buyer.page(f"/checkout/{reference}")
        html = page.text
        assert "Why we ask: So the caterer plans meals." in html and "Why we ask: Every VIP gets a shirt." in html
        for name in (f"answers.{d}", f"answers.{nw}", f"tickets.{g}.1.holder_name", f"tickets.{v}.1.holder_name"):
            assert f'for="{name}"' in html and f'name="{name}"' in html, name
        assert f'name="tickets.{v}.1.answers.{sh}"' in html and f'name="tickets.{g}.1.answers.{sh}"' not in html
        assert "General, ticket 1" in html and "VIP, ticket 1" in html

        base = {**BUYER, "buyer_phone": "", "csrf": csrf}
        bad = {**base, f"answers.{d}": "x" * 501, f"tickets.{g}.1.holder_name": "Sipho Dlamini",
               f"tickets.{v}.1.answers.{sh}": "XXL"}  # fmt: skip
        r = await buyer.post(f"/checkout/{reference}", data=bad)
        assert r.status_code == 422, r.text[:500]
        for field in (f"answers.{d}", f"tickets.{v}.1.holder_name", f"tickets.{v}.1.answers.{sh}"):
            assert f'<a href="#{field}">' in r.text and f'id="{field}-error"' in r.text, field
        assert 'value="Sipho Dlamini"' in r.text  # what was typed stays
        assert await answer_count(engine, await order_id_of(engine, reference)) == 0

        good = {**base, f"answers.{d}": "Halaal", f"answers.{nw}": "yes", f"tickets.{g}.1.holder_name": "Sipho Dlamini",
                f"tickets.{v}.1.holder_name": "Anna Botha", f"tickets.{v}.1.answers.{sh}": "S"}  # fmt: skip
        r = await buyer.post(
            f"/checkout/{reference}", data={**good, "csrf": (await buyer.page(f"/checkout/{reference}"))[1]}
        )
        assert r.status_code == 303, r.text[:1000]
        order_page = await pay_simulated(buyer, r.headers["location"])
        token = parse_qs(urlsplit(order_page).query)["token"][0]
        pdf = await buyer.get(f"/orders/{reference}/tickets.pdf", params={"token": token})
        assert pdf.status_code == 200, pdf.text[:300]
        text = pdf_text(pdf.content)
        assert "Sipho Dlamini" in text and "Anna Botha" in text

        # The organiser renames the VIP ticket's holder: audit entry, the download shows the new name.
        order_id = await order_id_of(engine, reference)
        detail = (await client.get(client.org(f"/orders/{order_id}"))).json()
        vip_ticket = next(t for t in detail["tickets"] if t["ticket_type_name"] == "VIP")
        url = client.org(f"/orders/{order_id}/tickets/{vip_ticket['id']}")
        assert_problem(await client.patch(url, json={"holder_name": "   "}), 422, "holder_name")
        assert_problem(await client.patch(url, json={"holder_name": "x" * 201}), 422, "holder_name")
        other = new_client()
        await sign_up(other, organization="Other Org")
        assert_problem(await other.patch(other.org(f"/orders/{order_id}/tickets/{vip_ticket['id']}"),
                                         json={"holder_name": "Mallory"}), 404)  # fmt: skip
        r = await client.patch(url, json={"holder_name": "Johan  van Wyk"})
        assert r.status_code == 200, r.text
        assert r.json()["holder_name"] == "Johan van Wyk"
        audit = (await client.get(client.org("/audit-log"), params={"entity_type": "ticket"})).json()["items"]
        assert [(e["action"], e["changes"]["holder_name"]) for e in audit] == [
            ("ticket.holder_renamed", ["Anna Botha", "Johan van Wyk"])
        ]
        again = pdf_text((await buyer.get(f"/orders/{reference}/tickets.pdf", params={"token": token})).content)
        assert "Johan van Wyk" in again and "Anna Botha" not in again and "Sipho Dlamini" in again

    # Exports: a column per question (the orders export: the per-order ones), the holder's name.
    attendees = csv_rows((await client.get(client.org(f"/events/{s['event']['id']}/exports/csv/attendees"))).text)
    by_holder = {row["holder_name"]: row for row in attendees}
    assert set(by_holder) == {"Sipho Dlamini", "Johan van Wyk"}
    assert by_holder["Johan van Wyk"]["T-shirt size"] == "S" and by_holder["Sipho Dlamini"]["T-shirt size"] == ""
    assert (
        by_holder["Sipho Dlamini"]["Dietary needs"] == "Halaal" and by_holder["Sipho Dlamini"]["Send me news"] == "yes"
    )
    orders = csv_rows((await client.get(client.org(f"/events/{s['event']['id']}/exports/csv/orders"))).text)
    assert [(o["Dietary needs"], o["Send me news"]) for o in orders] == [("Halaal", "yes")]
    assert "T-shirt size" not in orders[0]


async def order_id_of(engine: Any, reference: str) -> str:
    return str(await scalar(engine, "SELECT id FROM ticket_order WHERE reference = :r", r=reference))


async def test_copy_questions_to_another_event(client: Api, engine: Any) -> None:
    """`copy_questions` (for event copies): active questions, in order, with ticket types mapped;
    a question whose types were not copied is left out; the name setting comes along."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from voelgoed.db import models as _all_models  # noqa: F401  (registers every table for the ORM)
    from voelgoed.domain.attendees.services import copy_questions

    source = await organiser_with_event(client)
    vip, general = await add_type(client, source["id"], name="VIP"), await add_type(client, source["id"])
    await add_question(client, source["id"], label="Allergies")
    await add_question(client, source["id"], label="Shirt", kind="choice", options=["S", "M"], scope="ticket",
                       ticket_type_ids=[vip["id"]])  # fmt: skip
    await add_question(client, source["id"], label="Parking", ticket_type_ids=[general["id"]])
    archived = await add_question(client, source["id"], label="Old question")
    await client.patch(questions_url(client, source["id"], f"/{archived['id']}"), json={"archived": True})
    await set_names(client, source["id"], "optional")
    target = await organiser_with_event(client)
    target_vip = await add_type(client, target["id"], name="VIP")
    async with AsyncSession(engine) as db, db.begin():
        copied = await copy_questions(
            db, uuid.UUID(source["id"]), uuid.UUID(target["id"]), {uuid.UUID(vip["id"]): uuid.UUID(target_vip["id"])}
        )
    assert copied == 2
    listed = (await client.get(questions_url(client, target["id"]))).json()
    assert [(q["label"], q["ticket_type_ids"], q["position"]) for q in listed] == [
        ("Allergies", [], 1),
        ("Shirt", [target_vip["id"]], 2),
    ]
    names = await client.get(client.org(f"/events/{target['id']}/attendee-settings"))
    assert names.json()["holder_names"] == "optional"
