"""Rendering a buyer e-mail: the organiser's (or our default) wording substituted from the kind's
closed placeholder set, our fixed parts from templates/, the HTML's CSS moved inline.

Why css-inline: Gmail, Outlook and many phone clients drop <style> blocks or parts of them, so
every rule must end up in a style="" attribute. Writing those by hand over five e-mails drifts
(and the brand colour is per organisation); css-inline (a maintained Rust inliner, wheels for
every platform we run on) does it after rendering, and removes the <style> block.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import css_inline

from voelgoed.domain.notifications.kinds import SPECS, EmailKind
from voelgoed.domain.notifications.wording import Wording, WordingError, as_html, as_text
from voelgoed.domain.organizations.branding import Branding
from voelgoed.lib.i18n import translate
from voelgoed.lib.templates import Localized

log = logging.getLogger(__name__)

# One environment per language (lib/templates.py): the buyer's e-mails are in the order's language.
_envs = Localized(Path(__file__).parent / "templates", strict=True, keep_trailing_newline=True)
# No remote stylesheets are fetched (there are none) and the <style> block is dropped once inlined.
_inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    # The name shown with our sending address (MAIL_FROM's), e.g. the organiser's; None: MAIL_FROM's own.
    sender_name: str | None = None


@dataclass(frozen=True)
class MailLook:
    """Whose a buyer e-mail is: their branding, where replies go, and their wording of this kind
    (None: our default)."""

    branding: Branding
    reply_to: str | None
    wording: Wording | None = None


class _Facts(Protocol):
    @property
    def to(self) -> str: ...

    def placeholders(self, look: MailLook, locale: str = "en") -> dict[str, str]: ...


def _default(kind: EmailKind, locale: str) -> Wording:
    """Our default wording in `locale`: its sentences are msgids (kinds.py marks them), translated
    with their {placeholders} kept."""
    default = SPECS[kind].default
    return Wording(subject=translate(locale, default.subject), intro=translate(locale, default.intro))


def _wording(kind: EmailKind, look: MailLook, values: Mapping[str, str], locale: str) -> tuple[str, str, Any]:
    """(subject, intro as text, intro as HTML); a stored wording that no longer fits the kind's
    placeholders (they changed since it was saved) gives way to the default, never to no e-mail."""
    for wording in (look.wording, _default(kind, locale), SPECS[kind].default):
        if wording is None:
            continue
        try:
            return (
                as_text("subject", wording.subject, values),
                as_text("intro", wording.intro, values),
                as_html(wording.intro, values, links=frozenset({"order_link"})),
            )
        except WordingError as exc:
            log.warning("the %s wording of %s does not fit: %s", kind, look.branding.slug, exc.message)
    raise AssertionError(f"the default wording of {kind} does not fit its placeholders")


def render(
    kind: EmailKind,
    template: str,
    facts: _Facts,
    look: MailLook,
    locale: str,
    extra: Mapping[str, Any],
    *,
    extra_placeholders: Mapping[str, str] | None = None,
) -> Mail:
    values = {**facts.placeholders(look, locale), **(extra_placeholders or {})}
    assert set(values) == set(SPECS[kind].placeholders), f"{kind}: placeholders and values disagree"
    subject, intro_text, intro_html = _wording(kind, look, values, locale)
    context = {
        **{f.name: getattr(facts, f.name) for f in dataclasses.fields(facts)},  # type: ignore[arg-type]
        **extra,
        "brand": look.branding,
        "reply_to": look.reply_to,
        "subject": subject,
        "intro_text": intro_text,
        "intro_html": intro_html,
        "locale": locale,
    }
    env = _envs[locale]
    html = _inliner.inline(env.get_template(f"{template}.html").render(context))
    return Mail(
        to=facts.to,
        subject=subject,
        text=env.get_template(f"{template}.txt").render(context),
        html=html,
        reply_to=look.reply_to,
        sender_name=look.branding.display_name,
    )
