"""The ASGI app as an import string, for `voelgoed serve --workers N` (uvicorn's worker processes
import it). DATABASE_URL and REDIS_URL are set by `serve` before the workers start."""

from voelgoed.app import create_app
from voelgoed.devservices import resolve_urls
from voelgoed.lib.logs import configure_logging
from voelgoed.settings import load_settings

_settings = load_settings()
configure_logging(_settings.logging.level, _settings.logging.json)
_database_url, _redis_url = resolve_urls(_settings.server.data_dir, _settings.database.url, _settings.redis.url)
app = create_app(_settings, database_url=_database_url, redis_url=_redis_url)
