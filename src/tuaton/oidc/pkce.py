"""Proof Key for Code Exchange (RFC 7636), S256 only: ``plain`` is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def is_well_formed(value: str) -> bool:
    """A code_verifier and an S256 code_challenge share one grammar (43-128 unreserved chars)."""
    return VERIFIER.fullmatch(value) is not None


def verifier_matches(challenge: str, verifier: str) -> bool:
    return is_well_formed(verifier) and hmac.compare_digest(s256(verifier), challenge)
