"""`make bench` (digital ID card part): what a verifier's device and the issuer's status lists cost.

  verify   presentations verified per second on one core, offline, as `tuaton verify` does it:
           the issuer's signature, disclosures, the phone's Key Binding JWT, the status list's
           signature and entry (no replay cache, which is a dictionary lookup)
  sizes    bytes of each showing's presentation against the 2,953 bytes one QR code holds
  lists    building one status list of 131,072 entries with N live cards, 1 % revoked: the time to
           compress and sign it, and its size on the wire
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from joserfc.jwk import ECKey, KeySet  # noqa: E402

from tuaton.biometrics import synthetic  # noqa: E402
from tuaton.card import sd_jwt  # noqa: E402
from tuaton.card.credential import SHOWINGS, TYP, VCT_PATH, Showing, card_claims, photo_data_url  # noqa: E402
from tuaton.card.status_list import list_token  # noqa: E402
from tuaton.card.verifier import IssuerTrust, verify_presentation  # noqa: E402

ISSUER = "https://id.tuaton.go.th"
LIST_URI = ISSUER + "/card/status-lists/0"
SIZE = 131_072


def _citizen():
    from tuaton.registry.models import Citizen
    from tuaton.registry.population import citizen_rows
    from tuaton.registry.records import CardRecord
    from tuaton.registry.sql_registry import to_record

    citizen_row, card_row = citizen_rows(4242)
    return to_record(Citizen(**citizen_row)), CardRecord(card_row["pid"], card_row["laser_code"],
                                                         card_row["issued_on"], card_row["expires_on"],
                                                         card_row["state"])


def setup():
    issuer_key = ECKey.generate_key("P-256", parameters={"kid": "es256-bench"})
    phone = ECKey.generate_key("P-256")
    citizen, card = _citizen()
    claims = card_claims(citizen, card, photo_data_url(synthetic.registry_photo(citizen.pid)), dt.date.today())
    now = int(time.time())
    issued = sd_jwt.issue({"alg": "ES256", "typ": TYP, "kid": issuer_key.kid},
                          {"iss": ISSUER, "iat": now, "exp": now + 86400, "vct": ISSUER + VCT_PATH, "ial": "2.1",
                           "cnf": {"jwk": phone.as_dict(private=False)},
                           "status": {"status_list": {"idx": 4242, "uri": LIST_URI}}}, claims, issuer_key)
    lists = {LIST_URI: list_token(LIST_URI, SIZE, {1, 2, 3}, issuer_key, iat=now, ttl=60, lifetime=86400)}
    public = KeySet([ECKey.import_key(issuer_key.as_dict(private=False))]).as_dict()
    return issuer_key, phone, issued, IssuerTrust(ISSUER, public, lists, time.time())


def bench_verify(seconds: float) -> dict:
    _, phone, issued, trust = setup()
    presentation = sd_jwt.present(issued, SHOWINGS[Showing.AGE_OVER_20], phone, aud=ISSUER + "/verify",
                                  nonce="bench-nonce-0123456789", iat=int(time.time()))
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        verify_presentation(presentation, trust, audience=ISSUER + "/verify")
        count += 1
    elapsed = time.perf_counter() - started
    return {"presentations_verified_per_second_one_core": round(count / elapsed, 1),
            "ms_per_verification": round(1000 * elapsed / count, 2)}


def bench_sizes() -> dict:
    _, phone, issued, _ = setup()
    out = {}
    for showing in Showing:
        presentation = sd_jwt.present(issued, [n for n in SHOWINGS[showing] if n in issued.claims_available()],
                                      phone, aud=ISSUER + "/verify", nonce="n" * 22, iat=int(time.time()))
        out[showing.value] = len(presentation)
    return {"presentation_bytes": out, "qr_capacity_bytes": 2953}


def bench_lists(live: int) -> dict:
    key = ECKey.generate_key("P-256", parameters={"kid": "es256-bench"})
    rng = random.Random(7)
    revoked = set(rng.sample(range(SIZE), live // 100))
    started = time.perf_counter()
    token = list_token(LIST_URI, SIZE, revoked, key, iat=int(time.time()), ttl=60, lifetime=86400)
    elapsed = time.perf_counter() - started
    return {"live_cards": live, "revoked": len(revoked), "ms_to_build_and_sign": round(elapsed * 1000, 1),
            "token_bytes": len(token)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    results = {"machine": f"{platform.machine()}, {platform.processor() or platform.platform()}",
               "python": platform.python_version(), "verify": bench_verify(args.seconds), "sizes": bench_sizes(),
               "lists": [bench_lists(n) for n in (1_000, 65_536)]}
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
