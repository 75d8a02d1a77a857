"""The one way to build a Jinja environment: the checkout site's pages, the e-mails and the ticket
PDF. Always autoescaped for .html templates (the .txt e-mail templates are plain text) and never
reloaded from disk; every environment has the same filters, so a template shows money and times
the same way wherever it is rendered:

    money       integer cents -> "R 1 250.00" (lib/money.py's display_rand)
    local_time  a UTC instant in the given zone, e.g. "Sat 12 Dec 2026, 19:00 SAST"
    iso         an instant as ISO 8601 (for <time datetime=...>)
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape

from voelgoed.lib.money import display_rand


def local_time(value: datetime, tz: str, fmt: str = "%a %-d %b %Y, %H:%M %Z") -> str:
    """A UTC instant shown in the event's zone, e.g. "Sat 12 Dec 2026, 19:00 SAST"."""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def iso(value: datetime) -> str:
    return value.isoformat()


def environment(
    templates: Path,
    *,
    trim_blocks: bool = True,
    strict: bool = False,
    keep_trailing_newline: bool = False,
) -> Environment:
    """An environment over `templates`. `trim_blocks` also strips the spaces before a block tag;
    `strict` makes a missing variable an error (e-mails: a blank where a name belongs is worse
    than no e-mail)."""
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
    # placeholders, never concatenated) so that it can be translated; until a locale's catalogue
    # is installed the sentence is shown as written.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = display_rand
    env.filters["local_time"] = local_time
    env.filters["iso"] = iso
    return env
