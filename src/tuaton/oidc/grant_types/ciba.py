"""OpenID CIBA Core §10.1: the tokens of a backchannel request the citizen answered (poll and ping)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tuaton.oidc.ciba import GRANT_TYPE
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRequest

if TYPE_CHECKING:
    from tuaton.services import Services

__all__ = ["GRANT_TYPE", "handle"]


def handle(services: Services, client: RegisteredClient, form: Mapping[str, str],
           jkt: str | None = None) -> dict[str, Any]:
    if not form.get("auth_req_id"):
        raise InvalidRequest("auth_req_id is required.")
    return services.backchannel.poll(client, form["auth_req_id"], jkt)
