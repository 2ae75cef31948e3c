"""IETF Token Status List (draft-ietf-oauth-status-list): revocation that a verifier can check
offline with a list it fetched earlier, without telling the issuer which card it saw.

A list is a bit string (1 bit per credential here: 0 valid, 1 invalid), bit ``i`` in byte
``i // 8`` at position ``i % 8`` (least significant first), compressed with DEFLATE in the ZLIB
format, base64url-encoded into ``status_list.lst`` of a JWT with ``typ: statuslist+jwt``,
signed by the issuer. A credential points at its entry with
``status: {status_list: {idx, uri}}``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from tuaton.card.sd_jwt import b64url, b64url_decode

TYP = "statuslist+jwt"
VALID, INVALID = 0, 1


class StatusListError(ValueError):
    pass


@dataclass(frozen=True)
class StatusList:
    size: int
    invalid: frozenset[int]

    def encode(self) -> dict[str, Any]:
        raw = bytearray((self.size + 7) // 8)
        for index in self.invalid:
            raw[index // 8] |= 1 << (index % 8)
        return {"bits": 1, "lst": b64url(zlib.compress(bytes(raw), 9))}

    @staticmethod
    def status_at(encoded: dict[str, Any], index: int) -> int:
        """The status of entry ``index`` in a ``status_list`` object."""
        if encoded.get("bits") != 1:
            raise StatusListError("Only 1-bit status lists are understood.")
        try:
            raw = zlib.decompress(b64url_decode(encoded["lst"]))
        except (KeyError, TypeError, ValueError, zlib.error) as exc:
            raise StatusListError("status_list.lst is not a base64url ZLIB stream.") from exc
        if not 0 <= index < len(raw) * 8:
            raise StatusListError(f"Index {index} is outside the status list.")
        return (raw[index // 8] >> (index % 8)) & 1


def list_token(uri: str, size: int, invalid: Iterable[int], key: ECKey, *, iat: int, ttl: int,
               lifetime: int) -> str:
    """The signed Status List Token for ``uri``."""
    payload = {"sub": uri, "iat": iat, "exp": iat + lifetime, "ttl": ttl,
               "status_list": StatusList(size, frozenset(invalid)).encode()}
    header = {"alg": "ES256", "typ": TYP, "kid": key.kid}
    return jws.serialize_compact(header, json.dumps(payload).encode(), key)


def read_list_token(token: str, keys: KeySet, uri: str) -> dict[str, Any]:
    """Verify a Status List Token's signature, type and subject; return its payload."""
    try:
        signed = jws.deserialize_compact(token, keys, algorithms=["ES256"])
        payload = json.loads(signed.payload)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise StatusListError(f"The status list's signature does not verify: {exc}") from exc
    if signed.protected.get("typ") != TYP:
        raise StatusListError("The status list token's typ must be statuslist+jwt.")
    if not isinstance(payload, dict) or payload.get("sub") != uri:
        raise StatusListError("The status list token is for another list.")
    return payload
