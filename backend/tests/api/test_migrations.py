"""The models and the Alembic migrations describe the same schema (autogenerate finds nothing)."""

import asyncio

from advanced_alchemy.alembic.commands import AlembicCommands

from tests.conftest import Stack
from voelgoed.db import make_alchemy_config


async def test_models_match_migrations(stack: Stack) -> None:
    commands = AlembicCommands(sqlalchemy_config=make_alchemy_config(stack.database_url, pool_size=1))
    # Alembic's env runs its own event loop: keep it off this one. Raises when a change is pending.
    await asyncio.to_thread(commands.check)
