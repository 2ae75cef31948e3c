"""Requests to addresses agencies give: public addresses only, checked when sent, no redirects."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton import outbound
from tuaton.oidc.ciba import send_ping


def _resolving(monkeypatch, *addresses: str) -> list[str]:
    """Make every name resolve to ``addresses``; returns the names looked up."""
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize("addresses", [("127.0.0.1",), ("10.1.2.3",), ("169.254.169.254",), ("::1",),
                                       ("::ffff:127.0.0.1",), ("100.64.0.1",), ("203.0.113.9", "192.168.1.1"),
                                       ("224.0.0.1",)])
def test_a_name_that_points_inside_is_never_connected_to(monkeypatch, addresses):
    asked = _resolving(monkeypatch, *addresses)
    with pytest.raises(outbound.OutboundRefused):
        outbound.post_json("https://ping.agency.example.go.th/cb", {"auth_req_id": "x"}, headers={})
    assert asked == ["ping.agency.example.go.th"]


def test_a_ping_to_such_a_name_is_dropped_not_sent(monkeypatch):
    _resolving(monkeypatch, "127.0.0.1")
    assert send_ping("https://rebinding.example.com/ping", "token", "req") is False


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    _resolving(monkeypatch, "8.8.8.8")
    sent = []

    def request(self, method, url, **kwargs):
        sent.append((method, str(url), kwargs["headers"]["Host"], kwargs["extensions"]["sni_hostname"]))
        raise outbound.httpx.ConnectError("not on this machine")

    monkeypatch.setattr(outbound.httpx.Client, "request", request)
    with pytest.raises(outbound.httpx.ConnectError):
        outbound.post_json("https://ping.agency.example.go.th:8443/cb", {}, headers={})
    with pytest.raises(outbound.httpx.ConnectError):
        outbound.get_json("https://keys.agency.example.go.th/jwks.json")
    assert sent == [("POST", "https://8.8.8.8:8443/cb", "ping.agency.example.go.th:8443", "ping.agency.example.go.th"),
                    ("GET", "https://8.8.8.8/jwks.json", "keys.agency.example.go.th", "keys.agency.example.go.th")]


@pytest.mark.parametrize("status,body,why", [(404, b"{}", "answered 404"),
                                             (200, b"[" + b"1," * 40_000 + b"1]", "more than")])
def test_a_fetched_document_must_be_a_small_200(monkeypatch, status, body, why):
    _resolving(monkeypatch, "8.8.8.8")
    monkeypatch.setattr(outbound.httpx.Client, "request",
                        lambda self, method, url, **kwargs: outbound.httpx.Response(status, content=body))
    with pytest.raises(ValueError, match=why):
        outbound.get_json("https://keys.agency.example.go.th/jwks.json")


def test_redirects_are_not_followed():
    hits = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:       # a literal loopback URL: only an operator can register one (clients.check_backchannel)
        assert send_ping(f"http://127.0.0.1:{server.server_port}/ping", "t", "r") is False
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/ping"]


@given(st.ip_addresses())
def test_literal_addresses_are_internal_exactly_when_not_public(address):
    host = f"[{address}]" if address.version == 6 else str(address)
    mapped = getattr(address, "ipv4_mapped", None) or address
    assert outbound.names_internal_host(f"https://{host}/x") == (not outbound.is_public(mapped))
