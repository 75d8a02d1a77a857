"""The buyers' checkout site: server-rendered HTML, light on mobile data, usable without JS."""

from __future__ import annotations

from typing import Any

from voelgoed.web.checkout.billing_pages import BillingPagesController
from voelgoed.web.checkout.branding_pages import BrandingPagesController
from voelgoed.web.checkout.checkout_pages import CheckoutController, OrderPagesController
from voelgoed.web.checkout.event_pages import EventPagesController
from voelgoed.web.checkout.language import LanguageController
from voelgoed.web.checkout.privacy_pages import PrivacyPagesController
from voelgoed.web.checkout.seat_pages import SeatPagesController
from voelgoed.web.checkout.waiting_list_pages import WaitingListPagesController

CHECKOUT_SITE_HANDLERS: list[Any] = [
    EventPagesController,
    SeatPagesController,
    CheckoutController,
    OrderPagesController,
    BillingPagesController,
    PrivacyPagesController,
    LanguageController,
    WaitingListPagesController,
    BrandingPagesController,
]
