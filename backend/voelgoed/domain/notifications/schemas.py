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
    """A placeholder an e-mail's wording may use."""

    name: Annotated[
        str, msgspec.Meta(description="Written {name} in the wording.", examples=["event_name"])
    ]  # written {name} in the wording
    description: Annotated[str, msgspec.Meta(description="What it is replaced by.", examples=["The event's name."])]


class EmailTemplateRead(msgspec.Struct):
    """One buyer e-mail and its current wording: the organisation's own (`customised`) or ours."""

    kind: Annotated[EmailKind, msgspec.Meta(description="Which e-mail.")]
    locale: Annotated[EmailLocale, msgspec.Meta(description="The language of this wording.")]
    label: Annotated[str, msgspec.Meta(description="The e-mail's name.", examples=["Order confirmation"])]
    description: Annotated[
        str,
        msgspec.Meta(
            description="When it is sent.", examples=["Sent when an order is paid, with the tickets attached."]
        ),
    ]
    placeholders: Annotated[list[PlaceholderRead], msgspec.Meta(description="The placeholders its wording may use.")]
    subject: Annotated[
        str, msgspec.Meta(description="The current subject.", examples=["Jou kaartjies vir {event_name}"])
    ]
    intro: Annotated[
        str,
        msgspec.Meta(
            description="The current intro.", examples=["Baie dankie, {buyer_name}! Jou kaartjies is aangeheg."]
        ),
    ]
    default_subject: Annotated[
        str,
        msgspec.Meta(
            description="The product's subject, used when not customised.", examples=["Your tickets for {event_name}"]
        ),
    ]
    default_intro: Annotated[
        str,
        msgspec.Meta(
            description="The product's intro, used when not customised.",
            examples=["Thank you, {buyer_name}! Your tickets are attached."],
        ),
    ]
    customised: Annotated[bool, msgspec.Meta(description="The organisation changed the wording (false: the default).")]
    subject_max_length: Annotated[int, msgspec.Meta(description="Longest subject accepted.")]
    intro_max_length: Annotated[int, msgspec.Meta(description="Longest intro accepted.")]
    updated_at: datetime | None = None


class EmailTemplateUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The organiser's wording: plain text, placeholders written {name} from the kind's list."""

    subject: Annotated[
        _SubjectIn,
        msgspec.Meta(
            description="Plain text with placeholders from the e-mail's list.",
            examples=["Jou kaartjies vir {event_name}"],
        ),
    ]
    intro: Annotated[
        _IntroIn,
        msgspec.Meta(
            description="Plain text with placeholders from the e-mail's list.",
            examples=["Baie dankie, {buyer_name}! Jou kaartjies is aangeheg."],
        ),
    ]


class EmailDraft(msgspec.Struct, forbid_unknown_fields=True):
    """Wording to preview or test without saving it; a field left out is the current wording."""

    subject: (
        Annotated[
            _SubjectIn,
            msgspec.Meta(
                description="Unsaved subject to use instead of the current one.",
                examples=["Jou kaartjies vir {event_name}"],
            ),
        ]
        | None
    ) = None
    intro: (
        Annotated[
            _IntroIn,
            msgspec.Meta(
                description="Unsaved intro to use instead of the current one.",
                examples=["Baie dankie, {buyer_name}! Jou kaartjies is aangeheg."],
            ),
        ]
        | None
    ) = None


class EmailPreviewRead(msgspec.Struct):
    """The e-mail as a buyer would get it, with sample order data; nothing is sent."""

    kind: Annotated[EmailKind, msgspec.Meta(description="Which e-mail.")]
    sender: Annotated[
        str, msgspec.Meta(description="The From header.", examples=["Voelgoed Promosies <kaartjies@voelgoed.example>"])
    ]  # the From header
    reply_to: (
        Annotated[str, msgspec.Meta(description="The Reply-To header: the organisation's contact address.")] | None
    )
    subject: Annotated[
        str, msgspec.Meta(description="The subject as sent.", examples=["Jou kaartjies vir Stellenbosch Wynfees 2026"])
    ]
    html: Annotated[str, msgspec.Meta(description="The HTML body.", examples=["<html>...</html>"])]
    text: Annotated[str, msgspec.Meta(description="The plain-text body.", examples=["Baie dankie, Thandi! ..."])]


class EmailTestRead(msgspec.Struct):
    """Where the test e-mail went."""

    sent_to: Annotated[
        str,
        msgspec.Meta(description="Always the signed-in member's own address.", examples=["anri.vanwyk@example.co.za"]),
    ]  # always the signed-in member's own address


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
