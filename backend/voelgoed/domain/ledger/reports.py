"""Money reports from the ledger (the one source): per event or organisation and date range,
per day in the event's (or organisation's) time zone. A reversal counts as a negative movement of
the kind it reversed, on the day it was booked."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from voelgoed.domain.ledger.models import Account, EntryKind, JournalEntry, JournalLine
from voelgoed.domain.ledger.schemas import ReportDay, ReportFigures, SalesReport
from voelgoed.domain.orders.models import OrderLine
from voelgoed.lib.money import display_rand, format_rand
from voelgoed.lib.problems import Unprocessable

MAX_DAYS = 400
DEFAULT_DAYS = 30


def date_range(time_zone: str, date_from: date | None, date_to: date | None) -> tuple[date, date, datetime, datetime]:
    """The inclusive local dates (default: the last 30 days up to today) and their UTC bounds."""
    zone = ZoneInfo(time_zone)
    today = datetime.now(zone).date()
    date_to = date_to or (today if date_from is None else min(today, date_from + timedelta(days=DEFAULT_DAYS - 1)))
    date_from = date_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_to < date_from:
        raise Unprocessable.field("date_to", "The end date is before the start date.")
    if (date_to - date_from).days >= MAX_DAYS:
        raise Unprocessable.field("date_to", f"Choose at most {MAX_DAYS} days.")
    start = datetime.combine(date_from, time(), zone).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(), zone).astimezone(UTC)
    return date_from, date_to, start, end


Sums = dict[tuple[str, str], int]  # (kind, account) -> cents


def figures(sums: Sums, tickets: int) -> ReportFigures:
    def total(kinds: Iterable[EntryKind] | None, accounts: Iterable[Account]) -> int:
        wanted_kinds = None if kinds is None else {k.value for k in kinds}
        wanted = {a.value for a in accounts}
        return sum(v for (k, a), v in sums.items() if a in wanted and (wanted_kinds is None or k in wanted_kinds))

    revenue, vat = Account.TICKET_REVENUE, Account.VAT_OUTPUT
    gross = -total([EntryKind.SALE], [revenue, vat])
    refunds = total([EntryKind.REFUND], [Account.REFUNDS, vat])
    chargebacks = total([EntryKind.CHARGEBACK], [Account.CHARGEBACKS, vat, Account.REFUNDS_DUE])
    fees = total(None, [Account.PROVIDER_FEES])
    vat_output = -total(None, [vat])
    net = gross - refunds - chargebacks - fees
    ex_vat = -total(None, [revenue, Account.REFUNDS, Account.CHARGEBACKS])
    payouts = total([EntryKind.PAYOUT], [Account.BANK])
    return ReportFigures(
        gross_sales_cents=gross,
        refunds_cents=refunds,
        chargebacks_cents=chargebacks,
        fees_cents=fees,
        vat_output_cents=vat_output,
        net_cents=net,
        revenue_ex_vat_cents=ex_vat,
        payouts_cents=payouts,
        unallocated_received_cents=-total([EntryKind.UNALLOCATED_RECEIPT], [Account.REFUNDS_DUE]),
        unallocated_refunded_cents=total([EntryKind.UNALLOCATED_REFUND], [Account.REFUNDS_DUE]),
        tickets_sold=tickets,
        gross_sales_display=display_rand(gross),
        refunds_display=display_rand(refunds),
        chargebacks_display=display_rand(chargebacks),
        fees_display=display_rand(fees),
        vat_output_display=display_rand(vat_output),
        net_display=display_rand(net),
        revenue_ex_vat_display=display_rand(ex_vat),
        payouts_display=display_rand(payouts),
    )


async def sales_report(
    db: AsyncSession,
    *,
    event_id: uuid.UUID | None,
    time_zone: str,
    date_from: date | None,
    date_to: date | None,
) -> SalesReport:
    first, last, start, end = date_range(time_zone, date_from, date_to)
    original = aliased(JournalEntry)
    kind = func.coalesce(original.kind, JournalEntry.kind)
    day = func.date(func.timezone(time_zone, JournalEntry.occurred_at))
    in_scope = [JournalEntry.occurred_at >= start, JournalEntry.occurred_at < end]
    if event_id is not None:
        in_scope.append(JournalEntry.event_id == event_id)

    # Grouped in an outer query: the day expression carries a parameter (the time zone).
    moves = (
        select(day.label("day"), kind.label("kind"), JournalLine.account, JournalLine.amount_cents)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(*in_scope)
        .subquery()
    )
    per_day: dict[date, Sums] = defaultdict(dict)
    grouped = select(moves.c.day, moves.c.kind, moves.c.account, func.sum(moves.c.amount_cents)).group_by(
        moves.c.day, moves.c.kind, moves.c.account
    )
    for d, k, account, cents in (await db.execute(grouped)).all():
        per_day[d][(k, account)] = int(cents)

    sign = case((JournalEntry.kind == EntryKind.REVERSAL.value, -1), else_=1)
    sold = (
        select(day.label("day"), (sign * OrderLine.quantity).label("n"))
        .join(OrderLine, OrderLine.order_id == JournalEntry.order_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(*in_scope, kind == EntryKind.SALE.value)
        .subquery()
    )
    tickets: dict[date, int] = {
        d: int(n) for d, n in (await db.execute(select(sold.c.day, func.sum(sold.c.n)).group_by(sold.c.day))).all()
    }

    days = []
    totals: Sums = defaultdict(int)
    current = first
    while current <= last:
        sums = per_day.get(current, {})
        for key, cents in sums.items():
            totals[key] += cents
        days.append(ReportDay(date=current, figures=figures(sums, tickets.get(current, 0))))
        current += timedelta(days=1)
    return SalesReport(
        event_id=event_id,
        time_zone=time_zone,
        date_from=first,
        date_to=last,
        totals=figures(totals, sum(tickets.values())),
        days=days,
    )


CSV_COLUMNS = (
    ("gross_sales", "gross_sales_cents"),
    ("refunds", "refunds_cents"),
    ("chargebacks", "chargebacks_cents"),
    ("fees", "fees_cents"),
    ("vat_output", "vat_output_cents"),
    ("net", "net_cents"),
    ("revenue_ex_vat", "revenue_ex_vat_cents"),
    ("payouts", "payouts_cents"),
    ("unallocated_received", "unallocated_received_cents"),
    ("unallocated_refunded", "unallocated_refunded_cents"),
)


def _rand(cents: int) -> str:
    return ("-" if cents < 0 else "") + format_rand(abs(cents))


def report_csv(report: SalesReport) -> str:
    """One row per day and a total row; amounts in rand with two decimals ("1250.00")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", *(name for name, _ in CSV_COLUMNS), "tickets_sold"])
    rows = [(d.date.isoformat(), d.figures) for d in report.days] + [("total", report.totals)]
    for label, fig in rows:
        writer.writerow([label, *(_rand(getattr(fig, attr)) for _, attr in CSV_COLUMNS), fig.tickets_sold])
    return out.getvalue()
