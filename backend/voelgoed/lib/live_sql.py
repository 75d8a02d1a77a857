"""The live streams' listener's own statements (lib/live.py); plain asyncpg, no tenant data."""

from __future__ import annotations

# Asked every KEEPALIVE_SECONDS: a network cut closes nothing, only a round trip finds it.
KEEPALIVE = "SELECT 1"
