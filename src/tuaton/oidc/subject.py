"""Subject identifiers (OIDC Core §8): pairwise per agency by default, never the citizen ID.

pairwise ``sub`` = base64url(HMAC-SHA256(installation secret, sector ‖ identity id)); the sector
is the client id, so two agencies cannot join their records on ``sub``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.exc import IntegrityError

from tuaton.oidc.models import InstallationSecret
from tuaton.storage.db import Database


def installation_secret(database: Database, name: str) -> bytes:
    with database.reading() as session:
        row = session.get(InstallationSecret, name)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with database.transaction() as session:
            session.add(InstallationSecret(name=name, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process made it first
    with database.reading() as session:
        return bytes.fromhex(session.get(InstallationSecret, name).value)


def pairwise_subject(secret: bytes, sector: str, identity_id: str) -> str:
    digest = hmac.new(secret, f"{sector}|{identity_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def subject_for(secret: bytes, subject_type: str, client_id: str, identity_id: str) -> str:
    if subject_type == "public":
        return identity_id
    return pairwise_subject(secret, client_id, identity_id)
