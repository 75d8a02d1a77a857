"""Where webhooks may go: the one set of URL rules, at endpoint creation/update and at every
connection, driven by settings.webhooks (`allow_private_targets`, `require_https`).

Everywhere: http(s), a host, no user name or password in the URL (they would be logged and shown
in the delivery log), at most 2000 characters. `check_target_url` applies them when an organiser
saves a URL (422 at `url`, with a reason they can act on); `url_refusal` applies them again before
every delivery.

An organiser types the URL; without a check a webhook would be a way to make our servers send
requests into our own network (the cloud's metadata service at 169.254.169.254, a database's
HTTP port on 10.x, the API itself on 127.0.0.1). Unless `WEBHOOKS_ALLOW_PRIVATE_TARGETS` is on
(development and tests only), no delivery goes to a private, loopback, link-local, multicast,
reserved, unspecified or otherwise non-global address, IPv4 or IPv6 (an IPv4 address mapped
into IPv6, 6to4 or Teredo is checked as the IPv4 address it carries).

The check happens where the connection is made: `GuardedBackend.connect_tcp` resolves the host
once, refuses when any of its addresses is not allowed, and connects to the checked address
itself; nothing resolves the name again (so a DNS answer that changes between check and connect,
"DNS rebinding", gains nothing). The URL stays as it is, so the Host header, TLS SNI and the
certificate check use the hostname, and pooled connections are per hostname.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpx._config import create_ssl_context

from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import Settings, WebhookSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Names that mean "this machine or its network" whatever a resolver says.
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_SECONDS = 5.0  # at creation: a name that does not resolve by then "cannot be found"
Resolver = Callable[[str, int], Awaitable[list[str]]]


class TargetRefused(Exception):
    """This URL or address may not receive webhooks (the attempt's error; 422 at creation)."""


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: IPAddress) -> str | None:
    """Why this address may not receive webhooks, or None when it may."""
    inner = _embedded_v4(ip)
    if inner is not None:
        reason = address_refusal(inner)
        return f"{reason} (inside {ip})" if reason else None
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """The addresses, all allowed; TargetRefused naming the first that is not."""
    checked = []
    for address in addresses:
        reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            raise TargetRefused(f"refused: {host} resolves to a disallowed address: {reason}")
        checked.append(address)
    if not checked:
        raise TargetRefused(f"refused: {host} has no address")
    return checked


def is_public_address(address: str) -> bool:
    """Whether webhooks may go to this address (an IPv6 zone id is ignored)."""
    return address_refusal(ipaddress.ip_address(address.split("%", 1)[0])) is None


async def check_target_url(raw: str, settings: Settings | WebhookSettings, *, resolve: Resolver | None = None) -> str:
    """The URL, trimmed, when it may be a webhook endpoint (creation and update); else a 422 at
    `url` saying why. Unless private targets are allowed, a host name is resolved too (`resolve`,
    default the system's) so a mistake is refused at the form; this is the early, friendly
    refusal: every delivery checks again where it connects (`GuardedBackend`)."""
    ws = settings.webhooks if isinstance(settings, Settings) else settings
    url = raw.strip()
    try:
        host = _check_url(url, ws)
        if not ws.allow_private_targets and host is not None:
            await _check_resolved(host, _default_port(url), resolve or _resolve_once)
    except TargetRefused as exc:
        raise Unprocessable.field("url", str(exc)) from None
    return url


def _default_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


async def _resolve_once(host: str, port: int) -> list[str]:
    async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
        return await resolve(host, port)


async def _check_resolved(host: str, port: int, resolver: Resolver) -> None:
    try:
        addresses = await resolver(host, port)
    except (OSError, UnicodeError, TimeoutError):
        raise TargetRefused(f"The host {host} cannot be found.") from None
    if not addresses:
        raise TargetRefused(f"The host {host} cannot be found.")
    for address in addresses:
        reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            raise TargetRefused(
                f"The host {host} resolves to a non-public address ({reason}); webhooks go to public hosts only."
            )


def _check_url(url: str, ws: WebhookSettings) -> str | None:
    """The URL's own rules (no resolving): TargetRefused with a reason an organiser can act on.
    Returns the host when it is a name still to be resolved, None when nothing more to check."""
    if not url:
        raise TargetRefused("Enter the URL that should receive the events.")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL must be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise TargetRefused("This is not a valid URL (is the port a number from 0 to 65535?).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("The URL must start with https:// (or http:// for local testing).")
    if ws.require_https and scheme != "https":
        raise TargetRefused("The URL must use https://.")
    if parts.username is not None or parts.password is not None:
        # They would be logged and shown in the delivery log.
        raise TargetRefused("Remove the user name and password from the URL; it is shown in the delivery log.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("The URL needs a host name, e.g. https://example.com/webhooks.")
    if ws.allow_private_targets:
        return None
    if host == "localhost" or host.endswith(_LOCAL_NAMES):
        raise TargetRefused(f"The host {host} is a local name; webhooks go to public hosts only.")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host  # a name: resolved at creation (check_target_url) and at every delivery
    reason = address_refusal(ip)
    if reason:
        raise TargetRefused(f"The address {reason}; webhooks go to public hosts only.")
    return None


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking before it connects (module docstring)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.allow_private:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        name = host.rstrip(".").lower()
        if name == "localhost" or name.endswith(_LOCAL_NAMES):
            raise TargetRefused(f"refused: {host} is a local name")
        try:
            addresses = check_addresses(host, await resolve(host, port))
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception | None = None
        for address in addresses:  # the checked addresses, never the name again
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("refused: unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a `GuardedBackend`, without proxies from the environment."""

    def __init__(self, ws: WebhookSettings, max_connections: int) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(ws.allow_private_targets),
        )


def delivery_client(ws: WebhookSettings) -> httpx.AsyncClient:
    """The one HTTP client a worker delivers with: guarded, no redirects followed (a 3xx is a
    failed attempt: following it would leave the checked host), no cookies kept: its jar refuses
    every Set-Cookie, so one organisation's receiver never sets a cookie that goes with another's
    deliveries to the same host (the dispatcher's client lives as long as its worker)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(ws, max_connections=ws.concurrency),  # httpcore's pool is O(connections) per request
        timeout=httpx.Timeout(ws.timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
    )


def url_refusal(url: str, ws: WebhookSettings) -> str | None:
    """Why a delivery to `url` is refused before any connection (the URL's own rules, the same
    as at creation; the settings may have changed since), or None."""
    try:
        _check_url(url, ws)
    except TargetRefused as exc:
        return f"refused: {exc}"
    return None
