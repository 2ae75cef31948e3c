"""An agency applies, gets sandbox credentials at once, is reviewed claim by claim, gets production
credentials, rotates its secret, and sees its usage — and nobody else can touch its application."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import threading
import time

import pytest
from joserfc.jwk import ECKey
from PIL import Image
from sqlalchemy import select, update

from tests.agencies.conftest import COMPLETE
from tests.conftest import ISSUER, PASSCODE, Agency, csrf_of, exchange, portal_sign_in, signed_in_code
from tests.live import live_tuaton
from tuaton.appclient.client import AppClient, AppError
from tuaton.audit.models import AuditEvent
from tuaton.identity.models import Identity
from tuaton.oidc.clients import hash_secret


def apply(staff, **changes) -> tuple[str, str, str]:
    """POST a new application; returns (application id, sandbox client_id, sandbox secret)."""
    data = {**COMPLETE, **changes, "csrf": csrf_of(staff.get("/agency/new").text)}
    page = staff.post("/agency/new", data=data)
    assert page.status_code == 201, page.text
    app_id = re.search(r'action="/agency/([0-9a-f-]{36})"', page.text).group(1)
    client_id = re.search(r'id="secret-client-id">([^<]+)<', page.text).group(1)
    secret = re.search(r'id="secret-value">([^<]+)<', page.text).group(1)
    return app_id, client_id, secret


def submit(staff, app_id: str, **changes):
    data = {**COMPLETE, **changes, "action": "submit", "csrf": csrf_of(staff.get(f"/agency/{app_id}").text)}
    return staff.post(f"/agency/{app_id}", data=data, follow_redirects=False)


def decide(operator, app_id: str, decision: str, grant: list[str], reason: str = ""):
    page = operator.get(f"/console/reviews/{app_id}")
    assert page.status_code == 200, page.text
    return operator.post(f"/console/reviews/{app_id}", data={
        "csrf": csrf_of(page.text), "decision": decision, "grant": grant, "reason": reason}, follow_redirects=False)


def test_a_draft_gets_sandbox_credentials_that_sign_in_test_personas(staff, app_client, device):
    app_id, client_id, secret = apply(staff)
    sandbox = Agency(client_id, secret, "https://dlt.example.go.th/callback")
    code = signed_in_code(staff, app_client, device, sandbox, scope="openid pid name")
    tokens = exchange(staff, sandbox, code)
    assert tokens.status_code == 200, tokens.text
    assert staff.get(f"/agency/{app_id}").text.count('data-status="draft"') == 1


def test_sandbox_credentials_never_sign_in_a_real_citizen(staff, app_client, device, services):
    _, client_id, secret = apply(staff)
    with services.database.transaction() as session:     # the persona enrolled for real, with a face check
        session.execute(update(Identity).values(enrolment_channel="app"))
    page = staff.get("/oauth2/authorize", params={"client_id": client_id, "response_type": "code",
                     "redirect_uri": "https://dlt.example.go.th/callback", "scope": "openid pid", "nonce": "n"})
    payload = re.search(r'data-payload="([^"]+)"', page.text).group(1)
    with pytest.raises(AppError) as refused:
        app_client.decide(payload, device, "50738261")
    assert refused.value.status == 403
    assert refused.value.problem["type"].endswith("sandbox-personas-only")
    assert app_client.decide(payload, device, None, approve=False)["status"] == "denied"   # refusing still works


def test_submitting_an_incomplete_application_loses_nothing_typed(staff):
    app_id, _, _ = apply(staff, purpose_en="", why_pid="because")
    answer = submit(staff, app_id, purpose_en="", why_pid="because", org_name_th="กรมทดลอง")
    assert answer.status_code == 422
    assert "The purpose in English needs at least 20 characters" in answer.text
    assert "Say why the e-Service needs 'pid' (at least 40 characters)" in html.unescape(answer.text)
    assert 'value="กรมทดลอง"' in answer.text                  # what was typed comes back
    assert 'data-status="draft"' in answer.text


@pytest.mark.parametrize("uri", ["http://evil.example/cb", "https://[::1/cb"])   # the second once crashed
def test_a_draft_with_a_bad_redirect_uri_is_refused_with_the_reason(staff, uri):
    data = {**COMPLETE, "redirect_uris": uri, "csrf": csrf_of(staff.get("/agency/new").text)}
    answer = staff.post("/agency/new", data=data)
    assert answer.status_code == 422
    assert f"Not a valid redirect URI: {uri}" in answer.text


def test_a_private_company_needs_a_valid_juristic_number(staff):
    data = {**COMPLETE, "org_type": "private", "org_identifier": "0105536092640",
            "csrf": csrf_of(staff.get("/agency/new").text)}
    answer = staff.post("/agency/new", data=data)
    assert answer.status_code == 422 and "juristic person number" in answer.text


def test_operator_grants_some_claims_and_production_asks_only_for_those(staff, operator, app_client, device):
    app_id, _, _ = apply(staff)
    assert submit(staff, app_id).status_code == 303
    assert app_id in operator.get("/console/reviews").text
    no_reason = decide(operator, app_id, "approve", ["name", "birthdate"])
    assert no_reason.status_code == 422 and "Give the agency a reason" in no_reason.text
    assert decide(operator, app_id, "approve", ["name", "birthdate"],
                  "The licence register can be matched by name and birth date.").status_code == 303

    page = staff.get(f"/agency/{app_id}")
    assert 'data-status="approved"' in page.text and "matched by name and birth date" in page.text
    created = staff.post(f"/agency/{app_id}/secret", data={"environment": "production", "csrf": csrf_of(page.text)})
    client_id = re.search(r'id="secret-client-id">([^<]+)<', created.text).group(1)
    secret = re.search(r'id="secret-value">([^<]+)<', created.text).group(1)
    assert "ระบบจะไม่แสดงอีก" in created.text            # (the page is in Thai by default)
    assert secret not in staff.get(f"/agency/{app_id}").text     # shown once
    production = Agency(client_id, secret, "https://dlt.example.go.th/callback")

    refused = staff.get("/oauth2/authorize", params={"client_id": client_id, "response_type": "code",
                        "redirect_uri": production.redirect_uri, "scope": "openid pid", "state": "s"},
                        follow_redirects=False)
    assert "error=invalid_scope" in refused.headers["location"]
    code = signed_in_code(staff, app_client, device, production, scope="openid name birthdate")
    assert exchange(staff, production, code).status_code == 200


def test_rejection_needs_a_reason_and_the_agency_sees_it(staff, operator):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    assert decide(operator, app_id, "reject", []).status_code == 422
    assert decide(operator, app_id, "reject", [], "The purpose does not need the citizen ID.").status_code == 303
    page = staff.get(f"/agency/{app_id}").text
    assert 'data-status="rejected"' in page and "does not need the citizen ID" in page
    assert 'id="production-pending"' in page


def test_rotation_keeps_the_old_secret_working_for_the_overlap(staff, operator, services):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    first = services.agencies.new_secret(app_id, owner_id(services), "production")
    second = services.agencies.new_secret(app_id, owner_id(services), "production")
    client = services.clients.get(services.agencies.get(app_id, owner_id(services)).production_client_id)
    assert client.secret_matches(second) and client.secret_matches(first)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=services.settings.client_secret_overlap + 1)
    assert client.secret_matches(second, later) and not client.secret_matches(first, later)
    assert client.secret_hash == hash_secret(second)


def owner_id(services) -> str:
    """The one identity in these tests: the staff member's."""
    with services.database.reading() as session:
        return session.execute(select(Identity.id)).scalar_one()


