"""The authorization request's rules, each with the request that must fail."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import authorize_params, code_from
from tuaton.oidc.authorization import validate_authorization_request
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.errors import InvalidRedirect, OAuthError

CLIENT = RegisteredClient(
    client_id="c1", name_th="ทดสอบ", name_en="Test", token_endpoint_auth_method="client_secret_basic",
    redirect_uris=("https://rp.example/cb",), post_logout_redirect_uris=(), scopes=frozenset({"openid", "pid"}),
    subject_type="pairwise", id_token_signed_response_alg="ES256", purpose_th="", purpose_en="")
PUBLIC = RegisteredClient(**{**CLIENT.__dict__, "client_id": "pub", "token_endpoint_auth_method": "none"})
LOOKUP = {"c1": CLIENT, "pub": PUBLIC}.get
GOOD = [("client_id", "c1"), ("redirect_uri", "https://rp.example/cb"), ("response_type", "code"),
        ("scope", "openid pid"), ("state", "s")]


def _error(params) -> OAuthError | InvalidRedirect:
    with pytest.raises((OAuthError, InvalidRedirect)) as caught:
        validate_authorization_request(params, LOOKUP)
    return caught.value


def test_a_good_request_is_accepted():
    request, client = validate_authorization_request(GOOD, LOOKUP)
    assert client is CLIENT and request.scopes == ("openid", "pid") and request.state == "s"


@pytest.mark.parametrize("params", [
    [p for p in GOOD if p[0] != "client_id"],
    [("client_id", "nobody")] + GOOD[1:],
    [p for p in GOOD if p[0] != "redirect_uri"],
    [GOOD[0], ("redirect_uri", "https://rp.example/cb/")] + GOOD[2:],
    [GOOD[0], ("redirect_uri", "https://rp.example/cb?x=1")] + GOOD[2:],
    GOOD + [("redirect_uri", "https://evil.example/cb")],
])
def test_unknown_client_or_redirect_is_never_redirected_to(params):
    assert isinstance(_error(params), InvalidRedirect)


@pytest.mark.parametrize("extra,error", [
    ([("response_type", "token")], "invalid_request"),  # repeated parameter
    ([("request", "eyJ...")], "request_not_supported"),
    ([("request_uri", "https://rp.example/r")], "request_uri_not_supported"),
    ([("prompt", "none")], "login_required"),
    ([("prompt", "none login")], "invalid_request"),
    ([("prompt", "sometimes")], "invalid_request"),
    ([("max_age", "-1")], "invalid_request"),
    ([("max_age", "soon")], "invalid_request"),
    ([("code_challenge", "a" * 43), ("code_challenge_method", "plain")], "invalid_request"),
    ([("code_challenge", "a" * 43)], "invalid_request"),
    ([("code_challenge", "short"), ("code_challenge_method", "S256")], "invalid_request"),
    ([("code_challenge_method", "S256")], "invalid_request"),
    ([("response_mode", "fragment")], "invalid_request"),
    ([("nonce", "n" * 513)], "invalid_request"),
])
def test_bad_parameters_go_back_to_the_client_with_the_right_error(extra, error):
    caught = _error(GOOD + extra)
    assert isinstance(caught, OAuthError) and caught.error == error
    assert caught.redirect_uri == "https://rp.example/cb" and caught.state == "s"


@pytest.mark.parametrize("response_type,error", [("token", "unsupported_response_type"),
                                                 ("id_token", "unsupported_response_type"),
                                                 ("", "invalid_request")])
def test_only_the_code_flow(response_type, error):
    params = [p for p in GOOD if p[0] != "response_type"]
    params += [("response_type", response_type)] if response_type else []
    assert _error(params).error == error


@pytest.mark.parametrize("scope,mentions", [("pid", "openid"), ("openid name", "name"),
                                            ("openid pid fingerprints", "fingerprints")])
def test_scope_must_include_openid_and_be_granted(scope, mentions):
    params = [p for p in GOOD if p[0] != "scope"] + [("scope", scope)]
    caught = _error(params)
    assert caught.error == "invalid_scope" and mentions in caught.description


def test_public_clients_must_use_pkce():
    params = [("client_id", "pub")] + GOOD[1:]
    assert _error(params).error == "invalid_request"
    ok = params + [("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256")]
    request, _ = validate_authorization_request(ok, LOOKUP)
    assert request.code_challenge_method == "S256"


def test_login_hint_is_used_only_when_it_is_a_valid_citizen_id():
    request, _ = validate_authorization_request(GOOD + [("login_hint", "1-1017-00230-70-8")], LOOKUP)
    assert request.login_hint_pid == "1101700230708"
    request, _ = validate_authorization_request(GOOD + [("login_hint", "somchai@example.com")], LOOKUP)
    assert request.login_hint_pid is None


def test_ui_locales_pick_a_supported_language():
    request, _ = validate_authorization_request(GOOD + [("ui_locales", "fr-CA en-GB th")], LOOKUP)
    assert request.ui_locales == ("en", "th") and request.locale == "en"


names = st.sampled_from(["client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "prompt",
                         "max_age", "code_challenge", "code_challenge_method", "login_hint", "ui_locales",
                         "acr_values", "request", "response_mode", "x"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(names, st.text(max_size=60)), max_size=12))
def test_any_request_is_accepted_or_refused_with_a_standard_error(params):
    try:
        request, client = validate_authorization_request(GOOD[:2] + params, LOOKUP)
    except InvalidRedirect:
        return
    except OAuthError as error:
        assert error.error in {"invalid_request", "invalid_scope", "unsupported_response_type", "login_required",
                               "request_not_supported", "request_uri_not_supported"}
        assert error.redirect_uri == "https://rp.example/cb" and error.description
        return
    assert "openid" in request.scopes and set(request.scopes) <= {"openid", "pid", "offline_access"}
    assert request.code_challenge_method in (None, "S256")


def test_errors_reach_the_agency_as_a_redirect_with_state_and_iss(http, agency):
    response = http.get("/oauth2/authorize", params=authorize_params(agency, scope="openid fingerprints"),
                        follow_redirects=False)
    assert response.status_code == 303
    params = code_from(response.headers["location"])
    assert params == {"error": "invalid_scope", "state": "st-123", "iss": "http://testserver",
                      "error_description": params["error_description"]}


def test_bad_redirect_uri_shows_a_bilingual_page(http, agency):
    response = http.get("/oauth2/authorize", params=authorize_params(agency, redirect_uri="https://evil.example/"),
                        follow_redirects=False)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "redirect_uri" in response.text and "ไม่ตรงกับที่บริการนี้ลงทะเบียนไว้" in response.text
    assert "evil.example" not in response.headers.get("location", "")


def test_sign_in_page_cannot_be_framed(http, agency):
    response = http.get("/oauth2/authorize", params=authorize_params(agency))
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"


def test_thaid_path_and_post_are_served(http, agency):
    response = http.post("/api/v2/oauth2/auth/", data=authorize_params(agency))
    assert response.status_code == 200 and 'id="signin-qr"' in response.text
