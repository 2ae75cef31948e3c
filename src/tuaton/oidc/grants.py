"""What an approved sign-in turns into: a grant, an authorization code, tokens and claims.

Authorization codes and access tokens are random strings kept (as SHA-256 hashes) in the
ephemeral store; grants and refresh tokens in the database. A grant revoked (code replay, refresh
reuse, revocation, logout) stops every token issued from it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import orjson
from joserfc import jwt
from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tuaton.audit.trail import record
from tuaton.identity.service import Identities
from tuaton.oidc import pkce
from tuaton.oidc.authorization import AuthorizationRequest
from tuaton.oidc.claims import ClaimSource, claim_values, claims_for_scopes
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidDpopProof, InvalidGrant, InvalidRequest, InvalidScope, InvalidToken
from tuaton.oidc.keys import SigningKeys
from tuaton.oidc.models import Consent, Grant, RefreshToken
from tuaton.oidc.records import AccessToken, ApprovedSignin, AuthorizationCode, TokenBasis
from tuaton.oidc.subject import subject_for
from tuaton.registry.records import Registry
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

CODE_REPLAY_WINDOW = 600

# The hot path's statements, built once (SQLAlchemy Core: no unit of work, no row instances).
_GRANTS, _REFRESH, _CONSENTS = Grant.__table__, RefreshToken.__table__, Consent.__table__
_INSERT_REFRESH = insert(_REFRESH)
_REFRESH_WITH_GRANT = select(
    _REFRESH.c.scopes, _REFRESH.c.expires_at, _REFRESH.c.used_at, _REFRESH.c.dpop_jkt, _GRANTS.c.id,
    _GRANTS.c.client_id,
    _GRANTS.c.identity_id, _GRANTS.c.device_id, _GRANTS.c.auth_time, _GRANTS.c.acr, _GRANTS.c.amr,
    _GRANTS.c.revoked_at).join(_GRANTS, _GRANTS.c.id == _REFRESH.c.grant_id).where(
    _REFRESH.c.token_hash == bindparam("token_hash"))
_USE_REFRESH = update(_REFRESH).where(_REFRESH.c.token_hash == bindparam("digest"),
                                      _REFRESH.c.used_at.is_(None)).values(used_at=bindparam("used_at_now"))


class _RefreshReused(Exception):
    """Raised inside the refresh's write transaction so that nothing of it is written."""


