"""Imports every model so that Alembic and the app see the whole schema."""

from voelgoed.db.cron_ticks import CronTick
from voelgoed.domain.accounts.models import PasswordResetToken, User, UserSession
from voelgoed.domain.analytics.models import AnalyticsEvent
from voelgoed.domain.api_keys.models import ApiKey
from voelgoed.domain.attendees.models import AttendeeAnswer, AttendeeName, AttendeeSettings, Question
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.catalog.models import Coupon, EventInventory, TicketQuota, TicketType
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
from voelgoed.domain.privacy.models import AttendeeRetentionRun, PersonalDataRequest, PrivacySettings
from voelgoed.domain.refunds.models import Refund, RefundTicket
from voelgoed.domain.seating.models import (
    EventSeat,
    EventSeatCategory,
    EventSeating,
    Seat,
    SeatCategory,
    SeatingPlan,
    SeatRow,
    SeatSection,
)
from voelgoed.domain.tickets.models import EventSigningKey, OrderDocument, Ticket
from voelgoed.domain.venues.models import Gate, Venue
from voelgoed.domain.waiting_list.models import WaitingListEntry, WaitingListSettings
from voelgoed.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "AnalyticsEvent",
    "ApiKey",
    "AttendeeAnswer",
    "AttendeeName",
    "AttendeeRetentionRun",
    "AttendeeSettings",
    "AuditEntry",
    "BillingDetails",
    "CheckinBucket",
    "CheckinChange",
    "CheckinConfig",
    "CheckinScan",
    "Coupon",
    "CronTick",
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
    "EventSeat",
    "EventSeatCategory",
    "EventSeating",
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
    "PersonalDataRequest",
    "PrivacySettings",
    "Question",
    "Refund",
    "RefundTicket",
    "ScanSession",
    "Seat",
    "SeatCategory",
    "SeatRow",
    "SeatSection",
    "SeatingPlan",
    "TaxDocument",
    "TaxDocumentCounter",
    "Ticket",
    "TicketCheckinState",
    "TicketQuota",
    "TicketType",
    "User",
    "UserSession",
    "Venue",
    "WaitingListEntry",
    "WaitingListSettings",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
