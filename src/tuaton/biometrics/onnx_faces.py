"""The product's face engine: dlib finds and aligns faces on the CPU; the descriptor network runs on
ONNX Runtime (:mod:`tuaton.biometrics.face_model` converts dlib's weights), with the face chips of
concurrent requests gathered into one forward pass.

On a CPU the batch forms by itself under load: while one pass runs, the chips that arrive queue up
and go together in the next (no waiting window by default: waiting would cost latency and buy
little, a CPU pass costs nearly the same per chip at any batch size). On a GPU, where one pass of
64 chips costs about what one chip does, the batcher waits a short window
(``TUATON_FACE_BATCH_WINDOW_MS``, default 2 ms there) for more, up to ``TUATON_FACE_MAX_BATCH``.
The CUDA provider is chosen when ``onnxruntime-gpu`` is installed and sees a GPU; otherwise the CPU.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tuaton.biometrics import face_model
from tuaton.biometrics.faces import Face, FaceFinder, euclidean
from tuaton.errors import FaceVerificationUnavailable

log = logging.getLogger(__name__)

#: How long a caller waits for its descriptors before the engine is declared unavailable.
ANSWER_TIMEOUT = 30.0


def providers() -> list[str]:
    import onnxruntime

    available = onnxruntime.get_available_providers()
    return (["CUDAExecutionProvider"] if "CUDAExecutionProvider" in available else []) + ["CPUExecutionProvider"]


@dataclass
class _Job:
    chips: np.ndarray
    done: threading.Event = field(default_factory=threading.Event)
    descriptors: np.ndarray | None = None
    error: BaseException | None = None


class DescriptorBatcher:
    """One thread that owns the inference session and runs the queued chips in batches."""

    def __init__(self, run, *, window_ms: float, max_batch: int) -> None:
        self._run_batch = run
        self._window = window_ms / 1000
        self._max_batch = max(1, max_batch)
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        #: Passes run, chips computed and the largest batch (the bench reports them; the tests read
        #: them to see a batch form).
        self.passes = 0
        self.chips = 0
        self.largest_batch = 0

    def descriptors(self, chips: np.ndarray) -> np.ndarray:
        if not len(chips):
            return np.zeros((0, 128), np.float32)
        self._ensure_started()
        job = _Job(np.ascontiguousarray(chips, dtype=np.uint8))
        self._queue.put(job)
        if not job.done.wait(ANSWER_TIMEOUT):
            raise FaceVerificationUnavailable(cause="timeout")
        if job.error is not None:
            raise FaceVerificationUnavailable(cause=type(job.error).__name__) from job.error
        return job.descriptors

    def _ensure_started(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._serve, name="face-descriptors", daemon=True)
                    self._thread.start()

    def _gather(self) -> list[_Job]:
        jobs = [self._queue.get()]
        count = len(jobs[0].chips)
        deadline = time.monotonic() + self._window
        while count < self._max_batch:
            remaining = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            jobs.append(job)
            count += len(job.chips)
        return jobs

    def _serve(self) -> None:
        while True:
            jobs = self._gather()
            try:
                batch = np.concatenate([job.chips for job in jobs]) if len(jobs) > 1 else jobs[0].chips
                out = self._run_batch(batch)
                at = 0
                for job in jobs:
                    job.descriptors = out[at:at + len(job.chips)].astype(np.float64)
                    at += len(job.chips)
                self.passes += 1
                self.chips += len(batch)
                self.largest_batch = max(self.largest_batch, len(batch))
            except Exception as error:       # every waiter hears of it; the thread lives on
                log.error("face descriptor pass failed: %s", type(error).__name__)
                for job in jobs:
                    job.error = error
            finally:
                for job in jobs:
                    job.done.set()


class OnnxFaceEngine:
    """Faces with dlib's descriptor computed by ONNX Runtime, batched across threads."""

    def __init__(self, model: Path | None = None, *, window_ms: float | None = None, max_batch: int = 32,
                 threads: int = 1, finder: FaceFinder | None = None) -> None:
        self._finder = finder or FaceFinder()
        self._model = model
        self._threads = threads
        self.providers = providers()
        on_gpu = self.providers[0] != "CPUExecutionProvider"
        self._window = window_ms if window_ms is not None else (2.0 if on_gpu else 0.0)
        self._max_batch = max_batch
        self._start()

    def _start(self) -> None:
        """A session and batcher of this process's own: a forked child gets new ones (ONNX
        Runtime's state and the batcher's thread do not survive a fork)."""
        self._pid = os.getpid()
        self._session = None
        self._session_lock = threading.Lock()
        self.batcher = DescriptorBatcher(self._run, window_ms=self._window, max_batch=self._max_batch)

    def _load(self):
        import onnxruntime

        path = self._model or face_model.convert()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(str(path), options, providers=self.providers)

    def _run(self, chips: np.ndarray) -> np.ndarray:
        with self._session_lock:
            if self._session is None:
                self._session = self._load()
        return self._session.run(None, {"chips": chips})[0]

    def faces(self, image: np.ndarray) -> list[Face]:
        if self._pid != os.getpid():
            self._start()
        found = self._finder.find(image)
        if not found:
            return []
        descriptors = self.batcher.descriptors(np.stack([f.chip for f in found]))
        return [Face(f.box, f.landmarks, d) for f, d in zip(found, descriptors, strict=True)]

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return euclidean(a, b)
