"""What the OP keeps in the ephemeral store, as typed, frozen records.

Each record is written with ``to_store()`` (plain JSON values) and read back with
``from_store()``; nothing else builds or reads these dicts by hand. The stored shape is flat and
keeps its key names, so a record written by an older process is still read after a rolling upgrade
(fields added since have defaults).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Self


@dataclass(frozen=True)
class ApprovedSignin:
    """What ``signin/`` hands the OP: who approved, with which device, how strongly, when."""

    identity_id: str
    device_id: str
    pid: str
    ial: str
    auth_time: int
    acr: str
    amr: tuple[str, ...]
    #: From the QR code shown to the approval: what the national dashboard's latency chart reads.
    seconds_to_approve: float | None = None

    def to_store(self) -> dict[str, Any]:
        return asdict(self) | {"amr": list(self.amr)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(**{**data, "amr": tuple(data["amr"])})


@dataclass(frozen=True)
class TokenBasis:
    """What every token of a grant is issued from: the grant and the sign-in behind it."""

    grant_id: str
    identity_id: str
    pid: str
    ial: str
    auth_time: int
    acr: str
    amr: tuple[str, ...]

    @classmethod
    def of(cls, grant_id: str, approved: ApprovedSignin) -> Self:
        return cls(grant_id, approved.identity_id, approved.pid, approved.ial, approved.auth_time, approved.acr,
                   approved.amr)

    def _stored(self) -> dict[str, Any]:
        return {"grant_id": self.grant_id, "identity_id": self.identity_id, "pid": self.pid, "ial": self.ial,
                "auth_time": self.auth_time, "acr": self.acr, "amr": list(self.amr)}

    @classmethod
    def _read(cls, data: dict[str, Any]) -> Self:
        return cls(data["grant_id"], data["identity_id"], data["pid"], data["ial"], data["auth_time"],
                   data["acr"], tuple(data["amr"]))


@dataclass(frozen=True)
class AuthorizationCode:
    """``code:{sha256(code)}``: a code waiting for its exchange (RFC 6749 §4.1.2), single use."""

    basis: TokenBasis
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None = None
    nonce: str | None = None
    #: The DPoP key the code may only be exchanged with (RFC 9449 §10).
    dpop_jkt: str | None = None

    def to_store(self) -> dict[str, Any]:
        stored = {**self.basis._stored(), "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                  "scopes": list(self.scopes), "code_challenge": self.code_challenge, "nonce": self.nonce}
        if self.dpop_jkt is not None:
            stored["dpop_jkt"] = self.dpop_jkt
        return stored

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(TokenBasis._read(data), data["client_id"], data["redirect_uri"], tuple(data["scopes"]),
                   data.get("code_challenge"), data.get("nonce"), data.get("dpop_jkt"))


@dataclass(frozen=True)
class AccessToken:
    """``at:{sha256(token)}``: a Bearer access token, with the claim values answered at userinfo
    (the registry's values at sign-in, so userinfo reads the store only)."""

    grant_id: str
    client_id: str
    identity_id: str
    pid: str
    ial: str
    sub: str
    scopes: tuple[str, ...]
    iat: int
    exp: int
    #: None for a token written before the values were kept with it: userinfo reads the registry.
    claims: dict[str, Any] | None = None
    #: The DPoP key's thumbprint a DPoP-bound token must be used with (RFC 9449 ``cnf.jkt``).
    jkt: str | None = None

    def to_store(self) -> dict[str, Any]:
        stored = {"grant_id": self.grant_id, "client_id": self.client_id, "identity_id": self.identity_id,
                  "pid": self.pid, "ial": self.ial, "sub": self.sub, "scopes": list(self.scopes), "iat": self.iat,
                  "exp": self.exp, "claims": self.claims}
        if self.jkt is not None:
            stored["jkt"] = self.jkt
        return stored

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(data["grant_id"], data["client_id"], data["identity_id"], data["pid"], data["ial"], data["sub"],
                   tuple(data["scopes"]), data["iat"], data["exp"], data.get("claims"), data.get("jkt"))


@dataclass(frozen=True)
class BackchannelRequest:
    """A validated backchannel authentication request (CIBA Core §7.1)."""

    client_id: str
    scopes: tuple[str, ...]
    login_hint: str
    binding_message: str | None
    client_notification_token: str | None
    requested_expiry: int | None
    acr_values: tuple[str, ...]

    def to_store(self) -> dict[str, Any]:
        return asdict(self) | {"scopes": list(self.scopes), "acr_values": list(self.acr_values)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(data["client_id"], tuple(data["scopes"]), data["login_hint"], data.get("binding_message"),
                   data.get("client_notification_token"), data.get("requested_expiry"),
                   tuple(data.get("acr_values", ())))


@dataclass(frozen=True)
class BackchannelTransaction:
    """``ciba:{auth_req_id}``: a backchannel request from its start to its redemption."""

    request: BackchannelRequest
    identity_id: str
    created_at: float
    expires_at: float
    interval: int
    status: str = "pending"
    last_poll: float = 0.0
    #: Why it was denied (told to the agency as ``access_denied``'s description).
    reason: str | None = None
    grant_id: str | None = None
    approved: ApprovedSignin | None = None

    def with_(self, **changes: Any) -> Self:
        return replace(self, **changes)

    def to_store(self) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "request": self.request.to_store(), "identity_id": self.identity_id, "status": self.status,
            "created_at": self.created_at, "expires_at": self.expires_at, "interval": self.interval,
            "last_poll": self.last_poll}
        if self.reason is not None:
            stored["reason"] = self.reason
        if self.grant_id is not None:
            stored["grant_id"] = self.grant_id
        if self.approved is not None:
            stored["approved"] = self.approved.to_store()
        return stored

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(
            request=BackchannelRequest.from_store(data["request"]), identity_id=data["identity_id"],
            created_at=data["created_at"], expires_at=data["expires_at"], interval=data["interval"],
            status=data["status"], last_poll=data.get("last_poll", 0.0), reason=data.get("reason"),
            grant_id=data.get("grant_id"),
            approved=ApprovedSignin.from_store(data["approved"]) if data.get("approved") else None)
