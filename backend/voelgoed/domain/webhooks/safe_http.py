"""Where webhooks may go: SSRF protection at endpoint creation and at every connection.

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
import ipaddress
import socket
from collections.abc import Iterable
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


def check_target_url(url: str, settings: Settings | WebhookSettings) -> None:
    """Whether `url` may be a webhook endpoint, without resolving it (endpoint creation and
    update). Raises `Unprocessable` (422) with the reason. Deliveries check again, resolved."""
    try:
        _check_url(url, settings.webhooks if isinstance(settings, Settings) else settings)
    except TargetRefused as exc:
        raise Unprocessable(str(exc)) from None


def _check_url(url: str, ws: WebhookSettings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("a webhook URL starts with https:// (or http://)")
    if ws.require_https and parts.scheme != "https":
        raise TargetRefused("a webhook URL must start with https://")
    if parts.username or parts.password:
        raise TargetRefused("a webhook URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("a webhook URL needs a host name")
    try:
        _ = parts.port
    except ValueError:
        raise TargetRefused("the webhook URL's port is not a number from 0 to 65535") from None
    if ws.allow_private_targets:
        return
    if host == "localhost" or host.endswith(_LOCAL_NAMES):
        raise TargetRefused(f"refused: {host} is a local name")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked when it is resolved, at every delivery
    reason = address_refusal(ip)
    if reason:
        raise TargetRefused(f"refused: {reason}")


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
    failed attempt: following it would leave the checked host), no cookies kept between endpoints."""
    return httpx.AsyncClient(
        transport=GuardedTransport(ws, max_connections=ws.concurrency),  # httpcore's pool is O(connections) per request
        timeout=httpx.Timeout(ws.timeout_seconds),
        follow_redirects=False,
        trust_env=False,
    )


def url_refusal(url: str, ws: WebhookSettings) -> str | None:
    """Why a delivery to `url` is refused before any connection (the URL's own rules), or None."""
    try:
        _check_url(url, ws)
    except TargetRefused as exc:
        return str(exc)
    return None
