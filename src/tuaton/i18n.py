"""Thai and English for every page a person reads.

Pages show the reader's language first (``ui_locales`` or the ``lang`` query, Thai by default)
and the other beneath it. Dates shown to Thai readers use the Buddhist era (พ.ศ. = ค.ศ. + 543).
"""

from __future__ import annotations

import datetime as dt

LANGS = ("th", "en")

TEXT: dict[str, tuple[str, str]] = {  # key → (Thai, English)
    "app_name": ("ตัวตน", "Tuaton"),
    "signin_title": ("เข้าสู่ระบบด้วยแอปตัวตน", "Sign in with the Tuaton app"),
    "wants_to_know": ("ขอเข้าถึงข้อมูลต่อไปนี้ของท่าน", "asks for the following information about you"),
    "scan_instruction": ("เปิดแอปตัวตน สแกน QR code นี้ แล้วยืนยันด้วยรหัสผ่าน 8 หลัก",
                         "Open the Tuaton app, scan this QR code, and confirm with your 8-digit passcode"),
    "reference": ("หมายเลขอ้างอิง", "Reference"),
    "expires_in": ("QR code หมดอายุใน", "QR code expires in"),
    "same_device": ("ใช้แอปตัวตนบนอุปกรณ์นี้", "Use the Tuaton app on this device"),
    "status_pending": ("รอการสแกน", "Waiting for the scan"),
    "status_scanned": ("สแกนแล้ว กรุณายืนยันในแอป", "Scanned — confirm in the app"),
    "status_approved": ("ยืนยันตัวตนสำเร็จ กำลังกลับไปยังบริการ", "Approved — returning to the e-Service"),
    "status_denied": ("ท่านปฏิเสธการเข้าสู่ระบบ", "You refused the sign-in"),
    "status_expired": ("QR code หมดอายุแล้ว", "The QR code has expired"),
    "new_qr": ("ขอ QR code ใหม่", "Get a new QR code"),
    "back_to_service": ("กลับไปยังบริการ", "Back to the e-Service"),
    "error_title": ("เกิดข้อผิดพลาด", "Something went wrong"),
    "open_in_app": ("เปิดในแอปตัวตน", "Open in the Tuaton app"),
    "open_in_app_help": ("หน้านี้เปิดจากลิงก์เข้าสู่ระบบ หากติดตั้งแอปตัวตนไว้ กดปุ่มด้านล่างเพื่อยืนยันตัวตน",
                         "This page is a sign-in link. If the Tuaton app is installed, use the button "
                         "below to confirm it is you."),
    "signed_out": ("ออกจากระบบเรียบร้อยแล้ว", "You are signed out"),
    "switch_language": ("English", "ภาษาไทย"),
    "footer": ("ระบบยืนยันตัวตนทางดิจิทัล — ข้อมูลของท่านถูกส่งเฉพาะเมื่อท่านยินยอม",
               "Digital identity service — your data is shared only when you approve"),
}


def pick_lang(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate:
            tag = candidate.split(",")[0].split("-")[0].strip().lower()
            if tag in LANGS:
                return tag
    return "th"


def texts(lang: str) -> dict[str, dict[str, str]]:
    """For templates: ``t.key.main`` in the reader's language, ``t.key.other`` in the other."""
    main = 0 if lang == "th" else 1
    return {k: {"main": v[main], "other": v[1 - main], "th": v[0], "en": v[1]} for k, v in TEXT.items()}


def buddhist_date(value: dt.date) -> str:
    months = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
    return f"{value.day} {months[value.month - 1]} {value.year + 543}"
