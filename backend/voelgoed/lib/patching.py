from __future__ import annotations

from typing import Any

import msgspec


def sent_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carried (UNSET ones are left alone; null clears)."""
    return {f: v for f in data.__struct_fields__ if (v := getattr(data, f)) is not msgspec.UNSET}
