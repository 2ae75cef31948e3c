"""Small helpers the routes share: the services of this process, page rendering, headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
import segno
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.concurrency import run_in_threadpool

from tuaton.assurance import CHANNEL_LABELS, IAL_WORDS
from tuaton.audit.queries import BANGKOK
from tuaton.errors import SandboxOnly
from tuaton.i18n import buddhist_date, pick_lang, texts
from tuaton.registry import citizen_id
from tuaton.services import Services

T = TypeVar("T")

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["buddhist_date"] = buddhist_date


@pass_context
def _tr(context, th: str, en: str) -> str:
    """``{{ tr("ไทย", "English") }}``: the text in the reader's language."""
    return th if context.get("lang") == "th" else en


@pass_context
def _when(context, value: dt.datetime | str | None, with_time: bool = True) -> str:
    """A moment (or an ISO 8601 string of one) in Bangkok time; Buddhist era for Thai readers."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(BANGKOK)
    clock = f" {local:%H:%M}" if with_time else ""
    if context.get("lang") == "th":
        return buddhist_date(local.date()) + clock
    return f"{local:%-d %b %Y}" + clock


@pass_context
def _day(context, iso_day: str) -> str:
    day = dt.date.fromisoformat(iso_day)
    return f"{day.day}/{day.month}" if context.get("lang") == "th" else f"{day:%-d %b}"


@pass_context
def _ial_words(context, ial: str) -> str:
    """An assurance level in words, with its code in brackets for the help desk."""
    words = IAL_WORDS.get(ial)
    if words is None:
        return f"IAL {ial}"
    return f"{words[1] if context.get('lang') == 'th' else words[0]} (IAL {ial})"


@pass_context
def _channel(context, channel: str) -> str:
    label = CHANNEL_LABELS.get(channel, (channel, channel))
    return label[1] if context.get("lang") == "th" else label[0]


TEMPLATES.env.globals["tr"] = _tr
TEMPLATES.env.filters["ial_words"] = _ial_words
TEMPLATES.env.filters["channel"] = _channel
TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["masked_pid"] = citizen_id.masked
TEMPLATES.env.filters["short_day"] = _day
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: QR codes are drawn with one fixed mask pattern (ISO/IEC 18004 allows any of the eight): choosing
#: the "best" one tries all eight in pure Python, which was a fifth of the server's CPU per sign-in
#: (BENCHMARKS.md), for no difference a phone camera notices on a screen.
QR_MASK = 2


def qr_svg(payload: str, *, scale: int = 6) -> str:
    """An inline SVG QR code of ``payload`` (error correction M), as the sign-in and office pages show it."""
    return segno.make(payload, error="m", mask=QR_MASK).svg_inline(scale=scale, border=2, dark="#0b2545")


def services(request: Request) -> Services:
    return request.app.state.services


class ORJSONResponse(JSONResponse):
    """A JSON response rendered by orjson (the same compact UTF-8 JSON, a fraction of the CPU)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def blocking(request: Request, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a hot endpoint's blocking work (database, store, signing) where ``blocking_calls`` says:
    inline on the event loop when every backend is local, else on a worker thread."""
    if services(request).settings.blocking_calls_inline:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


def problem(status: int, slug: str, title: str, detail: str, detail_th: str | None = None,
            **extra) -> JSONResponse:
    body = {"type": f"/docs/problems#{slug}", "title": title, "status": status, "detail": detail}
    if detail_th:
        body["detail_th"] = detail_th
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def with_retry_after(response: Response, error: Exception) -> Response:
    """``Retry-After`` on a page or answer for an error that says when to try again."""
    retry_after = getattr(error, "extra", {}).get("retry_after")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def client_address(request: Request) -> str:
    """The caller's address, for per-source limits (uvicorn takes it from ``X-Forwarded-For``
    only when the connection comes from a trusted proxy: ``FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client else "unknown"


#: The language a reader chose with a page's switch, remembered (lang_of reads it after ?lang).
LANG_COOKIE = "tuaton_lang"


def lang_of(request: Request) -> str:
    """The reader's language for a page: ``?lang``, then the ``tuaton_lang`` cookie, then the browser's."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                     request.headers.get("accept-language"))


def require_sandbox(request: Request) -> None:
    """Route dependency: sandbox-only endpoints answer 404 ``sandbox-only`` in production."""
    if not services(request).settings.sandbox:
        raise SandboxOnly()


def page(request: Request, template: str, lang: str, *, status_code: int = 200,
         context: dict[str, Any] | None = None) -> HTMLResponse:
    other = "en" if lang == "th" else "th"
    query = dict(request.query_params)
    query["lang"] = other
    switch_url = request.url.path + "?" + urlencode(query)
    response = TEMPLATES.TemplateResponse(request, template, {
        "lang": lang, "other_lang": other, "t": texts(lang), "switch_url": switch_url, **(context or {}),
    }, status_code=status_code)
    # A language chosen with ?lang (the switch in every page's header) is kept for the next pages,
    # the forms' answers included, until the reader switches again.
    if request.query_params.get("lang") == lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True,
                            secure=request.url.scheme == "https")
    return response