def test_changing_claims_after_approval_goes_back_to_review_and_production_keeps_its_grant(staff, operator,
                                                                                         services):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    production_id = services.agencies.get(app_id, owner_id(services)).production_client_id
    changed = {**COMPLETE, "claim": ["pid", "name", "birthdate", "address"], "why_address": "Delivery of the card."}
    page = staff.get(f"/agency/{app_id}")
    assert staff.post(f"/agency/{app_id}", data={**changed, "action": "save", "csrf": csrf_of(page.text)},
                      follow_redirects=False).status_code == 303
    assert services.agencies.get(app_id, owner_id(services)).status == "submitted"
    assert "address" not in services.clients.get(production_id).scopes
    # a redirect URI alone changes at once, without review
    decide(operator, app_id, "approve", ["pid", "name", "birthdate", "address"])
    moved = {**changed, "redirect_uris": "https://dlt.example.go.th/v2/callback"}
    staff.post(f"/agency/{app_id}", data={**moved, "action": "save", "csrf": csrf_of(page.text)})
    assert services.agencies.get(app_id, owner_id(services)).status == "approved"
    assert services.clients.get(production_id).redirect_uris == ("https://dlt.example.go.th/v2/callback",)
    assert "address" in services.clients.get(production_id).scopes


def test_another_agency_cannot_see_or_change_an_application(staff, new_browser, app_client, personas):
    app_id, _, _ = apply(staff)
    other = new_browser()
    portal_sign_in(other, app_client, app_client.enroll_card_data_only(personas[3]["pid"], "50738261"), "/agency")
    csrf = csrf_of(other.get("/agency").text)
    assert other.get(f"/agency/{app_id}").status_code == 404
    assert other.get(f"/agency/{app_id}/usage").status_code == 404
    assert other.get(f"/agency/{app_id}/integration").status_code == 404
    assert other.post(f"/agency/{app_id}", data={**COMPLETE, "csrf": csrf}).status_code == 404
    assert other.post(f"/agency/{app_id}/secret", data={"environment": "sandbox", "csrf": csrf}).status_code == 404
    assert other.post(f"/agency/{app_id}/backchannel", data={"environment": "sandbox", "mode": "poll",
                                                             "csrf": csrf}).status_code == 404
    assert app_id not in other.get("/agency").text


