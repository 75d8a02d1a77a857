"""`./vg dev`'s demo data (voelgoed/seed.py) loads on a fresh database, with the reserved-seating
event a new user can try at once: published, its 240 seats on sale in two categories."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.api.second_product import create_database, drop_database, url_of_database
from tests.api.test_migrations import _alembic
from tests.conftest import Stack
from voelgoed.seed import seed_demo


async def test_the_demo_data_loads_with_a_seated_event(engine: AsyncEngine, stack: Stack) -> None:
    name = f"demo_{uuid.uuid4().hex[:8]}"
    await create_database(engine, name)
    try:
        url = url_of_database(stack.database_url, name)
        await _alembic(url, lambda c: c.upgrade("head"))
        assert (await seed_demo(url)).startswith("demo data loaded")
        assert "demo data present" in await seed_demo(url)  # a second run changes nothing
        demo = create_async_engine(url)
        try:
            async with demo.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT e.status, count(*) FILTER (WHERE es.status = 'available'),"
                            " count(DISTINCT es.category_id) FROM event e JOIN event_seat es ON es.event_id = e.id"
                            " WHERE e.name = 'Artscape Orchestra Gala' GROUP BY e.status"
                        )
                    )
                ).one()
        finally:
            await demo.dispose()
        assert tuple(row) == ("published", 240, 2)
    finally:
        await drop_database(engine, name)
