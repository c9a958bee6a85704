"""Where a webhook may be sent. A team's endpoint is a URL someone typed, and Onestop is the
one that connects to it, from inside the network it runs in: so it must not become a way to
reach the cloud's metadata service or the machine's own loopback services.

Refused: anything but https (plain http only to loopback, and loopback only when
WEBHOOK_ALLOW_LOOPBACK is set, as in the tests and the demo); credentials in the URL;
link-local addresses (169.254.0.0/16 with the cloud metadata services, fe80::/10), the
metadata addresses outside it (fd00:ec2::254, 100.100.100.200, 168.63.129.16), unspecified,
multicast, broadcast and reserved addresses, and loopback; and an IPv6 address that carries
a refused IPv4 one (mapped, NAT64, 6to4, Teredo). Every address a name resolves to is checked
before each delivery, and the connection goes to the checked address, so a name cannot
resolve to an allowed address for the check and a refused one for the connection.

Allowed on purpose: private networks (10/8, 172.16/12, 192.168/16, fc00::/7): a team's CRM
is often on one. A site that must not reach them blocks them for the app servers in the
network. What a private address answers is not kept in the delivery log (only its status),
so a webhook cannot be used to read an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

MAX_URL = 500
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class TargetError(ValueError):
    """Why a URL is not an acceptable webhook target, in words for the form."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to (mapped, NAT64, 6to4, Teredo, compatible)."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool):
    """Why this address may not be a target, or None when it may."""
    inner = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if inner is not None and (reason := refusal(inner, allow_loopback)):
        return reason
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return None if allow_loopback else "this machine's own (loopback) address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "not an address a web server answers on"
    if isinstance(address, ipaddress.IPv4Address) and address == ipaddress.IPv4Address(
        "255.255.255.255"
    ):
        return "a broadcast address"
    return None


def is_private(address: str) -> bool:
    """On a private network (loopback, allowed only for tests and the demo, is not)."""
    parsed = ipaddress.ip_address(address.split("%")[0])
    return parsed.is_private and not parsed.is_loopback


def check_url(url: str, allow_loopback: bool) -> SplitResult:
    """The URL's own rules, without the network: scheme, host, no credentials, and no
    refused address written as a literal (or as `localhost`)."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise TargetError(f"A URL of at most {MAX_URL} characters, please.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetError("This is not a URL Onestop can send to.") from None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise TargetError("Give the full address, starting with https://")
    if parts.username is not None or parts.password is not None:
        raise TargetError("Leave credentials out of the URL: receivers check the signature.")
    if port == 0:
        raise TargetError("This is not a URL Onestop can send to.")
    loopback_name = host.lower() == "localhost" or host.lower().endswith(".localhost")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if loopback_name:
        literal = ipaddress.ip_address("127.0.0.1")
    if literal is not None and (reason := refusal(literal, allow_loopback)):
        raise TargetError(f"Onestop does not send to {reason}.")
    if parts.scheme == "http" and not (allow_loopback and literal and literal.is_loopback):
        raise TargetError("Webhooks are sent over https only.")
    return parts


def addresses(parts: SplitResult, allow_loopback: bool) -> list[tuple]:
    """Every address the host resolves to (as getaddrinfo gives them), if none is refused."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetError(f"The host name does not resolve ({error}).") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if reason := refusal(address, allow_loopback):
            raise TargetError(f"{parts.hostname} resolves to {reason} ({address}).")
    return found