def test_usage_counts_the_agencys_sign_ins(staff, app_client, device):
    app_id, client_id, secret = apply(staff)
    sandbox = Agency(client_id, secret, "https://dlt.example.go.th/callback")
    for _ in range(2):
        exchange(staff, sandbox, signed_in_code(staff, app_client, device, sandbox, scope="openid name"))
    page = staff.get(f"/agency/{app_id}/usage").text
    assert re.search(r'id="usage-approved">2<', page)
    assert 'id="usage-signins"' in page and "100.0%" in page


def test_logo_must_be_an_image_and_is_served_re_encoded(staff, services):
    app_id, client_id, _ = apply(staff)
    csrf = csrf_of(staff.get(f"/agency/{app_id}").text)
    bad = staff.post(f"/agency/{app_id}/logo", data={"csrf": csrf},
                     files={"logo": ("logo.png", b"<svg onload=alert(1)>", "image/png")})
    assert bad.status_code == 422 and "not a readable PNG or JPEG" in bad.text
    picture = io.BytesIO()
    Image.new("RGB", (800, 400), (200, 30, 30)).save(picture, "JPEG")
    staff.post(f"/agency/{app_id}/logo", data={"csrf": csrf},
               files={"logo": ("l.jpg", picture.getvalue(), "image/jpeg")})
    served = staff.get(f"/agencies/logo/{client_id}.png")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).size == (256, 128)


def test_an_agency_without_a_logo_is_shown_with_its_initial_and_an_unknown_client_is_404(http, agency):
    served = http.get(f"/agencies/logo/{agency.client_id}.png")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(served.content)).convert("RGB")
    assert picture.size == (256, 256) and picture.getpixel((5, 5)) == (19, 49, 92)
    assert [high for _, high in picture.getextrema()] == [255, 255, 255]     # the letter is drawn
    assert http.get("/agencies/logo/no-such-client.png").status_code == 404


def test_the_favicon_is_served_where_browsers_look_for_it(http):
    icon = http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")


def test_production_keys_must_be_public(staff, operator, services):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    key = ECKey.generate_key("P-256")
    csrf = csrf_of(staff.get(f"/agency/{app_id}").text)
    private = staff.post(f"/agency/{app_id}/keys", data={"csrf": csrf,
                         "jwks": json.dumps({"keys": [key.as_dict(private=True)]})})
    assert private.status_code == 422 and "only public keys" in private.text
    public = staff.post(f"/agency/{app_id}/keys", data={"csrf": csrf,
                        "jwks": json.dumps({"keys": [key.as_dict(private=False)]})},
                        follow_redirects=False)
    assert public.status_code == 303
    client = services.clients.get(services.agencies.get(app_id, owner_id(services)).production_client_id)
    assert client.token_endpoint_auth_method == "private_key_jwt"


def test_the_operator_is_told_what_was_decided(staff, operator):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    decided = decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    assert decided.status_code == 303
    queue = operator.get(decided.headers["location"])
    assert 'id="portal-notice"' in queue.text and "approved" in queue.text and "อนุมัติ" in queue.text


