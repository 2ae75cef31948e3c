"""Meeting check-in (ยืนยันตัวตนเข้าร่วมประชุม): an example of backchannel sign-in (OpenID CIBA).

The organiser's page lists the invitees. "Ask to check in" makes the meeting's server ask Tuaton
to authenticate that invitee (``login_hint`` = citizen ID: the meeting service is approved for
``pid``), with a binding message naming the meeting and the seat; the invitee's phone shows the
request, they approve with the passcode, and the page shows them as verified — live, polling
this server, which polls Tuaton's token endpoint no faster than the interval Tuaton gives.

It is an ordinary confidential client: issuer, client id and secret; endpoints from discovery;
the ID token checked with Authlib's JOSE against the published JWKS.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

import httpx

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
BANGKOK = ZoneInfo("Asia/Bangkok")
MEETING = {"th": "การประชุมคณะกรรมการพัฒนารัฐบาลดิจิทัล ครั้งที่ 1/2570",
           "en": "Digital Government Development Committee, meeting 1/2570"}


@dataclass
class Invitee:
    pid: str
    name: str
    seat: str
    status: str = "invited"  # invited, waiting, verified, refused, expired, error
    auth_req_id: str | None = None
    interval: int = 5
    next_poll: float = 0.0
    verified_name: str | None = None
    verified_at: str | None = None
    note: str | None = None


@dataclass
class Meeting:
    invitees: list[Invitee]
    lock: threading.Lock = field(default_factory=threading.Lock)


class TuatonBackchannel:
    """The meeting server's side of CIBA poll mode."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer, self.auth = issuer.rstrip("/"), (client_id, client_secret)
        self.client_id = client_id
        self._metadata: dict | None = None
        self._http = httpx.Client(timeout=10)

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = self._http.get(self.issuer + "/.well-known/openid-configuration").raise_for_status().json()
        return self._metadata

    def ask(self, invitee: Invitee) -> None:
        response = self._http.post(self.metadata["backchannel_authentication_endpoint"], auth=self.auth, data={
            "scope": "openid pid name", "login_hint": invitee.pid,
            "binding_message": f"{MEETING['th'][:30]}… ที่นั่ง {invitee.seat}"[:64]})
        body = response.json()
        if response.status_code != 200:
            invitee.status, invitee.note = "error", body.get("error_description") or body.get("error")
            return
        invitee.status, invitee.auth_req_id, invitee.note = "waiting", body["auth_req_id"], None
        invitee.interval, invitee.next_poll = body.get("interval", 5), time.time() + body.get("interval", 5)

    def poll(self, invitee: Invitee) -> None:
        if invitee.status != "waiting" or time.time() < invitee.next_poll:
            return
        response = self._http.post(self.metadata["token_endpoint"], auth=self.auth,
                                   data={"grant_type": CIBA_GRANT, "auth_req_id": invitee.auth_req_id})
        body = response.json()
        if response.status_code == 200:
            try:
                claims = self._verified_claims(body["id_token"])
            except JoseError as exc:
                invitee.status, invitee.note = "error", f"The ID token did not verify: {exc}"
                return
            if claims.get("pid") != invitee.pid:
                invitee.status, invitee.note = "error", "The ID token names someone else."
                return
            invitee.status, invitee.verified_name = "verified", claims.get("name")
            invitee.verified_at = dt.datetime.now(BANGKOK).strftime("%H:%M:%S")
            return
        error = body.get("error")
        if error == "slow_down":
            invitee.interval += 5
        elif error != "authorization_pending":
            invitee.status = {"access_denied": "refused", "expired_token": "expired"}.get(error, "error")
            invitee.note = body.get("error_description")
        invitee.next_poll = time.time() + invitee.interval

    def _verified_claims(self, id_token: str) -> dict:
        jwks = JsonWebKey.import_key_set(self._http.get(self.metadata["jwks_uri"]).json())
        claims = JsonWebToken(["ES256", "RS256"]).decode(id_token, jwks, claims_options={
            "iss": {"essential": True, "value": self.issuer}, "aud": {"essential": True, "value": self.client_id}})
        claims.validate()
        return dict(claims)


