"""Which URLs an organisation may register as a webhook endpoint.

Checked when an endpoint is created or its URL changed, so a mistake is refused at the form with a
reason. Delivery checks the address again when it connects (DNS may change meanwhile); this is the
early, friendly refusal, not the security boundary.

Everywhere: http or https, a host, no user name or password in the URL (they would be logged and
shown in the delivery log). In production: https only, and no host that resolves to a private,
loopback, link-local or otherwise non-public address (our own network is not a customer's receiver).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import NamedTuple
from urllib.parse import urlsplit

from voelgoed.lib.problems import Unprocessable

MAX_URL_LENGTH = 2000
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address the host resolves to (A and AAAA)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    refused = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )
    return not refused


def _refuse(message: str) -> Unprocessable:
    return Unprocessable.field("url", message)


class UrlRules(NamedTuple):
    """What production demands (both on there, off elsewhere so local receivers work)."""

    require_https: bool
    public_hosts_only: bool

    @classmethod
    def for_environment(cls, environment: str) -> UrlRules:
        production = environment == "production"
        return cls(require_https=production, public_hosts_only=production)


async def check_endpoint_url(raw: str, rules: UrlRules, *, resolve: Resolver = resolve_host) -> str:
    """The URL, trimmed, or a 422 at `url` saying what is wrong with it."""
    url = raw.strip()
    if not url:
        raise _refuse("Enter the URL that should receive the events.")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"The URL must be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("This is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _refuse("The URL must start with https:// (or http:// for local testing).")
    if rules.require_https and scheme != "https":
        raise _refuse("The URL must use https://.")
    if parts.username is not None or parts.password is not None:
        raise _refuse("Remove the user name and password from the URL; it is shown in the delivery log.")
    host = parts.hostname
    if not host:
        raise _refuse("The URL needs a host name, e.g. https://example.com/webhooks.")
    if rules.public_hosts_only:
        await _check_public_host(host, port or (443 if scheme == "https" else 80), resolve)
    return url


async def _check_public_host(host: str, port: int, resolve: Resolver) -> None:
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = await resolve(host, port)
        except (OSError, UnicodeError):
            raise _refuse(f"The host {host} cannot be found.") from None
    if not addresses:
        raise _refuse(f"The host {host} cannot be found.")
    if not all(is_public_address(a) for a in addresses):
        raise _refuse(
            f"The host {host} is a private, loopback or link-local address; webhooks go to public hosts only."
        )
