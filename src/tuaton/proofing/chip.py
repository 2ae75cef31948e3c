"""The Thai national ID card's chip: the APDUs a reader sends, and what the answers mean.

The card holds one applet (AID ``A0 00 00 00 54 48 00 01``). After SELECT, each field is read with
the proprietary command ``80 B0 <offset> 02 00 <length>``; the card answers ``61 xx`` and the
reader fetches the bytes with GET RESPONSE (``00 C0 00 00 xx``; cards whose ATR begins ``3B 67``
want ``00 C0 00 01 xx``). Text is TIS-620; names are ``title#given#middle#family``; dates are
``YYYYMMDD`` in the Buddhist era, ``99999999`` meaning a card for life. The photo is a JPEG read in
20 blocks of 255 bytes.

Both sides live here: :func:`read_chip` (the reader's side, over any ``transmit`` function: PC/SC
through pyscard, or the in-process card of the sandbox) and :class:`ThaiIdCardApplet` (the card's
side, used by the virtual card and the simulated reader).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

AID = bytes.fromhex("A000000054480001")
SELECT = bytes.fromhex("00A4040008") + AID
LIFELONG = "99999999"

#: name → (offset, length) of each field in the applet's data.
FIELDS: dict[str, tuple[int, int]] = {
    "pid": (0x0004, 13),
    "name_th": (0x0011, 100),
    "name_en": (0x0075, 100),
    "birth_date": (0x00D9, 8),
    "sex": (0x00E1, 1),
    "issuer": (0x00F6, 100),
    "issued_on": (0x0167, 8),
    "expires_on": (0x016F, 8),
    "address": (0x1579, 100),
}
PHOTO_OFFSET, PHOTO_BLOCK, PHOTO_BLOCKS = 0x017B, 0xFF, 20
PHOTO_MAX = PHOTO_BLOCK * PHOTO_BLOCKS

Transmit = Callable[[bytes], tuple[bytes, int, int]]


class ChipError(Exception):
    """The card could not be read as a Thai ID card; ``reason`` is one of
    ``no_reader``, ``no_card``, ``not_thai_id_card``, ``read_failed``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(detail or reason)


@dataclass(frozen=True)
class ChipCard:
    """What the chip says. The chip holds no laser code (that is printed on the back)."""

    pid: str
    title_th: str
    given_name_th: str
    middle_name_th: str
    family_name_th: str
    title_en: str
    given_name_en: str
    middle_name_en: str
    family_name_en: str
    birth_date: dt.date
    sex: str                      # "male" / "female"
    issuer: str
    issued_on: dt.date
    expires_on: dt.date | None    # None: valid for life
    address: str
    photo: bytes = field(repr=False, default=b"")

    def public(self) -> dict[str, str | None]:
        """The fields an officer's screen shows (never the photo bytes)."""
        return {"pid": self.pid, "title_th": self.title_th, "given_name_th": self.given_name_th,
                "middle_name_th": self.middle_name_th, "family_name_th": self.family_name_th,
                "title_en": self.title_en, "given_name_en": self.given_name_en,
                "middle_name_en": self.middle_name_en, "family_name_en": self.family_name_en,
                "birth_date": self.birth_date.isoformat(), "sex": self.sex, "issuer": self.issuer,
                "issued_on": self.issued_on.isoformat(),
                "expires_on": self.expires_on.isoformat() if self.expires_on else None, "address": self.address}


# -- encoding the fields (the card's side) and decoding them (the reader's side) -------------------
def encode_date(value: dt.date | None) -> bytes:
    if value is None:
        return LIFELONG.encode()
    return f"{value.year + 543:04d}{value.month:02d}{value.day:02d}".encode()


def decode_date(raw: bytes) -> dt.date | None:
    text = raw.decode("ascii", "replace").strip()
    if text == LIFELONG:
        return None
    if len(text) != 8 or not text.isdigit():
        raise ChipError("read_failed", f"not a chip date: {text!r}")
    try:
        return dt.date(int(text[:4]) - 543, int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ChipError("read_failed", f"not a chip date: {text!r}") from exc


def encode_text(value: str, length: int) -> bytes:
    raw = value.encode("tis-620")
    if len(raw) > length:
        raise ValueError(f"{value!r} does not fit in {length} bytes")
    return raw.ljust(length, b" ")


def decode_text(raw: bytes) -> str:
    return raw.decode("tis-620", "replace").rstrip(" \x00")


def split_name(text: str) -> tuple[str, str, str, str]:
    """``title#given#middle#family`` → its four parts (missing parts are empty)."""
    parts = [p.strip() for p in text.split("#")]
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], "#".join(parts[3:]).strip("#").strip()


def join_name(title: str, given: str, middle: str, family: str) -> str:
    return "#".join((title, given, middle, family))


# -- the reader's side ---------------------------------------------------------------------------
def _command(offset: int, length: int) -> bytes:
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