def test_an_agency_turns_on_fapi_with_keys_at_a_jwks_uri(staff, operator, services):
    app_id, _, _ = apply(staff)
    submit(staff, app_id)
    decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    csrf = csrf_of(staff.get(f"/agency/{app_id}").text)
    internal = staff.post(f"/agency/{app_id}/keys", data={"csrf": csrf, "jwks_uri": "https://10.1.2.3/jwks.json"})
    assert internal.status_code == 422 and "internal address" in internal.text
    saved = staff.post(f"/agency/{app_id}/keys", data={"csrf": csrf,
                       "jwks_uri": "https://eservice.example.go.th/.well-known/jwks.json"}, follow_redirects=False)
    assert saved.status_code == 303
    fapi = staff.post(f"/agency/{app_id}/fapi", data={"csrf": csrf, "environment": "production",
                                                      "require_par": "on", "require_dpop": "on"},
                      follow_redirects=False)
    assert fapi.status_code == 303
    client_id = services.agencies.get(app_id, owner_id(services)).production_client_id
    services.clients.forget(client_id)
    client = services.clients.get(client_id)
    assert client.jwks_uri == "https://eservice.example.go.th/.well-known/jwks.json" and client.jwks is None
    assert client.require_pushed_authorization_requests and client.dpop_bound_access_tokens and client.is_fapi
    page = staff.get(f"/agency/{app_id}").text
    assert 'id="require-par-production" checked' in page and 'id="require-dpop-production" checked' in page
    off = staff.post(f"/agency/{app_id}/fapi", data={"csrf": csrf, "environment": "production"},
                     follow_redirects=False)
    assert off.status_code == 303
    services.clients.forget(client_id)
    assert not services.clients.get(client_id).is_fapi


def test_every_agency_and_citizen_form_needs_the_csrf_token(staff, device, agency):
    app_id, _, _ = apply(staff)
    forged = {"csrf": "forged"}
    for path, data, files in [
            ("/agency/new", COMPLETE, None), (f"/agency/{app_id}", COMPLETE, None),
            (f"/agency/{app_id}/secret", {"environment": "sandbox"}, None),
            (f"/agency/{app_id}/fapi", {"environment": "sandbox", "require_par": "on"}, None),
            (f"/agency/{app_id}/keys", {"jwks": '{"keys": []}'}, None),
            (f"/agency/{app_id}/backchannel", {"environment": "sandbox", "mode": "poll"}, None),
            (f"/agency/{app_id}/logo", {}, {"logo": ("l.png", b"x", "image/png")}),
            (f"/me/devices/{device.device_id}/lock", {}, None),
            (f"/me/consents/{agency.client_id}/revoke", {}, None)]:
        answer = staff.post(path, data={**data, **forged}, files=files)
        assert answer.status_code == 403, path
    assert staff.get(f"/agency/{app_id}").text.count('data-status="draft"') == 1      # nothing changed


def backchannel(staff, app_id: str, environment: str, mode: str, endpoint: str = ""):
    return staff.post(f"/agency/{app_id}/backchannel", follow_redirects=False, data={
        "csrf": csrf_of(staff.get(f"/agency/{app_id}").text), "environment": environment, "mode": mode,
        "endpoint": endpoint})


def test_an_agency_turns_on_backchannel_sign_in_and_tries_it_in_the_sandbox(staff, services, persona, device):
    app_id, client_id, secret = apply(staff)
    saved = backchannel(staff, app_id, "sandbox", "poll")
    assert saved.status_code == 303
    page = staff.get(saved.headers["location"])
    assert 'value="poll" selected' in page.text
    assert "บันทึกแล้ว" in page.text and "Saved." in page.text
    asked = staff.post("/oauth2/bc-authorize", auth=(client_id, secret), data={
        "scope": "openid name", "login_hint": persona["pid"], "binding_message": "Counter 4"})
    assert asked.status_code == 200, asked.text
    # Ping needs somewhere to ping: refused with the reason, in both languages; the setting stays.
    refused = backchannel(staff, app_id, "sandbox", "ping")
    assert refused.status_code == 422
    assert "notification_endpoint" in refused.text and "ปลายทางรับการแจ้งเตือน" in refused.text
    assert 'value="ping" selected' in refused.text    # the form comes back as typed
    plain_http = backchannel(staff, app_id, "sandbox", "ping", "http://dlt.example.go.th/notify")
    assert plain_http.status_code == 422 and "https" in plain_http.text
    internal = backchannel(staff, app_id, "sandbox", "ping", "https://10.20.30.40/notify")
    assert internal.status_code == 422 and "internal address" in internal.text
    assert services.clients.get(client_id).backchannel_token_delivery_mode == "poll"
    assert backchannel(staff, app_id, "sandbox", "ping", "https://dlt.example.go.th/notify").status_code == 303
    client = services.clients.get(client_id)
    assert (client.backchannel_token_delivery_mode, client.backchannel_client_notification_endpoint) == \
        ("ping", "https://dlt.example.go.th/notify")
    # Off again: the endpoint refuses the client.
    assert backchannel(staff, app_id, "sandbox", "off").status_code == 303
    off = staff.post("/oauth2/bc-authorize", auth=(client_id, secret), data={
        "scope": "openid name", "login_hint": persona["pid"]})
    assert off.status_code in (400, 401) and off.json()["error"] == "unauthorized_client"


