"""The real client address of a request, behind our own reverse proxies or not.

One rule for every use (rate limits, the address kept with a session, PayFast's source-IP check):
the TCP peer is the client, unless the peer is one of our trusted proxies (TRUSTED_PROXIES); then
the client is the right-most `X-Forwarded-For` hop that is not itself a trusted proxy. Hops to the
left of that one were written by the client and are forgeable; a peer we do not trust may write
anything, so its header is ignored and it keeps its own address (and its own rate-limit bucket).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"  # the server was not told the peer (e.g. a Unix socket without a proxy header)
_SCOPE_KEY = "vg_client_address"


def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address, or None for anything else; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4."""
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Networks from CIDRs or single addresses (settings.py has already refused malformed ones)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def ip_in(value: str, networks: Iterable[str | Network]) -> bool:
    ip = parse_ip(value)
    if ip is None:
        return False
    for net in networks:
        try:
            network = (
                net
                if isinstance(net, ipaddress.IPv4Network | ipaddress.IPv6Network)
                else ipaddress.ip_network(net.strip(), strict=False)
            )
        except ValueError:
            continue
        if ip.version == network.version and ip in network:
            return True
    return False


def forwarded_client(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str | Network]) -> str:
    """The client's address: the TCP peer, or, when the peer is one of our trusted proxies, the
    right-most X-Forwarded-For hop that is not itself a trusted proxy (left hops are forgeable).
    When every hop is a trusted proxy, the left-most one is the earliest we know of."""
    trusted = tuple(trusted_proxies)
    peer = (peer or "").strip()
    if not peer or not forwarded_for or not trusted or not ip_in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not ip_in(hop, trusted):
            # A hop that is not an address at all was made up by someone: the proxy that wrote
            # the header is then the last hop we can vouch for.
            return hop if parse_ip(hop) is not None else peer
    return hops[0] if hops else peer


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The real client address of this request (see the module doc), computed once per request.

    The trusted networks come from `app.state.trusted_proxies` (set by create_app from
    TRUSTED_PROXIES); an app without them trusts no proxy."""
    scope: Any = connection.scope
    cached = scope.get(_SCOPE_KEY)
    if cached is not None:
        return str(cached)
    peer = connection.client.host if connection.client else None
    trusted = getattr(connection.app.state, "trusted_proxies", ())
    forwarded = ",".join(connection.headers.getall("x-forwarded-for", [])) if trusted else None
    address = forwarded_client(peer, forwarded, trusted) or UNKNOWN
    scope[_SCOPE_KEY] = address
    return address
