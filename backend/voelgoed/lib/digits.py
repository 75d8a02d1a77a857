"""Whole numbers typed into HTML forms -> int, ASCII digits only.

`str.isdigit()` is true for "²" (int() then raises: a 500) and for "٣" (int() reads 3, a number the
page never offered), and `re`'s `\\d` matches both too. Like lib/money.py's parse_rand, the pattern
here spells out [0-9] and only the matched ASCII text reaches int(): anything else is None, which
the caller turns into a field error or a refusal.
"""

from __future__ import annotations

import re
from functools import cache

_SURROUNDING_SPACE = " \t\r\n"


@cache
def _pattern(max_digits: int) -> re.Pattern[str]:
    return re.compile(rf"[0-9]{{1,{max_digits}}}")


def parse_whole_number(text: str, *, max_digits: int = 9) -> int | None:
    """ "12" -> 12; None for anything but 1..max_digits ASCII digits (surrounding ASCII spaces
    ignored): no sign, no point, no other script's digits."""
    if not isinstance(text, str):
        return None
    stripped = text.strip(_SURROUNDING_SPACE)
    if _pattern(max_digits).fullmatch(stripped) is None:
        return None
    return int(stripped)
