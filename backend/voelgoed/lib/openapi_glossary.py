"""The house conventions behind generic field names, said once for the OpenAPI spec (lib/openapi_docs.py).

A field's own `Meta(description=...)` always wins; these only fill fields that have none, and only
for names whose meaning is the same wherever they appear (ids are UUIDs, times are UTC, money is
integer cents in rand). Example values are South African and shared, so examples agree with each other.
"""

from __future__ import annotations

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
    "sales_start_at": "When sales open (UTC); null: on publish.",
    "sales_end_at": "When sales close (UTC); null: when the event starts.",
    "valid_from": "Scans are accepted from this time (UTC); null: the event's default.",
    "valid_until": "Scans are accepted until this time (UTC); null: the event's default.",
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
    "position": "Position in the list, from 1.",
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
    "purpose": "What the e-mail or link is for.",
    "ok": "Whether it worked.",
    "error": "What went wrong (null when nothing did).",
    "message": "A message for people.",
    "detail": "What went wrong, for people.",
    "title": "A short summary of the problem type.",
    "label": "What people see.",
    "description": "Free text shown to buyers.",
    "notes": "Notes for the organiser's team; buyers never see them.",
    "reason": "Why.",
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
}

# Suffix rules for the names that follow the money and time conventions.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_cents", "Amount in cents of rand (ZAR): 15000 is R150.00."),
    ("_display", "The amount above formatted for people, e.g. R150.00."),
    ("_at", "Date and time (UTC)."),
    ("_ids", "Ids (UUIDs)."),
    ("_id", "Id (UUID)."),
)


def glossary_for(name: str) -> str | None:
    if name in FIELD_GLOSSARY:
        return FIELD_GLOSSARY[name]
    for suffix, text in _SUFFIXES:
        if name.endswith(suffix):
            noun = name.removesuffix(suffix).replace("_", " ")
            if suffix in ("_id", "_ids"):
                return f"The {noun}'s id (UUID)." if suffix == "_id" else f"Ids (UUIDs) of the {noun}s."
            if suffix == "_at":
                return f"When {noun} happened or happens (UTC); null: not (yet)."
            return text
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
    "notify_url": "https://kaartjies.voelgoed.example/api/payments/ozow/notify",
    "webhook_url": "https://kaartjies.voelgoed.example/api/payments/yoco/webhook",
    "utm_source": "instagram",
    "utm_medium": "social",
    "utm_campaign": "wynfees-vroegvoel",
}

# Component schemas that are not Structs (built by hand or by Litestar): description and example.
SCHEMA_DOCS: dict[str, tuple[str, Any]] = {
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
    ),
    "ImageUpload": (
        "A multipart/form-data upload with the image in the field `file`: JPEG, PNG or WebP, at most 8 MB.",
        {"file": "(binary image data)"},
    ),
}
