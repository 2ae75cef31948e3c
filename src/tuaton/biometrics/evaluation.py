"""Evaluate the face matcher on a labelled set laid out as LFW's ``pairs.txt`` describes.

``pairs.txt``: an optional header line (``folds pairs``), then one pair per line —
``name n1 n2`` for two photos of one person, ``name1 n1 name2 n2`` for two people — where photo
``n`` of ``name`` is ``<images>/<name>/<name>_<nnnn>.jpg``. An operator runs
``tuaton biometrics evaluate pairs.txt --images DIR`` on their own labelled faces (or LFW) to choose
``TUATON_FACE_MATCH_THRESHOLD``; we cannot ship such a set (docs/operators.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tuaton.biometrics import synthetic
from tuaton.biometrics.faces import FaceEngine
from tuaton.errors import ProofingRefused


@dataclass(frozen=True)
class Pair:
    first: Path
    second: Path
    same: bool


@dataclass
class Evaluation:
    genuine: list[float] = field(default_factory=list)
    impostor: list[float] = field(default_factory=list)
    not_detected: list[str] = field(default_factory=list)

    def rates(self, threshold: float) -> tuple[float, float]:
        """(false accept rate, false reject rate) at ``threshold``."""
        far = float(np.mean(np.array(self.impostor) < threshold)) if self.impostor else 0.0
        frr = float(np.mean(np.array(self.genuine) >= threshold)) if self.genuine else 0.0
        return far, frr

    def equal_error_threshold(self) -> float:
        candidates = np.linspace(0.3, 0.9, 121)
        return float(min(candidates, key=lambda t: abs(self.rates(t)[0] - self.rates(t)[1])))


def _photo(images: Path, name: str, number: str) -> Path:
    return images / name / f"{name}_{int(number):04d}.jpg"


def read_pairs(pairs_file: Path, images: Path) -> list[Pair]:
    """Parse ``pairs.txt``; raises ValueError naming the first line that is not a pair."""
    pairs = []
    for number, line in enumerate(Path(pairs_file).read_text().splitlines(), 1):
        parts = line.split()
        if not parts or (number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts)):
            continue
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            pairs.append(Pair(_photo(images, parts[0], parts[1]), _photo(images, parts[0], parts[2]), True))
        elif len(parts) == 4 and parts[1].isdigit() and parts[3].isdigit():
            pairs.append(Pair(_photo(images, parts[0], parts[1]), _photo(images, parts[2], parts[3]), False))
        else:
            raise ValueError(f"{pairs_file}:{number}: expected 'name n1 n2' or 'name1 n1 name2 n2'")
    return pairs


def evaluate(engine: FaceEngine, pairs: Iterable[Pair]) -> Evaluation:
    from tuaton.biometrics.faces import the_one_face
    from tuaton.proofing.card_ocr import decode_image

    result, cache = Evaluation(), {}

    def descriptor(path: Path):
        if path not in cache:
            try:
                cache[path] = the_one_face(engine, decode_image(path.read_bytes())).descriptor
            except (ProofingRefused, FileNotFoundError):
                cache[path] = None
                result.not_detected.append(str(path))
        return cache[path]

    for pair in pairs:
        a, b = descriptor(pair.first), descriptor(pair.second)
        if a is None or b is None:
            continue
        (result.genuine if pair.same else result.impostor).append(engine.distance(a, b))
    return result


def write_sample_set(folder: Path, photos_per_person: int = 6) -> Path:
    """A small LFW-style set from the shipped faces (variants of two photographs): enough to
    exercise the command, far too easy to calibrate anything. Returns the pairs file."""
    names = {"astronaut": "Eileen_Collins", "grace_hopper": "Grace_Hopper"}
    for face, name in names.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for number in range(1, photos_per_person + 1):
            (folder / name / f"{name}_{number:04d}.jpg").write_bytes(synthetic.selfie(name, number, face=face))
    lines = [f"1 {2 * photos_per_person}"]
    for name in names.values():
        lines += [f"{name} {n} {n + 1}" for n in range(1, photos_per_person)]
    lines += [f"Eileen_Collins {n} Grace_Hopper {n}" for n in range(1, photos_per_person + 1)]
    pairs = folder / "pairs.txt"
    pairs.write_text("\n".join(lines) + "\n")
    return pairs
