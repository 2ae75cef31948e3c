"""Device keys: the app's P-256 public key, and requests the app signs with the private key.

The app sends a compact JWS (ES256) whose payload says what it signs; the server verifies it
with the public key it stored at enrolment. JOSE is joserfc's, never hand-written.
"""

from __future__ import annotations

import json
import time
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from tuaton.errors import BadSignature, InvalidInput
from tuaton.numeric import numeric_date
from tuaton.storage.ephemeral import made_before_memory

MAX_SKEW_SECONDS = 120


def public_device_key(jwk: dict[str, Any]) -> dict[str, Any]:
    """Validate a device's public JWK (EC P-256, no private part) and return its canonical form."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise InvalidInput("The device key must be an EC P-256 public JWK.",
                           "กุญแจของอุปกรณ์ต้องเป็น JWK ชนิด EC P-256", field="public_jwk")
    if "d" in jwk:
        raise InvalidInput("Send only the public key: the private key must never leave the device.",
                           "ห้ามส่งกุญแจส่วนตัว (private key) ออกจากอุปกรณ์", field="public_jwk")
    try:
        key = ECKey.import_key({k: jwk[k] for k in ("kty", "crv", "x", "y")})
    except (JoseError, KeyError, ValueError, TypeError) as exc:
        raise InvalidInput("The device key is not a valid P-256 point.",
                           "กุญแจของอุปกรณ์ไม่ถูกต้อง", field="public_jwk") from exc
    return key.as_dict(private=False)


def verify_signed_request(token: str, public_jwk: dict[str, Any], *, purpose: str,
                          now: float | None = None) -> dict[str, Any]:
    """Verify a device-signed request and return its payload.

    The payload must name ``purpose`` (so a signature made for one action cannot be replayed as
    another) and carry an ``iat`` within two minutes of the server's clock.
    """
    try:
        signed = jws.deserialize_compact(token, ECKey.import_key(public_jwk), algorithms=["ES256"])
        payload = json.loads(signed.payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise BadSignature() from exc
    if not isinstance(payload, dict) or payload.get("purpose") != purpose:
        raise BadSignature("The signed request is for another purpose.",
                           "ลายมือชื่อนี้ทำขึ้นสำหรับการดำเนินการอื่น")
    iat = numeric_date(payload.get("iat"))
    now = time.time() if now is None else now
    if iat is None or abs(now - iat) > MAX_SKEW_SECONDS:
        raise BadSignature("The signed request is stale or its clock is off by over two minutes.",
                           "คำขอที่ลงลายมือชื่อหมดอายุ หรือเวลาของอุปกรณ์คลาดเคลื่อนเกินสองนาที")
    return payload


def sign_request(private_key: ECKey, payload: dict[str, Any]) -> str:
    """What the app does (used by the reference app client and tests)."""
    return jws.serialize_compact({"alg": "ES256"}, json.dumps(payload).encode(), private_key)


def claim_nonce(store: Any, device_id: str, payload: dict[str, Any]) -> None:
    """A device-signed request is good once: its ``nonce`` (≥ 16 characters) is remembered for
    ten minutes, longer than ``iat`` may be off, so a captured request cannot be sent again."""
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or len(nonce) < 16 or not store.add(
            f"device-nonce:{device_id}:{nonce}", {}, 600):
        raise BadSignature("The signed request's nonce is missing or was used before.",
                           "ค่า nonce ไม่ถูกต้องหรือถูกใช้ไปแล้ว")
    # A nonce the store has not seen may be one it forgot (a restart): only requests signed since
    # it began remembering are taken.
    if numeric_date(payload.get("iat")) is None or made_before_memory(store, payload["iat"]):
        raise BadSignature("The signed request was made before the service restarted; sign it again.",
                           "คำขอที่ลงลายมือชื่อทำขึ้นก่อนระบบเริ่มทำงานใหม่ กรุณาทำรายการอีกครั้ง")
