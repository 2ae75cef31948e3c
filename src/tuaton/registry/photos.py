"""The civil registry's face photos, behind a Protocol a government points at its own store."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tuaton.biometrics import synthetic


class RegistryPhotos(Protocol):
    def photo(self, pid: str) -> np.ndarray | None:
        """The citizen's registry photo as RGB pixels, or None if the registry has none."""
        ...


class SyntheticRegistryPhotos:
    """The sandbox's: every synthetic citizen's photo is derived from the shipped real faces
    (see :mod:`tuaton.biometrics.synthetic`), made on demand rather than stored."""

    def photo(self, pid: str) -> np.ndarray | None:
        return synthetic.registry_photo(pid)
