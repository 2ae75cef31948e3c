"""`make bench` (proofing part): card OCR accuracy, face verification speed and error rates,
enrolments per second end to end.

  ocr         N rendered cards (default 1,000), each photographed with random rotation (±10°),
              blur (σ 0–1.5 px), sensor noise (σ 0–8), exposure (0.8–1.1) and JPEG quality
              (60–95); field-level accuracy, a refused read counting as wrong
  faces       face verifications (detect + landmarks + chip + descriptor + compare): CPU per
              verification and p50/p99 on one core, for dlib's own network and the ONNX engine;
              false accepts/rejects over the sandbox's genuine and impostor pairs; the largest
              descriptor distance between the two; verifications/s with every core busy (one
              process per core, and one process of four threads whose chips are batched); the
              detectors compared (HOG on the small copy, HOG whole, dlib's CNN)
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


def _face_pairs(pairs: int) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(pid, registry photo, genuine selfie, impostor selfie), decoded, for ``pairs`` citizens."""
    out = []
    for i in range(pairs):
        pid = f"10000000{i:05d}"
        other = next(f for f in synthetic.BASE_FACES if f != synthetic.face_of(pid))
        out.append((pid, synthetic.registry_photo(pid), synthetic.decode(synthetic.selfie(pid, i)),
                    synthetic.decode(synthetic.selfie(pid, i, face=other))))
    return out


def _engine(kind: str):
    from tuaton.biometrics.faces import default_engine

    return default_engine(kind)


def _decisions(kind: str, data) -> dict:
    """Error rates and the time of one verification (detect, landmarks, chip, descriptor, compare)
    on one core, for one engine."""
    from tuaton.biometrics.faces import the_one_face

    engine = _engine(kind)
    genuine, impostor, cpu, wall, probes = [], [], [], [], []
    for _pid, registry, same, other in data:
        reference = the_one_face(engine, registry).descriptor
        for image, bucket in ((same, genuine), (other, impostor)):
            started, started_cpu = time.perf_counter(), time.process_time()
            probe = the_one_face(engine, image).descriptor
            bucket.append(engine.distance(probe, reference))
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
            probes.append(probe)
    rates = {}
    for threshold in (0.5, 0.55, 0.6, 0.65):
        rates[str(threshold)] = {"false_reject_rate": round(float(np.mean(np.array(genuine) >= threshold)), 4),
                                 "false_accept_rate": round(float(np.mean(np.array(impostor) < threshold)), 4)}
    return {"genuine_pairs": len(genuine), "impostor_pairs": len(impostor),
            "genuine_distance": {"max": round(max(genuine), 3), "mean": round(float(np.mean(genuine)), 3)},
            "impostor_distance": {"min": round(min(impostor), 3), "mean": round(float(np.mean(impostor)), 3)},
            "rates": rates, "cpu_ms_per_verification": round(1000 * float(np.median(cpu)), 1),
            "p50_ms": round(1000 * float(np.percentile(wall, 50)), 1),
            "p99_ms": round(1000 * float(np.percentile(wall, 99)), 1),
            "verifications_per_second_one_core": round(1 / float(np.median(cpu)), 1),
            "_probes": np.array(probes)}


def _verify_for(seconds: float, kind: str, threads: int, data) -> tuple[int, float]:
    """Verifications done by ``threads`` threads of one process in ``seconds``, and its CPU time."""
    import threading

    from tuaton.biometrics.faces import the_one_face

    engine = _engine(kind)
    references = [the_one_face(engine, registry).descriptor for _, registry, _, _ in data]
    the_one_face(engine, data[0][2])
    done = [0] * threads
    deadline = time.perf_counter() + seconds
    cpu = time.process_time()

    def work(t: int) -> None:
        i = t
        while time.perf_counter() < deadline:
            engine.distance(the_one_face(engine, data[i % len(data)][2]).descriptor, references[i % len(data)])
            done[t] += 1
            i += threads

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    batcher = getattr(engine, "batcher", None)
    largest = batcher.largest_batch if batcher else 1
    return sum(done), time.process_time() - cpu, largest


def _throughput(kind: str, processes: int, threads: int, data, seconds: float = 10.0) -> dict:
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_verify_for, [seconds] * processes, [kind] * processes, [threads] * processes,
                                [data] * processes))
    elapsed = time.perf_counter() - started
    done = sum(r[0] for r in results)
    return {"engine": kind, "processes": processes, "threads_each": threads, "verifications": done,
            "verifications_per_second": round(done / seconds, 1),
            "cpu_ms_per_verification": round(1000 * sum(r[1] for r in results) / done, 1),
            "largest_batch": max(r[2] for r in results), "wall_seconds_with_start_up": round(elapsed, 1)}


def _detectors(data) -> dict:
    """Detection alone on one core: HOG on the ≤320 px copy (the product), HOG on the whole photo,
    and dlib's CNN (MMOD) detector, which the product does not use."""
    import dlib
    import face_recognition_models as models

    from tuaton.biometrics.faces import FaceFinder

    images = [same for _, _, same, _ in data[:10]]
    out = {}
    for name, finder in (("hog_copy", FaceFinder()), ("hog_whole", FaceFinder(detect_side=0))):
        started = time.process_time()
        for image in images:
            finder._detect(image)
        out[f"{name}_ms"] = round(1000 * (time.process_time() - started) / len(images), 1)
    cnn = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
    started = time.process_time()
    for image in images[:3]:
        cnn(image, 0)
    out["mmod_cnn_ms"] = round(1000 * (time.process_time() - started) / 3, 1)
    out["photo"] = "x".join(str(v) for v in images[0].shape[:2])
    return out


def bench_faces(pairs: int, processes: int) -> dict:
    data = _face_pairs(pairs)
    out = {"detectors_one_core": _detectors(data)}
    for kind in ("dlib", "onnx"):
        out[kind] = _decisions(kind, data)
    out["largest_descriptor_distance_onnx_to_dlib"] = float(
        np.linalg.norm(out["onnx"].pop("_probes") - out["dlib"].pop("_probes"), axis=1).max())
    sample = data[:min(len(data), 40)]
    out["throughput"] = [_throughput("dlib", processes, 1, sample),
                         _throughput("onnx", processes, 1, sample),
                         _throughput("onnx", 1, 4, sample)]
    return out


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
        results["faces"] = bench_faces(args.face_pairs, args.processes)
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
