"""The token endpoint's grant types, one module each, chosen from a table (as node-oidc-provider's
``lib/actions/grants/`` and Authlib's ``grants/``). Each module names its ``GRANT_TYPE`` and a
``handle(services, client, form)`` that checks its own parameters; discovery advertises the table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRequest, UnsupportedGrantType
from tuaton.oidc.grant_types import authorization_code, ciba, refresh_token

if TYPE_CHECKING:
    from tuaton.services import Services

Handler = Callable[["Services", RegisteredClient, Mapping[str, str]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {module.GRANT_TYPE: module.handle
                                for module in (authorization_code, refresh_token, ciba)}


def token_response(services: Services, client: RegisteredClient, form: Mapping[str, str]) -> dict[str, Any]:
    """The answer of the token endpoint to an authenticated client (RFC 6749 §5.1)."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required.")
    handler = HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported; use "
                                   f"{', '.join(HANDLERS)}.")
    return handler(services, client, form)
