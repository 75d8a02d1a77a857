"""Webhook delivery in the worker: the dispatcher's start and stop, the cron sweep, and the e-mail
to an organisation whose endpoint was disabled.

`start_dispatcher`/`stop_dispatcher` run from the worker's start-up and shutdown (worker.py): one
guarded HTTP client and one Dispatcher per worker process (dispatcher.py: the fast path). The sweep
(`sweep_webhook_deliveries`, every minute, once per tick across workers; every worker's dispatcher
also polls each second) is the safety net: it restarts a dispatcher whose tasks died and wakes it
to deliver whatever PostgreSQL says is due (run outside a worker, it delivers itself). A Redis that
lost everything loses no webhook.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from saq import CronJob
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from voelgoed.domain.accounts.models import User
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.notifications.rendering import Mail
from voelgoed.domain.organizations.models import Membership, Organization, Role
from voelgoed.domain.webhooks.delivery import DisabledHook, deliver_until_idle
from voelgoed.domain.webhooks.dispatcher import Dispatcher
from voelgoed.domain.webhooks.safe_http import delivery_client
from voelgoed.settings import Settings, job_settings
from voelgoed.worker_context import db_engine, db_session_engine, job_queue, worker_job

log = logging.getLogger(__name__)
DISPATCHER_KEY = "webhooks_dispatcher"
SWEEP_SECONDS = 50  # within the minute of its cron tick


async def disabled_recipients(engine: AsyncEngine, organization_id: uuid.UUID) -> tuple[str, list[str]]:
    """The organisation's name and its owners' and admins' e-mail addresses."""
    async with engine.connect() as conn:
        name = await conn.scalar(select(Organization.name).where(Organization.id == organization_id))
        rows = await conn.execute(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organization_id == organization_id,
                Membership.role.in_([Role.OWNER.value, Role.ADMIN.value]),
            )
            .order_by(Membership.created_at)
        )
        return name or "your organisation", [row[0] for row in rows]


def disabled_mail(to: str, organization: str, url: str, reason: str, public_url: str) -> Mail:
    return Mail(
        to=to,
        subject=f"A webhook endpoint of {organization} was disabled",
        text=(
            f"Hi,\n\nVoelgoedEvents stopped sending webhooks to this endpoint of {organization}:\n\n"
            f"  {url}\n\nWhy: {reason}.\n\n"
            "Events that happen while it is disabled are not sent to it. Once the receiver works again,"
            " enable the endpoint in the organiser app (Settings, Webhooks); its delivery log shows"
            f" every attempt and its answer, and any delivery can be sent again.\n\n{public_url}/app/\n"
        ),
    )


def mail_hook(ctx: dict[str, Any], settings: Settings) -> DisabledHook:
    async def on_disabled(disabled: Sequence[tuple[uuid.UUID, uuid.UUID, str, str]]) -> None:
        engine = db_engine(ctx)
        for organization_id, endpoint_id, url, reason in disabled:
            organization, recipients = await disabled_recipients(engine, organization_id)
            for to in recipients:
                message = disabled_mail(to, organization, url, reason, settings.server.public_url)
                await enqueue_mail(job_queue(ctx), message, key=f"webhook-disabled:{endpoint_id}:{to}:{reason[:20]}")

    return on_disabled


async def start_dispatcher(ctx: dict[str, Any]) -> None:
    """Worker start-up: the dispatcher of this process (after worker_context.startup)."""
    settings = job_settings(ctx)
    ws = settings.webhooks
    client = delivery_client(ws)
    listen_engine = db_session_engine(ctx)
    dispatcher = Dispatcher(
        db_engine(ctx),
        client,
        ws,
        listen_engine.url.render_as_string(hide_password=False),
        on_disabled=mail_hook(ctx, settings),
    )
    dispatcher.start()
    ctx[DISPATCHER_KEY] = dispatcher


async def stop_dispatcher(ctx: dict[str, Any]) -> None:
    dispatcher: Dispatcher | None = ctx.pop(DISPATCHER_KEY, None)
    if dispatcher is not None:
        await dispatcher.stop()
        await dispatcher.client.aclose()


@worker_job
async def sweep_webhook_deliveries(ctx: dict[str, Any]) -> int:
    """The safety net (module docstring): wake this worker's dispatcher, restarting it if its tasks
    died; with no dispatcher (a job run outside a worker), deliver whatever is due right here."""
    settings = job_settings(ctx)
    dispatcher: Dispatcher | None = ctx.get(DISPATCHER_KEY)
    if dispatcher is not None:
        if not dispatcher.running:
            log.warning("webhook dispatcher had stopped: restarted")
            dispatcher.start()
        dispatcher.wake()
        return 0
    async with delivery_client(settings.webhooks) as client:
        n = await deliver_until_idle(
            db_engine(ctx), client, settings.webhooks, within=SWEEP_SECONDS, on_disabled=mail_hook(ctx, settings)
        )
    if n:
        log.info("webhook sweep delivered %s", n, extra={"job": "sweep_webhook_deliveries"})
    return n


SWEEP_WEBHOOK_DELIVERIES_CRON = CronJob(sweep_webhook_deliveries, cron="* * * * *", timeout=SWEEP_SECONDS + 5)
