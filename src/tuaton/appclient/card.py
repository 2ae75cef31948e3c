"""The app's digital ID card: fetched while online (passcode), kept beside the device key, and
presented offline as a QR code that the phone's key signs for one minute.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tuaton.appclient.client import AppClient, AppError, DeviceFile
from tuaton.card import sd_jwt
from tuaton.card.credential import SHOWINGS, Showing

#: Renew a cached card once less than this share of its life is left.
RENEW_WHEN_LEFT = 0.5


@dataclass
class StoredCard:
    credential: str
    issuer: str
    audience: str
    expires_at: int
    fetched_at: int

    @staticmethod
    def path_for(device_path: Path) -> Path:
        return device_path.with_name(device_path.name + ".card")

    def save(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle)

    @classmethod
    def load(cls, path: Path) -> StoredCard | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def needs_renewal(self, now: float) -> bool:
        life = max(self.expires_at - self.fetched_at, 1)
        return (self.expires_at - now) < life * RENEW_WHEN_LEFT


def card_for(device_path: Path, passcode: str | None, *, offline: bool = False) -> StoredCard:
    """The cached card; renewed first when it is past half its life and the passcode is given,
    unless offline (or unreachable), where a cached card that has not expired is shown as it is."""
    device = DeviceFile.load(device_path)
    path = StoredCard.path_for(device_path)
    stored = StoredCard.load(path)
    now = time.time()
    usable = stored is not None and stored.expires_at > now
    if usable and (offline or not passcode or not stored.needs_renewal(now)):
        return stored
    if offline:
        raise AppError("No digital card is cached on this device yet; show it once while online."
                       if stored is None else "The digital card cached on this device has expired; connect to "
                       "renew it.")
    if not passcode:
        raise AppError("--passcode is required to fetch or renew the digital card.")
    try:
        body = AppClient(device.issuer).fetch_card(device, passcode)
    except AppError as exc:
        if usable and exc.status is None:  # unreachable: the cached card still serves
            return stored
        raise
    stored = StoredCard(body["credential"], body["issuer"], body["audience"], body["expires_at"], int(now))
    stored.save(path)
    return stored


def present(stored: StoredCard, device: DeviceFile, showing: Showing, *, audience: str | None = None,
            nonce: str | None = None, now: int | None = None) -> dict[str, Any]:
    """A presentation of ``showing`` (the QR code's content), valid for a minute."""
    issued = sd_jwt.IssuedSdJwt.parse(stored.credential)
    available = issued.claims_available()
    names = [n for n in SHOWINGS[showing] if n in available]
    iat = int(time.time()) if now is None else now
    presentation = sd_jwt.present(issued, names, device.key, aud=audience or stored.audience,
                                  nonce=nonce or secrets.token_urlsafe(16), iat=iat)
    return {"presentation": presentation, "showing": showing.value, "claims": names,
            "expires_at": iat + 60, "card_expires_at": stored.expires_at}
