"""DPoP (RFC 9449): access and refresh tokens bound to a key the agency's server holds, so a token
that leaks is useless without that key. The client signs a short proof JWT for each request (the
``DPoP`` header); Tuaton binds the tokens it issues to the proof key's thumbprint (``cnf.jkt``) and
asks for a proof by the same key wherever the token is used.

Proofs are checked as RFC 9449 §4.3 lists: one ``DPoP`` header, a JWS of ``typ`` ``dpop+jwt``
signed with ES256 or PS256 by the public key in its ``jwk`` header (never a private one), the HTTP
method and URL of this request (``htm``, ``htu``), fresh (``iat``), never seen before (``jti``,
remembered; a proof made before the store last lost its memory is refused, as device requests
are), Tuaton's current nonce (§8: Tuaton always asks for one, so no proof can be made in advance),
and at a resource the hash of the access token (``ath``). Nonces are stateless: an HMAC of the
current five-minute period under an installation secret, so every process agrees without sharing
anything; the current and the previous period's are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from tuaton.oidc.client_keys import has_private_members
from tuaton.oidc.errors import InvalidDpopProof, UseDpopNonce
from tuaton.storage.ephemeral import EphemeralStore, made_before_memory

ALGORITHMS = ("ES256", "PS256")
NONCE_PERIOD = 300
#: How old a proof may be (its iat), and how far ahead of Tuaton's clock.
MAX_AGE = 300
MAX_AHEAD = 10
MAX_PROOF_BYTES = 8192


class _ProofRegistry(jws.JWSRegistry):
    """joserfc's registry with room for an RSA key in the header (its default allows 512 bytes)."""

    max_header_length = 4096


REGISTRY = _ProofRegistry(algorithms=list(ALGORITHMS))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def access_token_hash(token: str) -> str:
    """``ath``: base64url(SHA-256(the access token)) (RFC 9449 §4.2)."""
    return _b64(hashlib.sha256(token.encode()).digest())


class Nonces:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _for(self, period: int) -> str:
        return _b64(hmac.new(self._secret, f"dpop-nonce:{period}".encode(), hashlib.sha256).digest()[:18])

    def current(self, now: float | None = None) -> str:
        return self._for(int((now or time.time()) // NONCE_PERIOD))

    def valid(self, nonce: object, now: float | None = None) -> bool:
        period = int((now or time.time()) // NONCE_PERIOD)
        return isinstance(nonce, str) and any(hmac.compare_digest(nonce.encode(), self._for(p).encode())
                                              for p in (period, period - 1))


def _normalised(url: str) -> str | None:
    """The URL without query and fragment, scheme and host in lower case (None if it is not one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def verify_proof(headers: list[str], *, method: str, url: str, store: EphemeralStore, nonces: Nonces,
                 access_token: str | None = None) -> str:
    """The thumbprint (``jkt``) of the key that signed the request's one DPoP proof, or the
    error to answer (``invalid_dpop_proof``, or ``use_dpop_nonce`` with a fresh nonce)."""
    if len(headers) != 1:
        raise InvalidDpopProof("Send exactly one DPoP header.")
    proof = headers[0].strip()
    if not proof or len(proof) > MAX_PROOF_BYTES:
        raise InvalidDpopProof("The DPoP proof is empty or too long.")
    try:
        header = jws.extract_compact(proof.encode(), registry=REGISTRY).headers()
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidDpopProof("The DPoP proof is not a compact JWS.") from error
    if header.get("typ") != "dpop+jwt":
        raise InvalidDpopProof("The DPoP proof's typ must be dpop+jwt.")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidDpopProof(f"The DPoP proof must be signed with {' or '.join(ALGORITHMS)}.")
    jwk = header.get("jwk")
    if not isinstance(jwk, Mapping) or has_private_members(jwk):
        raise InvalidDpopProof("The DPoP proof's jwk header must be a public key.")
    try:
        key = JWKRegistry.import_key(dict(jwk))
        payload = orjson.loads(jws.deserialize_compact(proof, key, registry=REGISTRY).payload)
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidDpopProof("The DPoP proof's signature does not verify with its jwk.") from error
    if not isinstance(payload, dict):
        raise InvalidDpopProof("The DPoP proof's payload must be a JSON object.")
    now = time.time()
    jti, iat = payload.get("jti"), payload.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
        raise InvalidDpopProof("The DPoP proof needs a unique jti.")
    if payload.get("htm") != method:
        raise InvalidDpopProof(f"The DPoP proof is for another HTTP method (htm must be {method}).")
    htu = payload.get("htu")
    if not isinstance(htu, str) or _normalised(htu) != _normalised(url):
        raise InvalidDpopProof(f"The DPoP proof is for another URL (htu must be {_normalised(url)}).")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or not now - MAX_AGE <= iat <= now + MAX_AHEAD:
        raise InvalidDpopProof("The DPoP proof's iat is missing, too old or in the future.")
    if access_token is not None and not hmac.compare_digest(str(payload.get("ath", "")).encode(),
                                                            access_token_hash(access_token).encode()):
        raise InvalidDpopProof("The DPoP proof's ath is not the hash of this access token.")
    if not nonces.valid(payload.get("nonce"), now):
        raise UseDpopNonce("Sign the DPoP proof again with the nonce in the DPoP-Nonce header.",
                           nonce=nonces.current(now))
    jkt = key.thumbprint()
    if not store.add(f"dpop-jti:{jkt}:{jti}", {}, MAX_AGE + MAX_AHEAD) or made_before_memory(store, iat):
        raise InvalidDpopProof("This DPoP proof was used before (or made before Tuaton's replay protection last "
                               "restarted); make a new one for each request.")
    return jkt
