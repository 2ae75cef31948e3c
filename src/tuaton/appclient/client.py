"""The app's side of the device API: enrol, read a sign-in, approve or refuse it.

The private key stays in the device file (mode 0600), as it stays in a phone's key store; the
server only ever receives the public key and signatures.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import httpx
from joserfc.jwk import ECKey

from tuaton.identity.devices import sign_request


class AppError(Exception):
    """A failure to show the user: the server's problem detail, or a local reason."""

    def __init__(self, message: str, *, status: int | None = None, problem: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


@dataclass
class DeviceFile:
    issuer: str
    device_id: str
    identity_id: str
    pid: str
    ial: str
    private_jwk: dict

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle, indent=2)

    @classmethod
    def load(cls, path: Path) -> DeviceFile:
        try:
            return cls(**json.loads(Path(path).read_text()))
        except FileNotFoundError as exc:
            raise AppError(f"No device file at {path}; enrol first with 'tuaton app enroll'.") from exc
        except (ValueError, TypeError) as exc:
            raise AppError(f"{path} is not a Tuaton device file.") from exc

    @property
    def key(self) -> ECKey:
        return ECKey.import_key(self.private_jwk)


def _split(link: str) -> SplitResult:
    try:
        return urlsplit(link)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise AppError("This is not a Tuaton sign-in QR code.") from exc


def signin_id_from_payload(payload: str, issuer: str) -> str:
    """Accept the QR payload as the URL it is, the ``tuaton://signin?payload=`` deep link, or an id."""
    payload = payload.strip()
    if payload.startswith("tuaton://"):
        inner = parse_qs(_split(payload).query).get("payload", [""])[0]
        if not inner:
            raise AppError("The deep link carries no payload.")
        payload = inner
    if "://" not in payload:
        return payload
    parts = _split(payload)
    if f"{parts.scheme}://{parts.netloc}" != issuer.rstrip("/"):
        raise AppError(f"This QR code belongs to {parts.scheme}://{parts.netloc}, not to your Tuaton "
                       f"({issuer}); the app will not send your approval there.")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or segments[0] != "s":
        raise AppError("This is not a Tuaton sign-in QR code.")
    return segments[1]


