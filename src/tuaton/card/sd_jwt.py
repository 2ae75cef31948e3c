"""Selective Disclosure for JWTs (IETF SD-JWT, RFC 9901) as plain functions over typed values.

Only the *format* lives here: disclosures (``[salt, name, value]``, base64url JSON), their
SHA-256 digests in the signed ``_sd`` array, the ``~``-joined serialisation and the Key Binding
JWT (``typ: kb+jwt``) with its ``sd_hash``. Signing and verifying are joserfc's; nothing here
touches a signature's bytes. Tuaton discloses top-level claims only (the card is flat).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

SD_ALG = "sha-256"
KB_TYP = "kb+jwt"
SEPARATOR = "~"
#: Claims the SD-JWT format reserves; a disclosure may never carry them.
RESERVED = frozenset({"_sd", "_sd_alg", "...", "iss", "iat", "exp", "nbf", "cnf", "vct", "status", "sub"})


class SdJwtError(ValueError):
    """The input is not a well-formed or valid SD-JWT; ``reason`` is a stable slug."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(text: str) -> str:
    """The digest of a disclosure or of an SD-JWT as presented (base64url of SHA-256)."""
    return b64url(hashlib.sha256(text.encode("ascii")).digest())


@dataclass(frozen=True)
class Disclosure:
    salt: str
    name: str
    value: Any
    encoded: str

    @classmethod
    def make(cls, name: str, value: Any) -> Disclosure:
        salt = b64url(secrets.token_bytes(16))
        encoded = b64url(json.dumps([salt, name, value], ensure_ascii=False, separators=(",", ":")).encode())
        return cls(salt, name, value, encoded)

    @classmethod
    def parse(cls, encoded: str) -> Disclosure:
        try:
            decoded = json.loads(b64url_decode(encoded))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SdJwtError("disclosure_invalid", "A disclosure is not base64url-encoded JSON.") from exc
        if not (isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[0], str)
                and isinstance(decoded[1], str)):
            raise SdJwtError("disclosure_invalid", "A disclosure must be [salt, claim name, value].")
        if decoded[1] in RESERVED:
            raise SdJwtError("disclosure_invalid", f"A disclosure may not carry the reserved claim {decoded[1]!r}.")
        return cls(decoded[0], decoded[1], decoded[2], encoded)

    @property
    def digest(self) -> str:
        return digest(self.encoded)


@dataclass(frozen=True)
class IssuedSdJwt:
    """What the issuer hands the holder: the signed JWT and every disclosure."""

    jwt: str
    disclosures: tuple[Disclosure, ...]

    def serialize(self) -> str:
        return SEPARATOR.join([self.jwt, *(d.encoded for d in self.disclosures)]) + SEPARATOR

    @classmethod
    def parse(cls, text: str) -> IssuedSdJwt:
        parts = text.strip().split(SEPARATOR)
        if len(parts) < 2 or parts[-1] != "" or not parts[0]:
            raise SdJwtError("malformed", "An issued SD-JWT is '<jwt>~<disclosure>~…~'.")
        return cls(parts[0], tuple(Disclosure.parse(p) for p in parts[1:-1]))

    def claims_available(self) -> dict[str, Any]:
        return {d.name: d.value for d in self.disclosures}


def issue(header: dict[str, Any], claims: Mapping[str, Any], disclosable: Mapping[str, Any],
          key: ECKey) -> IssuedSdJwt:
    """Sign ``claims`` (always visible) with ``disclosable`` hidden behind digests in ``_sd``."""
    disclosures = tuple(Disclosure.make(name, value) for name, value in disclosable.items())
    overlap = set(claims) & set(disclosable)
    if overlap:
        raise ValueError(f"claims both visible and disclosable: {sorted(overlap)}")
    payload = {**claims, "_sd": sorted(d.digest for d in disclosures), "_sd_alg": SD_ALG}
    token = jws.serialize_compact(header, json.dumps(payload, ensure_ascii=False).encode(), key)
    return IssuedSdJwt(token, disclosures)


