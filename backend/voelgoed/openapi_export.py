"""Render the OpenAPI document without any server running (no database is touched)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from voelgoed.settings import load_settings


def render_spec() -> str:
    from voelgoed.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"SECRET_KEY": "openapi-export", **os.environ})
        settings = replace(settings, server=replace(settings.server, data_dir=Path(tmp), environment="production"))
        app = create_app(
            settings,
            database_url="postgresql+asyncpg://unused@localhost/unused",
            redis_url="redis://localhost:1",
        )
        schema = app.openapi_schema.to_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
