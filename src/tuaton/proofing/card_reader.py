"""Card readers at a registrar office's station, behind one small Protocol.

* :class:`PcscCardReader` — a real reader through PC/SC (pyscard), speaking the Thai ID card's
  APDUs (:mod:`tuaton.proofing.chip`). Tested against a virtual card: Debian's ``vsmartcard-vpcd``
  reader driver in ``pcscd`` and a card emulated with ``python3-virtualsmartcard``
  (:mod:`tuaton.proofing.virtual_card`).
* :class:`SimulatedCardReader` — the sandbox's: the officer "inserts" a synthetic citizen's card by
  typing the citizen ID; the card is built from the registry and answers the same APDUs in-process.

``TUATON_CARD_READER`` picks one (``simulated`` by default in the sandbox, ``pcsc`` otherwise).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from typing import Protocol

from PIL import Image

from tuaton.proofing.chip import PHOTO_MAX, ChipCard, ChipError, ThaiIdCardApplet, read_chip
from tuaton.registry.photos import RegistryPhotos
from tuaton.registry.records import Registry
from tuaton.storage.ephemeral import EphemeralStore

#: The issuing office printed on synthetic cards.
SYNTHETIC_ISSUER = "สำนักทะเบียนอำเภอเมือง (ตัวอย่าง)"


class CardReader(Protocol):
    def read(self, station: str) -> ChipCard:
        """Read the card in the station's reader; raise :class:`ChipError` if there is none."""
        ...


class PcscCardReader:
    """The first PC/SC reader holding a card (or the one named ``reader_name``)."""

    def __init__(self, reader_name: str | None = None) -> None:
        self._reader_name = reader_name

    def read(self, station: str) -> ChipCard:
        try:
            from smartcard.Exceptions import CardConnectionException, NoCardException
            from smartcard.System import readers
        except ImportError as exc:  # pragma: no cover - pyscard is a dependency
            raise ChipError("no_reader", "pyscard is not installed") from exc
        try:
            available = readers()
        except Exception as exc:  # pyscard raises its own error types when pcscd is absent  # noqa: BLE001
            raise ChipError("no_reader", f"PC/SC is not available: {exc}") from exc
        if self._reader_name:
            available = [r for r in available if str(r) == self._reader_name]
        if not available:
            raise ChipError("no_reader", "no card reader is connected")
        for reader in available:
            connection = reader.createConnection()
            try:
                try:
                    connection.connect()
                except (NoCardException, CardConnectionException):
                    continue
                try:
                    return read_chip(_transmitter(connection), bytes(connection.getATR()))
                except CardConnectionException as exc:
                    raise ChipError("read_failed", f"the card was removed or did not answer: {exc}") from exc
                finally:
                    connection.disconnect()
            finally:
                _release(connection)
        raise ChipError("no_card", "no card is in the reader")


def _release(connection) -> None:
    """Give the PC/SC context back now, not whenever the connection is collected."""
    with contextlib.suppress(Exception):  # pcscd may be gone already; nothing is left to release
        connection.release()


def _transmitter(connection):
    def transmit(apdu: bytes) -> tuple[bytes, int, int]:
        data, sw1, sw2 = connection.transmit(list(apdu))
        return bytes(data), sw1, sw2
    return transmit


class SimulatedCardReader:
    """The sandbox's reader: holds, per station, the synthetic card an officer inserted."""

    def __init__(self, registry: Registry, photos: RegistryPhotos, store: EphemeralStore) -> None:
        self._registry, self._photos, self._store = registry, photos, store

    def insert(self, station: str, pid: str) -> None:
        self._store.put(f"sim-reader:{station}", {"pid": pid}, 3600)

    def remove(self, station: str) -> None:
        self._store.take(f"sim-reader:{station}")

    def read(self, station: str) -> ChipCard:
        inserted = self._store.get(f"sim-reader:{station}")
        if inserted is None:
            raise ChipError("no_card", "no card is in the simulated reader")
        card = chip_card_for(self._registry, self._photos, inserted["pid"])
        if card is None:
            raise ChipError("not_thai_id_card", "the simulated reader holds no card for that citizen ID")
        applet = ThaiIdCardApplet(card)
        return read_chip(applet.transmit, applet.ATR)


def chip_card_for(registry: Registry, photos: RegistryPhotos, pid: str) -> ChipCard | None:
    """The chip of a citizen's current card as the registry issued it (sandbox and tests)."""
    citizen, card = registry.citizen(pid), registry.current_card(pid)
    if citizen is None or card is None:
        return None
    photo = photos.photo(pid)
    return ChipCard(pid=pid, title_th=citizen.title_th, given_name_th=citizen.given_name_th,
                    middle_name_th=citizen.middle_name_th, family_name_th=citizen.family_name_th,
                    title_en=citizen.title_en, given_name_en=citizen.given_name_en,
                    middle_name_en=citizen.middle_name_en, family_name_en=citizen.family_name_en,
                    birth_date=citizen.birth_date, sex=citizen.sex.value, issuer=SYNTHETIC_ISSUER,
                    issued_on=card.issued_on, expires_on=card.expires_on,
                    address=citizen.address.formatted_th(),
                    photo=chip_photo(photo) if photo is not None else b"")


def chip_photo(pixels) -> bytes:
    """The registry photo as the chip stores it: a small JPEG that fits its 5,100 bytes."""
    image = Image.fromarray(pixels).convert("RGB")
    image.thumbnail((148, 178))
    for quality in (75, 60, 45, 30, 20):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= PHOTO_MAX:
            return out.getvalue()
    raise ValueError("the photo does not fit on the chip")


def expired(card: ChipCard, today: dt.date) -> bool:
    return card.expires_on is not None and card.expires_on < today

