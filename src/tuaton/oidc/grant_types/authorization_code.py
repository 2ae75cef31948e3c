"""RFC 6749 §4.1.3 (with PKCE, RFC 7636): an authorization code for tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRequest

if TYPE_CHECKING:
    from tuaton.services import Services

GRANT_TYPE = "authorization_code"


def handle(services: Services, client: RegisteredClient, form: Mapping[str, str],
           jkt: str | None = None) -> dict[str, Any]:
    if not form.get("code"):
        raise InvalidRequest("code is required.")
    return services.grants.exchange_code(client, form["code"], form.get("redirect_uri"),
                                         form.get("code_verifier"), jkt)
