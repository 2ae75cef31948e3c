"""Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3,
OIDC Core §9): client_secret_basic, client_secret_post, private_key_jwt, and none (public
clients, which must then prove PKCE)."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from joserfc import jws, jwt
from joserfc.errors import JoseError

from tuaton.numeric import numeric_date
from tuaton.oidc.client_keys import ClientKeys
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidClient, InvalidRequest
from tuaton.storage.ephemeral import EphemeralStore, made_before_memory

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGS = ["ES256", "RS256", "PS256", "EdDSA"]
#: FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA; Tuaton takes the first two.
FAPI_ASSERTION_ALGS = ["ES256", "PS256"]


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        client_id, secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidClient("The Authorization header is not valid Basic credentials.",
                            basic_attempted=True) from exc
    # RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def authenticate_client(form: Mapping[str, str], authorization: str | None,
                        lookup: Callable[[str], RegisteredClient | None], *, audiences: set[str],
                        store: EphemeralStore, keys: ClientKeys | None = None) -> RegisteredClient:
    basic = _basic_credentials(authorization)
    used = [name for name, present in (
        ("client_secret_basic", basic is not None), ("client_secret_post", "client_secret" in form),
        ("private_key_jwt", "client_assertion" in form)) if present]
    if len(used) > 1:
        raise InvalidRequest(f"Use exactly one client authentication method, not {' and '.join(used)}.")
    method = used[0] if used else "none"
    if method == "client_secret_basic":
        client_id, secret = basic
    elif method == "private_key_jwt":
        return _private_key_jwt(form, lookup, audiences, store, keys or ClientKeys(store))
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
    if basic and form.get("client_id") not in (None, client_id):
        raise InvalidRequest("client_id in the body differs from the authenticated client.")
    client = lookup(client_id) if client_id else None
    if client is None:
        raise InvalidClient("Unknown client, or no client authentication was sent.",
                            basic_attempted=basic is not None)
    if client.token_endpoint_auth_method != method:
        raise InvalidClient(f"This client is registered for {client.token_endpoint_auth_method}, "
                            f"not {method}.", basic_attempted=basic is not None)
    if method != "none" and not client.secret_matches(secret or ""):
        raise InvalidClient("The client secret is wrong.", basic_attempted=basic is not None)
    return client


def _private_key_jwt(form: Mapping[str, str], lookup: Callable[[str], RegisteredClient | None],
                     audiences: set[str], store: EphemeralStore, keys: ClientKeys) -> RegisteredClient:
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise InvalidRequest(f"client_assertion_type must be {ASSERTION_TYPE}.")
    assertion = form["client_assertion"]
    try:
        # Which client is this? Read iss before verifying, only to find the keys to verify with.
        unverified = jws.extract_compact(assertion.encode())
        client_id = json.loads(unverified.payload).get("iss", "")
        kid = unverified.headers().get("kid")
    except (JoseError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidClient("client_assertion is not a JWT.") from exc
    client = lookup(client_id) if isinstance(client_id, str) and client_id else None
    if client is None or client.token_endpoint_auth_method != "private_key_jwt" or not (
            client.jwks or client.jwks_uri):
        raise InvalidClient("Unknown client, or it is not registered for private_key_jwt.")
    algorithms = FAPI_ASSERTION_ALGS if client.is_fapi else ASSERTION_ALGS
    try:
        token = jwt.decode(assertion, keys.key_set(client, kid if isinstance(kid, str) else None),
                           algorithms=algorithms)
    except (JoseError, ValueError) as exc:
        raise InvalidClient("client_assertion's signature does not verify with the client's keys"
                            + (" (a FAPI 2.0 client signs with ES256 or PS256)." if client.is_fapi else ".")) from exc
    claims = token.claims
    aud = claims.get("aud")
    aud_values = {aud} if isinstance(aud, str) else set(aud or [])
    now = time.time()
    problems = []
    if claims.get("sub") != client.client_id:
        problems.append("sub must equal iss (the client_id)")
    if not aud_values & audiences:
        problems.append("aud must be the token endpoint URL or the issuer")
    exp = numeric_date(claims.get("exp"))
    if exp is None or exp < now - 30:
        problems.append("exp is missing or in the past")
    elif exp > now + 3600:
        problems.append("exp is more than an hour ahead")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        problems.append("jti is required")
    if problems:
        raise InvalidClient("client_assertion rejected: " + "; ".join(problems) + ".")
    if form.get("client_id") not in (None, client.client_id):
        raise InvalidRequest("client_id in the body differs from the assertion's issuer.")
    if not store.add(f"jti:{client.client_id}:{jti}", {}, max(exp - now, 1) + 60):
        raise InvalidClient("client_assertion was already used (jti seen before).")
    # A jti the store has not seen may be one it forgot (a restart): only assertions made since it
    # began remembering are taken (without iat, the earliest it could have been made: exp - 1 h).
    made = numeric_date(claims.get("iat"))
    if made_before_memory(store, made if made is not None else exp - 3600):
        raise InvalidClient("client_assertion was made before Tuaton's replay protection last restarted; "
                            "make a new one (with iat).")
    return client
