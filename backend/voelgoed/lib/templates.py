"""The one way to build a Jinja environment: the checkout site's pages, the e-mails and the ticket
PDF. Always autoescaped for .html templates (the .txt e-mail templates are plain text) and never
reloaded from disk; every environment has the same filters, so a template shows money and times
the same way wherever it is rendered:

    money       integer cents -> "R 1 250.00" (lib/money.py's display_rand; "R 1 250,00" in af)
    local_time  a UTC instant in the given zone, e.g. "Sat 12 Dec 2026, 19:00 SAST" (the
                locale's day and month names: "Sa. 12 Des. 2026, 19:00 SAST")
    iso         an instant as ISO 8601 (for <time datetime=...>)

An environment belongs to one locale (lib/i18n.py): its `_` translates with that locale's
catalogue. `Localized` keeps one environment per locale, made on first use, so a request picks
the environment of its language and no shared environment is ever switched per request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape

from voelgoed.lib import i18n
from voelgoed.lib.money import display_rand

LOCAL_TIME_FORMAT = "%a %-d %b %Y, %H:%M %Z"


def local_time(value: datetime, tz: str, fmt: str = LOCAL_TIME_FORMAT, locale: str = i18n.DEFAULT_LOCALE) -> str:
    """A UTC instant shown in the event's zone, e.g. "Sat 12 Dec 2026, 19:00 SAST"."""
    return i18n.format_local(value, tz, fmt, locale)


def money(cents: int, locale: str = i18n.DEFAULT_LOCALE) -> str:
    """Rand for people in `locale`: English keeps the decimal point, the others (af, zu) write the
    decimal comma South African style guides use: "R 1 250,00"."""
    text = display_rand(cents)
    return text if locale == i18n.DEFAULT_LOCALE else text.replace(".", ",")


def iso(value: datetime) -> str:
    return value.isoformat()


def environment(
    templates: Path,
    *,
    trim_blocks: bool = True,
    strict: bool = False,
    keep_trailing_newline: bool = False,
    locale: str = i18n.DEFAULT_LOCALE,
) -> Environment:
    """An environment over `templates` in `locale`. `trim_blocks` also strips the spaces before a
    block tag; `strict` makes a missing variable an error (e-mails: a blank where a name belongs is
    worse than no e-mail)."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined if strict else Undefined,
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        keep_trailing_newline=keep_trailing_newline,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # Every user-facing sentence in a template is written {{ _("...") }} (with %(name)s
    # placeholders, never concatenated) so that it can be translated; English (the msgids) and a
    # sentence the locale's catalogue lacks are shown as written.
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    env.filters["money"] = lambda cents: money(cents, locale)
    env.filters["local_time"] = lambda value, tz, fmt=LOCAL_TIME_FORMAT: local_time(value, tz, fmt, locale)
    env.filters["iso"] = iso
    return env


class Localized:
    """One environment per locale over the same templates, each made on first use:
    `Localized(path, strict=True)["af"].get_template(...)`. `configure` runs on each new
    environment (globals such as asset URLs)."""

    def __init__(self, templates: Path, *, configure: Callable[[Environment], None] | None = None, **options: Any):
        self._templates = templates
        self._options = options
        self._configure = configure
        self._envs: dict[str, Environment] = {}

    def __getitem__(self, locale: str) -> Environment:
        code = locale if locale in i18n.LOCALES else i18n.DEFAULT_LOCALE
        env = self._envs.get(code)
        if env is None:
            env = environment(self._templates, locale=code, **self._options)
            if self._configure is not None:
                self._configure(env)
            self._envs[code] = env
        return env
