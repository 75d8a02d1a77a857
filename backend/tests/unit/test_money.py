"""The backend's one reader of money text (lib/money.py): ASCII digits only, integer cents."""

from __future__ import annotations

import pytest

from voelgoed.lib.money import MoneyFormatError, format_rand, parse_rand, parse_rand_or_none

# Escaped: each of these looks like (or is read by int() as) 200. Spelled out so no editor or
# linter "fixes" them.
NON_ASCII_DIGITS = {
    "superscript two": "\u00b200.00",
    "Arabic-Indic": "\u0662\u0660\u0660.\u0660\u0660",
    "fullwidth": "\uff12\uff10\uff10.\uff10\uff10",
    "Devanagari": "\u0968\u0966\u0966",
    "mathematical bold": "\U0001d7d0\U0001d7ce\U0001d7ce.\U0001d7ce\U0001d7ce",
    "superscript in the cents": "200.0\u00b2",
    "circled digit": "\u246000",
}


@pytest.mark.parametrize(
    ("text", "cents"),
    [("200.00", 20000), ("200", 20000), ("200.5", 20050), ("0.05", 5), ("0", 0), (" 7.10\n", 710),
     ("000012.34", 1234), ("999999999999.99", 99999999999999)],
)  # fmt: skip
def test_rand_amounts_read_as_integer_cents(text: str, cents: int) -> None:
    assert parse_rand(text) == cents
    assert parse_rand(format_rand(cents)) == cents


@pytest.mark.parametrize("text", list(NON_ASCII_DIGITS.values()), ids=list(NON_ASCII_DIGITS))
def test_non_ascii_digits_are_refused_not_misread(text: str) -> None:
    assert any(ch.isdigit() for ch in text)  # what str.isdigit() let through before
    with pytest.raises(MoneyFormatError, match="digits 0-9"):
        parse_rand(text)
    assert parse_rand_or_none(text) is None


@pytest.mark.parametrize(
    "text",
    ["", " ", ".50", "200.", "200.001", "-1.00", "+1.00", "1e3", "1,000.00", "200,00", "R200", "1 000",
     "0x10", "1_000", "2\u00a000", "1000000000000.00", "nan", "inf"],
)  # fmt: skip
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(MoneyFormatError):
        parse_rand(text)


def test_non_text_is_refused() -> None:
    with pytest.raises(MoneyFormatError):
        parse_rand(200)  # type: ignore[arg-type]


def test_format_rand() -> None:
    assert format_rand(12550) == "125.50" and format_rand(5) == "0.05"
    with pytest.raises(ValueError):
        format_rand(-1)
