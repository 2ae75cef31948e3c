"""OAuth 2.0 / OpenID Connect error codes, one class each (RFC 6749 §4.1.2.1 and §5.2, OIDC Core
§3.1.2.6, RFC 6750 §3.1, RFC 7009 §2.2.1). ``web.py`` renders them as the standards require."""

from __future__ import annotations


class OAuthError(Exception):
    error = "server_error"
    status = 400

    def __init__(self, description: str, *, state: str | None = None,
                 redirect_uri: str | None = None) -> None:
        super().__init__(description)
        self.description = description
        #: Set on authorization errors that go back to the client's (validated) redirect URI.
        self.state = state
        self.redirect_uri = redirect_uri


class InvalidRequest(OAuthError):
    """The request is missing a required parameter, includes an invalid parameter value, includes
    a parameter more than once, or is otherwise malformed. (RFC 6749 §4.1.2.1, §5.2)"""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """Client authentication failed (unknown client, no client authentication included, or
    unsupported authentication method). (RFC 6749 §5.2)"""

    error = "invalid_client"
    status = 401

    def __init__(self, description: str, *, basic_attempted: bool = False) -> None:
        super().__init__(description)
        self.basic_attempted = basic_attempted


class InvalidGrant(OAuthError):
    """The authorization grant or refresh token is invalid, expired, revoked, does not match the
    redirection URI used in the authorization request, or was issued to another client. (§5.2)"""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """The authenticated client is not authorized to use this authorization grant type. (§5.2)"""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """The authorization grant type is not supported by the authorization server. (§5.2)"""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """The requested scope is invalid, unknown, malformed, or exceeds the scope granted. (§5.2)"""

    error = "invalid_scope"


class UnsupportedResponseType(OAuthError):
    """The authorization server does not support obtaining an authorization code using this
    method. (§4.1.2.1)"""

    error = "unsupported_response_type"


class AccessDenied(OAuthError):
    """The resource owner or authorization server denied the request. (§4.1.2.1)"""

    error = "access_denied"


class LoginRequired(OAuthError):
    """The Authorization Server requires End-User authentication (prompt=none). (OIDC §3.1.2.6)"""

    error = "login_required"


class RequestNotSupported(OAuthError):
    """The OP does not support use of the request parameter. (OIDC §3.1.2.6)"""

    error = "request_not_supported"


class InvalidRequestObject(OAuthError):
    """The request parameter contains an invalid request object. (OIDC §3.1.2.6, RFC 9101)"""

    error = "invalid_request_object"


class RequestUriNotSupported(OAuthError):
    """The OP does not support use of the request_uri parameter. (OIDC §3.1.2.6)"""

    error = "request_uri_not_supported"


class InvalidToken(OAuthError):
    """The access token provided is expired, revoked, malformed, or invalid. (RFC 6750 §3.1)"""

    error = "invalid_token"
    status = 401

    def __init__(self, description: str, *, dpop: bool = False) -> None:
        super().__init__(description)
        #: The challenge names the DPoP scheme (RFC 9449 §7.1) rather than Bearer.
        self.dpop = dpop


class InvalidDpopProof(OAuthError):
    """The DPoP proof is missing where it is required, or invalid. (RFC 9449 §5, §7.1)"""

    error = "invalid_dpop_proof"

    def __init__(self, description: str, *, at_resource: bool = False) -> None:
        super().__init__(description)
        #: At a protected resource (userinfo) the answer is 401 with a DPoP challenge.
        self.at_resource = at_resource

    @property
    def status(self) -> int:  # type: ignore[override]
        return 401 if self.at_resource else 400


class UseDpopNonce(InvalidDpopProof):
    """The proof must carry Tuaton's current nonce, sent in the DPoP-Nonce header. (RFC 9449 §8)"""

    error = "use_dpop_nonce"

    def __init__(self, description: str, *, nonce: str, at_resource: bool = False) -> None:
        super().__init__(description, at_resource=at_resource)
        self.nonce = nonce


class UnsupportedTokenType(OAuthError):
    """The authorization server does not support the revocation of the presented token type.
    (RFC 7009 §2.2.1)"""

    error = "unsupported_token_type"


class AuthorizationPending(OAuthError):
    """The authorization request is still pending as the end-user hasn't yet been authenticated.
    (OpenID CIBA Core §11)"""

    error = "authorization_pending"


class SlowDown(OAuthError):
    """A variant of authorization_pending: polling should continue, with the interval increased
    by at least 5 seconds for this and all subsequent requests. (CIBA Core §11)"""

    error = "slow_down"


class TooManyBackchannelRequests(SlowDown):
    """Tuaton's own limit at the backchannel authentication endpoint: a client may not flood one
    citizen's phone. Answered as ``slow_down`` with HTTP 429 (RFC 6585) and ``Retry-After``."""

    status = 429
    retry_after = 60


class ExpiredToken(OAuthError):
    """The auth_req_id has expired. The Client will need to make a new Authentication Request.
    (CIBA Core §11)"""

    error = "expired_token"


class UnknownUserId(OAuthError):
    """The OpenID Provider is not able to identify which end-user the Client wishes to be
    authenticated by means of the hint provided in the request. (CIBA Core §13)"""

    error = "unknown_user_id"


class InvalidBindingMessage(OAuthError):
    """The binding message is invalid or unacceptable for use in the context of the given
    request. (CIBA Core §13)"""

    error = "invalid_binding_message"


class InvalidRedirect(Exception):
    """The client or redirect URI is unknown or does not match: the error is shown to the person
    on a page and never sent to the redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, message_en: str, message_th: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th