def authorization_response(redirect_uri: str, state: str | None, issuer: str, **params: str) -> str:
    """The redirect to the client with the authorization response (RFC 6749 §4.1.2, its errors
    §4.1.2.1), ``iss`` (RFC 9207) and the request's ``state``: the one builder of them."""
    answer = {**params, "iss": issuer}
    if state is not None:
        answer["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return redirect_uri + separator + urlencode(answer)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def half_hash(value: str) -> str:
    """at_hash (OIDC Core §3.1.3.6): left half of SHA-256, base64url (ES256 and RS256 both)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _plain_claims(values: dict[str, Any]) -> dict[str, Any]:
    """Claim values as the JSON they are answered with (dates as strings), for the store."""
    return orjson.loads(orjson.dumps(values, default=str))


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Grants:
    def __init__(self, database: Database, store: EphemeralStore, keys: SigningKeys, registry: Registry,
                 identities: Identities, settings: Settings, pairwise_secret: bytes) -> None:
        self._db = database
        self._identities = identities
        self._store = store
        self._keys = keys
        self._registry = registry
        self._settings = settings
        self._secret = pairwise_secret

    # -- authorization code ------------------------------------------------------------------
    def issue_code(self, request: AuthorizationRequest, client: RegisteredClient, approved: ApprovedSignin,
                   grant_id: str) -> str:
        """Store a code for an approved (recorded) grant; the redirect URL that carries it."""
        code = secrets.token_urlsafe(32)
        stored = AuthorizationCode(TokenBasis.of(grant_id, approved), client.client_id, request.redirect_uri,
                                   request.scopes, request.code_challenge, request.nonce, request.dpop_jkt)
        self._store.put(f"code:{token_hash(code)}", stored.to_store(), self._settings.authorization_code_ttl)
        return authorization_response(request.redirect_uri, request.state, self._settings.issuer, code=code)

    def citizens_served(self, client_ids: list[str] | None, since: dt.datetime,
                        until: dt.datetime | None = None) -> tuple[int, int, int]:
        """(sign-ins, unique citizens, returning citizens — two sign-ins or more) through some
        clients (None: all) between ``since`` and ``until``, from the grants (one per sign-in)."""
        if client_ids == []:
            return 0, 0, 0
        query = select(Grant.identity_id, func.count().label("n")).where(Grant.created_at >= since)
        if until is not None:
            query = query.where(Grant.created_at < until)
        if client_ids is not None:
            query = query.where(Grant.client_id.in_(client_ids))
        per_citizen = query.group_by(Grant.identity_id).subquery()
        with self._db.reading() as session:
            signins, unique, returning = session.execute(select(
                func.coalesce(func.sum(per_citizen.c.n), 0), func.count(),
                func.coalesce(func.sum(case((per_citizen.c.n > 1, 1), else_=0)), 0))).one()
        return int(signins), int(unique), int(returning)

    def approved_signin(self, approval: str, identity_id: str) -> tuple[str, str, dt.datetime] | None:
        """(grant id, client id, when) of the grant one approval wrote, if it is this citizen's."""
        with self._db.reading() as session:
            row = session.execute(select(Grant.id, Grant.client_id, Grant.created_at).where(
                Grant.approval_ref == token_hash(approval), Grant.identity_id == identity_id)).first()
        return (row.id, row.client_id, row.created_at) if row else None

    def record_grant(self, client: RegisteredClient, scopes: list[str], approved: ApprovedSignin, *,
                     approval: str | None = None, **audit: Any) -> str:
        """The approved sign-in as a grant, with its consents and audit event, in one transaction.

        ``approval`` names what was approved (a sign-in, a backchannel request): there is one grant
        per approval, ever. If one was already written — the process answering died after writing
        it and before the answer reached anyone, and the citizen approved again — that grant is
        returned and nothing new is written."""
        now = dt.datetime.now(dt.UTC)
        grant_id = str(uuid.uuid4())
        claims = claims_for_scopes(set(scopes))
        ref = token_hash(approval) if approval else None
        try:
            with self._db.writing() as connection:
                connection.execute(insert(_GRANTS).values(
                    id=grant_id, client_id=client.client_id, identity_id=approved.identity_id,
                    device_id=approved.device_id, scopes=scopes,
                    subject=subject_for(self._secret, client.subject_type, client.client_id, approved.identity_id),
                    auth_time=dt.datetime.fromtimestamp(approved.auth_time, dt.UTC), acr=approved.acr,
                    amr=list(approved.amr), created_at=now, approval_ref=ref))
                self._record_consents(connection, approved.identity_id, client.client_id, claims, now)
                record(connection, "signin.approved", identity_id=approved.identity_id, client_id=client.client_id,
                       grant_id=grant_id, device_id=approved.device_id, claims=list(claims),
                       seconds_to_approve=approved.seconds_to_approve, **audit)
        except IntegrityError:
            if ref is None:
                raise
            with self._db.read_connection() as connection:
                earlier = connection.execute(select(_GRANTS.c.id).where(_GRANTS.c.approval_ref == ref)).scalar()
            if earlier is None:
                raise
            return earlier
        return grant_id

    def tokens_for_grant(self, client: RegisteredClient, grant_id: str, scopes: list[str],
                         approved: ApprovedSignin, *, channel: str, jkt: str | None = None) -> dict[str, Any]:
        """Tokens for a grant approved outside the code flow (a backchannel sign-in)."""
        return self._tokens(client, TokenBasis.of(grant_id, approved), scopes,
                            refresh=self._wants_refresh(client, scopes), nonce=None, channel=channel, jkt=jkt)

    def identity_for_subject(self, client: RegisteredClient, subject: str) -> str | None:
        """The citizen this client knows as ``subject`` (from an earlier sign-in), if any."""
        with self._db.reading() as session:
            return session.execute(select(Grant.identity_id).where(
                Grant.client_id == client.client_id, Grant.subject == subject).limit(1)).scalar_one_or_none()

    @staticmethod
    def _record_consents(connection, identity_id: str, client_id: str, claims: tuple[str, ...],
                         now: dt.datetime) -> None:
        existing = {row.claim: row for row in connection.execute(
            select(_CONSENTS.c.id, _CONSENTS.c.claim, _CONSENTS.c.revoked_at).where(
                _CONSENTS.c.identity_id == identity_id, _CONSENTS.c.client_id == client_id))}
        new = [{"identity_id": identity_id, "client_id": client_id, "claim": claim, "granted_at": now}
               for claim in claims if claim not in existing]
        if new:
            connection.execute(insert(_CONSENTS), new)
        renewed = [existing[c].id for c in claims if c in existing and existing[c].revoked_at is not None]
        if renewed:
            connection.execute(update(_CONSENTS).where(_CONSENTS.c.id.in_(renewed)).values(
                revoked_at=None, granted_at=now))

    def exchange_code(self, client: RegisteredClient, code: str, redirect_uri: str | None,
                      code_verifier: str | None, jkt: str | None = None) -> dict[str, Any]:
        key = token_hash(code)
        stored = self._store.take(f"code:{key}")
        if stored is None:
            replayed = self._store.get(f"code-used:{key}")
            if replayed is not None:
                self.revoke_grant(replayed["grant_id"], "authorization code replayed")
                raise InvalidGrant("The authorization code was already used; every token issued with it "
                                   "has been revoked.")
            raise InvalidGrant("The authorization code is unknown or has expired.")
        code_record = AuthorizationCode.from_store(stored)
        grant_id = code_record.basis.grant_id
        self._store.put(f"code-used:{key}", {"grant_id": grant_id}, CODE_REPLAY_WINDOW)
        if code_record.client_id != client.client_id:
            self.revoke_grant(grant_id, "authorization code presented by another client")
            raise InvalidGrant("The authorization code was issued to another client.")
        if redirect_uri != code_record.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the one in the authorization request.")
        if code_record.code_challenge:
            if not code_verifier:
                raise InvalidGrant("code_verifier is required: the authorization request used PKCE.")
            if not pkce.verifier_matches(code_record.code_challenge, code_verifier):
                raise InvalidGrant("code_verifier does not match the code_challenge.")
        elif code_verifier:
            raise InvalidGrant("code_verifier was sent but the authorization request had no code_challenge.")
        if code_record.dpop_jkt is not None and code_record.dpop_jkt != jkt:
            raise InvalidDpopProof("The authorization code is bound to a DPoP key (RFC 9449 §10): prove that key.")
        scopes = list(code_record.scopes)
        return self._tokens(client, code_record.basis, scopes, refresh=self._wants_refresh(client, scopes),
                            nonce=code_record.nonce, channel="token", jkt=jkt)

    @staticmethod
    def _wants_refresh(client: RegisteredClient, scopes: list[str]) -> bool:
        # ThaiD issues refresh tokens in the code flow; Tuaton does so for confidential clients,
        # and for public clients only when they asked for offline_access.
        return not client.is_public or "offline_access" in scopes

    # -- tokens ------------------------------------------------------------------------------
    def _tokens(self, client: RegisteredClient, basis: TokenBasis, scopes: list[str], *, refresh: bool,
                nonce: str | None, channel: str, before_writing=None, jkt: str | None = None) -> dict[str, Any]:
        """Sign the ID token, write the refresh token and the disclosure event in one transaction
        (after ``before_writing(connection)``, which may refuse by raising), then store the access
        token. With ``jkt`` (a verified DPoP proof's key) the access token is bound to that key, and
        a public client's refresh token too (a confidential client's is bound by its authentication,
        RFC 9449 §5)."""
        settings = self._settings
        now = int(time.time())
        sub = subject_for(self._secret, client.subject_type, client.client_id, basis.identity_id)
        access_token = secrets.token_urlsafe(32)
        claims = claims_for_scopes(set(scopes))
        values = self._claim_values(basis.pid, basis.ial, claims, client.client_id)
        id_claims: dict[str, Any] = {
            "iss": settings.issuer, "sub": sub, "aud": client.client_id, "azp": client.client_id,
            "iat": now, "exp": now + settings.id_token_ttl, "auth_time": basis.auth_time,
            "acr": basis.acr, "amr": list(basis.amr), "at_hash": half_hash(access_token),
            "sid": basis.grant_id, **values,
        }
        if nonce:
            id_claims["nonce"] = nonce
        key = self._keys.signing_key(client.id_token_signed_response_alg)
        id_token = jwt.encode({"alg": client.id_token_signed_response_alg, "kid": key.kid, "typ": "JWT"},
                              id_claims, key)
        response: dict[str, Any] = {"access_token": access_token, "token_type": "DPoP" if jkt else "Bearer",
                                    "expires_in": settings.access_token_ttl, "scope": " ".join(scopes),
                                    "id_token": id_token}

        with self._db.writing() as conn:
            if before_writing is not None:
                before_writing(conn)
            if refresh:
                refresh_token = secrets.token_urlsafe(32)
                conn.execute(_INSERT_REFRESH, {
                    "token_hash": token_hash(refresh_token), "grant_id": basis.grant_id, "scopes": scopes,
                    "created_at": dt.datetime.fromtimestamp(now, dt.UTC),
                    "expires_at": dt.datetime.fromtimestamp(now + settings.refresh_token_ttl, dt.UTC),
                    "dpop_jkt": jkt if client.is_public else None})
                response["refresh_token"] = refresh_token
            record(conn, "claims.disclosed", identity_id=basis.identity_id, client_id=client.client_id,
                   grant_id=basis.grant_id, channel=f"{channel}:id_token", claims=sorted(values))
        # The userinfo answer is the registry's values at sign-in, kept with the token (it lives
        # ``access_token_ttl``, 15 min): userinfo then reads the store only, not the registry.
        # Stored once the refresh token and the event are written (a failure leaves no usable token).
        stored = AccessToken(basis.grant_id, client.client_id, basis.identity_id, basis.pid, basis.ial, sub,
                             tuple(scopes), now, now + settings.access_token_ttl, _plain_claims(values), jkt)
        self._store.put(f"at:{token_hash(access_token)}", stored.to_store(), settings.access_token_ttl)
        return response

    def _claim_values(self, pid: str, ial: str, claims: tuple[str, ...],
                      client_id: str | None = None) -> dict[str, Any]:
        if not claims:
            return {}
        citizen = self._registry.citizen(pid)
        if citizen is None:
            return {}
        card = self._registry.current_card(pid) if {"smartcard_code", "date_of_issuance",
                                                    "date_of_expiry"} & set(claims) else None
        official = self.official_of(pid, client_id) if "official" in claims and client_id else None
        return claim_values(ClaimSource(citizen, card, ial, official), claims)

    def official_of(self, pid: str, client_id: str) -> dict | None:
        """The ``official`` claim for this client's organisation (set by services.py from the
        organisations' service); None when the citizen is not one of its officials."""
        return None

    def is_official(self, pid: str, client_id: str) -> bool:
        return self.official_of(pid, client_id) is not None

    def refresh(self, client: RegisteredClient, refresh_token: str, scope: str | None,
                jkt: str | None = None) -> dict[str, Any]:
        """Rotate a refresh token. Read and check it (one statement, and the identity's standing),
        then mark it used, write the new one and the disclosure event in one transaction: the
        conditional update decides between two concurrent uses of one token, and the loser revokes
        the sign-in. Connections are taken one after another, never two at once."""
        now = dt.datetime.now(dt.UTC)
        digest = token_hash(refresh_token)
        with self._db.read_connection() as connection:
            row = connection.execute(_REFRESH_WITH_GRANT, {"token_hash": digest}).first()
            standing = self._identities.standing(connection, row.identity_id, row.device_id) if row else None
        if row is None:
            raise InvalidGrant("The refresh token is unknown.")
        if row.client_id != client.client_id:
            raise InvalidGrant("The refresh token was issued to another client.")
        if row.revoked_at is not None:
            raise InvalidGrant("The refresh token's sign-in has been revoked.")
        if _utc(row.expires_at) < now:
            raise InvalidGrant("The refresh token has expired; sign the citizen in again.")
        if row.dpop_jkt is not None and row.dpop_jkt != jkt:
            raise InvalidGrant("The refresh token is bound to a DPoP key: send a DPoP proof made with that key.")
        scopes = list(row.scopes)
        if scope is not None:
            # Checked before the token is used up: a refused request must not consume it.
            wanted = scope.split()
            if not set(wanted) <= set(scopes):
                raise InvalidScope("A refresh may only narrow the scope of the original sign-in.")
            scopes = [s for s in scopes if s in wanted]
        if row.used_at is not None:
            self.revoke_grant(row.id, "refresh token reused")
            raise InvalidGrant("The refresh token was already used; the sign-in has been revoked.")
        if standing is None or not standing.usable:
            self.revoke_grant(row.id, "identity locked or device revoked")
            raise InvalidGrant("The citizen's digital identity or device is no longer active.")
        basis = TokenBasis(row.id, row.identity_id, standing.pid, standing.ial, int(_utc(row.auth_time).timestamp()),
                           row.acr, tuple(row.amr))

        def use_token(connection) -> None:
            if connection.execute(_USE_REFRESH, {"digest": digest, "used_at_now": now}).rowcount != 1:
                raise _RefreshReused    # another request used it since it was read: nothing is written

        try:
            return self._tokens(client, basis, scopes, refresh=True, nonce=None, channel="refresh",
                                before_writing=use_token, jkt=jkt)
        except _RefreshReused:
            self.revoke_grant(row.id, "refresh token reused")
            raise InvalidGrant("The refresh token was already used; the sign-in has been revoked.") from None

    def revoke_official(self, pid: str, client_ids: list[str]) -> int:
        """An official was removed: revoke the grants that carried their ``official`` claim to those
        clients (their refresh tokens stop working). Returns how many were revoked."""
        identity_id = self._identities.identity_id_for(pid)
        if identity_id is None or not client_ids:
            return 0
        with self._db.reading() as session:
            rows = session.execute(select(Grant.id, Grant.scopes).where(
                Grant.identity_id == identity_id, Grant.client_id.in_(client_ids), Grant.revoked_at.is_(None))).all()
        revoked = [grant_id for grant_id, scopes in rows if "official" in (scopes or [])]
        for grant_id in revoked:
            self.revoke_grant(grant_id, "official removed by the organisation")
        return len(revoked)

    def revoke_grant(self, grant_id: str, reason: str) -> None:
        now = dt.datetime.now(dt.UTC)
        self._store.put(f"grant-revoked:{grant_id}", {"reason": reason},
                        max(self._settings.access_token_ttl, CODE_REPLAY_WINDOW))
        with self._db.transaction() as session:
            grant = session.get(Grant, grant_id)
            if grant is None or grant.revoked_at is not None:
                return
            grant.revoked_at, grant.revoked_reason = now, reason
            record(session, "grant.revoked", identity_id=grant.identity_id, client_id=grant.client_id,
                   grant_id=grant_id, reason=reason)

    # -- using tokens ------------------------------------------------------------------------
    def access_token(self, token: str) -> AccessToken:
        stored = self._store.get(f"at:{token_hash(token)}")
        if stored is None or stored["exp"] < time.time():
            raise InvalidToken("The access token is unknown, expired or revoked.")
        if self._store.get(f"grant-revoked:{stored['grant_id']}") is not None:
            raise InvalidToken("The access token's sign-in has been revoked.")
        return AccessToken.from_store(stored)

    def userinfo(self, token: str, jkt: str | None = None) -> dict[str, Any]:
        """The claims for ``token``; ``jkt``: the key of the request's verified DPoP proof, which a
        DPoP-bound token requires (and a Bearer token must not be sent with)."""
        access = self.access_token(token)
        if access.jkt != jkt:
            raise InvalidToken("This access token is bound to a DPoP key: send it as 'Authorization: DPoP' "
                               "with a proof made by that key." if access.jkt else
                               "This access token is a Bearer token: send it as 'Authorization: Bearer'.",
                               dpop=access.jkt is not None)
        values = access.claims
        if values is None:      # a token issued before the claims were kept with it
            values = _plain_claims(self._claim_values(access.pid, access.ial, claims_for_scopes(set(access.scopes)),
                                                      access.client_id))
        with self._db.one_statement() as connection:
            record(connection, "claims.disclosed", identity_id=access.identity_id, client_id=access.client_id,
                   grant_id=access.grant_id, channel="userinfo", claims=sorted(values))
        return {"sub": access.sub, **values}

    def introspect(self, client: RegisteredClient, token: str, hint: str | None) -> dict[str, Any]:
        inactive = {"active": False}
        if hint != "refresh_token":
            try:
                access = self.access_token(token)
            except InvalidToken:
                access = None
            if access is not None:
                if access.client_id != client.client_id:
                    return inactive
                answer = {"active": True, "token_type": "DPoP" if access.jkt else "Bearer",
                          "scope": " ".join(access.scopes), "client_id": access.client_id, "sub": access.sub,
                          "aud": access.client_id, "iss": self._settings.issuer, "exp": access.exp,
                          "iat": access.iat}
                if access.jkt:
                    answer["cnf"] = {"jkt": access.jkt}
                return answer
        with self._db.reading() as session:
            row = session.get(RefreshToken, token_hash(token))
            grant = session.get(Grant, row.grant_id) if row else None
        if (row is None or grant is None or grant.client_id != client.client_id or row.used_at is not None
                or grant.revoked_at is not None or _utc(row.expires_at) < dt.datetime.now(dt.UTC)):
            return inactive
        return {"active": True, "token_type": "refresh_token", "scope": " ".join(row.scopes),
                "client_id": client.client_id, "iss": self._settings.issuer,
                "sub": subject_for(self._secret, client.subject_type, client.client_id, grant.identity_id),
                "exp": int(_utc(row.expires_at).timestamp()), "iat": int(_utc(row.created_at).timestamp())}

    def revoke(self, client: RegisteredClient, token: str, hint: str | None) -> None:
        """RFC 7009: revoking a refresh token revokes its grant; an access token only itself."""
        key = f"at:{token_hash(token)}"
        stored = self._store.get(key)
        if stored is not None:
            access = AccessToken.from_store(stored)
            if access.client_id != client.client_id:
                raise InvalidRequest("This client may not revoke a token issued to another client.")
            self._store.delete(key)
            with self._db.transaction() as session:
                record(session, "token.revoked", identity_id=access.identity_id, client_id=client.client_id,
                       grant_id=access.grant_id, token_type="access_token")
            return
        with self._db.reading() as session:
            row = session.get(RefreshToken, token_hash(token))
            grant = session.get(Grant, row.grant_id) if row else None
        if grant is None:
            return  # RFC 7009 §2.2: an invalid token is not an error
        if grant.client_id != client.client_id:
            raise InvalidRequest("This client may not revoke a token issued to another client.")
        self.revoke_grant(grant.id, "revoked by the client")