STATUS_TEXT = {
    "invited": ("ยังไม่ได้ขอ", "Not asked yet"), "waiting": ("รอการยืนยันบนโทรศัพท์", "Waiting for the phone"),
    "verified": ("ยืนยันตัวตนแล้ว", "Verified"), "refused": ("ปฏิเสธ", "Refused"),
    "expired": ("หมดเวลา", "Timed out"), "error": ("ขอไม่สำเร็จ", "Could not ask"),
}
PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ลงทะเบียนเข้าประชุม · Meeting check-in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d3557}}
table{{width:100%;border-collapse:collapse}}td,th{{padding:.4rem;border-bottom:1px solid #dde}}
.verified{{color:#1b7f3b;font-weight:700}}.refused,.expired,.error{{color:#b3261e}}button{{padding:.4rem .8rem}}</style>
</head><body><h1>ลงทะเบียนเข้าประชุม <small>Meeting check-in</small></h1>
<p>{meeting_th}<br><small>{meeting_en}</small></p>
<p>ผู้เข้าประชุมยืนยันตัวตนบนโทรศัพท์ด้วยแอปตัวตน / Invitees confirm who they are on their phone with the Tuaton app.</p>
<form method="post" action="/ask-all"><button id="ask-all">ขอให้ทุกคนยืนยันตัวตน / Ask everyone</button></form>
<table><thead><tr><th>ที่นั่ง / Seat</th><th>ผู้ได้รับเชิญ / Invitee</th><th>สถานะ / Status</th><th></th></tr></thead>
<tbody>{rows}</tbody></table>
<p id="count"></p>
<script>
async function refresh() {{
  const r = await fetch('/status.json'); const data = await r.json();
  for (const [i, p] of data.invitees.entries()) {{
    const cell = document.getElementById('status-' + i);
    cell.className = p.status; cell.dataset.status = p.status;
    cell.textContent = p.text + (p.verified_at ? ' ' + p.verified_at : '') + (p.note ? ' — ' + p.note : '');
  }}
  document.getElementById('count').textContent = data.verified + ' / ' + data.invitees.length + ' verified';
}}
setInterval(refresh, 1500); refresh();
</script></body></html>"""


def create_meeting_checkin(issuer: str, client_id: str, client_secret: str,
                           invitees: list[tuple[str, str]]) -> Starlette:
    """``invitees``: (citizen ID, name as the organiser typed it), in seat order."""
    meeting = Meeting([Invitee(pid, name, str(seat)) for seat, (pid, name) in enumerate(invitees, start=1)])
    tuaton = TuatonBackchannel(issuer, client_id, client_secret)

    def row(i: int, p: Invitee) -> str:
        th, en = STATUS_TEXT[p.status]
        masked = f"{p.pid[:1]}-xxxx-xxxxx-{p.pid[10:12]}-{p.pid[12:]}"
        return (f"<tr><td>{html.escape(p.seat)}</td><td>{html.escape(p.name)}<br><small>{masked}</small></td>"
                f"<td id='status-{i}' data-status='{p.status}' class='{p.status}'>{th} / {en}</td>"
                f"<td><form method='post' action='/invitees/{i}/ask'><button id='ask-{i}'>ขอยืนยัน / Ask</button>"
                f"</form></td></tr>")

    async def home(request: Request) -> HTMLResponse:
        rows = "".join(row(i, p) for i, p in enumerate(meeting.invitees))
        return HTMLResponse(PAGE.format(meeting_th=MEETING["th"], meeting_en=MEETING["en"], rows=rows))

    def _ask(index: int) -> None:
        with meeting.lock:
            invitee = meeting.invitees[index]
            if invitee.status not in ("verified", "waiting"):
                tuaton.ask(invitee)

    # Plain (not async) endpoints: Starlette runs them in a thread, so the blocking calls to Tuaton
    # never stall an event loop that may be serving Tuaton itself (as `tuaton demo` does).
    def ask(request: Request):
        index = int(request.path_params["index"])
        if not 0 <= index < len(meeting.invitees):
            return HTMLResponse("No such invitee", status_code=404)
        _ask(index)
        return RedirectResponse("/", status_code=303)

    def ask_all(request: Request):
        for index in range(len(meeting.invitees)):
            _ask(index)
        return RedirectResponse("/", status_code=303)

    def status(request: Request) -> JSONResponse:
        with meeting.lock:
            for invitee in meeting.invitees:
                tuaton.poll(invitee)
            out = []
            for p in meeting.invitees:
                text = STATUS_TEXT[p.status][0] + " / " + STATUS_TEXT[p.status][1]
                item = {k: v for k, v in asdict(p).items() if k not in ("pid", "auth_req_id", "next_poll")}
                out.append({**item, "text": text})
        return JSONResponse({"invitees": out, "verified": sum(p["status"] == "verified" for p in out)},
                            headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/", home), Route("/invitees/{index:int}/ask", ask, methods=["POST"]),
                             Route("/ask-all", ask_all, methods=["POST"]), Route("/status.json", status)])


def demo_invitees(personas: list[dict]) -> list[tuple[str, str]]:
    return [(p["pid"], f"{p['title_th']}{p['given_name_th']} {p['family_name_th']}") for p in personas]

