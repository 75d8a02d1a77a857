from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Stack, reset_state


@pytest.fixture(autouse=True)
async def _clean_state(engine: AsyncEngine, redis: Redis, stack: Stack) -> AsyncIterator[None]:
    yield
    await reset_state(engine, redis, stack.redis_url)
