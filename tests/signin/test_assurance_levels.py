"""An agency's minimum assurance (acr_values): met, not met, and what each side is told."""

from __future__ import annotations

import pytest
from joserfc import jwt

from tests.conftest import PASSCODE, code_from, exchange, follow_status, start_signin
from tuaton.appclient.client import AppError


def test_a_citizen_below_the_minimum_is_told_how_to_raise_it_and_the_agency_gets_the_standard_error(
        http, app_client, device, agency):
    assert device.ial == "1.2"
    page = start_signin(http, agency, acr_values="urn:tuaton:ial:2.1")
    assert app_client.read_signin(page.payload)["acr_values"] == ["urn:tuaton:ial:2.1"]
    with pytest.raises(AppError) as refused:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert refused.value.status == 403 and refused.value.problem["type"].endswith("assurance-too-low")
    assert "registrar office" in refused.value.problem["detail"] and refused.value.problem["detail_th"]
    status = follow_status(http, page)
    assert status["status"] == "denied"
    params = code_from(status["redirect_to"])
    assert params["error"] == "unmet_authentication_requirements" and params["state"] == "st-123"
    assert "code" not in params


def test_a_citizen_proofed_with_face_meets_ial_2_1_and_the_token_says_so(http, app_client, persona, agency):
    proofed = app_client.enroll(persona["pid"], PASSCODE)
    page = start_signin(http, agency, acr_values="urn:tuaton:ial:2.3 urn:tuaton:ial:2.1")
    app_client.decide(page.payload, proofed, PASSCODE, number=page.number)
    code = code_from(follow_status(http, page)["redirect_to"])["code"]
    tokens = exchange(http, agency, code).json()
    claims = jwt.decode(tokens["id_token"], _keys(http), algorithms=["ES256", "RS256"]).claims
    assert claims["acr"] == "urn:tuaton:ial:2.1:aal:2.2"


def test_discovery_lists_the_assurance_values(http):
    supported = http.get("/.well-known/openid-configuration").json()["acr_values_supported"]
    assert "urn:tuaton:ial:2.1:aal:2.2" in supported and "urn:tuaton:ial:3" in supported


def _keys(http):
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(http.get("/oauth2/jwks").json())
