"""A virtual Thai ID card for PC/SC tests and demos, run by Debian's Python with
``python3-virtualsmartcard``:

    /usr/bin/python3 src/tuaton/proofing/virtual_card.py card.json [--port 35963]

It connects to the ``vsmartcard-vpcd`` reader driver loaded in ``pcscd`` (port 35963 is the
driver's first slot) and answers as :class:`tuaton.proofing.chip.ThaiIdCardApplet` over the card
in ``card.json`` (the fields of :class:`~tuaton.proofing.chip.ChipCard`, dates ISO, ``photo`` in
base64). Only the standard library and virtualsmartcard are needed, so this file imports nothing
from Tuaton but :mod:`tuaton.proofing.chip`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import sys
from pathlib import Path

# Debian installs virtualsmartcard outside the default path, and it imports pycryptodome as
# ``Crypto``, which Debian ships as ``Cryptodome``.
sys.path.append("/usr/lib/python3/site-packages/virtualsmartcard")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
try:
    import Cryptodome
    sys.modules.setdefault("Crypto", Cryptodome)
except ImportError:  # pragma: no cover - then virtualsmartcard finds its own
    pass

from tuaton.proofing.chip import ChipCard, ThaiIdCardApplet  # noqa: E402


def load_card(path: str) -> ChipCard:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("birth_date", "issued_on", "expires_on"):
        data[key] = dt.date.fromisoformat(data[key]) if data.get(key) else None
    data["photo"] = base64.b64decode(data.get("photo", ""))
    return ChipCard(**data)


def main() -> None:
    parser = argparse.ArgumentParser(description="Emulate a Thai ID card in vsmartcard's virtual reader.")
    parser.add_argument("card", help="JSON file with the card's fields")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("--not-thai", action="store_true",
                        help="emulate virtualsmartcard's plain ISO 7816 card instead (a card of another kind)")
    args = parser.parse_args()

    from virtualsmartcard.VirtualSmartcard import SmartcardOS, VirtualICC

    if args.not_thai:
        icc = VirtualICC(None, "iso7816", args.host, args.port)
        print("virtual ISO 7816 card inserted", flush=True)
        icc.run()
        return
    applet = ThaiIdCardApplet(load_card(args.card))

    class ThaiIdCardOS(SmartcardOS):
        def getATR(self) -> bytes:  # noqa: N802 - virtualsmartcard's names
            return applet.ATR

        def powerUp(self) -> None:  # noqa: N802
            applet.reset()

        def powerDown(self) -> None:  # noqa: N802
            applet.reset()

        def reset(self) -> None:
            applet.reset()

        def execute(self, msg: bytes) -> bytes:
            return applet.execute(bytes(msg))

    icc = VirtualICC(None, "iso7816", args.host, args.port)
    icc.os = ThaiIdCardOS()
    print("virtual Thai ID card inserted", flush=True)
    icc.run()


if __name__ == "__main__":
    main()
