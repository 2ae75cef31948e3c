"""Verifying a digital ID card presentation with nothing but what the verifier has cached.

``IssuerTrust`` is the verifier's cache: the issuer's public keys and its status lists, fetched
when online (``tuaton verify --refresh``, or the server's own keys). ``verify_presentation`` checks,
in order: the issuer's signature and type, expiry, every disclosure, the holder's Key Binding JWT
(signed by the phone's key in ``cnf``, over these disclosures), its age (a QR code lives a
minute), audience and nonce, replay, then the card's status-list entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tuaton.card import sd_jwt
from tuaton.card.credential import ACCEPTED_TYPS, VCT_PATH
from tuaton.card.status_list import INVALID, StatusList, StatusListError, read_list_token
from tuaton.errors import PresentationRejected
from tuaton.numeric import numeric_date

#: A presentation is good for this long after the phone signed it (the QR code's life).
PRESENTATION_SECONDS = 60
CLOCK_SKEW_SECONDS = 10


@dataclass
class IssuerTrust:
    """What a verifier trusts: one issuer, its public JWKS and its status list tokens by URI."""

    issuer: str
    jwks: dict[str, Any]
    status_lists: dict[str, str] = field(default_factory=dict)
    fetched_at: float = 0.0

    def keys(self) -> KeySet:
        try:
            return KeySet.import_key_set({"keys": [k for k in self.jwks.get("keys", []) if k.get("kty") == "EC"]})
        except (JoseError, ValueError, TypeError) as exc:
            raise PresentationRejected("unknown_issuer", "The cached issuer keys are unreadable; refresh them.") \
                from exc

    def to_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "jwks": self.jwks, "status_lists": self.status_lists,
                "fetched_at": self.fetched_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssuerTrust:
        return cls(data["issuer"], data["jwks"], dict(data.get("status_lists", {})), data.get("fetched_at", 0.0))


@dataclass(frozen=True)
class VerifiedCard:
    issuer: str
    #: The claims the citizen chose to show (and only those).
    claims: dict[str, Any]
    ial: str | None
    issued_at: int
    expires_at: int
    presented_at: int
    status_checked_at: int | None


def _rejected(exc: sd_jwt.SdJwtError) -> PresentationRejected:
    return PresentationRejected(exc.reason, str(exc))


def verify_presentation(presentation: str, trust: IssuerTrust, *, audience: str, nonce: str | None = None,
                        first_use: Callable[[str], bool] | None = None,
                        now: float | None = None) -> VerifiedCard:
    """Verify ``presentation``; raise ``PresentationRejected`` naming the check that failed.

    ``nonce``: the verifier's own challenge, when it gave one; without it, the phone's nonce must
    be new to ``first_use`` (a replay cache), so a QR code cannot be shown twice.
    """
    now = time.time() if now is None else now
    if len(presentation) > 16_000:
        raise PresentationRejected("malformed", "The presentation is too large to be a Tuaton card.")
    try:
        header = sd_jwt.unverified_header(presentation.split(sd_jwt.SEPARATOR, 1)[0])
        if header.get("typ") not in ACCEPTED_TYPS:
            raise PresentationRejected("malformed", f"The credential's typ is {header.get('typ')!r}, not dc+sd-jwt.")
        verified = sd_jwt.verify(presentation, trust.keys())
    except sd_jwt.SdJwtError as exc:
        raise _rejected(exc) from exc
    claims = verified.claims
    if claims.get("iss") != trust.issuer or claims.get("vct") != trust.issuer + VCT_PATH:
        raise PresentationRejected("unknown_issuer")
    exp, iat = numeric_date(claims.get("exp")), numeric_date(claims.get("iat"))
    if exp is None or iat is None or exp < now - CLOCK_SKEW_SECONDS or iat > now + CLOCK_SKEW_SECONDS:
        raise PresentationRejected("expired")
    kb = verified.key_binding
    presented = numeric_date(kb.get("iat"))
    if presented is None or presented > now + CLOCK_SKEW_SECONDS \
            or now - presented > PRESENTATION_SECONDS + CLOCK_SKEW_SECONDS:
        raise PresentationRejected("stale")
    if kb.get("aud") != audience:
        raise PresentationRejected("wrong_audience")
    phone_nonce = kb.get("nonce")
    if nonce is not None and phone_nonce != nonce:
        raise PresentationRejected("wrong_nonce")
    if not isinstance(phone_nonce, str) or len(phone_nonce) < 16:
        raise PresentationRejected("binding_invalid", "The presentation carries no fresh nonce.")
    if nonce is None and first_use is not None and not first_use(phone_nonce):
        raise PresentationRejected("replayed")
    checked_at = _check_status(claims.get("status"), trust, now)
    shown = {k: claims[k] for k in verified.disclosed}
    return VerifiedCard(trust.issuer, shown, claims.get("ial"), iat, exp, presented, checked_at)


def _check_status(status: Any, trust: IssuerTrust, now: float) -> int:
    entry = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("idx"), int) or not isinstance(entry.get("uri"), str):
        raise PresentationRejected("malformed", "The card names no status-list entry.")
    token = trust.status_lists.get(entry["uri"])
    if token is None:
        raise PresentationRejected("status_unavailable")
    try:
        payload = read_list_token(token, trust.keys(), entry["uri"])
        if payload.get("exp", 0) < now:
            raise PresentationRejected("status_stale")
        state = StatusList.status_at(payload["status_list"], entry["idx"])
    except StatusListError as exc:
        raise PresentationRejected("status_unavailable", str(exc)) from exc
    if state == INVALID:
        raise PresentationRejected("revoked")
    return int(payload.get("iat", 0))
