"""RFC 6749 §6: a refresh token (rotated at each use) for new tokens, optionally narrower in scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRequest

if TYPE_CHECKING:
    from tuaton.services import Services

GRANT_TYPE = "refresh_token"


def handle(services: Services, client: RegisteredClient, form: Mapping[str, str],
           jkt: str | None = None) -> dict[str, Any]:
    if not form.get("refresh_token"):
        raise InvalidRequest("refresh_token is required.")
    return services.grants.refresh(client, form["refresh_token"], form.get("scope"), jkt)
