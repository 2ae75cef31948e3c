"""OpenID Provider metadata (OpenID Connect Discovery 1.0 §3, RFC 8414)."""

from __future__ import annotations

from tuaton.assurance import supported_acr_values
from tuaton.oidc.claims import CLAIM_SCOPES, KNOWN_SCOPES
from tuaton.oidc.grant_types import HANDLERS

#: Tuaton's own endpoint paths; ThaiD's (``/api/v2/oauth2/.../``) are served as well.
PATHS = {
    "authorization_endpoint": "/oauth2/authorize",
    "token_endpoint": "/oauth2/token",
    "userinfo_endpoint": "/oauth2/userinfo",
    "introspection_endpoint": "/oauth2/introspect",
    "revocation_endpoint": "/oauth2/revoke",
    "end_session_endpoint": "/oauth2/logout",
    "jwks_uri": "/oauth2/jwks",
    "pushed_authorization_request_endpoint": "/oauth2/par",
}
THAID_PATHS = {
    "authorization_endpoint": "/api/v2/oauth2/auth/",
    "token_endpoint": "/api/v2/oauth2/token/",
    "userinfo_endpoint": "/api/v2/oauth2/userinfo/",
    "introspection_endpoint": "/api/v2/oauth2/introspect/",
    "revocation_endpoint": "/api/v2/oauth2/revoke/",
    "end_session_endpoint": "/api/v2/oauth2/logout/",
    "jwks_uri": "/jwks/",
}
#: Tuaton's own: ThaiD has no backchannel sign-in to be compatible with.
BACKCHANNEL_PATH = "/oauth2/bc-authorize"
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


def provider_metadata(issuer: str) -> dict:
    endpoints = {name: issuer + path for name, path in PATHS.items()}
    return {
        "issuer": issuer,
        **endpoints,
        "scopes_supported": ["openid", "profile", "address", "offline_access",
                             *[s for s in CLAIM_SCOPES if s != "address"]],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(HANDLERS),
        "backchannel_authentication_endpoint": issuer + BACKCHANNEL_PATH,
        "backchannel_token_delivery_modes_supported": ["poll", "ping"],
        "backchannel_user_code_parameter_supported": False,
        "subject_types_supported": ["pairwise", "public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "PS256", "EdDSA"],
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS[:3],
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                             "at_hash", "azp", "sid", *CLAIM_SCOPES],
        "acr_values_supported": supported_acr_values(),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["th", "en"],
        "claims_locales_supported": ["th", "en"],
        "claims_parameter_supported": False,
        # Request objects (RFC 9101) are taken at the PAR endpoint only, signed with these.
        "request_parameter_supported": False,
        "request_object_signing_alg_values_supported": ["ES256", "PS256"],
        "request_uri_parameter_supported": False,
        # RFC 9126: any client may push; some must (their metadata says so).
        "require_pushed_authorization_requests": False,
        # RFC 9449: DPoP-bound tokens for a client that sends proofs (and only those for a client
        # registered with dpop_bound_access_tokens).
        "dpop_signing_alg_values_supported": ["ES256", "PS256"],
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
        "service_documentation": issuer + "/docs/agencies",
        "x_tuaton_known_scopes": sorted(KNOWN_SCOPES),
    }