def test_production_backchannel_waits_for_approval(staff, operator, services):
    app_id, _, _ = apply(staff)
    early = backchannel(staff, app_id, "production", "poll")
    assert early.status_code == 409 and "after the application is approved" in early.text
    submit(staff, app_id)
    decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    assert backchannel(staff, app_id, "production", "poll").status_code == 303
    view = services.agencies.get(app_id, owner_id(services))
    assert services.clients.get(view.production_client_id).backchannel_token_delivery_mode == "poll"
    with services.database.reading() as session:    # who turned it on is in the audit trail
        changed = session.execute(select(AuditEvent).where(AuditEvent.kind == "client.backchannel_changed")
                                  ).scalars().one()
    assert (changed.identity_id, changed.client_id, changed.details["mode"]) == \
        (owner_id(services), view.production_client_id, "poll")
    assert services.clients.get(view.sandbox_client_id).backchannel_token_delivery_mode is None


def test_the_integration_guides_backchannel_example_works_as_printed(staff, settings, database, persona, device):
    """The guide's code, run as an agency would paste it, against a live Tuaton; the citizen approves."""
    app_id, client_id, secret = apply(staff)
    backchannel(staff, app_id, "sandbox", "poll")
    guide = staff.get(f"/agency/{app_id}/integration").text
    example = html.unescape(re.search(r'id="example-backchannel"><code>(.*?)</code>', guide, re.S).group(1))
    assert client_id in example
    with live_tuaton(settings, database, ciba_interval=1) as (issuer, _, _):
        scope = {"CLIENT_SECRET": secret, "CITIZEN_ID_OR_SUB": persona["pid"]}

        def run() -> None:
            try:
                exec(example.replace(ISSUER, issuer), scope)  # noqa: S102 - the guide's own code
            except Exception as exc:  # noqa: BLE001 - reported below
                scope["failure"] = exc

        agency_server = threading.Thread(target=run)
        agency_server.start()
        phone = AppClient(issuer)
        deadline = time.monotonic() + 15
        while not (waiting := phone.backchannel_requests(device)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [r["binding_message"] for r in waiting] == ["Room 3, seat 12"]
        phone.decide_backchannel(waiting[0]["id"], device, PASSCODE)
        agency_server.join(20)
    assert "failure" not in scope, scope.get("failure")
    assert scope["tokens"]["token_type"].lower() == "bearer" and scope["tokens"]["id_token"]


def test_a_logo_with_too_many_pixels_is_refused_before_decoding():
    import io

    from PIL import Image

    from tuaton.agencies.service import MAX_LOGO_SIDE, normalised_logo
    from tuaton.errors import InvalidInput

    out = io.BytesIO()
    Image.new("1", (MAX_LOGO_SIDE + 1, 64)).save(out, "PNG")
    with pytest.raises(InvalidInput) as caught:
        normalised_logo(out.getvalue())
    assert caught.value.extra["field"] == "logo" and str(MAX_LOGO_SIDE) in caught.value.detail_en


def test_an_e_service_is_named_in_the_readers_language_and_never_by_a_code():
    from tuaton.agencies.application import ApplicationForm
    from tuaton.agencies.service import ApplicationView

    for (th, en), thai, english in ((("ยื่นภาษี", "Tax filing"), "ยื่นภาษี", "Tax filing"),
                                    (("", "Tax filing"), "Tax filing", "Tax filing"),
                                    (("", ""), "(บริการที่ยังไม่ได้ตั้งชื่อ)", "(untitled e-Service)")):
        view = ApplicationView.__new__(ApplicationView)            # only its form matters here
        object.__setattr__(view, "form", ApplicationForm(service_name_th=th, service_name_en=en))
        assert view.title_in("th") == thai and view.title_in("en") == english
