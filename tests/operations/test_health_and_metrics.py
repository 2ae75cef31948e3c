"""What operators watch: liveness, readiness, Prometheus metrics and request logs without personal data."""

from __future__ import annotations

import json
import logging

from redis.exceptions import ConnectionError as RedisConnectionError

from tests.conftest import signed_in_code
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


def test_metrics_count_requests_by_route_template(http):
    http.get("/.well-known/openid-configuration")
    text = http.get("/metrics").text
    assert 'tuaton_http_request_duration_seconds_count{method="GET",route="/.well-known/openid-configuration"' \
        in text


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
    assert "Traceback" not in response.text and "psycopg" not in response.text


def test_a_session_store_outage_answers_503_problem_json(http, services, monkeypatch):
    def refused(*_args, **_kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services.store, "get", refused)
    response = http.get("/oauth2/userinfo", headers={"Authorization": "Bearer some-access-token"})
    assert response.status_code == 503
    assert response.json()["type"].endswith("#store-unavailable")
    assert "6379" not in response.text
