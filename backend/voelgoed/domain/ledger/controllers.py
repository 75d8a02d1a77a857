"""The organiser's money API (owners and admins: money:read): the ledger's trial balance and
journal, payouts they saw land in their bank, reversals, and the reports built on the ledger.

The trial balance, the journal and the reports only read: through `read_session` (db/replica.py),
the read replica when DATABASE_READ_URL is set (seconds behind at most), the request's session
otherwise. Payouts and reversals write, on the request's session."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, Response, get, post
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import ApiKeyScope, Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.ledger import posting, reports, services, settlement
from voelgoed.domain.ledger.models import EntryKind, JournalEntry
from voelgoed.domain.ledger.schemas import (
    JournalEntryRead,
    JournalPage,
    PayoutCreate,
    ReversalCreate,
    SalesReport,
    SettlementStatement,
    TrialBalance,
)
from voelgoed.domain.organizations.models import Organization
from voelgoed.domain.payments.providers import PaymentProviderName
from voelgoed.domain.refunds import services as refund_services
from voelgoed.lib.openapi_answers import CSV, csv_answer
from voelgoed.lib.problems import Conflict, NotFound

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Litestar appends "; charset=utf-8" to a text/* type itself: naming it here would say it twice.
CSV_MEDIA_TYPE = CSV


async def _time_zone(db: AsyncSession, organization_id: uuid.UUID, event_id: uuid.UUID | None) -> str:
    """The event's time zone for an event's figures, else the organisation's (404 for an event of
    another organisation: the session is tenant-scoped)."""
    if event_id is not None:
        return (await get_event(db, event_id)).timezone
    zone = await db.scalar(select(Organization.time_zone).where(Organization.id == organization_id))
    assert zone is not None
    return zone


class LedgerController(Controller):
    path = "/api/organizations/{organization_id:uuid}/ledger"
    tags = ["ledger"]

    @get("/trial-balance", operation_id="getTrialBalance", opt=access(Permission.MONEY_READ))
    async def trial_balance(
        self, organization_id: uuid.UUID, read_session: AsyncSession, event_id: uuid.UUID | None = None
    ) -> TrialBalance:
        """Get the trial balance

        Debits, credits and balance per account of the organisation (or one event), and what each
        provider still holds; the balances sum to zero."""
        if event_id is not None:
            await get_event(read_session, event_id)
        return await services.trial_balance(read_session, event_id)

    @get("/journal", operation_id="listJournalEntries", opt=access(Permission.MONEY_READ))
    async def journal(
        self,
        organization_id: uuid.UUID,
        read_session: AsyncSession,
        event_id: uuid.UUID | None = None,
        page: int = Parameter(default=1, ge=1, le=1_000_000),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> JournalPage:
        """List ledger journal entries

        Journal entries, newest first, each with its lines (debit positive, credit negative)."""
        if event_id is not None:
            await get_event(read_session, event_id)
        items, total = await services.journal_page(read_session, event_id=event_id, page=page, page_size=page_size)
        return JournalPage(items=items, total=total, page=page, page_size=page_size)

    @post(
        "/payouts",
        operation_id="recordPayout",
        opt=access(Permission.MONEY_READ, scope=ApiKeyScope.ORDERS_WRITE),
        status_code=201,
    )
    async def record_payout(
        self,
        organization_id: uuid.UUID,
        data: PayoutCreate,
        db_session: AsyncSession,
        auth: AuthContext,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, max_length=100),
    ) -> JournalEntryRead:
        """Record a payout

        Record money a provider paid into the organisation's bank (and the fee it kept for the
        payout). The same Idempotency-Key returns the payout already recorded."""
        if data.event_id is not None:
            await get_event(db_session, data.event_id)
        entry_id = await posting.record_payout(
            db_session,
            organization_id=organization_id,
            provider=str(data.provider),
            amount_cents=data.amount_cents,
            fee_cents=data.fee_cents,
            event_id=data.event_id,
            external_reference=data.external_reference,
            idempotency_key=idempotency_key,
            memo=data.memo,
            created_by=auth.user_id,
            occurred_at=data.occurred_at,
        )
        assert entry_id is not None
        AuditService(db_session, auth).record(
            action="ledger.payout_recorded",
            entity_type="journal_entry",
            entity_id=entry_id,
            changes={"provider": str(data.provider), "amount_cents": data.amount_cents, "fee_cents": data.fee_cents},
        )
        return await services.entry_read(db_session, entry_id)

    @post(
        "/entries/{entry_id:uuid}/reversal",
        operation_id="reverseJournalEntry",
        opt=access(Permission.MONEY_READ, scope=ApiKeyScope.ORDERS_WRITE),
        status_code=201,
    )
    async def reverse(
        self,
        organization_id: uuid.UUID,
        entry_id: uuid.UUID,
        data: ReversalCreate,
        db_session: AsyncSession,
        auth: AuthContext,
    ) -> JournalEntryRead:
        """Reverse a journal entry

        Undo an entry by posting its mirror image (the entry itself is never changed). Only
        organiser-entered payouts are reversed here; a second reversal is a 409."""
        kind = await db_session.scalar(select(JournalEntry.kind).where(JournalEntry.id == entry_id))
        if kind is None:
            raise NotFound("No such journal entry.")
        if kind != EntryKind.PAYOUT:
            raise Conflict("Only payouts recorded here can be reversed here; payments and refunds follow their orders.")
        reversal_id = await posting.reverse(db_session, entry_id, data.explanation, created_by=auth.user_id)
        AuditService(db_session, auth).record(
            action="ledger.entry_reversed",
            entity_type="journal_entry",
            entity_id=entry_id,
            changes={"reason": data.explanation, "reversal_id": reversal_id},
        )
        return await services.entry_read(db_session, reversal_id)


class MoneyReportController(Controller):
    path = "/api/organizations/{organization_id:uuid}/reports"
    tags = ["reports"]

    @get("/sales", operation_id="getSalesReport", opt=access(Permission.MONEY_READ))
    async def sales(
        self,
        organization_id: uuid.UUID,
        read_session: AsyncSession,
        event_id: uuid.UUID | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> SalesReport:
        """Get the sales report

        Gross sales, refunds, fees, VAT output, net and tickets per day (in the event's or the
        organisation's time zone) and in total, from the ledger. Default: the last 30 days."""
        zone = await _time_zone(read_session, organization_id, event_id)
        return await reports.sales_report(
            read_session, event_id=event_id, time_zone=zone, date_from=date_from, date_to=date_to
        )

    @get(
        "/sales.csv",
        operation_id="downloadSalesReportCsv",
        opt=access(Permission.MONEY_READ),
        responses=csv_answer("The sales report as CSV (UTF-8), as an attachment"),
    )
    async def sales_csv(
        self,
        organization_id: uuid.UUID,
        read_session: AsyncSession,
        event_id: uuid.UUID | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Response[str]:
        """Download the sales report (CSV)

        The sales report as CSV: one row per day and a total row, amounts in rand."""
        zone = await _time_zone(read_session, organization_id, event_id)
        report = await reports.sales_report(
            read_session, event_id=event_id, time_zone=zone, date_from=date_from, date_to=date_to
        )
        scope = f"event-{event_id}" if event_id else "organisation"
        name = f"sales-{scope}-{report.date_from.isoformat()}-{report.date_to.isoformat()}.csv"
        return Response(
            reports.report_csv(report),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    @get("/settlement", operation_id="getSettlementStatement", opt=access(Permission.MONEY_READ))
    async def settlement(
        self,
        organization_id: uuid.UUID,
        provider: PaymentProviderName,
        read_session: AsyncSession,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> SettlementStatement:
        """Get the settlement statement

        Every payment the provider reported as succeeded in the range (organisation time zone),
        with its order, fee, refunds and net, and flags for what does not reconcile."""
        zone = await _time_zone(read_session, organization_id, None)
        return await settlement.settlement_statement(
            read_session,
            provider=str(provider),
            time_zone=zone,
            date_from=date_from,
            date_to=date_to,
            pending_refunds=PENDING_REFUNDS,
        )


# The refunds area's reader of open refunds (settlement.PendingRefunds). The refunds area sits above
# the ledger, so only this controller (the HTTP tier) may name it; the ledger's rules take it as a
# parameter.
PENDING_REFUNDS: settlement.PendingRefunds | None = refund_services.open_since
