"""Management addresses of nodes: ``10.1.2.3``, ``10.1.2.3:1161``, ``fd00::1``, ``[fd00::1]:161``."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import netaddr

DEFAULT_SNMP_PORT = 161


class Address(NamedTuple):
    host: str  # IP literal, without brackets
    port: int
    version: int  # 4 or 6


@lru_cache(maxsize=16384)
def parse_address(text: str) -> Address:
    """Parse a node address. Raises ``ValueError`` saying what is wrong.

    Cached: the schema, the reference check, the agent and the simulator all parse the same
    few thousand addresses.
    """
    s = text.strip()
    port = DEFAULT_SNMP_PORT
    if s.startswith("["):
        host, sep, rest = s[1:].partition("]")
        if not sep:
            raise ValueError(f"'{text}' opens '[' without closing ']'")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"'{text}': expected ':port' after ']'")
            port = _port(rest[1:], text)
    elif s.count(":") == 1:
        host, _, p = s.partition(":")
        port = _port(p, text)
    else:
        host = s
    try:
        ip = netaddr.IPAddress(host, flags=netaddr.INET_PTON if ":" not in host else 0)
    except (netaddr.AddrFormatError, ValueError):
        raise ValueError(f"'{text}' is not an IPv4/IPv6 address (write a.b.c.d, a.b.c.d:port or [v6]:port)") from None
    return Address(str(ip), port, ip.version)


def _port(p: str, text: str) -> int:
    if not p.isdigit() or not 0 < int(p) < 65536:
        raise ValueError(f"'{text}': port must be 1-65535")
    return int(p)


def format_address(addr: Address) -> str:
    if addr.version == 6:
        return f"[{addr.host}]:{addr.port}"
    return f"{addr.host}:{addr.port}"
