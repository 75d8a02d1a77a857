"""Languages: the locales we support, their catalogues, and the locale of the current request.

Catalogues are gettext .po files in the repository (backend/voelgoed/locale/<code>/LC_MESSAGES/
messages.po, extracted into messages.pot by `just i18n-extract`, docs/i18n.md). They are read with
Babel when first used and compiled in memory: there is no build step and no committed .mo file.
English is the source language: its sentences are the msgids, so "en" needs no catalogue.

Adding a language is one line in LOCALES plus its catalogue (`just i18n-init zu`).

The locale of the request being served lives in a ContextVar (`use_locale`): every request runs in
its own asyncio task with its own copy of the context, so concurrent requests never see each
other's language, and no shared Jinja environment is changed per request (templates render in a
per-locale environment, lib/templates.py). Python code that writes a sentence for a person calls
`gettext` (imported as `_`), which reads that locale; a sentence defined at import time is marked
with `N_` and translated where it is shown (`_(CONSTANT)`).
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale as _negotiate
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

# Every supported locale and its own name (shown in the language switch). The first is the default
# and the source language of every msgid.
LOCALES: dict[str, str] = {
    "en": "English",
    "af": "Afrikaans",
}
DEFAULT_LOCALE = "en"
CATALOGUES = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("voelgoed_locale", default=DEFAULT_LOCALE)


def supported(code: str | None) -> str | None:
    """`code` as one of LOCALES ("af-ZA" and "AF_za" -> "af"), or None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    if code in LOCALES:
        return code
    base = code.split("-", 1)[0]
    return base if base in LOCALES else None


def negotiate(accept_language: str | None) -> str | None:
    """The best supported locale for an Accept-Language header ("af-ZA,af;q=0.9,en;q=0.8" -> "af"),
    or None when it names none of ours. Weights are honoured; "*" means nothing to us."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, index, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    found = _negotiate(preferred, list(LOCALES), sep="_")
    return supported(found)


def use_locale(code: str) -> None:
    """Make `code` the locale of the work in progress (this request, this job)."""
    _current.set(code if code in LOCALES else DEFAULT_LOCALE)


def current_locale() -> str:
    return _current.get()


def catalogue_path(code: str) -> Path:
    return CATALOGUES / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> _gettext.NullTranslations:
    """The catalogue of `code` compiled in memory (fuzzy and empty entries fall back to English)."""
    if code == DEFAULT_LOCALE or code not in LOCALES:
        return _gettext.NullTranslations()
    with catalogue_path(code).open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def translate(locale: str, message: str, **params: object) -> str:
    """`message` in `locale` (for work that knows its reader's language: an order's e-mails)."""
    text = translations(locale).gettext(message)
    return text % params if params else text


def gettext(message: str, **params: object) -> str:
    """`message` in the current locale, with %(name)s placeholders filled from `params`."""
    return translate(current_locale(), message, **params)


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def N_(message: str) -> str:
    """Marks a sentence for extraction without translating it (constants defined at import)."""
    return message


def babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


# strftime directives the templates use, as CLDR patterns (Babel), so that other locales get their
# own day and month names. %Z stays the zone's abbreviation ("SAST"), as in English.
_STRFTIME_TO_CLDR = {
    "a": "EEE",
    "A": "EEEE",
    "-d": "d",
    "d": "dd",
    "b": "MMM",
    "B": "MMMM",
    "Y": "y",
    "H": "HH",
    "M": "mm",
    "-H": "H",
}


def _cldr_pattern(fmt: str, zone_abbreviation: str) -> str:
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(f"'{text}'")
            literal.clear()

    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            key = fmt[i + 1 : i + 3] if fmt[i + 1] == "-" else fmt[i + 1]
            if key == "Z":
                literal.append(zone_abbreviation)
            elif key in _STRFTIME_TO_CLDR:
                flush()
                out.append(_STRFTIME_TO_CLDR[key])
            else:
                literal.append(fmt[i : i + 1 + len(key)])
            i += 1 + len(key)
            continue
        literal.append(fmt[i])
        i += 1
    flush()
    return "".join(out)


def format_local(value: datetime, tz: str, fmt: str, locale: str) -> str:
    """A UTC instant in the zone `tz` written with the strftime `fmt`, in `locale`'s day and month
    names. English is exactly strftime's output (what the pages showed before translation)."""
    local = value.astimezone(ZoneInfo(tz))
    if locale == DEFAULT_LOCALE:
        return local.strftime(fmt)
    pattern = _cldr_pattern(fmt, local.strftime("%Z"))
    return format_datetime(local, pattern, tzinfo=ZoneInfo(tz), locale=babel_locale(locale))
