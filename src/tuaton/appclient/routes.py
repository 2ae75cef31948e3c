"""The citizen app as a mobile web app: its page, manifest and service worker (served under /app
so the worker's scope is the app)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from tuaton.assurance import IAL_WORDS
from tuaton.web_support import lang_of, page, services

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent.parent / "static" / "app"


@router.get("/app")
def app_shell(request: Request) -> Response:
    # The assurance levels in words come from the one table the portals use too (assurance.py).
    # In the sandbox the photo steps offer the synthetic personas' photos (a fresh one each time).
    return page(request, "app.html", lang_of(request), context={
        "ial_words": IAL_WORDS, "sandbox": services(request).settings.sandbox})


@router.get("/app/manifest.webmanifest")
def manifest() -> Response:
    return FileResponse(STATIC / "manifest.webmanifest", media_type="application/manifest+json")


@router.get("/app/sw.js")
def service_worker() -> Response:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Service-Worker-Allowed": "/app", "Cache-Control": "no-cache"})
