"""What the app may tell a citizen about the browser that started a sign-in: the kind of device,
coarsely (from its User-Agent), and the number it shows.

A QR code can be relayed: a phishing page shows a genuine code that the phisher's own browser
started. The app shows the kind of device and asks the citizen to pick the number that *their*
screen shows, out of three. The server checks the pick. A citizen who started nothing, or whose
screen shows no number, cannot pick right, and the sign-in stops.
"""

from __future__ import annotations

import secrets

#: Kinds of device, with what the app shows (Thai, English).
DEVICE_KINDS = {
    "iphone": ("iPhone", "iPhone"),
    "ipad": ("iPad", "iPad"),
    "android": ("โทรศัพท์หรือแท็บเล็ต Android", "Android phone or tablet"),
    "windows": ("คอมพิวเตอร์ Windows", "Windows computer"),
    "mac": ("คอมพิวเตอร์ Mac", "Mac computer"),
    "chromeos": ("Chromebook", "Chromebook"),
    "linux": ("คอมพิวเตอร์ Linux", "Linux computer"),
    "unknown": ("อุปกรณ์ที่ไม่ทราบชนิด", "an unknown device"),
}


def device_kind(user_agent: str | None) -> str:
    """The coarse kind of device a User-Agent names (never the string itself, which is
    fingerprinting material)."""
    ua = (user_agent or "").lower()
    for needle, kind in (("iphone", "iphone"), ("ipad", "ipad"), ("android", "android"), ("cros", "chromeos"),
                         ("windows", "windows"), ("macintosh", "mac"), ("mac os x", "mac"), ("linux", "linux")):
        if needle in ua:
            return kind
    return "unknown"


def describe(kind: str | None) -> dict[str, str]:
    th, en = DEVICE_KINDS.get(kind or "unknown", DEVICE_KINDS["unknown"])
    return {"kind": kind or "unknown", "label_th": th, "label_en": en}


def new_number() -> tuple[str, tuple[str, ...]]:
    """Two digits for the browser, and three different ones for the app (sorted, so their order
    says nothing), one of which is it."""
    numbers: set[int] = set()
    while len(numbers) < 3:
        numbers.add(10 + secrets.randbelow(90))
    number = secrets.choice(sorted(numbers))
    return str(number), tuple(str(n) for n in sorted(numbers))
