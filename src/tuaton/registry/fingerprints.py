"""The civil registry's fingerprint templates, behind a Protocol a government points at its own store."""

from __future__ import annotations

from typing import Protocol

from tuaton.biometrics.fingerprints import Minutia, synthetic_template


class RegistryFingerprints(Protocol):
    def template(self, pid: str, finger: str) -> tuple[Minutia, ...] | None:
        """The template enrolled for the citizen's finger (``right_index``, ``left_index``), or None."""
        ...


class SyntheticRegistryFingerprints:
    """The sandbox's: every synthetic citizen has index-finger templates derived from the ID."""

    FINGERS = ("right_index", "left_index")

    def template(self, pid: str, finger: str) -> tuple[Minutia, ...] | None:
        return synthetic_template(pid, finger) if finger in self.FINGERS else None
