"""What operators watch: liveness, readiness, Prometheus metrics and request logs without personal data."""

from __future__ import annotations

import json
import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from starlette.testclient import TestClient

from tests.conftest import ISSUER, signed_in_code
from tuaton.observability import JsonLines
from tuaton.settings import Settings
from tuaton.storage.db import Database


def test_liveness_and_readiness(http):
    assert http.get("/healthz").json()["status"] == "ok"
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": "ok",
                                                         "ephemeral_store": "ok"}


def test_readiness_fails_when_the_store_is_down(http, services, monkeypatch):
    monkeypatch.setattr(services.store, "ping", lambda: False)
    ready = http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["ephemeral_store"] == "unreachable"
    assert http.get("/healthz").status_code == 200          # the process itself is alive


def _from(app, address: str) -> TestClient:
    return TestClient(app, base_url=ISSUER, client=(address, 40000))


def test_metrics_count_requests_by_route_template(http, app):
    http.get("/.well-known/openid-configuration")
    text = _from(app, "127.0.0.1").get("/metrics").text
    assert 'tuaton_http_request_duration_seconds_count{method="GET",route="/.well-known/openid-configuration"' \
        in text


def test_metrics_are_not_answered_to_the_internet(app):
    refused = _from(app, "203.0.113.50").get("/metrics")
    assert refused.status_code == 403 and refused.json()["type"].endswith("metrics-not-public")
    assert "tuaton_http" not in refused.text


@pytest.mark.parametrize("settings", [{"metrics_token": "scrape-secret-1234"}], indirect=True)
def test_with_a_metrics_token_only_its_bearer_is_answered(app):
    remote = _from(app, "203.0.113.50")
    assert remote.get("/metrics").status_code == 401
    assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert _from(app, "127.0.0.1").get("/metrics").status_code == 401        # the token is the rule now
    assert remote.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1234"}).status_code == 200


def test_no_hsts_on_a_plain_http_issuer(http):
    assert "strict-transport-security" not in http.get("/healthz").headers


@pytest.mark.parametrize("settings", [{"issuer": "https://id.example.go.th"}], indirect=True)
def test_an_https_issuer_sends_hsts(app):
    response = TestClient(app, base_url="https://id.example.go.th").get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_request_logs_carry_the_route_template_and_never_the_code_or_citizen_id(http, app_client, device, agency,
                                                                                 persona, caplog):
    with caplog.at_level(logging.INFO, logger="tuaton.access"):
        code = signed_in_code(http, app_client, device, agency, login_hint=persona["pid"])
        http.get("/oauth2/authorize", params={"client_id": agency.client_id, "login_hint": persona["pid"],
                                              "redirect_uri": agency.redirect_uri, "response_type": "code",
                                              "scope": "openid", "code": code})
    lines = [JsonLines().format(r) for r in caplog.records if r.name == "tuaton.access"]
    assert lines and all(json.loads(line)["route"] for line in lines)
    assert any(json.loads(line)["route"] == "/oauth2/authorize" for line in lines)
    joined = "\n".join(lines)
    assert persona["pid"] not in joined and code not in joined


def test_a_database_outage_answers_503_problem_json_not_a_traceback(http, services, monkeypatch):
    # Nothing listens on port 1: every connection is refused, as when PostgreSQL is down.
    broken = Database(Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/tuaton?connect_timeout=2"))
    monkeypatch.setattr(services.clients, "_db", broken)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "x"},
                         auth=("client-never-seen-before", "secret"))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("#database-unavailable") and "Retry" in body["detail"]
    assert response.headers["retry-after"] == "5"
    assert "Traceback" not in response.text and "psycopg" not in response.text


@pytest.mark.parametrize("error", [
    PendingRollbackError("This Session's transaction has been rolled back due to a previous exception"),
    DBAPIError("SELECT 1", {}, Exception("server closed the connection unexpectedly"), connection_invalidated=True),
])
def test_a_connection_dropped_mid_request_answers_503_not_500(http, services, monkeypatch, error):
    def dropped(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(services.clients, "get", dropped)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "x"},
                         auth=("client-never-seen-before", "secret"))
    assert response.status_code == 503 and response.json()["type"].endswith("#database-unavailable")


def test_a_real_bug_is_still_a_500(http, services, monkeypatch):
    def broken(*_args, **_kwargs):
        raise DBAPIError("SELECT 1", {}, Exception("syntax error"), connection_invalidated=False)

    monkeypatch.setattr(services.clients, "get", broken)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "x"},
                         auth=("client-never-seen-before", "secret"))
    assert response.status_code == 500 and "syntax error" not in response.text


def test_a_session_store_outage_answers_503_problem_json(http, services, monkeypatch):
    def refused(*_args, **_kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services.store, "get", refused)
    response = http.get("/oauth2/userinfo", headers={"Authorization": "Bearer some-access-token"})
    assert response.status_code == 503
    assert response.json()["type"].endswith("#store-unavailable")
    assert "6379" not in response.text and response.headers["retry-after"] == "5"


def _tuaton_lines(caplog) -> list[dict]:
    return [json.loads(JsonLines().format(r)) for r in caplog.records if r.name.startswith("tuaton")
            and r.name != "tuaton.access"]


def test_an_outage_is_logged_as_one_line_with_the_route_template(http, services, monkeypatch, caplog):
    def refused(*_args, **_kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services.store, "get", refused)
    with caplog.at_level(logging.INFO, logger="tuaton"):
        assert http.get("/signin/SIGNIN-ID-abc123/status").status_code == 503
    [line] = _tuaton_lines(caplog)
    assert line["route"] == "/signin/{signin_id}/status" and line["level"] == "error"
    assert "SIGNIN-ID-abc123" not in json.dumps(line) and "traceback" not in line


def test_an_unexpected_error_is_logged_without_its_message_or_the_path(http, services, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a message that could carry a token: tok-123")

    monkeypatch.setattr(services.signins, "status", broken)
    with caplog.at_level(logging.INFO, logger="tuaton"):
        response = http.get("/signin/SIGNIN-ID-abc123/status")
    assert response.status_code == 500 and "tok-123" not in response.text
    [line] = _tuaton_lines(caplog)
    assert line["error"] == "RuntimeError" and line["route"] == "/signin/{signin_id}/status"
    assert any("signin/routes.py" in frame for frame in line["traceback"])
    assert "tok-123" not in json.dumps(line) and "SIGNIN-ID-abc123" not in json.dumps(line)


def test_the_api_is_described_without_pages_that_load_from_a_cdn(http):
    assert http.get("/openapi.json").json()["info"]["title"] == "Tuaton"
    assert http.get("/docs").status_code == 404 and http.get("/redoc").status_code == 404
