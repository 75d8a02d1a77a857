"""`voelgoed backup`: a thin wrapper around PostgreSQL's own `pg_dump` (docs/operations.md,
"Backups and restore"). It adds nothing to the dump; it only spares the operator three details:

- the URL: DATABASE_URL is an SQLAlchemy URL (`postgresql+asyncpg://`), pg_dump wants libpq's
  (`postgresql://`, `sslmode=` where asyncpg says `ssl=`); the password goes in PGPASSWORD, not
  on the command line where other users of the machine could read it;
- the format: custom (`--format=custom`: compressed, restored with `pg_restore`, tables can be
  restored selectively), without owners and privileges (`--no-owner --no-privileges`) so it
  restores into a database owned by whichever role the new server uses;
- which pg_dump: the newest found on PATH or in the embedded PostgreSQL package (pg_dump refuses a
  server newer than itself).

Restore is `pg_restore` into a fresh database, then `voelgoed migrate`; the SECRET_KEY is not in
the dump and must be kept with it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

LIBPQ_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


class PgDumpMissing(RuntimeError):
    """No pg_dump binary was found."""


def libpq_url(database_url: str) -> tuple[str, dict[str, str]]:
    """(libpq URL without the password, environment with PGPASSWORD when the URL had one)."""
    url = make_url(database_url)
    query = dict(url.query)
    ssl = query.pop("ssl", None)
    if isinstance(ssl, str) and ssl in LIBPQ_SSLMODES and "sslmode" not in query:
        query["sslmode"] = ssl
    env = {"PGPASSWORD": url.password} if url.password else {}
    # (`set(password=None)` would leave the password as it is: None means "unchanged" there.)
    plain = url.set(drivername="postgresql", query=query)._replace(password=None)
    return plain.render_as_string(hide_password=False), {k: str(v) for k, v in env.items()}


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def postgres_binary(name: str) -> str:
    """The newest `name` (pg_dump, pg_restore) on PATH or in the embedded PostgreSQL package."""
    candidates = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    try:
        import pgserver  # the embedded extra; absent in production images

        embedded = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if embedded.exists():
            candidates.append(str(embedded))
    except ImportError:
        pass
    if not candidates:
        raise PgDumpMissing(
            f"{name} not found: install PostgreSQL's client programs of your server's major version or newer"
            " (Debian: postgresql-client-17)"
        )
    return max(candidates, key=_major)


def dump_command(database_url: str, output: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line and the extra environment for it."""
    url, env = libpq_url(database_url)
    argv = [
        postgres_binary("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={output}",
        f"--dbname={url}",
    ]
    return argv, env


def dump(database_url: str, output: Path) -> None:
    """Run pg_dump; raises CalledProcessError (pg_dump's own message on stderr) when it fails."""
    argv, env = dump_command(database_url, output)
    subprocess.run(argv, env={**os.environ, **env}, check=True)
