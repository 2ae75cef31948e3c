"""The application's own middleware: request bodies are bounded before they are read."""

from __future__ import annotations

import asyncio

import orjson
from starlette.requests import Request

from tuaton.web import DEFAULT_BODY_LIMIT, BodyLimit, body_limit


def test_a_declared_oversized_body_is_refused_before_it_is_read(http):
    response = http.post("/oauth2/token", content=b"x" * (DEFAULT_BODY_LIMIT + 1),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    problem = response.json()
    assert problem["type"].endswith("request-too-large") and problem["limit"] == DEFAULT_BODY_LIMIT
    assert "1 MiB" in problem["detail"] and problem["detail_th"]


def test_an_unknown_path_refuses_a_large_body_too(http):
    assert http.post("/no/such/path", content=b"x" * (3 * DEFAULT_BODY_LIMIT)).status_code == 413


def _run(app, scope, chunks) -> tuple[list[dict], int]:
    """Call ``BodyLimit(app)`` with ``chunks`` as the streamed body; what it sent and how many
    chunks were read."""
    sent, read = [], 0

    async def receive():
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message):
        sent.append(message)

    asyncio.run(BodyLimit(app)(scope, receive, send))
    return sent, read


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit():
    async def reads_it_all(scope, receive, send):        # as an endpoint reading the whole body
        request = Request(scope, receive)
        await request.body()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})

    scope = {"type": "http", "path": "/api/app/v1/signins/abc/decision", "method": "POST", "headers": []}
    sent, read = _run(reads_it_all, scope, [b" " * (64 * 1024)] * 64)     # 4 MiB, no Content-Length
    assert sent[0]["status"] == 413 and len(sent) == 2
    assert read == DEFAULT_BODY_LIMIT // (64 * 1024) + 1                     # not one chunk more
    assert orjson.loads(sent[1]["body"])["type"].endswith("request-too-large")


def test_a_body_within_the_limit_reaches_the_endpoint():
    async def echo_size(scope, receive, send):
        body = await Request(scope, receive).body()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    scope = {"type": "http", "path": "/oauth2/token", "method": "POST", "headers": []}
    sent, _ = _run(echo_size, scope, [b"a" * 1000] * 10)
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"10000"


def test_enrolment_photos_have_room_for_their_size_and_no_more():
    assert body_limit("/api/app/v1/enrolments/e1/card-front") > 8 * 1024 * 1024
    assert body_limit("/api/app/v1/enrolments/e1/selfie") > 16 * 1024 * 1024
    assert body_limit("/api/app/v1/enrolments/e1/card-data") == DEFAULT_BODY_LIMIT
    assert body_limit("/api/app/v1/enrolments/e1/card-front/x") == DEFAULT_BODY_LIMIT


def test_a_photo_over_8_mb_is_refused_at_the_door(http):
    response = http.post("/api/app/v1/enrolments/e1/card-front",
                         files={"photo": ("card.jpg", b"\xff" * (9 * 1024 * 1024), "image/jpeg")})
    assert response.status_code == 413


def test_a_content_length_that_is_not_a_number_is_a_400():
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    scope = {"type": "http", "path": "/oauth2/token", "method": "POST", "headers": [(b"content-length", b"1e9")]}
    sent, _ = _run(app, scope, [b""])
    assert reached == [] and sent[0]["status"] == 400
    assert orjson.loads(sent[1]["body"])["type"].endswith("invalid-content-length")

