"""`make bench` (proofing part): card OCR accuracy, face verification speed and error rates,
enrolments per second end to end.

  ocr         N rendered cards (default 1,000), each photographed with random rotation (±10°),
              blur (σ 0–1.5 px), sensor noise (σ 0–8), exposure (0.8–1.1) and JPEG quality
              (60–95); field-level accuracy, a refused read counting as wrong
  faces       face verifications (detect + landmarks + descriptor + compare) per second on one
              core; false accepts/rejects over the sandbox's genuine and impostor pairs
  enrolments  whole self-enrolments through the HTTP API (in-process server, SQLite)
  fingers     fingerprint matches per second on one core; false accepts/rejects over synthetic
              impressions of the same finger and of other citizens' fingers
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tuaton.biometrics import synthetic  # noqa: E402
from tuaton.registry.card_render import Photograph, photograph, render_back, render_front  # noqa: E402

FIELDS = ("pid", "title_th", "given_name_th", "family_name_th", "given_name_en", "family_name_en", "birth_date",
          "laser_code")


def _card(index: int):
    from tuaton.registry.models import Citizen
    from tuaton.registry.population import citizen_rows
    from tuaton.registry.records import CardRecord
    from tuaton.registry.sql_registry import to_record

    citizen_row, card_row = citizen_rows(index * 7919 + 13)
    citizen = to_record(Citizen(**citizen_row))
    return citizen, CardRecord(card_row["pid"], card_row["laser_code"], card_row["issued_on"],
                               card_row["expires_on"], card_row["state"])


def read_one(index: int) -> dict[str, bool]:
    from tuaton.errors import ProofingRefused
    from tuaton.proofing import card_ocr

    citizen, card = _card(index)
    rng = np.random.default_rng(index)
    shot = Photograph(angle=float(rng.uniform(-10, 10)), blur=float(rng.uniform(0, 1.5)),
                      noise=float(rng.uniform(0, 8)), brightness=float(rng.uniform(0.8, 1.1)),
                      jpeg_quality=int(rng.integers(60, 96)))
    result = dict.fromkeys(FIELDS, False)
    try:
        front, _ = card_ocr.read_front(card_ocr.decode_image(
            photograph(render_front(citizen, card, synthetic.registry_photo(citizen.pid)), shot, index)))
        result.update(pid=front.pid == citizen.pid, title_th=front.title_th == citizen.title_th,
                      given_name_th=front.given_name_th == citizen.given_name_th,
                      family_name_th=front.family_name_th == citizen.family_name_th,
                      given_name_en=front.given_name_en == citizen.given_name_en,
                      family_name_en=front.family_name_en == citizen.family_name_en,
                      birth_date=front.birth_date == citizen.birth_date)
    except ProofingRefused as refusal:
        result["front_refused"] = refusal.reason
    try:
        back, _ = card_ocr.read_back(card_ocr.decode_image(photograph(render_back(citizen, card), shot, index)))
        result["laser_code"] = back.laser_code == card.laser_code
    except ProofingRefused as refusal:
        result["back_refused"] = refusal.reason
    return result


def bench_ocr(count: int, processes: int) -> dict:
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(read_one, range(count), chunksize=8))
    elapsed = time.perf_counter() - started
    accuracy = {f: round(sum(r[f] for r in results) / count, 4) for f in FIELDS}
    refusals: dict[str, int] = {}
    for r in results:
        for key in ("front_refused", "back_refused"):
            if key in r:
                refusals[f"{key}:{r[key]}"] = refusals.get(f"{key}:{r[key]}", 0) + 1
    return {"cards": count, "processes": processes, "field_accuracy": accuracy, "refusals": refusals,
            "seconds_per_card_per_process": round(elapsed * processes / count, 3)}


def bench_faces(pairs: int) -> dict:
    from tuaton.biometrics.faces import default_engine, the_one_face

    engine = default_engine()
    pids = [f"10000000{i:05d}" for i in range(pairs)]
    genuine, impostor, timings = [], [], []
    for i, pid in enumerate(pids):
        reference = the_one_face(engine, synthetic.registry_photo(pid)).descriptor
        other = next(f for f in synthetic.BASE_FACES if f != synthetic.face_of(pid))
        for face_name, bucket in ((None, genuine), (other, impostor)):
            image = synthetic.decode(synthetic.selfie(pid, i, face=face_name))
            started = time.perf_counter()
            probe = the_one_face(engine, image).descriptor
            bucket.append(engine.distance(probe, reference))
            timings.append(time.perf_counter() - started)
    rates = {}
    for threshold in (0.5, 0.55, 0.6, 0.65):
        rates[str(threshold)] = {"false_reject_rate": round(float(np.mean(np.array(genuine) >= threshold)), 4),
                                 "false_accept_rate": round(float(np.mean(np.array(impostor) < threshold)), 4)}
    return {"genuine_pairs": len(genuine), "impostor_pairs": len(impostor),
            "genuine_distance": {"max": round(max(genuine), 3), "mean": round(float(np.mean(genuine)), 3)},
            "impostor_distance": {"min": round(min(impostor), 3), "mean": round(float(np.mean(impostor)), 3)},
            "rates": rates, "verifications_per_second_one_core": round(1 / float(np.median(timings)), 1)}


def bench_fingers(pairs: int) -> dict:
    from tuaton.biometrics.fingerprints import MinutiaeMatcher, impression, synthetic_template

    matcher = MinutiaeMatcher()
    genuine, impostor, timings = [], [], []
    for i in range(pairs):
        reference = synthetic_template(f"20000000{i:05d}")
        for probe, bucket in ((impression(reference, i), genuine),
                              (impression(synthetic_template(f"30000000{i:05d}"), i), impostor)):
            started = time.perf_counter()
            bucket.append(matcher.score(probe, reference))
            timings.append(time.perf_counter() - started)
    threshold = matcher.threshold
    return {"genuine_pairs": pairs, "impostor_pairs": pairs, "threshold": threshold,
            "genuine_score": {"min": round(min(genuine), 3), "mean": round(float(np.mean(genuine)), 3)},
            "impostor_score": {"max": round(max(impostor), 3), "mean": round(float(np.mean(impostor)), 3)},
            "false_reject_rate": round(float(np.mean(np.array(genuine) < threshold)), 4),
            "false_accept_rate": round(float(np.mean(np.array(impostor) >= threshold)), 4),
            "matches_per_second_one_core": round(1 / float(np.median(timings)), 1)}


def bench_enrolments(count: int) -> dict:
    from fastapi.testclient import TestClient

    from tuaton.appclient.client import AppClient
    from tuaton.registry.sampling import sample_personas
    from tuaton.registry.seeding import seed_population
    from tuaton.services import build_services
    from tuaton.settings import Settings
    from tuaton.web import create_app

    folder = tempfile.mkdtemp(prefix="tuaton-bench-")
    settings = Settings(database_url=f"sqlite:///{folder}/bench.db", enrolments_per_device_per_day=10**6)
    services = build_services(settings)
    seed_population(services.database, 2000, processes=1)
    personas = sample_personas(services.database, count)
    with TestClient(create_app(services=services), base_url=settings.issuer) as http:
        client = AppClient(settings.issuer, http=http)
        client.enroll(personas[0]["pid"], "24681357")          # warm the models
        started = time.perf_counter()
        for persona in personas[1:]:
            client.enroll(persona["pid"], "24681357")
        elapsed = time.perf_counter() - started
    return {"enrolments": len(personas) - 1, "seconds_each": round(elapsed / (len(personas) - 1), 2),
            "per_second_one_process": round((len(personas) - 1) / elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--face-pairs", type=int, default=200)
    parser.add_argument("--enrolments", type=int, default=11)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--finger-pairs", type=int, default=200)
    parser.add_argument("--only", choices=["ocr", "faces", "enrolments", "fingers"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["ocr", "faces", "enrolments", "fingers"])
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"}
    if "faces" in only:
        results["faces"] = bench_faces(args.face_pairs)
        print(json.dumps(results["faces"], indent=2), flush=True)
    if "fingers" in only:
        results["fingers"] = bench_fingers(args.finger_pairs)
        print(json.dumps(results["fingers"], indent=2), flush=True)
    if "enrolments" in only:
        results["enrolments"] = bench_enrolments(args.enrolments)
        print(json.dumps(results["enrolments"], indent=2), flush=True)
    if "ocr" in only:
        results["ocr"] = bench_ocr(args.cards, args.processes)
        print(json.dumps(results["ocr"], indent=2), flush=True)
    out = ROOT / "var" / "bench-proofing.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
