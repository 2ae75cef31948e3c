"""The one way Tuaton's servers make a request to an address an agency gave (CIBA pings, and the
keys of a client registered with a ``jwks_uri``).

A host name is resolved when the request is sent, every address it resolves to must be on the
public internet (not loopback, private, link-local, shared, reserved or multicast; IPv4-mapped
IPv6 is looked through), and the connection goes to the address that was checked — so a name
that points inside the network, or one re-pointed between the check and the connection (DNS
rebinding), reaches nothing. TLS still verifies the certificate for the name (SNI and Host are the
name). No redirects are followed and every timeout is short.

An endpoint whose URL itself names an internal host (``http://127.0.0.1:…``, ``localhost``) can
only have been registered by an operator (oidc/clients.check_backchannel refuses it from
agencies); it is connected to as written.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

CONNECT_SECONDS, TOTAL_SECONDS = 3.0, 5.0


class OutboundRefused(Exception):
    """The destination is not a public address."""


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the legacy forms a resolver still accepts: 2130706433, 0x7f.1, 127.1
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def names_internal_host(url: str) -> bool:
    """``localhost`` or an IP literal that is not on the public internet."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and not is_public(address)


def checked_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: resolved now, and refused unless every address
    the name has is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundRefused(f"{host} does not resolve") from exc
    addresses = {_address(info[4][0]) for info in infos}
    if not addresses or None in addresses or not all(is_public(a) for a in addresses):
        raise OutboundRefused(f"{host} resolves to an address that is not public")
    return str(sorted(addresses, key=lambda a: (a.version, int(a)))[0])


def post_json(url: str, payload: Any, *, headers: dict[str, str]) -> httpx.Response:
    """POST ``payload`` as JSON to ``url`` under the rules above; raises OutboundRefused or
    httpx.HTTPError."""
    return _send("POST", url, headers=headers, json=payload)


#: The most a fetched document may be (a JWKS of a few keys is a few kilobytes).
MAX_FETCHED_BYTES = 64 * 1024


def get_json(url: str) -> Any:
    """GET a JSON document from ``url`` under the rules above: a 200 answer of at most
    :data:`MAX_FETCHED_BYTES`, parsed; raises OutboundRefused, httpx.HTTPError or ValueError."""
    response = _send("GET", url, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise ValueError(f"{url} answered {response.status_code}")
    if len(response.content) > MAX_FETCHED_BYTES:
        raise ValueError(f"{url} sent more than {MAX_FETCHED_BYTES} bytes")
    return response.json()


def _send(method: str, url: str, *, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    target = httpx.URL(url)
    if target.scheme not in ("https", "http"):
        raise OutboundRefused("only http(s) URLs")
    extensions: dict[str, Any] = {}
    if not names_internal_host(url):
        ip = checked_address(target.host, target.port or (443 if target.scheme == "https" else 80))
        extensions["sni_hostname"] = target.host
        headers = {**headers, "Host": target.netloc.decode("ascii")}
        target = target.copy_with(host=ip)
    with httpx.Client(timeout=httpx.Timeout(TOTAL_SECONDS, connect=CONNECT_SECONDS), follow_redirects=False,
                      trust_env=False) as client:
        return client.request(method, target, headers=headers, extensions=extensions, **kwargs)
