"""The demo e-Service: "check your civil registration data" (ตรวจสอบข้อมูลทะเบียนราษฎร).

It is an ordinary OpenID Connect relying party built on Authlib's Starlette client: it knows only
the issuer, its client id and secret; it discovers everything else. No photocopy of an ID card.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import warnings
from urllib.parse import urlencode

with warnings.catch_warnings():
    # Authlib 1.9 announces a future move to httpx2; nothing to act on here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

SCOPES = "openid pid name name_en birthdate gender address ial date_of_expiry"
#: What the page shows, in this order, in words (the claims' own keys stay in data-claim for scripts).
SHOWN = ("name", "name_en", "pid", "birthdate", "gender", "address", "date_of_expiry", "ial")

PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ตรวจสอบข้อมูลทะเบียนราษฎร</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d3557}}
.button{{background:#1d3557;color:#fff;padding:.6rem 1rem;border-radius:8px;text-decoration:none}}
dt{{font-weight:700}}dd{{margin:0 0 .5rem}}</style></head><body>
<h1>ตรวจสอบข้อมูลทะเบียนราษฎร <small>Check your civil registration data</small></h1>
{body}</body></html>"""


def shown_claims(person: dict) -> list[tuple[str, str, str, str]]:
    """(claim, Thai label, English label, value in words) for what the person sees: no raw keys or
    codes — dates in the Buddhist era as Thai readers expect, sex and the assurance level in words."""
    from tuaton.assurance import IAL_WORDS
    from tuaton.i18n import buddhist_date
    from tuaton.oidc.claims import CLAIM_LABELS

    out = []
    for claim in SHOWN:
        value = person.get(claim)
        if value in (None, ""):
            continue
        if claim in ("birthdate", "date_of_expiry"):
            day = dt.date.fromisoformat(str(value))
            text = "ตลอดชีพ / lifelong" if day.year == 9999 else f"{buddhist_date(day)} ({day:%-d %b %Y})"
        elif claim == "gender":
            text = "ชาย / Male" if value == "male" else "หญิง / Female"
        elif claim == "ial":
            words = IAL_WORDS.get(str(value), (str(value), str(value)))
            text = f"{words[1]} / {words[0]} (IAL {value})"
        else:
            text = str(value)
        label_en, label_th = CLAIM_LABELS.get(claim, (claim, claim))
        out.append((claim, label_th, label_en, text))
    return out


def create_demo_eservice(issuer: str, client_id: str, client_secret: str, base_url: str) -> Starlette:
    oauth = OAuth()
    oauth.register("tuaton", client_id=client_id, client_secret=client_secret,
                   server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"})

    async def home(request: Request) -> HTMLResponse:
        person = request.session.get("person")
        if not person:
            # The official "Sign in with Tuaton" button the integration guide offers (served by Tuaton).
            body = ("<p>ไม่ต้องถ่ายสำเนาบัตรประชาชน: เข้าสู่ระบบด้วยแอปตัวตน แล้วระบบจะแสดงข้อมูลจากทะเบียนราษฎร</p>"
                    "<p>No photocopy of your ID card: sign in with the Tuaton app and see your registry data.</p>"
                    f'<p><a id="login" href="/login"><img src="{html.escape(issuer)}/static/signin-button-th.svg" '
                    'alt="เข้าสู่ระบบด้วยตัวตน / Sign in with Tuaton" width="240" height="48"></a></p>')
            return HTMLResponse(PAGE.format(body=body))
        rows = "".join(f"<dt>{html.escape(label_th)} <small>{html.escape(label_en)}</small></dt>"
                       f"<dd data-claim='{html.escape(k)}'>{html.escape(value)}</dd>"
                       for k, label_th, label_en, value in shown_claims(person))
        body = (f"<p id='greeting'>สวัสดี {html.escape(str(person.get('name', '')))}</p><dl>{rows}</dl>"
                '<p><a class="button" id="logout" href="/logout">ออกจากระบบ / Sign out</a></p>')
        return HTMLResponse(PAGE.format(body=body))

    async def login(request: Request):
        return await oauth.tuaton.authorize_redirect(request, f"{base_url}/callback",
                                                     nonce=secrets.token_urlsafe(16))

    async def callback(request: Request):
        try:
            token = await oauth.tuaton.authorize_access_token(request)
            person = await oauth.tuaton.userinfo(token=token)
        except OAuthError as exc:
            body = (f"<p id='error'>เข้าสู่ระบบไม่สำเร็จ / Sign-in did not complete: "
                    f"{html.escape(exc.error or '')} {html.escape(exc.description or '')}</p>"
                    '<p><a class="button" href="/">กลับ / Back</a></p>')
            return HTMLResponse(PAGE.format(body=body), status_code=400)
        person = dict(person)
        address = person.get("address")
        if isinstance(address, dict):
            person["address"] = address.get("formatted", "")
        request.session["person"] = person
        request.session["id_token"] = token.get("id_token")
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request):
        id_token = request.session.pop("id_token", None)
        request.session.clear()
        metadata = await oauth.tuaton.load_server_metadata()
        if id_token and metadata.get("end_session_endpoint"):
            query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": f"{base_url}/"})
            return RedirectResponse(f"{metadata['end_session_endpoint']}?{query}", status_code=303)
        return RedirectResponse("/", status_code=303)

    return Starlette(
        routes=[Route("/", home), Route("/login", login), Route("/callback", callback), Route("/logout", logout)],
        middleware=[Middleware(SessionMiddleware, secret_key=secrets.token_urlsafe(32),
                               session_cookie="demo_eservice", same_site="lax")],
    )
