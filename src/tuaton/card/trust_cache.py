"""A verifier's cache of one issuer's keys and status lists, kept in a file, refreshed when online.

``tuaton verify`` reads it so that a guard at a door, a shop or a polling station can check cards
with no connection; when it is online it refreshes the cache once the status lists' ``ttl`` has
passed. The cache also remembers the nonces of presentations it accepted, so one QR code cannot
be shown twice.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx

from tuaton.card.verifier import PRESENTATION_SECONDS, IssuerTrust

DEFAULT_REFRESH_SECONDS = 60


class TrustCacheError(Exception):
    pass


def fetch_trust(issuer: str, http: httpx.Client | None = None) -> IssuerTrust:
    """Everything a verifier needs from ``issuer``: its metadata, JWKS and every status list."""
    issuer = issuer.rstrip("/")
    client = http or httpx.Client(timeout=10)
    try:
        metadata = client.get(issuer + "/.well-known/jwt-vc-issuer").raise_for_status().json()
        if metadata.get("issuer") != issuer:
            raise TrustCacheError(f"{issuer} names another issuer ({metadata.get('issuer')!r}) in its metadata.")
        jwks = client.get(metadata["jwks_uri"]).raise_for_status().json()
        index = client.get(metadata["status_lists_uri"]).raise_for_status().json()
        lists = {uri: client.get(uri).raise_for_status().text for uri in index.get("status_lists", [])}
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise TrustCacheError(f"Cannot refresh from {issuer}: {exc}") from exc
    return IssuerTrust(issuer, jwks, lists, time.time())


class TrustCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict = {}
        if path.exists():
            try:
                self._data = json.loads(path.read_text())
            except ValueError as exc:
                raise TrustCacheError(f"{path} is not a Tuaton verifier cache; delete it and refresh.") from exc

    @property
    def trust(self) -> IssuerTrust | None:
        return IssuerTrust.from_json(self._data["trust"]) if "trust" in self._data else None

    def is_fresh(self, now: float, refresh_seconds: float = DEFAULT_REFRESH_SECONDS) -> bool:
        trust = self.trust
        return trust is not None and now - trust.fetched_at < refresh_seconds

    def store(self, trust: IssuerTrust) -> None:
        self._data["trust"] = trust.to_json()
        self._save()

    def first_use(self, nonce: str, now: float | None = None) -> bool:
        """True the first time ``nonce`` is seen within a presentation's life; remembers it."""
        now = time.time() if now is None else now
        seen = {n: t for n, t in self._data.get("seen_nonces", {}).items() if t > now}
        if nonce in seen:
            return False
        seen[nonce] = now + PRESENTATION_SECONDS * 3
        self._data["seen_nonces"] = seen
        self._save()
        return True

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self._data, handle)
        os.replace(tmp, self.path)
