from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.privacy.machines import PersonalDataRequestKind, PersonalDataRequestStatus

if TYPE_CHECKING:
    from voelgoed.domain.privacy.models import PersonalDataRequest


class PersonalDataRequestRead(msgspec.Struct):
    id: uuid.UUID
    kind: PersonalDataRequestKind  # export | erasure
    status: PersonalDataRequestStatus  # open | completed | rejected (organisers never see unconfirmed ones)
    email: str | None  # None once an erasure is completed: only a keyed hash of it is kept
    created_at: datetime
    confirmed_at: datetime | None
    completed_at: datetime | None
    rejection_explanation: str | None  # why the organiser refused it (e-mailed to the buyer)
    # Completed: what was exported or erased, per holder (docs/privacy.md), e.g. {"orders": 2}.
    summary: dict[str, int]
    export_available: bool  # the export file is still kept (7 days after completion)
    export_download_expires_at: datetime | None
    export_downloaded_at: datetime | None  # when the buyer downloaded it (the first time)


class PersonalDataRequestDetail(msgspec.Struct):
    request: PersonalDataRequestRead
    # What the organisation holds for the address now, per holder (all 0 once erased).
    held: dict[str, int]
    # Holders kept as they are on erasure, with the law's reason.
    kept_on_erasure: dict[str, str]


class PersonalDataRequestPage(msgspec.Struct):
    items: list[PersonalDataRequestRead]
    total: int
    page: int
    page_size: int
    open_count: int  # open requests, whatever the filter


class PersonalDataRequestReject(msgspec.Struct, forbid_unknown_fields=True):
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]  # why; e-mailed to the buyer


class PrivacySettingsRead(msgspec.Struct):
    # Remove attendee details (ticket holder names, buyer phones, rendered ticket PDFs, and every
    # attendee-detail holder) this many days after each event ends; None: never (the default).
    attendee_retention_days: int | None
    min_days: int
    max_days: int


class PrivacySettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    attendee_retention_days: int | None  # 1..3650, or null to turn it off


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
