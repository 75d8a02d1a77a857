"""SAQ jobs that send e-mail. Retries come from the job's `retries`/backoff (see enqueue_mail)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

from saq import Queue

from voelgoed.domain.notifications.messages import Mail
from voelgoed.lib import mail
from voelgoed.settings import Settings, job_settings

log = logging.getLogger(__name__)


async def send_email(
    ctx: dict[str, Any],
    *,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    html: str | None = None,
    reply_to: str | None = None,
    sender_name: str | None = None,
) -> str:
    settings = job_settings(ctx)
    msg = mail.build_message(
        settings,
        to=to,
        subject=subject,
        text=text,
        html=html,
        reply_to=reply_to,
        message_id=message_id,
        sender_name=sender_name,
    )
    await mail.send(settings, msg)
    log.info("sent e-mail %r to %s", subject, to, extra={"job": "send_email"})
    return message_id


def email_message(
    settings: Settings,
    message: Mail,
    *,
    message_id: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """The message to send for a rendered e-mail (jobs that send in their own transaction)."""
    return mail.build_message(
        settings,
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        reply_to=message.reply_to,
        message_id=message_id,
        attachments=attachments,
        sender_name=message.sender_name,
    )


async def enqueue_mail(queue: Queue, message: Mail, *, key: str) -> None:
    """Queue one e-mail. `key` de-duplicates: the same key is sent once even if enqueued twice."""
    from email.utils import make_msgid

    await queue.enqueue(
        "send_email",
        key=f"mail:{key}",
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        reply_to=message.reply_to,
        sender_name=message.sender_name,
        message_id=make_msgid(idstring=key.replace(":", "."), domain="voelgoed.local"),
        retries=8,
        retry_delay=2.0,
        retry_backoff=True,
        timeout=60,
    )
