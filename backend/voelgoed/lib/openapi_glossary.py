"""The house conventions behind generic field names, said once for the OpenAPI spec (lib/openapi_docs.py).

A field's own `Meta(description=...)` always wins; these only fill fields that have none, and only
for names whose meaning is the same wherever they appear (ids are UUIDs, times are UTC, money is
integer cents in rand). Example values are South African and shared, so examples agree with each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FIELD_GLOSSARY: dict[str, str] = {
    "id": "Unique id (UUID).",
    "created_at": "When it was created (UTC).",
    "updated_at": "When it last changed (UTC).",
    "organization_id": "The organisation it belongs to.",
    "page": "The page number, from 1.",
    "page_size": "Items per page.",
    "items": "This page's items.",
    "total": "How many items match, over all pages.",
    "timezone": "IANA time zone the event's local times are shown in, e.g. Africa/Johannesburg.",
    "time_zone": "IANA time zone local times are shown in, e.g. Africa/Johannesburg.",
    "starts_at": "When it starts (UTC; an offset in the request is respected).",
    "ends_at": "When it ends (UTC; an offset in the request is respected).",
    "starts_at_local": "The start in the event's time zone (with its offset).",
    "ends_at_local": "The end in the event's time zone (with its offset).",
    "allowed_transitions": "The statuses this resource may move to next (illegal moves answer 409).",
    "vat_rate_bp": "VAT rate in basis points (1500 = 15%).",
    "charged_vat_rate_bp": "The VAT rate charged, in basis points (1500 = 15%).",
    "reference": "The order's human reference, e.g. on tickets and e-mails.",
    "order_reference": "The order's human reference.",
    "slug": "The URL name: lower-case letters, digits and hyphens.",
    "email": "E-mail address.",
    "buyer_email": "The buyer's e-mail address (tickets are sent there).",
    "buyer_name": "The buyer's name.",
    "buyer_phone": "The buyer's phone number, as entered.",
    "holder_name": "The name on the ticket (printed on it, shown at the gate).",
    "client_scan_id": "A UUID the scanner makes per scan; sending it again replays the first answer.",
    "server_time": "The server's clock when it answered (UTC), to correct the device's clock.",
    "seq": "Position in the event's scan sequence (increasing, no reuse).",
    "last_seq": "The highest `seq` in this answer: pass it as `after` to get only newer ones.",
    "request_id": "The request's id (also in the X-Request-ID header), for support.",
    "csrf_token": "Send it in the X-CSRF-Token header with every write made with this session.",
    "access_token": "The order token: send it as X-Order-Token to read or pay the order. Shown once.",
    "hold_expires_at": "When unpaid held tickets are released (UTC).",
    "sales_start_at": "When sales open (UTC); null: as soon as the event is published.",
    "sales_end_at": "When sales close (UTC); null: no closing time of its own.",
    "device_name": "The scanner's name, as the organiser gave it when pairing.",
    "gate_name": "The gate's name.",
    "event_name": "The event's name.",
    "ticket_type_name": "The ticket type's name.",
    "organization_name": "The organisation's name.",
    "venue_name": "The venue's name.",
    "quantity": "Number of tickets.",
    "capacity": "Most tickets the event (or venue) holds; null: no limit.",
    "sold": "Tickets sold (paid orders).",
    "reserved": "Tickets held by unpaid orders.",
    "available": "Tickets still for sale (null: no limit).",
    "sort_order": "Where it is listed: lower numbers first.",
    "min_per_order": "Fewest tickets of this type per order.",
    "max_per_order": "Most tickets of this type per order.",
    "vat_number": "South African VAT registration number (10 digits starting with 4).",
    "country": "ISO 3166-1 alpha-2 country code, e.g. ZA.",
    "postal_code": "Postal code.",
    "province": "Province, e.g. Western Cape.",
    "payload": "The ticket's QR text, exactly as scanned.",
    "payload_version": "The version of this payload's shape; it grows when a field changes meaning.",
    "provider": "The payment provider.",
    "transaction_id": "The payment transaction's id.",
    "provider_reference": "The provider's own reference for the payment or refund.",
    "failure_reason": "Why it failed, as the provider said (null unless failed).",
    "progress": "Share done, from 0 to 1.",
    "role": "The member's role in the organisation.",
    "ok": "Whether it worked.",
    "error": "What went wrong (null when nothing did).",
    "message": "A message for people.",
    "detail": "What went wrong, for people.",
    "title": "A short summary of the problem type.",
    "description": "Free text shown to buyers on the public page.",
    "notes": "Notes for the organiser's team; buyers never see them.",
    "url": "An absolute URL.",
    "width": "Width in pixels.",
    "height": "Height in pixels.",
    "size_bytes": "Size in bytes.",
    "enabled": "Whether it is switched on.",
    "hidden": "Hidden from the public page: sold only with its access code or secret link.",
    "access_code": "The code that unlocks a hidden ticket type at checkout.",
    "coupon_code": "The coupon code applied to the order (null: none).",
    "date": "A calendar day in the organisation's or event's time zone.",
    "date_from": "First day of the range (inclusive), in the organisation's time zone.",
    "date_to": "Last day of the range (inclusive), in the organisation's time zone.",
    "generated_at": "When these figures were computed (UTC).",
    "needs_refund": "Paid after it had expired or been cancelled: the money must go back.",
}

# Suffix rules for the names that follow the money, id and time conventions.
_SUFFIXES: dict[str, str] = {
    "_cents": "Amount in cents of rand (ZAR): 15000 is R150.00.",
    "_display": "The amount above formatted for people, e.g. R150.00.",
}


_PAGE_FIELDS = {"items", "total"}  # generic only on a page (a schema with `page`)


def glossary_for(name: str, siblings: Iterable[str] = ()) -> str | None:
    if name in _PAGE_FIELDS and "page" not in siblings:
        return None
    if name in FIELD_GLOSSARY:
        return FIELD_GLOSSARY[name]
    for suffix, text in _SUFFIXES.items():
        if name.endswith(suffix):
            return text
    if name.endswith("_ids"):
        return f"Ids (UUIDs) of the {name.removesuffix('_ids').replace('_', ' ')}s."
    if name.endswith("_id"):
        return f"The {name.removesuffix('_id').replace('_', ' ')}'s id (UUID)."
    if name.endswith("_at"):
        return f"When {name.removesuffix('_at').replace('_', ' ')} happened or happens (UTC); null: not (yet)."
    return None


# Example values for string fields whose name says what they hold, the same in every schema.
NAME_EXAMPLES: dict[str, Any] = {
    "email": "thandi.nkosi@example.co.za",
    "buyer_email": "thandi.nkosi@example.co.za",
    "actor_email": "anri.vanwyk@example.co.za",
    "contact_email": "kaartjies@voelgoed.example",
    "reply_to": "kaartjies@voelgoed.example",
    "sent_to": "anri.vanwyk@example.co.za",
    "buyer_name": "Thandi Nkosi",
    "holder_name": "Pieter van der Merwe",
    "display_name": "Anri van Wyk",
    "legal_name": "Voelgoed Promosies (Edms) Bpk",
    "trading_name": "Voelgoed Promosies",
    "organization_name": "Voelgoed Promosies",
    "organization_slug": "voelgoed-promosies",
    "event_name": "Stellenbosch Wynfees 2026",
    "event_slug": "stellenbosch-wynfees-2026",
    "venue_name": "Coetzenburg Stadium",
    "venue_city": "Stellenbosch",
    "gate_name": "Noordhek",
    "gate_code": "noord",
    "ticket_type_name": "Algemene toegang",
    "device_name": "Noordhek skandeerder 1",
    "timezone": "Africa/Johannesburg",
    "time_zone": "Africa/Johannesburg",
    "reference": "VG-7K3M9Q",
    "order_reference": "VG-7K3M9Q",
    "coupon_code": "VROEGVOEL",
    "access_code": "BORG2026",
    "vat_number": "4123456789",
    "country": "ZA",
    "province": "Western Cape",
    "city": "Stellenbosch",
    "postal_code": "7600",
    "address_line1": "Merrimanlaan 12",
    "buyer_phone": "+27821234567",
    "brand_colour": "#1f5f3f",
    "effective_colour": "#1f5f3f",
    "amount_display": "R250.00",
    "slug": "stellenbosch-wynfees-2026",
    "csrf_token": "q3J9vX2mB7cK1pZ8wY4nT6hR0sL5dF2a",
    "request_id": "01JDX4T6B8Q9ZC3M5N7P2R4S6V",
    "password": "Korrek-Perd-Battery-Kram",
    "last4": "a9f2",
    "web_url": "https://kaartjies.voelgoed.example/e/stellenbosch-wynfees-2026",
    "page_url": "https://kaartjies.voelgoed.example/e/stellenbosch-wynfees-2026",
    "print_url": "https://kaartjies.voelgoed.example/orders/VG-7K3M9Q/tickets.pdf",
    "url": "https://media.voelgoed.example/events/3f2a/1280.webp",
    "widget_script_url": "https://kaartjies.voelgoed.example/widget.js",
    "notify_url": "https://kaartjies.voelgoed.example/api/payments/payfast/itn",
    "webhook_url": "https://kaartjies.voelgoed.example/api/payments/yoco/webhook",
    "utm_source": "instagram",
    "utm_medium": "social",
    "utm_campaign": "wynfees-vroegvoel",
    # text that is usually null: what it reads like when it is not
    "error": "The payment provider did not answer within 10 seconds.",
    "failure_reason": "Insufficient funds",
    "last_error": "Provider unreachable: timed out after 10 s; will retry.",
    "provider_reference": "1789425",
    "provider_refund_id": "rf_8Hk2Lw9QzT",
    "rejection_explanation": "This request repeats one completed last week.",
    "message": "Ons hoop om julle in Maart weer te sien.",
    "notes": "Laaisone by die suidhek.",
    "description": "Toegang tot al die kelders en 'n proeeglas.",
    "method": "provider",
    "access_token": "Xq3v9LmT2pZ8wY4nR6hK0sJ5dF1aC7bE-uG2iO8eN4",
    "token": "vgd_Xq3v9LmT2pZ8wY4nR6hK0sJ5dF1aC7bE-uG2iO8eN4",
    "payload": "VG1:AT-iybgdB2Zx3Qk9mLpV4sT8wYc1nR6hK0jF5dA7bE2uG",
    "serial_hash": "9f86d081884c7d659a2feaa0c55ad015",
    "access_link": "https://kaartjies.voelgoed.example/e/stellenbosch-wynfees-2026?access=BORG2026",
    "value": "10000100",
    "provider": "payfast",
    "type_refs": ["5d41402a"],
    "allowed_transitions": ["cancel"],
}

# Times and counts by field name, so one example reads like one moment of one event (the Wynfees on
# 12 December 2026, 16:00 to 23:00 in Johannesburg, sales opened on 5 November).
DATETIME_EXAMPLES: dict[str, str] = {
    "starts_at": "2026-12-12T14:00:00Z",
    "ends_at": "2026-12-12T21:00:00Z",
    "starts_at_local": "2026-12-12T16:00:00+02:00",
    "ends_at_local": "2026-12-12T23:00:00+02:00",
    "sales_start_at": "2026-11-05T07:00:00Z",
    "sales_end_at": "2026-12-12T12:00:00Z",
    "published_at": "2026-11-05T07:00:00Z",
    "created_at": "2026-11-02T08:15:00Z",
    "updated_at": "2026-11-20T10:30:00Z",
    "hold_expires_at": "2026-11-20T10:45:00Z",
    "paid_at": "2026-11-20T10:38:12Z",
    "completed_at": "2026-11-20T10:38:12Z",
    "server_time": "2026-12-12T14:32:07Z",
    "client_time": "2026-12-12T14:32:05Z",
    "effective_time": "2026-12-12T14:32:05Z",
    "device_time": "2026-12-12T15:10:00Z",
    "at": "2026-12-12T14:32:05Z",
    "expires_at": "2026-11-27T08:15:00Z",
    "valid_from": "2026-11-05T07:00:00Z",
    "valid_until": "2026-11-30T22:00:00Z",
    "default_valid_from": "2026-12-12T11:00:00Z",
    "default_valid_until": "2026-12-12T21:00:00Z",
    "effective_valid_from": "2026-12-12T11:00:00Z",
    "effective_valid_until": "2026-12-12T21:00:00Z",
}
DATETIME_DEFAULT = "2026-11-20T10:30:00Z"

INT_EXAMPLES: dict[str, int] = {
    "price_cents": 25_000,
    "unit_price_cents": 25_000,
    "subtotal_cents": 50_000,
    "line_subtotal_cents": 50_000,
    "total_cents": 50_000,
    "line_total_cents": 50_000,
    "order_total_cents": 50_000,
    "amount_cents": 50_000,
    "paid_cents": 50_000,
    "gross_cents": 50_000,
    "vat_cents": 6_522,  # the VAT in R500.00 at 15%
    "discount_cents": 0,
    "refunded_cents": 0,
    "refund_pending_cents": 0,
    "left_to_refund_cents": 50_000,
    "fee_cents": 1_438,
    "fees_cents": 1_438,
    "net_cents": 48_562,
    "quantity": 2,
    "capacity": 500,
    "sold": 120,
    "reserved": 4,
    "available": 376,
    "total": 3,
    "page": 1,
    "page_size": 25,
    "min_per_order": 1,
    "max_per_order": 10,
    "sort_order": 0,
    "position": 1,
    "width": 1600,
    "height": 900,
    "size_bytes": 48_213,
    "seq": 1_042,
    "last_seq": 1_042,
    "vat_rate_bp": 1_500,
    "charged_vat_rate_bp": 1_500,
    "payload_version": 1,
    "attempts": 1,
    "entries": 412,
    "exits": 37,
    "inside": 375,
    "paid_orders": 58,
    "orders": 3,
    "tickets_sold": 120,
}

# Component schemas that are not Structs (built by hand or by Litestar): description, example and
# property descriptions.
SCHEMA_DOCS: dict[str, tuple[str, Any, dict[str, str]]] = {
    "Problem": (
        "An RFC 9457 problem: every error answer has this shape (media type application/problem+json). "
        "`errors` lists the fields a 400 or 422 refused.",
        {
            "type": "https://voelgoed.example/problems/validation",
            "title": "Invalid request",
            "status": 400,
            "detail": "quantity: expected an integer >= 1",
            "instance": "/api/public/events/stellenbosch-wynfees-2026/reservations",
            "request_id": "01JDX4T6B8Q9ZC3M5N7P2R4S6V",
            "errors": [{"field": "quantity", "message": "Expected `int` >= 1"}],
        },
        {
            "title": "A short summary of the problem type.",
            "status": "The HTTP status code.",
            "instance": "The path of the request that failed.",
            "request_id": "The request's id (also in the X-Request-ID header), for support.",
            "errors": "The fields refused and why (400, 409, 422).",
        },
    ),
    "ImageUpload": (
        "A multipart/form-data upload with the image in the field `file`: JPEG, PNG or WebP, at most 8 MB.",
        {"file": "(binary image data)"},
        {"file": "The image: JPEG, PNG or WebP, at most 8 MB."},
    ),
}
