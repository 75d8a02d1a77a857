"""South African VAT registration numbers: 10 digits, the first a 4 (SARS). Spaces and hyphens a
person types are ignored; anything else is refused with 422 at the field named."""

from __future__ import annotations

import re

from voelgoed.lib.problems import Unprocessable

_VAT_NUMBER = re.compile(r"4\d{9}")


def clean_vat_number(value: str, *, field: str = "vat_number") -> str:
    digits = re.sub(r"[\s-]", "", value)
    if not _VAT_NUMBER.fullmatch(digits):
        raise Unprocessable.field(field, "A South African VAT number has 10 digits and starts with 4.")
    return digits
