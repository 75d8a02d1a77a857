"""E-mail transport: SMTP when SMTP_HOST is set, else a local folder (embedded default)."""

from __future__ import annotations

import asyncio
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from voelgoed.settings import Settings


def build_message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    message_id: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    sender_name: str | None = None,
) -> EmailMessage:
    """A message with a plain-text body and, when given, an HTML alternative of it (mail clients
    show the one they prefer); attachments after both. `reply_to`: where answers go, since the
    sender (MAIL_FROM) is usually a no-reply address. `sender_name`: shown instead of MAIL_FROM's
    name (an organiser's e-mail to their buyers); the address stays MAIL_FROM's, the one our SPF
    and DKIM vouch for."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, parseaddr(settings.mail.sender)[1])) if sender_name else settings.mail.sender
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="voelgoed.local")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, mime, payload in attachments or []:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _send_smtp(settings: Settings, msg: EmailMessage) -> None:
    assert settings.mail.smtp_host
    with smtplib.SMTP(settings.mail.smtp_host, settings.mail.smtp_port, timeout=15) as smtp:
        if settings.mail.smtp_starttls:
            smtp.starttls()
        if settings.mail.smtp_username:
            smtp.login(settings.mail.smtp_username, settings.mail.smtp_password or "")
        smtp.send_message(msg)


def write_to_folder(settings: Settings, raw: bytes) -> None:
    settings.mail_dir.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    tmp = settings.mail_dir / f".{name}.tmp"
    tmp.write_bytes(raw)
    tmp.rename(settings.mail_dir / name)  # atomic: readers never see half a message


async def send(settings: Settings, msg: EmailMessage) -> None:
    if settings.mail.smtp_host:
        await asyncio.to_thread(_send_smtp, settings, msg)
    else:
        await asyncio.to_thread(write_to_folder, settings, msg.as_bytes())
