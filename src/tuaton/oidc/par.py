"""Pushed authorization requests (RFC 9126): the agency's server sends the authorization request
to Tuaton first, authenticated as at the token endpoint, and the browser carries only a reference
(``request_uri``). Nothing of the request can be read or changed in the browser, and a client can
be required to use it (``require_pushed_authorization_requests``, FAPI 2.0).

The pushed parameters are validated at once by the same pipeline as ``/authorize`` (errors come
back to the agency's server as JSON, never as a redirect), kept in the ephemeral store for
``par_ttl`` seconds, and validated again when the browser arrives. A ``request_uri`` may be used
again until it expires (RFC 9126 §4 allows it for a person reloading the page); it only ever
names its own client's request.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

from joserfc import jws, jwt
from joserfc.errors import JoseError

from tuaton.numeric import numeric_date
from tuaton.oidc.authorization import AuthorizationRequest, ClientLookup, validate_authorization_request
from tuaton.oidc.client_keys import ClientKeys
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRedirect, InvalidRequest, InvalidRequestObject, OAuthError
from tuaton.oidc.grants import token_hash
from tuaton.storage.ephemeral import EphemeralStore

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
#: Client authentication travels with the pushed request; it is not part of the authorization request.
CLIENT_AUTHENTICATION = frozenset({"client_secret", "client_assertion", "client_assertion_type"})
REQUEST_OBJECT_ALGS = ("ES256", "PS256")
#: A request object's own claims, which are not authorization request parameters.
JWT_ONLY = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti"})


def _key(reference: str) -> str:
    return f"par:{token_hash(reference)}"


def request_object_parameters(value: str, client: RegisteredClient, keys: ClientKeys, issuer: str) -> dict[str, str]:
    """A signed request object (RFC 9101) pushed as ``request``: verified with the client's own
    keys (ES256 or PS256; never ``none``), for Tuaton (``aud``), from the client (``iss``,
    ``client_id``), and current (``exp``, and ``nbf`` at most an hour old, FAPI 2.0 Message
    Signing); its claims are the whole authorization request."""
    try:
        kid = jws.extract_compact(value.encode()).headers().get("kid")
        token = jwt.decode(value, keys.key_set(client, kid if isinstance(kid, str) else None),
                           algorithms=list(REQUEST_OBJECT_ALGS))
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidRequestObject("The request object is not a JWT signed with ES256 or PS256 by one of the "
                                   "client's keys.") from error
    claims, now = token.claims, time.time()
    aud = claims.get("aud")
    problems = []
    if claims.get("iss") != client.client_id or claims.get("client_id", client.client_id) != client.client_id:
        problems.append("iss and client_id must be the client's id")
    if issuer not in ({aud} if isinstance(aud, str) else set(aud or [])):
        problems.append(f"aud must be Tuaton's issuer ({issuer})")
    exp, nbf = numeric_date(claims.get("exp")), numeric_date(claims.get("nbf"))
    if exp is None or exp < now or exp > now + 3600:
        problems.append("exp must be in the coming hour")
    if nbf is not None and (nbf > now + 30 or nbf < now - 3600):
        problems.append("nbf must be within the past hour")
    if "request" in claims or "request_uri" in claims:
        problems.append("a request object cannot carry request or request_uri")
    if problems:
        raise InvalidRequestObject("The request object was refused: " + "; ".join(problems) + ".")
    return {name: value if isinstance(value, str) else str(value) for name, value in claims.items()
            if name not in JWT_ONLY and value is not None}


def push(form: dict[str, str], client: RegisteredClient, store: EphemeralStore, ttl: int,
         dpop_jkt: str | None = None, *, keys: ClientKeys | None = None, issuer: str = "") -> dict:
    """Validate and keep a pushed request; the ``request_uri`` and ``expires_in`` for the answer.
    ``dpop_jkt``: the key of a DPoP proof sent with the push, which the code is then bound to
    (RFC 9449 §10.1). A signed ``request`` object replaces every other parameter (RFC 9126 §3)."""
    if "request" in form:
        form = {**request_object_parameters(form["request"], client, keys or ClientKeys(store), issuer),
                "client_id": client.client_id}
    if dpop_jkt is not None and form.get("dpop_jkt", dpop_jkt) != dpop_jkt:
        raise InvalidRequest("dpop_jkt differs from the key of the DPoP proof sent with the request.")
    if "request_uri" in form:
        raise InvalidRequest("request_uri cannot itself be pushed (RFC 9126 §2.1).")
    if form.get("client_id", client.client_id) != client.client_id:
        raise InvalidRequest("client_id must be the client that authenticated this request (RFC 9126 §2.1).")
    params = [(name, value) for name, value in form.items() if name not in CLIENT_AUTHENTICATION]
    if "client_id" not in form:
        params.append(("client_id", client.client_id))
    if dpop_jkt is not None and "dpop_jkt" not in form:
        params.append(("dpop_jkt", dpop_jkt))
    try:
        validate_authorization_request(params, lambda cid: client if cid == client.client_id else None,
                                       pushed=True)
    except InvalidRedirect as error:
        raise InvalidRequest(error.message_en) from error
    except OAuthError as error:
        error.redirect_uri = error.state = None           # the answer goes to the agency's server
        raise
    reference = secrets.token_urlsafe(32)
    store.put(_key(reference), {"client_id": client.client_id, "params": params}, ttl)
    return {"request_uri": REQUEST_URI_PREFIX + reference, "expires_in": ttl}


def validate_pushed(params: Sequence[tuple[str, str]], lookup: ClientLookup,
                    store: EphemeralStore) -> tuple[AuthorizationRequest, RegisteredClient]:
    """At ``/authorize``: the pushed request ``request_uri`` names, for the ``client_id`` given.
    Any other parameter in the browser's URL is ignored (RFC 9126 §4)."""
    values = dict(params)
    request_uri, client_id = values.get("request_uri", ""), values.get("client_id")
    stored = store.get(_key(request_uri.removeprefix(REQUEST_URI_PREFIX))) \
        if request_uri.startswith(REQUEST_URI_PREFIX) and client_id else None
    if stored is None or stored["client_id"] != client_id:
        raise InvalidRedirect(
            "This sign-in request is unknown or has expired (a pushed request lasts a minute). Go back "
            "to the e-Service and start again.",
            "ไม่พบคำขอเข้าสู่ระบบนี้หรือคำขอหมดอายุแล้ว กรุณากลับไปยังเว็บไซต์บริการแล้วเริ่มใหม่")
    return validate_authorization_request([tuple(p) for p in stored["params"]], lookup, pushed=True)
