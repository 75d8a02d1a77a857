"""Imports every model so that Alembic and the app see the whole schema."""

from voelgoed.domain.accounts.models import PasswordResetToken, User, UserSession
from voelgoed.domain.analytics.models import AnalyticsEvent
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.catalog.models import Coupon, EventInventory, TicketType
from voelgoed.domain.check_in.models import (
    CheckinChange,
    CheckinConfig,
    CheckinScan,
    ScanSession,
    TicketCheckinState,
)
from voelgoed.domain.dashboards.models import CheckinBucket, DashboardSnapshotState, FunnelBucket
from voelgoed.domain.devices.models import Device, DevicePairingCode
from voelgoed.domain.events.models import Event, EventCancellation, EventCancellationOrder
from voelgoed.domain.exports.models import DataExport, DataExportChunk
from voelgoed.domain.invoices.models import BillingDetails, TaxDocument, TaxDocumentCounter
from voelgoed.domain.ledger.models import JournalEntry, JournalLine
from voelgoed.domain.notifications.models import EmailTemplate, OrderReminder
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.organizations.models import Invitation, Membership, Organization
from voelgoed.domain.payments.models import PaymentNotification, PaymentProviderAccount, PaymentTransaction
from voelgoed.domain.refunds.models import Refund, RefundTicket
from voelgoed.domain.tickets.models import EventSigningKey, OrderDocument, Ticket
from voelgoed.domain.venues.models import Gate, Venue

__all__ = [
    "AnalyticsEvent",
    "AuditEntry",
    "BillingDetails",
    "CheckinBucket",
    "CheckinChange",
    "CheckinConfig",
    "CheckinScan",
    "Coupon",
    "DashboardSnapshotState",
    "DataExport",
    "DataExportChunk",
    "Device",
    "DevicePairingCode",
    "EmailTemplate",
    "Event",
    "EventCancellation",
    "EventCancellationOrder",
    "EventInventory",
    "EventSigningKey",
    "FunnelBucket",
    "Gate",
    "Invitation",
    "JournalEntry",
    "JournalLine",
    "Membership",
    "Order",
    "OrderDocument",
    "OrderLine",
    "OrderReminder",
    "Organization",
    "PasswordResetToken",
    "PaymentNotification",
    "PaymentProviderAccount",
    "PaymentTransaction",
    "Refund",
    "RefundTicket",
    "ScanSession",
    "TaxDocument",
    "TaxDocumentCounter",
    "Ticket",
    "TicketCheckinState",
    "TicketType",
    "User",
    "UserSession",
    "Venue",
]