def read_chip(transmit: Transmit, atr: bytes) -> ChipCard:
    """Select the applet and read every field and the photo."""
    get_response = bytes([0x00, 0xC0, 0x00, 0x01 if atr[:2] == b"\x3b\x67" else 0x00])

    def read(offset: int, length: int) -> bytes:
        data, sw1, sw2 = transmit(_command(offset, length))
        if sw1 == 0x61:
            data, sw1, sw2 = transmit(get_response + bytes([sw2]))
        if (sw1, sw2) != (0x90, 0x00):
            raise ChipError("read_failed", f"read at {offset:#06x} answered {sw1:02X}{sw2:02X}")
        return bytes(data)

    _, sw1, sw2 = transmit(SELECT)
    if sw1 not in (0x61, 0x90):
        raise ChipError("not_thai_id_card", f"SELECT answered {sw1:02X}{sw2:02X}")
    raw = {name: read(offset, length) for name, (offset, length) in FIELDS.items()}
    photo = b"".join(read(PHOTO_OFFSET + i * PHOTO_BLOCK, PHOTO_BLOCK) for i in range(PHOTO_BLOCKS))
    end = photo.rfind(b"\xff\xd9")
    pid = raw["pid"].decode("ascii", "replace")
    if not pid.isdigit():
        raise ChipError("read_failed", "the citizen ID on the chip is not 13 digits")
    birth = decode_date(raw["birth_date"])
    issued = decode_date(raw["issued_on"])
    if birth is None or issued is None:
        raise ChipError("read_failed", "the chip has no birth or issue date")
    title_th, given_th, middle_th, family_th = split_name(decode_text(raw["name_th"]))
    title_en, given_en, middle_en, family_en = split_name(decode_text(raw["name_en"]))
    return ChipCard(pid=pid, title_th=title_th, given_name_th=given_th, middle_name_th=middle_th,
                    family_name_th=family_th, title_en=title_en, given_name_en=given_en,
                    middle_name_en=middle_en, family_name_en=family_en, birth_date=birth,
                    sex={b"1": "male", b"2": "female"}.get(raw["sex"], "unknown"),
                    issuer=decode_text(raw["issuer"]), issued_on=issued,
                    expires_on=decode_date(raw["expires_on"]),
                    address=" ".join(p for p in decode_text(raw["address"]).split("#") if p.strip()),
                    photo=photo[:end + 2] if end >= 0 else b"")


# -- the card's side -------------------------------------------------------------------------------
class ThaiIdCardApplet:
    """A Thai ID card's applet over a :class:`ChipCard`: answers the APDUs :func:`read_chip` sends,
    and refuses what a real card refuses (reads before SELECT, unknown instructions)."""

    ATR = bytes.fromhex("3B6700002920006F789000")

    def __init__(self, card: ChipCard) -> None:
        if len(card.photo) > PHOTO_MAX:
            raise ValueError(f"the chip holds a photo of at most {PHOTO_MAX} bytes")
        memory = bytearray(b" " * 0x1579 + b" " * FIELDS["address"][1])
        values = {
            "pid": card.pid.encode("ascii"),
            "name_th": encode_text(join_name(card.title_th, card.given_name_th, card.middle_name_th,
                                             card.family_name_th), 100),
            "name_en": encode_text(join_name(card.title_en, card.given_name_en, card.middle_name_en,
                                             card.family_name_en), 100),
            "birth_date": encode_date(card.birth_date),
            "sex": {"male": b"1", "female": b"2"}.get(card.sex, b"0"),
            "issuer": encode_text(card.issuer, 100),
            "issued_on": encode_date(card.issued_on),
            "expires_on": encode_date(card.expires_on),
            "address": encode_text(card.address[:FIELDS["address"][1]], FIELDS["address"][1]),
        }
        for name, (offset, length) in FIELDS.items():
            memory[offset:offset + length] = values[name].ljust(length, b" ")
        memory[PHOTO_OFFSET:PHOTO_OFFSET + PHOTO_MAX] = card.photo.ljust(PHOTO_MAX, b"\x00")
        self._memory = bytes(memory)
        self._selected = False
        self._pending = b""

    def reset(self) -> None:
        self._selected, self._pending = False, b""

    def execute(self, apdu: bytes) -> bytes:
        """One command APDU → the response APDU (data + SW1 SW2)."""
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if (cla, ins) == (0x00, 0xA4):
            self._selected = apdu[4:5] == b"\x08" and apdu[5:13] == AID
            return b"\x61\x0a" if self._selected else b"\x6a\x82"
        if not self._selected:
            return b"\x69\x85"
        if (cla, ins) == (0x80, 0xB0) and len(apdu) == 7:
            offset, length = (p1 << 8) | p2, apdu[6]
            if offset + length > len(self._memory):
                return b"\x6b\x00"
            self._pending = self._memory[offset:offset + length]
            return bytes([0x61, length])
        if (cla, ins) == (0x00, 0xC0):
            data, self._pending = self._pending, b""
            if not data:
                return b"\x69\x85"
            return data[:apdu[4] if len(apdu) > 4 and apdu[4] else len(data)] + b"\x90\x00"
        return b"\x6d\x00"

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        answer = self.execute(bytes(apdu))
        return answer[:-2], answer[-2], answer[-1]
