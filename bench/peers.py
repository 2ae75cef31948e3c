"""The two OpenID Providers `make bench` drives side by side with one driver: Tuaton and the peer
(panva's oidc-provider, bench/peer/). Each knows how to take one browser through a full sign-in
to an authorization code; everything after the code (token, refresh, userinfo) is standard and
shared. All traffic stays on loopback."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc.jwk import ECKey
from tests.live import free_port, wait_until_up

from tuaton.identity.devices import sign_request

PEER_DIR = Path(__file__).resolve().parent / "peer"
PASSCODE = "50738261"
REDIRECT = "https://bench.example.go.th/cb"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def code_from(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


@dataclass
class Device:
    pid: str
    device_id: str
    key: ECKey


class Tuaton:
    name = "tuaton"
    token_path, userinfo_path = "/oauth2/token", "/oauth2/userinfo"
    discovery_path, jwks_path = "/.well-known/openid-configuration", "/oauth2/jwks"

    def __init__(self, base: str, client_id: str, secret: str, devices: list[Device]) -> None:
        self.base, self.client, self.devices = base, (client_id, secret), devices

    async def signin_to_code(self, http: httpx.AsyncClient, i: int) -> tuple[str, str]:
        """authorize → the app reads the sign-in → the app's signed approval with the passcode →
        the browser's status → the code (and the PKCE verifier)."""
        device = self.devices[i % len(self.devices)]
        verifier, challenge = pkce()
        page = await http.get("/oauth2/authorize", params={
            "client_id": self.client[0], "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "openid pid name", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge, "code_challenge_method": "S256"})
        signin_id = re.search(r'data-payload="[^"]+/s/([^"]+)"', page.text).group(1)
        number = re.search(r'data-number="([0-9]{2})"', page.text).group(1)   # the citizen reads it off the page
        cookie = {f"tuaton_signin_{signin_id}": page.cookies.get(f"tuaton_signin_{signin_id}")}
        shown = (await http.get(f"/api/app/v1/signins/{signin_id}")).json()
        signed = sign_request(device.key, {"purpose": "signin", "signin": signin_id, "challenge": shown["challenge"],
                                           "decision": "approve", "device": device.device_id,
                                           "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})
        decided = await http.post(f"/api/app/v1/signins/{signin_id}/decision", json={
            "device_id": device.device_id, "decision": "approve", "signed_request": signed, "passcode": PASSCODE,
            "number": number})
        decided.raise_for_status()
        http.cookies.clear()
        status = (await http.get(f"/signin/{signin_id}/status", headers={"Accept": "application/json"},
                                 cookies=cookie)).json()
        return code_from(status["redirect_to"]), verifier


class Peer:
    name = "oidc-provider"
    token_path, userinfo_path = "/token", "/me"
    discovery_path, jwks_path = "/.well-known/openid-configuration", "/jwks"

    def __init__(self, base: str, client_id: str, secret: str) -> None:
        self.base, self.client = base, (client_id, secret)

    async def signin_to_code(self, http: httpx.AsyncClient, i: int) -> tuple[str, str]:
        """authorize → the login interaction (sign-in and consent) → resume → the code."""
        http.cookies.clear()
        verifier, challenge = pkce()
        started = await http.get("/auth", params={
            "client_id": self.client[0], "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "openid pid name offline_access", "prompt": "consent", "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256"})
        interaction = started.headers["location"]
        finished = await http.post(f"{interaction}?account=1{i % 1000:012d}")
        resumed = await http.get(finished.headers["location"])
        return code_from(resumed.headers["location"]), verifier


def start_peer() -> tuple[subprocess.Popen, Peer]:
    """Install the pinned oidc-provider (npm ci, from bench/peer/package-lock.json) and start it."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed (make bench installs Debian's nodejs)")
    if not (PEER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEER_DIR, check=True)
    port = free_port()
    client_id, secret = "bench", secrets.token_urlsafe(32)
    process = subprocess.Popen([node, "server.mjs", str(port), client_id, secret, REDIRECT], cwd=PEER_DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "NODE_ENV": "production"})
    wait_until_up(f"http://127.0.0.1:{port}/.well-known/openid-configuration", 30)
    return process, Peer(f"http://127.0.0.1:{port}", client_id, secret)
