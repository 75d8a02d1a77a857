"""IANA time zone names as organisations, venues and events accept them (domain-free, so every
area can check one without importing another area)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from voelgoed.lib.problems import Unprocessable

_ZONES = available_timezones()


def check_timezone(name: str, field: str = "timezone") -> str:
    if name not in _ZONES:
        raise Unprocessable.field(field, f"Unknown time zone '{name}'. Use an IANA name such as Africa/Johannesburg.")
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise Unprocessable.field(field, f"Unknown time zone '{name}'.") from None
    return name
