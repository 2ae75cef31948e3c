"""Clients (agencies' applications), signing keys, grants, refresh tokens and consents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class Client(Base):
    __tablename__ = "oidc_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the client secret (secrets are 256-bit random, so a fast hash is enough).
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: After a rotation the old secret keeps working until ``previous_secret_expires_at``.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: "production", or "sandbox": sandbox credentials sign in only the synthetic test personas
    #: enrolled with the scriptable app (never a real citizen), so they can be handed out before review.
    environment: Mapped[str] = mapped_column(String(12), default="production", server_default="production")
    #: client_secret_basic | client_secret_post | private_key_jwt | none (public clients)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    redirect_uris: Mapped[list] = mapped_column(JSON)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    #: Scopes this agency was granted, one by one ("openid" and one scope per claim).
    scopes: Mapped[list] = mapped_column(JSON)
    #: Public keys for private_key_jwt client authentication, pasted, or fetched from ``jwks_uri``.
    jwks: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    jwks_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: "pairwise" (default) or "public".
    subject_type: Mapped[str] = mapped_column(String(16), default="pairwise")
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(8), default="ES256")
    purpose_th: Mapped[str] = mapped_column(String(500), default="")
    purpose_en: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: OpenID CIBA: ``poll`` or ``ping`` (unset: the client may not start backchannel sign-ins),
    #: and where a ping-mode client is told that a sign-in has ended.
    backchannel_token_delivery_mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    backchannel_client_notification_endpoint: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: FAPI 2.0 per client: authorization requests only by PAR (RFC 9126 §6), and access and refresh
    #: tokens only bound to a DPoP key (RFC 9449 §5.2).
    require_pushed_authorization_requests: Mapped[bool] = mapped_column(Boolean, default=False,
                                                                         server_default=sa_false())
    dpop_bound_access_tokens: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class SigningKey(Base):
    __tablename__ = "oidc_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8))
    #: Private JWK. Production installations keep this table on an encrypted volume or move
    #: signing into an HSM behind the same small interface (docs/operators.md).
    private_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: When the key stopped signing; it stays published until ``retired_at + overlap``.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Grant(Base):
    """One approved sign-in: what a citizen let one client have, and when."""

    __tablename__ = "oidc_grants"
    __table_args__ = (Index("ix_oidc_grants_identity", "identity_id", "created_at"),
                      Index("ix_oidc_grants_client_subject", "client_id", "subject"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_clients.client_id"))
    identity_id: Mapped[str] = mapped_column(ForeignKey("identities.id"))
    device_id: Mapped[str] = mapped_column(String(36))
    #: The ``sub`` this client knows the citizen by (pairwise): how a backchannel sign-in's
    #: ``login_hint`` finds the citizen without the citizen ID.
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scopes: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    acr: Mapped[str] = mapped_column(String(64))
    amr: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: SHA-256 of what was approved (the QR sign-in or the backchannel request): one grant per
    #: approval, ever. A retry after a crash between the grant and the answer finds this grant
    #: instead of writing a second one.
    approval_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class RefreshToken(Base):
    __tablename__ = "oidc_refresh_tokens"
    __table_args__ = (Index("ix_oidc_refresh_tokens_grant", "grant_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("oidc_grants.id"))
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: Set when rotated; presenting a used token again revokes the whole grant.
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: A public client's DPoP key thumbprint (RFC 9449 §5): the next refresh must prove that key.
    dpop_jkt: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Consent(Base):
    """A citizen's consent for one agency (client) to receive one claim."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("identity_id", "client_id", "claim"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    identity_id: Mapped[str] = mapped_column(ForeignKey("identities.id"))
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_clients.client_id"))
    claim: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InstallationSecret(Base):
    """Random secrets made once per installation (e.g. for pairwise subject identifiers)."""

    __tablename__ = "installation_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
