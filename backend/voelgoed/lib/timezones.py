"""IANA time zone names as organisations, venues and events accept them (domain-free, so every
area can check one without importing another area)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from voelgoed.lib.problems import Unprocessable


@cache
def _zones() -> frozenset[str]:
    """The tz database's names, read once on first use (not at import: every process imports this)."""
    return frozenset(available_timezones())


def check_timezone(name: str, field: str = "timezone") -> str:
    if name not in _zones():
        raise Unprocessable.field(field, f"Unknown time zone '{name}'. Use an IANA name such as Africa/Johannesburg.")
    return name
