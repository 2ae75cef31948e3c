"""Evidence for proofing tests: the sandbox's own card photos and selfies, and forgeries of them."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey

from tuaton.biometrics import synthetic
from tuaton.identity.devices import sign_request

ENROL = "/api/app/v1/enrolments"


class Enrolling:
    """Drives one enrolment step by step through the HTTP API, as the app does."""

    def __init__(self, http, persona: dict) -> None:
        self.http, self.persona, self.pid = http, persona, persona["pid"]
        self.key = ECKey.generate_key("P-256")
        import time

        response = http.post(ENROL, json={"accept_terms": True, "public_jwk": self.key.as_dict(private=False),
                                          "key_proof": sign_request(self.key, {"purpose": "enrol",
                                                                               "iat": int(time.time())})})
        assert response.status_code == 201, response.text
        self.state = response.json()
        self.base = f"{ENROL}/{self.state['id']}"
        self.auth = {"Authorization": f"Bearer {self.state['token']}"}

    def card_photo(self, side: str, shot: int = 0, pid: str | None = None) -> bytes:
        response = self.http.get(f"/api/sandbox/v1/personas/{pid or self.pid}/card-photo",
                                 params={"side": side, "shot": shot})
        assert response.status_code == 200
        return response.content

    def post_photo(self, step: str, photo: bytes, turned: bytes | None = None):
        files = {"photo": ("p.jpg", photo)}
        if turned is not None:
            files["turned"] = ("turned.jpg", turned)
        return self.http.post(f"{self.base}/{step}", headers=self.auth, files=files)

    def card_data(self, **changes):
        card = self.state["card"]
        body = {"pid": card.get("pid", self.pid), "laser_code": card.get("laser_code", self.persona["laser_code"]),
                "given_name_th": self.persona["given_name_th"], "family_name_th": self.persona["family_name_th"],
                "birth_date": self.persona["birth_date"], **changes}
        return self.http.post(f"{self.base}/card-data", headers=self.auth, json=body)

    def through_card(self) -> dict:
        for side, step in (("front", "card-front"), ("back", "card-back")):
            response = self.post_photo(step, self.card_photo(side))
            assert response.status_code == 200, response.text
            self.state = response.json()
        response = self.card_data()
        assert response.status_code == 200, response.text
        self.state = response.json()
        return self.state

    def selfies(self, attempt: int = 1, *, turn: str | None = None, face: str | None = None) -> tuple[bytes, bytes]:
        yaw = {"left": -0.45, "right": 0.45}[turn or self.state["challenge"]]
        return (synthetic.selfie(self.pid, attempt, face=face),
                synthetic.selfie(self.pid, attempt, yaw=yaw, face=face))


@pytest.fixture
def enrolling(http, persona):
    return lambda who=None: Enrolling(http, who or persona)
