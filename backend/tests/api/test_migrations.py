"""The migrations: the models and the Alembic migrations describe the same schema (autogenerate finds
nothing); every migration has a downgrade, and all of them run down to an empty database and up
again; and a database with data in it at the previous release's head upgrades to this head
(docs/operations.md, "Upgrades")."""

from __future__ import annotations

import ast
import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

from advanced_alchemy.alembic.commands import AlembicCommands
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.api.sales_helpers import add_type, organiser_with_event
from tests.api.second_product import create_database, drop_database, pg_restore, url_of_database, voelgoed
from tests.api.test_backup_restore import buy
from tests.conftest import Api, Stack
from voelgoed.db import MIGRATIONS_DIR, make_alchemy_config

# The head revision of the last release. None while no release has been made (0.1.0): the revision
# before head stands in for it. At each release, set it to that release's head.
PREVIOUS_RELEASE_HEAD: str | None = None


def _commands(database_url: str) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config=make_alchemy_config(database_url, pool_size=1))


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


async def _alembic(database_url: str, step: Callable[[AlembicCommands], object]) -> None:
    # Alembic's env runs its own event loop: keep it off this one.
    await asyncio.to_thread(step, _commands(database_url))


async def _tables(database_url: str) -> set[str]:
    engine = create_async_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            return set(rows.scalars())
    finally:
        await engine.dispose()


async def _version(database_url: str) -> str | None:
    engine = create_async_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        await engine.dispose()


async def test_models_match_migrations(stack: Stack) -> None:
    # Raises when a change is pending.
    await asyncio.to_thread(_commands(stack.database_url).check)


def _does_something(function: ast.FunctionDef) -> bool:
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return any(not isinstance(s, ast.Pass) for s in body)


def test_every_migration_has_a_downgrade() -> None:
    revisions = list(_scripts().walk_revisions())
    assert len(revisions) >= 16
    for script in revisions:
        assert script.path is not None
        tree = ast.parse(Path(script.path).read_text())
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        assert "downgrade" in functions, f"{script.revision}: no downgrade()"
        if _does_something(functions["upgrade"]):  # an empty (reserved) revision has nothing to undo
            assert _does_something(functions["downgrade"]), f"{script.revision}: downgrade() does nothing"


async def test_all_the_way_down_and_up_again(engine: AsyncEngine, stack: Stack) -> None:
    """Every downgrade runs, leaves nothing behind that the upgrades would trip over (a table, a
    type), and the schema after going up again is the models' one."""
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    await create_database(engine, name)
    try:
        url = url_of_database(stack.database_url, name)
        await _alembic(url, lambda c: c.upgrade("head"))
        assert "ticket_order" in await _tables(url)
        await _alembic(url, lambda c: c.downgrade("base"))
        assert await _tables(url) <= {"alembic_version"}
        await _alembic(url, lambda c: c.upgrade("head"))
        await _alembic(url, lambda c: c.check())
    finally:
        await drop_database(engine, name)


async def test_upgrade_from_the_previous_release_with_data(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    """What a rolling upgrade does: a database at the previous release's head, with orders in it,
    is upgraded by `voelgoed migrate`; the data is still there and the schema is this head's."""
    event = await organiser_with_event(client)
    general = await add_type(client, event["id"], name="General", quantity=20, price_cents=10000)
    held = await buy(new_client(), event["slug"], general["id"], 2)
    previous = PREVIOUS_RELEASE_HEAD or _scripts().get_revision("head").down_revision
    assert isinstance(previous, str)

    dump = stack.data_dir / f"migrations-{uuid.uuid4().hex[:8]}.dump"
    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    assert voelgoed(stack, "backup", str(dump), database_url=stack.database_url).returncode == 0
    await create_database(engine, name)
    try:
        url = url_of_database(stack.database_url, name)
        pg_restore(dump, url)
        # The data now sits in the old schema (the documented rollback command takes it there).
        rolled_back = voelgoed(stack, "migrate", "--downgrade-to", previous, database_url=url)
        assert rolled_back.returncode == 0, rolled_back.stderr
        assert await _version(url) == previous
        migrated = voelgoed(stack, "migrate", database_url=url)
        assert migrated.returncode == 0, migrated.stderr
        await _alembic(url, lambda c: c.check())
        restored = create_async_engine(url, pool_size=1)
        try:
            async with restored.connect() as conn:
                status = (
                    await conn.execute(
                        text("SELECT status FROM ticket_order WHERE reference = :r"), {"r": held["reference"]}
                    )
                ).scalar()
                tickets = (await conn.execute(text("SELECT count(*) FROM ticket"))).scalar()
        finally:
            await restored.dispose()
        assert await _version(url) == _scripts().get_current_head()
        assert status == "paid" and tickets == 2
    finally:
        await drop_database(engine, name)
        dump.unlink(missing_ok=True)
