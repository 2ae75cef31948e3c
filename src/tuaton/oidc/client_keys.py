"""The public keys a ``private_key_jwt`` client signs its assertions with: pasted at registration
(``jwks``), or published by the agency at its ``jwks_uri`` — fetched through the one outbound path
that refuses internal addresses (outbound.py), kept in the ephemeral store for ``CACHE_SECONDS``,
and fetched again when an assertion names a ``kid`` the kept set lacks (the agency rotated its
keys), at most once every ``REFETCH_SECONDS`` per client so that nobody can make Tuaton fetch at
will. When a fetch fails, the keys kept last are still used; with none, the client cannot
authenticate and is told why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidClient
from tuaton.outbound import OutboundRefused, get_json
from tuaton.storage.ephemeral import EphemeralStore

CACHE_SECONDS = 300
REFETCH_SECONDS = 30
#: The members of a JWK that only a private (or symmetric) key has (RFC 7518 §6).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})


def has_private_members(jwk: Mapping[str, Any]) -> bool:
    """Whether a JWK carries private key material, which must never be sent to Tuaton."""
    return bool(PRIVATE_MEMBERS & set(jwk))


def _kids(jwks: dict) -> set[str]:
    return {key.get("kid") for key in jwks.get("keys", []) if isinstance(key, dict)}


def _public_set(document: Any) -> dict:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise ValueError("not a JWKS (a JSON object with a non-empty keys array)")
    for key in document["keys"]:
        if not isinstance(key, dict) or has_private_members(key):
            raise ValueError("a JWKS at a jwks_uri must hold public keys only")
    KeySet.import_key_set(document)                   # every key must be one joserfc can use
    return document


class ClientKeys:
    def __init__(self, store: EphemeralStore, fetch: Callable[[str], Any] = get_json) -> None:
        self._store, self._fetch = store, fetch

    def key_set(self, client: RegisteredClient, kid: str | None) -> KeySet:
        if not client.jwks_uri:
            return KeySet.import_key_set(client.jwks or {"keys": []})
        key = f"client-jwks:{client.client_id}"
        kept = self._store.get(key)
        if kept is not None and (kid is None or kid in _kids(kept)):
            return KeySet.import_key_set(kept)
        if not self._store.add(f"client-jwks-fetched:{client.client_id}", {}, REFETCH_SECONDS):
            if kept is None:
                raise InvalidClient("The client's keys could not be fetched from its jwks_uri a moment ago; "
                                    f"try again in {REFETCH_SECONDS} seconds.")
            return KeySet.import_key_set(kept)
        try:
            fetched = _public_set(self._fetch(client.jwks_uri))
        except (OutboundRefused, httpx.HTTPError, ValueError, JoseError) as error:
            if kept is not None:
                return KeySet.import_key_set(kept)
            raise InvalidClient(f"Tuaton could not fetch the client's keys from its jwks_uri ({error}).") from error
        self._store.put(key, fetched, CACHE_SECONDS)
        return KeySet.import_key_set(fetched)
