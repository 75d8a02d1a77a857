"""The ASGI app as an import string, for `voelgoed serve --workers N` (uvicorn's worker processes
import it) or any ASGI server (`uvicorn voelgoed.asgi:app`). DATABASE_URL and REDIS_URL are set by
`serve` before the workers start. A configuration that cannot be used (in production: a missing
SECRET_KEY, DATABASE_URL ...) stops the import with the same one message as the CLI, no traceback."""

import sys

from voelgoed.app import create_app
from voelgoed.devservices import resolve_urls
from voelgoed.lib.logs import configure_logging
from voelgoed.settings import SettingsError, load_settings

try:
    _settings = load_settings()
except SettingsError as exc:
    sys.stderr.write("invalid configuration:\n  " + "\n  ".join(exc.problems) + "\n")
    raise SystemExit(1) from None
configure_logging(_settings.logging.level, _settings.logging.json)
_database_url, _redis_url = resolve_urls(_settings.server.data_dir, _settings.database.url, _settings.redis.url)
app = create_app(_settings, database_url=_database_url, redis_url=_redis_url)
