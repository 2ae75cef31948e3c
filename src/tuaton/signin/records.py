"""What a QR sign-in keeps in the ephemeral store, as typed, frozen records (see oidc/records.py
for the OP's): ``signin:{id}`` from ``/authorize`` to the end, and ``signin:{id}:decision`` once the
app has answered."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Self

from tuaton.oidc.authorization import AuthorizationRequest


def _request_to_store(request: AuthorizationRequest) -> dict[str, Any]:
    return asdict(request) | {"scopes": list(request.scopes), "prompt": sorted(request.prompt),
                              "ui_locales": list(request.ui_locales), "acr_values": list(request.acr_values)}


def _request_from_store(data: dict[str, Any]) -> AuthorizationRequest:
    return AuthorizationRequest(**{
        **data, "scopes": tuple(data["scopes"]), "prompt": frozenset(data.get("prompt", ())),
        "ui_locales": tuple(data.get("ui_locales", ())), "acr_values": tuple(data.get("acr_values", ()))})


@dataclass(frozen=True)
class SigninRecord:
    """A sign-in waiting for the citizen: the agency's validated request and what binds the
    browser (a hash of its cookie's secret) and the app (the challenge it signs)."""

    request: AuthorizationRequest
    reference: str
    challenge: str
    #: SHA-256 of the browser's secret; the secret itself is only in the browser's cookie.
    browser: str
    expires_at: int
    #: When the QR code was shown (epoch seconds): the dashboards' time-to-approve; None in a
    #: record written before it was kept.
    started_at: float | None
    #: Number matching: the two digits the browser shows, and the three the app offers (sorted; one
    #: is the number). None and () in a record written before numbers were shown.
    number: str | None = None
    choices: tuple[str, ...] = ()
    #: What kind of device started the sign-in (signin/browser.py), shown in the app.
    started_on: str | None = None

    def to_store(self) -> dict[str, Any]:
        return {"request": _request_to_store(self.request), "reference": self.reference,
                "challenge": self.challenge, "browser": self.browser, "expires_at": self.expires_at,
                "started_at": self.started_at, "number": self.number, "choices": list(self.choices),
                "started_on": self.started_on}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(_request_from_store(data["request"]), data["reference"], data["challenge"], data["browser"],
                   data["expires_at"], data.get("started_at"), data.get("number"), tuple(data.get("choices", ())),
                   data.get("started_on"))

    def expired(self, now: float) -> bool:
        return now > self.expires_at


@dataclass(frozen=True)
class SigninDecision:
    """The app's answer as the waiting browser learns it: where to send the browser next."""

    status: str
    redirect_to: str

    def to_store(self) -> dict[str, Any]:
        return {"status": self.status, "redirect_to": self.redirect_to}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Self:
        return cls(data["status"], data["redirect_to"])
