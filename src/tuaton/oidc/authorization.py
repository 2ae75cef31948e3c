"""The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) as a pipeline of small checks.

Until the client and its redirect URI are known good, an error is shown to the person
(:class:`InvalidRedirect`); after that, errors go back to the redirect URI with ``state``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tuaton.oidc import pkce
from tuaton.oidc.claims import KNOWN_SCOPES
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import (
    InvalidRedirect,
    InvalidRequest,
    InvalidScope,
    LoginRequired,
    OAuthError,
    RequestNotSupported,
    RequestUriNotSupported,
    UnsupportedResponseType,
)
from tuaton.registry import citizen_id

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
SUPPORTED_LOCALES = ("th", "en")
MAX_LENGTH = {"state": 2048, "nonce": 512, "login_hint": 256, "acr_values": 512, "ui_locales": 128}


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    ui_locales: tuple[str, ...] = ()
    #: A citizen ID given as ``login_hint``: only that citizen may approve the sign-in.
    login_hint_pid: str | None = None
    acr_values: tuple[str, ...] = ()
    #: The DPoP key the code will be bound to (RFC 9449 §10): the pushed request's proof, or the
    #: ``dpop_jkt`` parameter.
    dpop_jkt: str | None = None

    @property
    def locale(self) -> str:
        return self.ui_locales[0] if self.ui_locales else "th"


ClientLookup = Callable[[str], RegisteredClient | None]


def single_values(params: Sequence[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
    """Parameters as a dict, and the names sent more than once (RFC 6749 §3.1 forbids that)."""
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in params:
        if name in values:
            repeated.add(name)
        values[name] = value
    return values, repeated


def check_client(values: dict[str, str], repeated: set[str], lookup: ClientLookup) -> RegisteredClient:
    client_id = values.get("client_id", "")
    if not client_id or "client_id" in repeated:
        raise InvalidRedirect("The e-Service did not say who it is (client_id is missing or repeated).",
                              "บริการไม่ได้ระบุตัวตน (ไม่มี client_id หรือระบุซ้ำ)")
    client = lookup(client_id)
    if client is None:
        raise InvalidRedirect(f"Unknown e-Service (client_id {client_id!r} is not registered or not active).",
                              f"ไม่รู้จักบริการนี้ (client_id {client_id!r} ไม่ได้ลงทะเบียนหรือถูกระงับ)")
    return client


def check_redirect_uri(values: dict[str, str], repeated: set[str], client: RegisteredClient) -> str:
    uri = values.get("redirect_uri", "")
    if not uri or "redirect_uri" in repeated:
        raise InvalidRedirect("redirect_uri is missing or repeated.", "ไม่มี redirect_uri หรือระบุซ้ำ")
    if uri not in client.redirect_uris:
        raise InvalidRedirect("redirect_uri does not exactly match a URI registered for this e-Service.",
                              "redirect_uri ไม่ตรงกับที่บริการนี้ลงทะเบียนไว้")
    return uri


def check_no_repeats(repeated: set[str]) -> None:
    if repeated:
        raise InvalidRequest(f"Parameter(s) sent more than once: {', '.join(sorted(repeated))}.")


def check_request_objects(values: dict[str, str]) -> None:
    if "request" in values:
        raise RequestNotSupported("Request objects (the request parameter) are not supported.")
    if "request_uri" in values:
        raise RequestUriNotSupported("request_uri is not supported.")


def check_lengths(values: dict[str, str]) -> None:
    for name, limit in MAX_LENGTH.items():
        if len(values.get(name, "")) > limit:
            raise InvalidRequest(f"{name} is longer than {limit} characters.")


def check_response_type(values: dict[str, str]) -> None:
    response_type = values.get("response_type")
    if not response_type:
        raise InvalidRequest("response_type is required; use response_type=code.")
    if response_type != "code":
        raise UnsupportedResponseType("Only the authorization code flow is supported: response_type=code.")
    if values.get("response_mode", "query") != "query":
        raise InvalidRequest("Only response_mode=query is supported.")


def check_scope(values: dict[str, str], client: RegisteredClient) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(values.get("scope", "").split()))
    if "openid" not in scopes:
        raise InvalidScope("scope must include openid.")
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise InvalidScope(f"Unknown scope(s): {' '.join(unknown)}.")
    not_granted = [s for s in scopes if s not in client.scopes and s != "offline_access"]
    if not_granted:
        raise InvalidScope(f"This client was not granted the scope(s): {' '.join(not_granted)}.")
    return scopes


def check_pkce(values: dict[str, str], client: RegisteredClient) -> tuple[str | None, str | None]:
    challenge = values.get("code_challenge")
    method = values.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method was sent without code_challenge.")
        if client.is_public or client.is_fapi:
            raise InvalidRequest(("Public" if client.is_public else "FAPI 2.0") + " clients must use PKCE: send "
                                 "code_challenge with code_challenge_method=S256.")
        return None, None
    if method != "S256":
        raise InvalidRequest("code_challenge_method must be S256 (plain is not accepted).")
    if not pkce.is_well_formed(challenge):
        raise InvalidRequest("code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].")
    return challenge, method


def check_dpop_jkt(values: dict[str, str]) -> str | None:
    jkt = values.get("dpop_jkt")
    if jkt is not None and not (len(jkt) == 43 and all(c.isalnum() or c in "-_" for c in jkt)):
        raise InvalidRequest("dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters, RFC 9449 §10).")
    return jkt


def check_prompt(values: dict[str, str]) -> frozenset[str]:
    prompt = frozenset(values.get("prompt", "").split())
    if prompt - PROMPTS:
        raise InvalidRequest(f"Unknown prompt value(s): {' '.join(sorted(prompt - PROMPTS))}.")
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values.")
    if "none" in prompt:
        # Tuaton keeps no sign-in session in the browser: every sign-in is a scan and a passcode.
        raise LoginRequired("The citizen must sign in with the Tuaton app; prompt=none cannot succeed.")
    return prompt


def check_max_age(values: dict[str, str]) -> int | None:
    raw = values.get("max_age")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise InvalidRequest("max_age must be a non-negative whole number of seconds.")
    return int(raw)


def parse_ui_locales(values: dict[str, str]) -> tuple[str, ...]:
    wanted = [tag.split("-")[0].lower() for tag in values.get("ui_locales", "").split()]
    return tuple(dict.fromkeys(t for t in wanted if t in SUPPORTED_LOCALES))


def parse_login_hint(values: dict[str, str]) -> str | None:
    hint = values.get("login_hint")
    if hint and citizen_id.is_valid(hint):
        return citizen_id.normalize(hint)
    return None  # a hint in another form is only a hint: ignored


def validate_authorization_request(params: Sequence[tuple[str, str]], lookup: ClientLookup, *,
                                   pushed: bool = False) -> tuple[AuthorizationRequest, RegisteredClient]:
    """``pushed``: the parameters came by PAR (oidc/par.py), which a client may be required to use."""
    values, repeated = single_values(params)
    client = check_client(values, repeated, lookup)
    redirect_uri = check_redirect_uri(values, repeated, client)
    state = values.get("state") if "state" not in repeated else None
    try:
        if client.require_pushed_authorization_requests and not pushed:
            raise InvalidRequest("This client must push its authorization requests first (PAR, RFC 9126) and "
                                 "send only client_id and request_uri here.")
        check_no_repeats(repeated)
        check_lengths(values)
        check_request_objects(values)
        check_response_type(values)
        scopes = check_scope(values, client)
        challenge, method = check_pkce(values, client)
        prompt = check_prompt(values)
        request = AuthorizationRequest(
            client_id=client.client_id, redirect_uri=redirect_uri, scopes=scopes, state=state,
            nonce=values.get("nonce"), code_challenge=challenge, code_challenge_method=method,
            prompt=prompt, max_age=check_max_age(values), ui_locales=parse_ui_locales(values),
            login_hint_pid=parse_login_hint(values),
            acr_values=tuple(values.get("acr_values", "").split()), dpop_jkt=check_dpop_jkt(values),
        )
    except OAuthError as error:
        if client.is_sandbox:
            # RFC 9700 §4.11: a sandbox client's redirect URIs were registered by anyone and
            # reviewed by no one, so an error is never an automatic redirect there (prompt=none
            # would make Tuaton an open redirector); it is shown on Tuaton's own page.
            raise InvalidRedirect(
                f"The sandbox e-Service's sign-in request was refused ({error.error}: "
                f"{error.description.rstrip('.')}). Tuaton does not send the browser back to a sandbox "
                "e-Service's unreviewed address on an error.",
                f"คำขอเข้าสู่ระบบของบริการทดสอบไม่ถูกต้อง ({error.error}) ระบบจะไม่ส่งกลับไปยังที่อยู่ของบริการทดสอบ"
                "ที่ยังไม่ได้ตรวจสอบ") from error
        error.redirect_uri, error.state = redirect_uri, state
        raise
    return request, client
