"""The language catalogues (docs/i18n.md): every sentence marked for translation in the templates
and the Python code has an Afrikaans translation, with the same placeholders.

The sentences are extracted here with Babel from the source itself (babel.cfg, the keywords of
`just i18n-extract`), not read from the committed messages.pot: a new {{ _("...") }} fails this
test until `just i18n-extract` has merged it into af/messages.po and someone has translated it.
Strict for "af"; a language added later (zu) may start partly translated (its untranslated
sentences show in English) and is added to STRICT once complete.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from voelgoed.lib import i18n
from voelgoed.lib.templates import Localized, local_time, money
from voelgoed.settings import REPO_ROOT

STRICT = ("af",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> Iterator[tuple[str, str | tuple[str, ...]]]:
    with (REPO_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        yield filename, message


def test_extraction_finds_the_checkout_email_and_pdf_sentences() -> None:
    """The extraction itself works (a test over an empty list would prove nothing): it reads the
    checkout pages, the Python, the HTML and text e-mails and the ticket PDF."""
    extracted = [(filename, m if isinstance(m, str) else m[0]) for filename, m in _extracted()]
    found = {msgid for _, msgid in extracted}
    for sentence in (
        "Reserve tickets",  # checkout page (web/checkout/templates/event.html)
        "Enter your full name.",  # Python (web/checkout/checkout_pages.py)
        "See your order and download the tickets again. Keep this link private.",  # HTML e-mail
        "No phone at the gate? Staff can type in the ticket code.",  # text e-mail
        "Ticket code %(code)s",  # ticket PDF (domain/tickets/templates/tickets.html)
    ):
        assert sentence in found
    sources = {filename.replace("\\", "/") for filename, _ in extracted}
    for where in ("web/checkout/templates/", "domain/notifications/templates/", "domain/tickets/templates/"):
        assert any(where in s and s.endswith(".html") for s in sources), where
    assert any(s.startswith("backend/voelgoed/domain/notifications/templates/") and s.endswith(".txt") for s in sources)
    assert any(s.endswith(".py") for s in sources)
    assert len(found) > 150


@pytest.mark.parametrize("code", STRICT)
def test_every_marked_sentence_is_translated(code: str) -> None:
    with i18n.catalogue_path(code).open("rb") as po:
        catalogue = read_po(po, locale=code)
    problems: list[str] = []
    for filename, message in _extracted():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or "fuzzy" in entry.flags:
            problems.append(f"{filename}: no {code} translation of {msgid!r}")
            continue
        translated = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(translated):
            problems.append(f"{filename}: a plural form of {msgid!r} is empty in {code}")
        wanted = set(PLACEHOLDER.findall(msgid))
        for text in translated:
            if set(PLACEHOLDER.findall(text)) - wanted - {"num"}:
                problems.append(f"{filename}: {code} translation of {msgid!r} names a placeholder it lacks")
            if isinstance(message, str) and wanted != set(PLACEHOLDER.findall(text)):
                problems.append(f"{filename}: {code} translation of {msgid!r} drops a placeholder")
    assert not problems, "Run `just i18n-extract` and translate:\n" + "\n".join(sorted(set(problems)))


def test_supported_locales_and_negotiation() -> None:
    assert i18n.supported("af-ZA") == "af"
    assert i18n.supported("AF_za") == "af"
    assert i18n.supported("de") is None
    assert i18n.negotiate("af-ZA,af;q=0.9,en;q=0.8") == "af"
    assert i18n.negotiate("en-GB,en;q=0.9,af;q=0.8") == "en"
    assert i18n.negotiate("de-DE,de;q=0.9,af;q=0.5") == "af"
    assert i18n.negotiate("de-DE,fr;q=0.9") is None
    assert i18n.negotiate("af;q=0,en") == "en"
    for code in i18n.LOCALES:
        assert i18n.catalogue_path(code).exists() or code == i18n.DEFAULT_LOCALE


def test_dates_and_money_in_the_locale_english_unchanged() -> None:
    when = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)
    assert local_time(when, "Africa/Johannesburg") == "Sat 12 Dec 2026, 19:00 SAST"
    assert local_time(when, "Africa/Johannesburg", "%H:%M %Z") == "19:00 SAST"
    af = local_time(when, "Africa/Johannesburg", locale="af")
    assert "Des" in af and "19:00 SAST" in af and "2026" in af
    assert i18n.format_local(when, "Africa/Johannesburg", "%A %-d %B %Y", "af") == "Saterdag 12 Desember 2026"
    assert money(125000) == "R 1\u00a0250.00"
    assert money(125000, "af") == "R 1\u00a0250,00"


def test_a_template_renders_in_its_locale_and_the_locales_do_not_mix(tmp_path) -> None:
    (tmp_path / "t.html").write_text('<p lang="{{ locale }}">{{ _("Reserve tickets") }} {{ 1250 | money }}</p>')
    envs = Localized(tmp_path)
    assert envs["af"].get_template("t.html").render() == '<p lang="af">Bespreek kaartjies R 12,50</p>'
    assert envs["en"].get_template("t.html").render() == '<p lang="en">Reserve tickets R 12.50</p>'
    assert envs["xx"].get_template("t.html").render() == '<p lang="en">Reserve tickets R 12.50</p>'


def test_python_sentences_follow_the_current_locale() -> None:
    assert i18n.translate("af", "Enter your full name.") == "Tik jou volle naam in."
    i18n.use_locale("af")
    try:
        assert i18n.gettext("Your name can be at most %(n)s characters.", n=200) == (
            "Jou naam kan hoogstens 200 karakters lank wees."
        )
    finally:
        i18n.use_locale("en")
    assert i18n.gettext("Enter your full name.") == "Enter your full name."


async def test_concurrent_requests_keep_their_own_language() -> None:
    """Each request is its own asyncio task: one's language never leaks into another's, even when
    they interleave (the ContextVar is per task; the environments are per locale, never switched)."""
    envs = Localized(REPO_ROOT / "backend" / "voelgoed" / "web" / "checkout" / "templates")

    async def page(code: str) -> list[str]:
        i18n.use_locale(code)
        seen = []
        for _ in range(20):
            await asyncio.sleep(0)
            seen.append(i18n.gettext("Reserve tickets"))
            seen.append(envs[i18n.current_locale()].from_string('{{ _("Sold out") }}').render())
        return seen

    results = await asyncio.gather(*(page("af" if n % 2 else "en") for n in range(10)))
    for n, seen in enumerate(results):
        expected = {"Bespreek kaartjies", "Uitverkoop"} if n % 2 else {"Reserve tickets", "Sold out"}
        assert set(seen) == expected
    assert i18n.current_locale() == "en"  # the test's own context was never touched
