"""Client registration rules: callback URLs (redirect URIs, CIBA notification endpoints) and
backchannel settings."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.errors import InvalidInput
from tuaton.oidc.clients import check_backchannel, check_redirect_uri

URLISH = st.one_of(
    st.text(max_size=60),
    st.builds(lambda scheme, host, rest: f"{scheme}://{host}{rest}",
              st.sampled_from(["https", "http", "HTTPS", "ftp", "javascript", ""]),
              st.sampled_from(["eservice.example.go.th", "127.0.0.1", "localhost", "[::1]", "[::1", "", "a b",
                               "evil.example@127.0.0.1", "127.0.0.1.evil.example"]),
              st.text(alphabet="/?#:@%[]x", max_size=12)))


@given(URLISH)
def test_a_callback_url_is_https_or_loopback_http_or_refused_cleanly(uri):
    try:
        accepted = check_redirect_uri(uri)
    except InvalidInput as exc:
        assert exc.detail_th and exc.extra["field"] == "redirect_uri"
        return
    parts = urlsplit(accepted)
    assert not parts.fragment and parts.netloc
    assert parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


@given(URLISH)
def test_a_ping_endpoint_follows_the_same_rule(uri):
    try:
        check_redirect_uri(uri)
        valid = len(uri) <= 500
    except InvalidInput:
        valid = False
    try:
        check_backchannel("ping", uri, "client_secret_basic")
        assert valid
    except InvalidInput as exc:
        assert not valid or not uri, uri
        assert exc.extra["field"] == "backchannel_client_notification_endpoint" and exc.detail_th


@pytest.mark.parametrize(("mode", "endpoint", "auth", "field"), [
    ("push", None, "client_secret_basic", "backchannel_token_delivery_mode"),
    ("poll", None, "none", "backchannel_token_delivery_mode"),       # a public client (a browser, an app)
    ("ping", None, "client_secret_basic", "backchannel_client_notification_endpoint"),
    (None, "https://a.example/n", "client_secret_basic", "backchannel_client_notification_endpoint"),
])
def test_backchannel_settings_that_cannot_work_are_refused(mode, endpoint, auth, field):
    with pytest.raises(InvalidInput) as refused:
        check_backchannel(mode, endpoint, auth)
    assert refused.value.extra["field"] == field and refused.value.detail_th != refused.value.title_th


def test_a_public_client_cannot_turn_backchannel_on(services):
    public = services.clients.create(name_en="SPA", redirect_uris=["https://spa.example/cb"], scopes=["openid"],
                                     auth_method="none")
    with pytest.raises(InvalidInput):
        services.clients.set_backchannel(public.client.client_id, "poll", None)
    assert services.clients.get(public.client.client_id).backchannel_token_delivery_mode is None


@pytest.mark.parametrize("endpoint", [
    "https://127.0.0.1/notify", "http://127.0.0.1:8080/notify", "https://localhost/notify",
    "https://10.0.0.5/notify", "https://169.254.169.254/latest/meta-data", "https://[::1]/notify",
    "https://[::ffff:192.168.1.1]/notify", "https://2130706433/notify", "https://0x7f.1/notify",
])
def test_an_agency_cannot_point_tuatons_pings_at_an_internal_address(services, endpoint):
    agency = services.clients.create(name_en="Call centre", redirect_uris=["https://cc.example.go.th/cb"],
                                     scopes=["openid"])
    with pytest.raises(InvalidInput) as refused:
        services.clients.set_backchannel(agency.client.client_id, "ping", endpoint)
    assert refused.value.extra["field"] == "backchannel_client_notification_endpoint"
    assert services.clients.get(agency.client.client_id).backchannel_token_delivery_mode is None


def test_an_operator_may_register_a_loopback_ping_endpoint(services):
    """The demo and a developer's machine receive pings on loopback."""
    agency = services.clients.create(name_en="Meeting", redirect_uris=["https://m.example.go.th/cb"],
                                     scopes=["openid"], backchannel_mode="ping",
                                     backchannel_notification_endpoint="http://127.0.0.1:8080/notify")
    assert agency.client.backchannel_client_notification_endpoint == "http://127.0.0.1:8080/notify"


def test_a_public_notification_endpoint_is_accepted(services):
    agency = services.clients.create(name_en="Call centre", redirect_uris=["https://cc.example.go.th/cb"],
                                     scopes=["openid"])
    saved = services.clients.set_backchannel(agency.client.client_id, "ping", "https://cc.example.go.th/ciba")
    assert saved.backchannel_client_notification_endpoint == "https://cc.example.go.th/ciba"
    assert services.clients.set_backchannel(agency.client.client_id, "poll", "ignored").\
        backchannel_client_notification_endpoint is None    # only ping keeps an endpoint
