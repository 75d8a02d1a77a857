"""SAQ jobs that send e-mail. Retries come from the job's `retries`/backoff (see enqueue_mail)."""

from __future__ import annotations

import logging
from typing import Any

from saq import Queue

from voelgoed.domain.notifications.messages import Mail
from voelgoed.lib import mail
from voelgoed.settings import job_settings

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
) -> str:
    settings = job_settings(ctx)
    msg = mail.build_message(
        settings, to=to, subject=subject, text=text, html=html, reply_to=reply_to, message_id=message_id
    )
    await mail.send(settings, msg)
    log.info("sent e-mail %r to %s", subject, to, extra={"job": "send_email"})
    return message_id


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
        message_id=make_msgid(idstring=key.replace(":", "."), domain="voelgoed.local"),
        retries=8,
        retry_delay=2.0,
        retry_backoff=True,
        timeout=60,
    )