def present(issued: IssuedSdJwt, names: Iterable[str], holder_key: ECKey, *, aud: str, nonce: str,
            iat: int) -> str:
    """The holder's presentation: chosen disclosures and a Key Binding JWT over them."""
    wanted = set(names)
    chosen = [d.encoded for d in issued.disclosures if d.name in wanted]
    missing = wanted - {d.name for d in issued.disclosures}
    if missing:
        raise SdJwtError("not_disclosable", f"The credential has no disclosable {sorted(missing)}.")
    without_kb = SEPARATOR.join([issued.jwt, *chosen]) + SEPARATOR
    kb_payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": digest(without_kb)}
    kb_jwt = jws.serialize_compact({"alg": "ES256", "typ": KB_TYP}, json.dumps(kb_payload).encode(), holder_key)
    return without_kb + kb_jwt


@dataclass(frozen=True)
class VerifiedSdJwt:
    header: dict[str, Any]
    #: The signed payload without ``_sd``/``_sd_alg``, with the disclosed claims filled in.
    claims: dict[str, Any]
    disclosed: tuple[str, ...]
    key_binding: dict[str, Any]


def _verify_jws(token: str, keys: KeySet | ECKey, what: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        signed = jws.deserialize_compact(token, keys, algorithms=["ES256"])
        payload = json.loads(signed.payload)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SdJwtError("bad_signature", f"The {what}'s signature does not verify: {exc}") from exc
    if not isinstance(payload, dict):
        raise SdJwtError("malformed", f"The {what}'s payload is not a JSON object.")
    return dict(signed.protected), payload


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = json.loads(b64url_decode(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SdJwtError("malformed", "The JWT's header is not base64url-encoded JSON.") from exc
    if not isinstance(header, dict):
        raise SdJwtError("malformed", "The JWT's header is not a JSON object.")
    return header


def verify(presentation: str, issuer_keys: KeySet) -> VerifiedSdJwt:
    """Check the issuer's signature, every disclosure against ``_sd``, and the holder's Key Binding
    JWT (signature by ``cnf.jwk``, ``typ``, ``sd_hash``). Time, audience and nonce are the
    caller's policy: the KB-JWT's payload comes back to be checked."""
    parts = presentation.strip().split(SEPARATOR)
    if len(parts) < 2 or not parts[0]:
        raise SdJwtError("malformed", "Not an SD-JWT presentation ('<jwt>~<disclosure>~…~<kb-jwt>').")
    if not parts[-1]:
        raise SdJwtError("not_bound", "The presentation has no Key Binding JWT: it is not bound to the "
                                      "holder's device.")
    issuer_jwt, encoded, kb_jwt = parts[0], parts[1:-1], parts[-1]
    header, payload = _verify_jws(issuer_jwt, issuer_keys, "issuer JWT")
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        raise SdJwtError("malformed", f"Unsupported _sd_alg {payload.get('_sd_alg')!r}; only sha-256.")
    digests = payload.get("_sd", [])
    if not isinstance(digests, list):
        raise SdJwtError("malformed", "_sd must be an array of digests.")
    claims = {k: v for k, v in payload.items() if k not in ("_sd", "_sd_alg")}
    seen: set[str] = set()
    for item in encoded:
        disclosure = Disclosure.parse(item)
        if disclosure.digest not in digests:
            raise SdJwtError("disclosure_invalid", "A disclosure was not issued with this credential.")
        if disclosure.digest in seen or disclosure.name in claims:
            raise SdJwtError("disclosure_invalid", f"The claim {disclosure.name!r} is disclosed twice.")
        seen.add(disclosure.digest)
        claims[disclosure.name] = disclosure.value
    holder = (payload.get("cnf") or {}).get("jwk") if isinstance(payload.get("cnf"), dict) else None
    if not isinstance(holder, dict):
        raise SdJwtError("not_bound", "The credential names no holder key (cnf.jwk).")
    try:
        holder_key = ECKey.import_key(holder)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SdJwtError("malformed", "The credential's holder key is not a P-256 JWK.") from exc
    kb_header, kb_payload = _verify_jws(kb_jwt, holder_key, "key binding JWT")
    if kb_header.get("typ") != KB_TYP:
        raise SdJwtError("binding_invalid", "The Key Binding JWT's typ must be kb+jwt.")
    if kb_payload.get("sd_hash") != digest(SEPARATOR.join(parts[:-1]) + SEPARATOR):
        raise SdJwtError("binding_invalid", "The Key Binding JWT does not cover these disclosures (sd_hash).")
    names = tuple(sorted(k for k in claims if k not in payload))
    return VerifiedSdJwt(header, claims, names, kb_payload)
