from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.privacy.machines import PersonalDataRequestKind, PersonalDataRequestStatus

if TYPE_CHECKING:
    from voelgoed.domain.privacy.models import PersonalDataRequest


class PersonalDataRequestRead(msgspec.Struct):
    """A buyer's confirmed request for a copy or the erasure of their personal data."""

    id: uuid.UUID
    kind: Annotated[PersonalDataRequestKind, msgspec.Meta(description="`export` or `erasure`.")]  # export | erasure
    status: Annotated[
        PersonalDataRequestStatus, msgspec.Meta(description="`open`, `completed` or `rejected`.")
    ]  # open | completed | rejected (organisers never see unconfirmed ones)
    email: (
        Annotated[
            str,
            msgspec.Meta(
                description="The buyer's address; null once an erasure is completed (only a keyed hash is kept)."
            ),
        ]
        | None
    )  # None once an erasure is completed: only a keyed hash of it is kept
    created_at: datetime
    confirmed_at: Annotated[datetime, msgspec.Meta(description="When the buyer confirmed it by e-mail (UTC).")] | None
    completed_at: datetime | None
    rejection_explanation: (
        Annotated[
            str, msgspec.Meta(description="Why the organiser refused it (e-mailed to the buyer); null unless rejected.")
        ]
        | None
    )  # why the organiser refused it (e-mailed to the buyer)
    # Completed: what was exported or erased, per holder (docs/privacy.md), e.g. {"orders": 2}.
    summary: Annotated[
        dict[str, int],
        msgspec.Meta(description="Records held when it was made, per holder.", examples=[{"orders": 3, "tickets": 5}]),
    ]
    export_available: Annotated[
        bool, msgspec.Meta(description="The export file is still kept (7 days after completion).")
    ]  # the export file is still kept (7 days after completion)
    export_download_expires_at: datetime | None
    export_downloaded_at: (
        Annotated[datetime, msgspec.Meta(description="When the buyer first downloaded it.")] | None
    )  # when the buyer downloaded it (the first time)


class PersonalDataRequestDetail(msgspec.Struct):
    """A privacy request with what the organisation holds for its address."""

    request: Annotated[PersonalDataRequestRead, msgspec.Meta(description="The request.")]
    # What the organisation holds for the address now, per holder (all 0 once erased).
    held: Annotated[
        dict[str, int],
        msgspec.Meta(description="Records held for the address, per holder.", examples=[{"orders": 3, "tickets": 5}]),
    ]
    # Holders kept as they are on erasure, with the law's reason.
    kept_on_erasure: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="What an erasure keeps, per holder, and why.",
            examples=[{"orders": "amounts and dates, for tax records"}],
        ),
    ]


class PersonalDataRequestPage(msgspec.Struct):
    """A page of privacy requests, open ones first."""

    items: list[PersonalDataRequestRead]
    total: int
    page: int
    page_size: int
    open_count: Annotated[
        int, msgspec.Meta(description="Open requests, whatever the filter.")
    ]  # open requests, whatever the filter


class PersonalDataRequestReject(msgspec.Struct, forbid_unknown_fields=True):
    """Why a request is refused."""

    explanation: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=1000,
            description="Why; e-mailed to the buyer.",
            examples=["Hierdie versoek is binne 'n week drie keer gerig."],
        ),
    ]  # why; e-mailed to the buyer


class PrivacySettingsRead(msgspec.Struct):
    # Remove attendee details (ticket holder names, buyer phones, rendered ticket PDFs, and every
    # attendee-detail holder) this many days after each event ends; None: never (the default).
    """How long attendee details are kept."""

    attendee_retention_days: (
        Annotated[
            int, msgspec.Meta(description="Days after an event ends that its attendee details are removed; null: kept.")
        ]
        | None
    )
    min_days: Annotated[int, msgspec.Meta(description="Smallest value accepted.")]
    max_days: Annotated[int, msgspec.Meta(description="Largest value accepted.")]


class PrivacySettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """How long attendee details are kept."""

    attendee_retention_days: (
        Annotated[
            int, msgspec.Meta(description="Days after each event ends (1-3650); null turns it off.", examples=[365])
        ]
        | None
    )  # 1..3650, or null to turn it off


# --- mappers: stored rows -> response bodies ---


def request_read(r: PersonalDataRequest) -> PersonalDataRequestRead:
    return PersonalDataRequestRead(
        id=r.id,
        kind=r.kind,
        status=r.status,
        email=r.email,
        created_at=r.created_at,
        confirmed_at=r.confirmed_at,
        completed_at=r.completed_at,
        rejection_explanation=r.reject_reason,
        summary={k: int(v) for k, v in (r.summary or {}).items()},
        export_available=r.download_token_hash is not None,
        export_download_expires_at=r.download_expires_at if r.download_token_hash is not None else None,
        export_downloaded_at=r.downloaded_at,
    )
