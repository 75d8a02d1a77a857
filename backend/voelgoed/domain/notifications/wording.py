"""The organiser's own wording of an e-mail: a subject and intro paragraph(s) in plain text with
{placeholders} from a closed set per kind (kinds.py).

Never a template language: the organiser's text is split into literal pieces and placeholder
names here, checked against the kind's set, and substituted by us; in the HTML every piece and
every value is escaped, so nothing an organiser (or a buyer's name) types can become markup.
`{{` and `}}` write a literal brace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

SUBJECT_MAX = 200
INTRO_MAX = 2000

# A placeholder, a doubled brace, or a lone brace (which is an error: a typo'd placeholder).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z_]{1,40}")


class WordingError(ValueError):
    """What is wrong with one field: `field` ("subject" or "intro"), `placeholder` when one is to
    blame (as written, braces included)."""

    def __init__(self, field: str, message: str, placeholder: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.placeholder = placeholder


@dataclass(frozen=True)
class Wording:
    """The words of one e-mail kind: `subject` one line, `intro` paragraphs split by blank lines."""

    subject: str
    intro: str


def pieces(field: str, text: str, allowed: frozenset[str]) -> list[tuple[bool, str]]:
    """`text` as (is_placeholder, literal-or-name) pieces; raises WordingError on the first
    unknown or malformed placeholder."""
    out: list[tuple[bool, str]] = []
    at = 0
    for m in _TOKEN.finditer(text):
        out.append((False, text[at : m.start()]))
        at = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            out.append((False, token[0]))
        elif token in ("{", "}"):
            raise WordingError(
                field,
                f"A lone '{token}': write placeholders as {{name}}, or '{token * 2}' for the brace itself.",
                token,
            )
        else:
            name = (m.group(1) or "").strip()
            if not _NAME.fullmatch(name):
                raise WordingError(field, f"{token} is not a placeholder: use one of the listed names.", token)
            if name not in allowed:
                known = ", ".join("{" + n + "}" for n in sorted(allowed))
                raise WordingError(field, f"Unknown placeholder {token}. This e-mail knows: {known}.", token)
            out.append((True, name))
    out.append((False, text[at:]))
    return [p for p in out if p[0] or p[1]]


def normalise(wording: Wording, allowed: frozenset[str]) -> Wording:
    """Checked and tidied wording (trimmed; at most one blank line between paragraphs); raises
    WordingError naming the field."""
    subject = " ".join(wording.subject.split())
    if not subject:
        raise WordingError("subject", "The subject cannot be empty.")
    if len(subject) > SUBJECT_MAX:
        raise WordingError("subject", f"The subject is at most {SUBJECT_MAX} characters.")
    lines = [line.rstrip() for line in wording.intro.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    intro = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not intro:
        raise WordingError("intro", "The introduction cannot be empty.")
    if len(intro) > INTRO_MAX:
        raise WordingError("intro", f"The introduction is at most {INTRO_MAX} characters.")
    if any(ord(c) < 32 and c != "\n" for c in intro):
        raise WordingError("intro", "The introduction contains control characters.")
    pieces("subject", subject, allowed)
    pieces("intro", intro, allowed)
    return Wording(subject=subject, intro=intro)


def as_text(field: str, text: str, values: Mapping[str, str]) -> str:
    return "".join(values[v] if is_name else v for is_name, v in pieces(field, text, frozenset(values)))


def as_html(text: str, values: Mapping[str, str], links: frozenset[str] = frozenset()) -> Markup:
    """Paragraphs (blank lines) of escaped text with line breaks; placeholders in `links` become
    links to their value."""
    paragraphs = []
    for para in text.split("\n\n"):
        parts = []
        for is_name, v in pieces("intro", para, frozenset(values)):
            if is_name and v in links:
                url = escape(values[v])
                parts.append(Markup('<a href="{0}">{0}</a>').format(url))
            else:
                parts.append(escape(values[v] if is_name else v))
        body = Markup("").join(parts).replace("\n", Markup("<br>\n"))
        paragraphs.append(Markup('<p class="intro">{}</p>').format(body))
    return Markup("\n").join(paragraphs)
