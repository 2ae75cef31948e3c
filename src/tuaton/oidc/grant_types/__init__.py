"""The token endpoint's grant types, one module each, chosen from a table (as node-oidc-provider's
``lib/actions/grants/`` and Authlib's ``grants/``). Each module names its ``GRANT_TYPE`` and a
``handle(services, client, form)`` that checks its own parameters; discovery advertises the table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidDpopProof, InvalidRequest, UnsupportedGrantType
from tuaton.oidc.grant_types import authorization_code, ciba, refresh_token

if TYPE_CHECKING:
    from tuaton.services import Services

#: ``handle(services, client, form, jkt)``; ``jkt``: the key of the request's verified DPoP proof.
Handler = Callable[["Services", RegisteredClient, Mapping[str, str], str | None], dict[str, Any]]

HANDLERS: dict[str, Handler] = {module.GRANT_TYPE: module.handle
                                for module in (authorization_code, refresh_token, ciba)}


def token_response(services: Services, client: RegisteredClient, form: Mapping[str, str],
                   jkt: str | None = None) -> dict[str, Any]:
    """The answer of the token endpoint to an authenticated client (RFC 6749 §5.1); with ``jkt``
    (a verified DPoP proof's key thumbprint) the tokens are bound to that key (RFC 9449)."""
    if client.dpop_bound_access_tokens and jkt is None:
        raise InvalidDpopProof("This client's tokens are bound to a DPoP key: send a DPoP proof (RFC 9449).")
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required.")
    handler = HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported; use "
                                   f"{', '.join(HANDLERS)}.")
    return handler(services, client, form, jkt)
