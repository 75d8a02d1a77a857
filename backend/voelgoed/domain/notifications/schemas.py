"""Request and response bodies of the e-mail wording API (controllers.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from voelgoed.domain.notifications.kinds import PLACEHOLDER_HELP, SPECS, EmailKind, EmailLocale
from voelgoed.domain.notifications.services import KindWording
from voelgoed.domain.notifications.wording import INTRO_MAX, SUBJECT_MAX

# Generous caps against huge bodies; the real limits (and their messages at the field) are
# wording.py's, checked after white space is tidied.
_SubjectIn = Annotated[str, msgspec.Meta(max_length=SUBJECT_MAX * 4)]
_IntroIn = Annotated[str, msgspec.Meta(max_length=INTRO_MAX * 4)]


class PlaceholderRead(msgspec.Struct):
    name: str  # written {name} in the wording
    description: str


class EmailTemplateRead(msgspec.Struct):
    """One buyer e-mail and its current wording: the organisation's own (`customised`) or ours."""

    kind: EmailKind
    locale: EmailLocale
    label: str
    description: str
    placeholders: list[PlaceholderRead]
    subject: str
    intro: str
    default_subject: str
    default_intro: str
    customised: bool
    subject_max_length: int
    intro_max_length: int
    updated_at: datetime | None = None


class EmailTemplateUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The organiser's wording: plain text, placeholders written {name} from the kind's list."""

    subject: _SubjectIn
    intro: _IntroIn


class EmailDraft(msgspec.Struct, forbid_unknown_fields=True):
    """Wording to preview or test without saving it; a field left out is the current wording."""

    subject: _SubjectIn | None = None
    intro: _IntroIn | None = None


class EmailPreviewRead(msgspec.Struct):
    """The e-mail as a buyer would get it, with sample order data; nothing is sent."""

    kind: EmailKind
    sender: str  # the From header
    reply_to: str | None
    subject: str
    html: str
    text: str


class EmailTestRead(msgspec.Struct):
    sent_to: str  # always the signed-in member's own address


def email_template_read(w: KindWording, locale: EmailLocale) -> EmailTemplateRead:
    spec = SPECS[w.kind]
    return EmailTemplateRead(
        kind=w.kind,
        locale=locale,
        label=spec.label,
        description=spec.description,
        placeholders=[PlaceholderRead(name=n, description=PLACEHOLDER_HELP[n]) for n in spec.placeholders],
        subject=w.current.subject,
        intro=w.current.intro,
        default_subject=spec.default.subject,
        default_intro=spec.default.intro,
        customised=w.row is not None,
        subject_max_length=SUBJECT_MAX,
        intro_max_length=INTRO_MAX,
        updated_at=w.row.updated_at if w.row is not None else None,
    )
