"""`voelgoed backup` (db/backup.py): the pg_dump command it runs for a DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from voelgoed.db.backup import dump_command, libpq_url


def test_the_url_becomes_libpq_s_and_the_password_leaves_the_command_line() -> None:
    url, env = libpq_url("postgresql+asyncpg://voelgoed:s3cret@db.example.org:5432/voelgoed?ssl=require")
    assert url == "postgresql://voelgoed@db.example.org:5432/voelgoed?sslmode=require"
    assert env == {"PGPASSWORD": "s3cret"}


def test_a_unix_socket_url_keeps_its_host_and_needs_no_password() -> None:
    url, env = libpq_url("postgresql+asyncpg://postgres@/voelgoed?host=/tmp/pg")
    assert url == "postgresql://postgres@/voelgoed?host=%2Ftmp%2Fpg"  # libpq decodes %-escapes
    assert env == {}


def test_the_dump_is_custom_format_without_owners(tmp_path: Path) -> None:
    argv, env = dump_command("postgresql://u:p@db/voelgoed", tmp_path / "x.dump")
    assert Path(argv[0]).name == "pg_dump"
    assert argv[1:] == [
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={tmp_path / 'x.dump'}",
        "--dbname=postgresql://u@db/voelgoed",
    ]
    assert env == {"PGPASSWORD": "p"}