class AppClient:
    def __init__(self, issuer: str, http: httpx.Client | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._http = http or httpx.Client(base_url=self.issuer, timeout=30)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        try:
            response = self._http.request(method, self.issuer + path, **kwargs)
        except httpx.HTTPError as exc:
            raise AppError(f"Cannot reach {self.issuer}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            detail = body.get("detail") or body.get("error_description") or response.text[:200]
            if body.get("detail_th"):
                detail = f"{detail} / {body['detail_th']}"
            raise AppError(detail, status=response.status_code, problem=body)
        return body

    def persona(self, pid: str) -> dict:
        return self._call("GET", f"/api/sandbox/v1/personas/{pid}")

    def _image(self, path: str, **params: Any) -> bytes:
        try:
            response = self._http.get(self.issuer + path, params=params)
        except httpx.HTTPError as exc:
            raise AppError(f"Cannot reach {self.issuer}: {exc}") from exc
        if response.status_code != 200:
            raise AppError(f"The sandbox could not make this persona's photo ({response.status_code}).",
                           status=response.status_code)
        return response.content

    def enroll(self, pid: str, passcode: str, confirmation: str | None = None, *,
               card_front: bytes | None = None, card_back: bytes | None = None,
               selfies: tuple[bytes, bytes] | None = None, on_step: Any = None) -> DeviceFile:
        """Self-enrolment through the whole proofing pipeline (seed 002's eight steps).

        Photos default to the sandbox's synthetic evidence for ``pid``; tests pass their own.
        """
        step = on_step or (lambda name, body: None)
        key = ECKey.generate_key("P-256")
        proof = sign_request(key, {"purpose": "enrol", "iat": int(time.time())})
        started = self._call("POST", "/api/app/v1/enrolments", json={
            "accept_terms": True, "public_jwk": key.as_dict(private=False), "key_proof": proof})
        base, auth = f"/api/app/v1/enrolments/{started['id']}", {"Authorization": f"Bearer {started['token']}"}
        step("started", started)
        attempt = secrets.randbelow(1_000_000)
        front = card_front or self._image(f"/api/sandbox/v1/personas/{pid}/card-photo", side="front", shot=attempt)
        read = self._call("POST", base + "/card-front", headers=auth, files={"photo": ("front.jpg", front)})
        step("card_front", read)
        back = card_back or self._image(f"/api/sandbox/v1/personas/{pid}/card-photo", side="back", shot=attempt)
        read = self._call("POST", base + "/card-back", headers=auth, files={"photo": ("back.jpg", back)})
        step("card_back", read)
        # The citizen checks what was read and corrects misreads, as the app's form lets them.
        persona = self.persona(pid) if card_front is None else {}
        card = read["card"]
        confirmed = self._call("POST", base + "/card-data", headers=auth, json={
            "pid": card["pid"], "laser_code": card["laser_code"],
            "given_name_th": persona.get("given_name_th", card["given_name_th"]),
            "family_name_th": persona.get("family_name_th", card["family_name_th"]),
            "birth_date": persona.get("birth_date", card["birth_date"])})
        step("card_data", confirmed)

        def take_selfies(photos: tuple[bytes, bytes]) -> dict:
            return self._call("POST", base + "/selfie", headers=auth, files={
                "photo": ("selfie.jpg", photos[0]), "turned": ("turned.jpg", photos[1])})

        if selfies is not None:
            verified = take_selfies(selfies)
        else:
            path = f"/api/sandbox/v1/personas/{pid}/selfie"
            for retake in (False, True):
                # Two frames of one sitting: facing the camera, then turning as challenged. A person
                # whose turn was not enough tries once more, with new pictures.
                shot = attempt + 1 if retake else attempt
                try:
                    verified = take_selfies((self._image(path, attempt=shot),
                                             self._image(path, attempt=shot, turn=confirmed["challenge"])))
                    break
                except AppError as exc:
                    if retake or (exc.problem or {}).get("reason") != "liveness_failed":
                        raise
        step("selfie", verified)
        self._call("POST", base + "/passcode", headers=auth, json={
            "passcode": passcode, "passcode_confirmation": passcode if confirmation is None else confirmation})
        body = self._call("POST", base + "/consent", headers=auth, json={"accept": True, "passcode": passcode})
        step("consent", body)
        return DeviceFile(self.issuer, body["device_id"], body["identity_id"], card["pid"], body["ial"],
                          key.as_dict(private=True))

    def enroll_at_office(self, qr_payload: str, pid: str, passcode: str, confirmation: str | None = None, *,
                         on_step: Any = None) -> DeviceFile:
        """Enrolment with an officer: the citizen typed ``pid`` in the app and scans the station's QR
        code (``qr_payload``, the URL it holds, or just its code); then passcode twice and consent."""
        step = on_step or (lambda name, body: None)
        code = qr_payload.rstrip("/").rsplit("/", 1)[-1]
        key = ECKey.generate_key("P-256")
        proof = sign_request(key, {"purpose": "enrol", "iat": int(time.time())})
        bound = self._call("POST", "/api/app/v1/office-enrolments", json={
            "code": code, "pid": pid, "accept_terms": True, "public_jwk": key.as_dict(private=False),
            "key_proof": proof})
        step("bound", bound)
        base, auth = f"/api/app/v1/enrolments/{bound['id']}", {"Authorization": f"Bearer {bound['token']}"}
        self._call("POST", base + "/passcode", headers=auth, json={
            "passcode": passcode, "passcode_confirmation": passcode if confirmation is None else confirmation})
        body = self._call("POST", base + "/consent", headers=auth, json={"accept": True, "passcode": passcode})
        step("consent", body)
        return DeviceFile(self.issuer, body["device_id"], body["identity_id"], bound["card"]["pid"], body["ial"],
                          key.as_dict(private=True))

    def enroll_card_data_only(self, pid: str, passcode: str, confirmation: str | None = None) -> DeviceFile:
        """The sandbox's quick path: card data checked with the registry, no photos (IAL 1.2)."""
        persona = self.persona(pid)
        key = ECKey.generate_key("P-256")
        proof = sign_request(key, {"purpose": "enrol", "pid": pid, "iat": int(time.time())})
        body = self._call("POST", "/api/app/v1/enrolments/simulated", json={
            "accept_terms": True, "pid": pid, "given_name_th": persona["given_name_th"],
            "family_name_th": persona["family_name_th"], "birth_date": persona["birth_date"],
            "laser_code": persona["laser_code"], "public_jwk": key.as_dict(private=False),
            "key_proof": proof, "passcode": passcode,
            "passcode_confirmation": passcode if confirmation is None else confirmation,
        })
        return DeviceFile(self.issuer, body["device_id"], body["identity_id"], pid, body["ial"],
                          key.as_dict(private=True))

    def read_signin(self, payload: str) -> dict:
        return self._call("GET", f"/api/app/v1/signins/{signin_id_from_payload(payload, self.issuer)}")

    def decide(self, payload: str, device: DeviceFile, passcode: str | None, *, approve: bool = True,
               number: str | None = None) -> dict:
        """Approve (with the passcode and ``number``, the one the sign-in page shows, which the
        citizen picks from ``number_choices``) or refuse a QR sign-in."""
        signin = self.read_signin(payload)
        decision = "approve" if approve else "deny"
        signed = sign_request(device.key, {
            "purpose": "signin", "signin": signin["id"], "challenge": signin["challenge"],
            "decision": decision, "device": device.device_id, "nonce": secrets.token_urlsafe(16),
            "iat": int(time.time())})
        result = self._call("POST", f"/api/app/v1/signins/{signin['id']}/decision", json={
            "device_id": device.device_id, "decision": decision, "signed_request": signed,
            "passcode": passcode if approve else None, "number": number if approve else None})
        return {**result, "agency": signin["agency"], "claims": [c["claim"] for c in signin["claims"]],
                "signin_id": signin["id"]}

    def rate(self, signin_id: str, device: DeviceFile, *, service: int | None = None, tuaton: int | None = None,
             comment: str = "") -> dict:
        """Rate a sign-in this phone approved (optional; once; for seven days)."""
        signed = sign_request(device.key, {"purpose": "rate", "signin": signin_id,
                                           "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})
        return self._call("POST", "/api/app/v1/me/ratings", json={
            "device_id": device.device_id, "signed_request": signed, "service": service, "tuaton": tuaton,
            "comment": comment})

    def fetch_card(self, device: DeviceFile, passcode: str) -> dict:
        """The digital ID card for this device: a device-signed request and the passcode."""
        signed = sign_request(device.key, {"purpose": "card", "nonce": secrets.token_urlsafe(16),
                                           "iat": int(time.time())})
        return self._call("POST", "/api/app/v1/card", json={
            "device_id": device.device_id, "signed_request": signed, "passcode": passcode})

    def backchannel_requests(self, device: DeviceFile) -> list[dict]:
        """Agencies' backchannel requests waiting for this citizen."""
        signed = sign_request(device.key, {"purpose": "inbox", "nonce": secrets.token_urlsafe(16),
                                           "iat": int(time.time())})
        return self._call("POST", "/api/app/v1/backchannel-requests", json={
            "device_id": device.device_id, "signed_request": signed})["requests"]

    def decide_backchannel(self, auth_req_id: str, device: DeviceFile, passcode: str | None, *,
                           approve: bool = True) -> dict:
        decision = "approve" if approve else "deny"
        signed = sign_request(device.key, {
            "purpose": "backchannel", "request": auth_req_id, "decision": decision, "device": device.device_id,
            "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})
        return self._call("POST", f"/api/app/v1/backchannel-requests/{auth_req_id}/decision", json={
            "device_id": device.device_id, "decision": decision, "signed_request": signed,
            "passcode": passcode if approve else None})

    def history(self, device: DeviceFile) -> dict:
        """Who used this identity (sign-ins) and the consents still in force."""
        signed = sign_request(device.key, {"purpose": "history", "nonce": secrets.token_urlsafe(16),
                                           "iat": int(time.time())})
        return self._call("POST", "/api/app/v1/me/history", json={
            "device_id": device.device_id, "signed_request": signed})

    def change_passcode(self, device: DeviceFile, current: str, new: str) -> dict:
        signed = sign_request(device.key, {"purpose": "change-passcode", "nonce": secrets.token_urlsafe(16),
                                           "iat": int(time.time())})
        return self._call("POST", "/api/app/v1/me/passcode", json={
            "device_id": device.device_id, "signed_request": signed, "current_passcode": current,
            "new_passcode": new, "new_passcode_confirmation": new})

    def withdraw_consent(self, device: DeviceFile, client_id: str) -> dict:
        signed = sign_request(device.key, {"purpose": "withdraw-consent", "client_id": client_id,
                                           "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})
        return self._call("POST", f"/api/app/v1/me/consents/{client_id}/withdraw", json={
            "device_id": device.device_id, "signed_request": signed})
