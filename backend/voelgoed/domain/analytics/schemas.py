"""What the checkout site knows about a visit: a first-party session id and where it came from."""

from __future__ import annotations

import msgspec

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX_LENGTH = 100  # the column width


class Attribution(msgspec.Struct, frozen=True):
    """The UTM parameters of the landing URL, carried through the funnel in a cookie."""

    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.utm_source or self.utm_medium or self.utm_campaign)
