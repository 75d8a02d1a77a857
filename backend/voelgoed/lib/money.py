"""Money as text <-> integer cents: the one rule the backend reads amounts by, and its two ways of
writing them: `format_rand` for machines (PayFast, CSV exports: "1250.00") and `display_rand` for
people (pages, e-mails, PDFs: "R 1 250.00").

A rand amount is ASCII digits, optionally a point and one or two more ASCII digits: "200",
"200.5", "200.00". Nothing else: no sign, no thousands separators, no comma, no currency sign, and
no other script's digits. Python's `str.isdigit()` and `re`'s `\\d` accept superscript,
Arabic-Indic and fullwidth digits, and `int()` then either fails on them (a 500) or reads a number
("\\u0662\\u0660\\u0660" is 200 to int()) that is not what the sender's software checked, so this
module uses neither: the pattern spells out [0-9], and only the matched ASCII text reaches int().
The organiser app's reader (organiser_app/src/lib/money.ts) refuses the same characters.
"""

from __future__ import annotations

import re

MAX_WHOLE_DIGITS = 12  # R 999 999 999 999.99: far above any ticket sale, safe in a bigint of cents
_RAND = re.compile(rf"(?P<whole>[0-9]{{1,{MAX_WHOLE_DIGITS}}})(?:\.(?P<frac>[0-9]{{1,2}}))?")
_SURROUNDING_SPACE = " \t\r\n"


class MoneyFormatError(ValueError):
    """The text is not a rand amount this backend accepts."""


def parse_rand(text: str) -> int:
    """Rand text -> integer cents: "200.00" -> 20000, "200.5" -> 20050, "7" -> 700.

    Surrounding ASCII spaces are ignored. Raises MoneyFormatError for anything else."""
    if not isinstance(text, str):
        raise MoneyFormatError("An amount must be text like 200.00.")
    match = _RAND.fullmatch(text.strip(_SURROUNDING_SPACE))
    if match is None:
        raise MoneyFormatError(
            f"{text[:40]!r} is not an amount in rand: use digits 0-9 with at most two decimals after a point,"
            " like 200.00."
        )
    whole, frac = match.group("whole"), match.group("frac") or ""
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def parse_rand_or_none(text: str) -> int | None:
    """parse_rand, or None when the text is not an amount (for protocols that reject, not raise)."""
    try:
        return parse_rand(text)
    except MoneyFormatError:
        return None


def format_rand(cents: int) -> str:
    """Integer cents -> "150.00" (rand, two decimals, no sign or separators): parse_rand's inverse."""
    if cents < 0:
        raise ValueError("negative amount")
    return f"{cents // 100}.{cents % 100:02d}"


def display_rand(cents: int) -> str:
    """Integer cents as rand for people: 25000 -> "R 250.00", 125000 -> "R 1 250.00" (a no-break
    space groups thousands), -10000 -> "-R 100.00"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}R {whole:,}.{part:02d}".replace(",", "\u00a0")
