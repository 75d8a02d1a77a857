"""The local mailbox: in the embedded default, e-mail is captured in the data folder instead of
being sent; this page lets a developer read it. Not mounted when SMTP is configured."""

from __future__ import annotations

import email
import email.policy
import html
from email.message import EmailMessage

import msgspec
from litestar import Controller, Response, get

from voelgoed.auth.permissions import Access, access
from voelgoed.settings import Settings


class CapturedMail(msgspec.Struct):
    id: str
    to: str
    subject: str
    text: str
    attachments: list[str]
    html: str | None = None  # the HTML alternative, when the e-mail has one


def read_mailbox(settings: Settings, limit: int = 50) -> list[CapturedMail]:
    folder = settings.mail_dir
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        body = msg.get_body(preferencelist=("plain", "html"))
        rich = msg.get_body(preferencelist=("html",))
        messages.append(
            CapturedMail(
                id=path.stem,
                to=str(msg["To"]),
                subject=str(msg["Subject"]),
                text=body.get_content() if body else "",
                attachments=[p.get_filename() or "" for p in msg.iter_attachments()],
                html=str(rich.get_content()) if rich is not None and rich is not body else None,
            )
        )
    return messages


class DevMailController(Controller):
    path = "/dev/mail"
    include_in_schema = False

    @get("", opt=access(Access.PUBLIC))
    async def page(self, settings: Settings) -> Response[str]:
        rows = (
            "".join(
                f"<article><h2>{html.escape(m.subject)}</h2><p>To: {html.escape(m.to)}</p>"
                f"<pre>{html.escape(m.text)}</pre>"
                # The HTML as a mail client shows it, in a sandboxed frame (no scripts, forms or navigation).
                + (
                    f'<details><summary>HTML version</summary><iframe sandbox srcdoc="{html.escape(m.html)}"'
                    " title='HTML version'></iframe></details>"
                    if m.html
                    else ""
                )
                + (f"<p>Attachments: {html.escape(', '.join(m.attachments))}</p>" if m.attachments else "")
                + "</article>"
                for m in read_mailbox(settings)
            )
            or "<p>No mail yet.</p>"
        )
        page = (
            "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            "<title>Local mailbox</title><style>body{font-family:system-ui;max-width:50rem;margin:2rem auto;"
            "padding:0 1rem}article{border-bottom:1px solid #ddd}pre{white-space:pre-wrap}"
            "iframe{width:100%;height:40rem;border:1px solid #ddd}</style>"
            f"<h1>Local mailbox</h1><p>E-mail captured by the embedded SMTP sink.</p>{rows}"
        )
        return Response(page, media_type="text/html")

    @get("/messages", opt=access(Access.PUBLIC))
    async def messages(self, settings: Settings) -> list[CapturedMail]:
        return read_mailbox(settings)
