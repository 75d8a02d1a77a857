"""The organiser's e-mail wording and the branded look, without servers: placeholders are a closed
set, text stays text in the HTML, and the look (contact address, logo, colour) reaches the
message headers and the HTML."""

from __future__ import annotations

import uuid
from email.utils import parseaddr

import pytest

from voelgoed.domain.notifications.jobs import email_message
from voelgoed.domain.notifications.kinds import SPECS, EmailKind
from voelgoed.domain.notifications.messages import MailLook
from voelgoed.domain.notifications.samples import sample_mail
from voelgoed.domain.notifications.wording import Wording, WordingError, as_html, as_text, normalise, pieces
from voelgoed.domain.organizations.branding import Branding
from voelgoed.settings import load_settings

ALLOWED = frozenset({"buyer_name", "event_name"})


def branding(**overrides: object) -> Branding:
    values: dict[str, object] = {
        "organization_id": uuid.uuid4(),
        "display_name": "Karoo Sounds",
        "slug": "karoo-sounds",
        "contact_email": None,
        "colour": "#7a1f5f",
        "logo_url": None,
    }
    return Branding(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("Hi {price}", "{price}"),
        ("Hi {buyer_name", "{"),
        ("Hi buyer_name}", "}"),
        ("Hi { }", "{ }"),
        ("Hi {Buyer-Name}", "{Buyer-Name}"),
        ("Hi {{buyer_name}", "}"),
    ],
)
def test_unknown_and_malformed_placeholders_name_the_culprit(text: str, placeholder: str) -> None:
    with pytest.raises(WordingError) as caught:
        pieces("intro", text, ALLOWED)
    assert caught.value.field == "intro" and caught.value.placeholder == placeholder


def test_doubled_braces_are_literal_and_known_placeholders_substitute() -> None:
    values = {"buyer_name": "Thandi", "event_name": "Sunset"}
    assert as_text("intro", "{{not}} {buyer_name} at {event_name}", values) == "{not} Thandi at Sunset"


def test_text_is_escaped_into_html_paragraphs_and_links_only_where_asked() -> None:
    values = {"buyer_name": "<b>Thandi</b>", "order_link": "https://x.test/o?a=1&b=2"}
    html = str(as_html("Hi {buyer_name} & <i>co</i>\nline two\n\nSee {order_link}", values, frozenset({"order_link"})))
    assert html.count("<p ") == 2 and "<br>" in html
    assert "&lt;b&gt;Thandi&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in html and "<b>" not in html
    assert '<a href="https://x.test/o?a=1&amp;b=2">' in html


def test_normalise_tidies_and_enforces_limits() -> None:
    clean = normalise(Wording(subject="  Hi   {buyer_name} ", intro="a\r\n\r\n\r\n\r\nb  \n"), ALLOWED)
    assert clean == Wording(subject="Hi {buyer_name}", intro="a\n\nb")
    for wording, field in (
        (Wording(subject="", intro="x"), "subject"),
        (Wording(subject="x" * 201, intro="x"), "subject"),
        (Wording(subject="x", intro="\n \n"), "intro"),
        (Wording(subject="x", intro="y" * 2001), "intro"),
        (Wording(subject="x", intro="bell\x07"), "intro"),
    ):
        with pytest.raises(WordingError) as caught:
            normalise(wording, ALLOWED)
        assert caught.value.field == field


def test_every_default_fits_its_kind() -> None:
    for spec in SPECS.values():
        assert normalise(spec.default, spec.allowed) == spec.default


@pytest.mark.parametrize("kind", list(EmailKind))
def test_every_kind_renders_text_and_html_in_the_organisers_look(kind: EmailKind) -> None:
    look = MailLook(
        branding(contact_email="hello@karoo.test", logo_url="https://cdn.karoo.test/logo.png"), "hello@karoo.test"
    )
    mail = sample_mail(kind, look, to="buyer@example.test", public_url="https://tickets.test")
    assert mail.html and mail.text and mail.reply_to == "hello@karoo.test"
    assert "Thandiwe Mokoena" in mail.text and "Thandiwe Mokoena" in mail.html
    assert 'alt="Karoo Sounds"' in mail.html  # blocked images still say who it is from
    assert "background: #7a1f5f" in mail.html and "<style" not in mail.html
    assert "{{" not in mail.html and "_(" not in mail.text  # nothing left unrendered

    msg = email_message(load_settings(), mail, message_id="<x@voelgoed.local>")
    assert msg.get_content_type() == "multipart/alternative"
    assert parseaddr(str(msg["From"]))[0] == "Karoo Sounds"
    assert str(msg["Reply-To"]) == "hello@karoo.test"


def test_a_stored_wording_that_no_longer_fits_falls_back_to_the_default() -> None:
    look = MailLook(branding(), None, Wording(subject="Old {gone}", intro="Hi {gone}"))
    mail = sample_mail(EmailKind.REMINDER, look, to="b@example.test", public_url="https://t.test")
    assert mail.subject == "Coming up: Summer Sunset Concert" and mail.reply_to is None
    assert "Reply to this e-mail" not in mail.text  # no Reply-To: no promise that replies arrive


def test_a_buyer_without_a_name_is_greeted_in_the_orders_language() -> None:
    """The default wording in Afrikaans, with the no-name greeting translated too (it was "Hallo
    there," before the fallback name became a msgid)."""
    from voelgoed.domain.notifications.messages import ReminderMail, reminder

    facts = {
        "to": "b@example.test",
        "buyer_name": None,
        "reference": "VG-TEST0001",
        "event_name": "Somersonsondergang",
        "starts_local": "Sa. 12 Des. 2026, 19:00",
        "timezone": "Africa/Johannesburg",
        "venue": None,
        "order_url": "https://t.test/orders/VG-TEST0001?token=x",
    }
    af = reminder(ReminderMail(**facts), MailLook(branding(), None), "af")  # type: ignore[arg-type]
    en = reminder(ReminderMail(**facts), MailLook(branding(), None), "en")  # type: ignore[arg-type]
    assert "daar," in af.text and "there" not in af.text
    assert "Hello there," in en.text
