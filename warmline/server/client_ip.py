"""The client address that per-address limits count.

Behind a load balancer every socket comes from the balancer, so the client is named
in X-Forwarded-For; but any client can send that header, so it is believed only when
the peer is a proxy the operator listed (`trusted_proxies`). The header is read from
the right: each trusted proxy appends the address it saw, and the first hop that is
not a trusted proxy is the client (anything further left was written by the client).
"""

from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


def _trusted(address: str, proxies: list[Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: list[Network]) -> str:
    """The peer, or the nearest untrusted X-Forwarded-For hop when the peer is trusted."""
    if peer is None:
        return "unknown"
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a garbled hop names nobody; count the proxy rather than it
    return hops[0] if hops else peer
