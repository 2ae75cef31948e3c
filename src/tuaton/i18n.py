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
    "match_number": ("ตัวเลขยืนยัน: เลือกตัวเลขนี้ในแอป", "Your number: pick it in the app"),
    "expires_in": ("QR code หมดอายุใน", "QR code expires in"),
    "same_device": ("ใช้แอปตัวตนบนอุปกรณ์นี้", "Use the Tuaton app on this device"),
    "status_pending": ("รอการสแกน", "Waiting for the scan"),
    "status_scanned": ("สแกนแล้ว กรุณายืนยันในแอป", "Scanned — confirm in the app"),
    "status_approved": ("ยืนยันตัวตนสำเร็จ กำลังกลับไปยังบริการ", "Approved — returning to the e-Service"),
    "status_denied": ("ท่านปฏิเสธการเข้าสู่ระบบ", "You refused the sign-in"),
    "status_expired": ("QR code หมดอายุแล้ว", "The QR code has expired"),
    "status_lost": ("ไม่พบรายการเข้าสู่ระบบนี้แล้ว กรุณาขอ QR code ใหม่แล้วเริ่มอีกครั้ง",
                    "This sign-in is no longer known; get a new QR code and start again"),
    "status_unavailable": ("ระบบขัดข้องชั่วคราว กำลังลองใหม่…", "The service is briefly unavailable; retrying…"),
    "new_qr": ("ขอ QR code ใหม่", "Get a new QR code"),
    "back_to_service": ("กลับไปยังบริการ", "Back to the e-Service"),
    "error_title": ("เกิดข้อผิดพลาด", "Something went wrong"),
    "open_in_app": ("เปิดในแอปตัวตน", "Open in the Tuaton app"),
    "open_in_app_help": ("หน้านี้เปิดจากลิงก์เข้าสู่ระบบ หากติดตั้งแอปตัวตนไว้ กดปุ่มด้านล่างเพื่อยืนยันตัวตน",
                         "This page is a sign-in link. If the Tuaton app is installed, use the button "
                         "below to confirm it is you."),
    "signed_out": ("ออกจากระบบเรียบร้อยแล้ว", "You are signed out"),
    "switch_language": ("English", "ภาษาไทย"),
    # The registrar office's station
    "station_title": ("สถานีลงทะเบียนดิจิทัลไอดี", "Digital ID enrolment station"),
    "officer_signin": ("เข้าสู่ระบบเจ้าหน้าที่", "Officer sign-in"),
    "username": ("ชื่อผู้ใช้", "Username"),
    "password": ("รหัสผ่าน", "Password"),
    "sign_in": ("เข้าสู่ระบบ", "Sign in"),
    "sign_out": ("ออกจากระบบ", "Sign out"),
    "officer": ("เจ้าหน้าที่", "Officer"),
    "office_code": ("รหัสสำนักทะเบียน", "Office code"),
    "new_visit": ("ลงทะเบียนประชาชนรายใหม่", "Enrol a citizen"),
    "insert_card_help": ("เสียบบัตรประจำตัวประชาชนของผู้ลงทะเบียนในเครื่องอ่านบัตร แล้วกดอ่านบัตร",
                         "Put the citizen's ID card in the reader, then read it"),
    "read_card": ("อ่านบัตร", "Read the card"),
    "sim_reader": ("เครื่องอ่านบัตรจำลอง (ระบบทดสอบ)", "Simulated card reader (sandbox)"),
    "sim_insert": ("ใส่บัตรของเลขประจำตัวประชาชน", "Insert the card of citizen ID"),
    "sim_inserted": ("บัตรในเครื่องอ่าน", "Card in the reader"),
    "insert": ("ใส่บัตร", "Insert"),
    "recent_visits": ("รายการล่าสุดของท่าน", "Your recent enrolments"),
    "chip_data": ("ข้อมูลจากชิปบัตร", "Data from the card's chip"),
    "chip_photo": ("ภาพใบหน้าในชิป", "Photo on the chip"),
    "citizen_id": ("เลขประจำตัวประชาชน", "Citizen ID"),
    "name": ("ชื่อ-สกุล", "Name"),
    "birth_date": ("วันเกิด", "Date of birth"),
    "card_expiry": ("บัตรหมดอายุ", "Card expires"),
    "lifelong": ("ตลอดชีพ", "Lifelong"),
    "step_fingerprint": ("สแกนลายนิ้วมือ (นิ้วชี้)", "Scan the index finger"),
    "fingerprint_help": ("ให้ผู้ลงทะเบียนวางนิ้วชี้บนเครื่องสแกน", "Ask the citizen to place an index finger on the scanner"),
    "right_index": ("นิ้วชี้ขวา", "Right index finger"),
    "left_index": ("นิ้วชี้ซ้าย", "Left index finger"),
    "template_file": ("ไฟล์ลายนิ้วมือจากเครื่องสแกน", "Template file from the scanner"),
    "scan": ("สแกน", "Scan"),
    "sim_scan_own": ("สแกน (จำลอง) นิ้วของผู้ลงทะเบียน", "Scan (simulated): the citizen's finger"),
    "sim_scan_other": ("สแกน (จำลอง) นิ้วของบุคคลอื่น", "Scan (simulated): someone else's finger"),
    "no_fingerprint": ("สแกนลายนิ้วมือไม่ได้ — ตรวจใบหน้าเทียบภาพในชิปแทน",
                       "No fingerprint can be taken — compare the face with the chip photo instead"),
    "face_confirmed": ("ใบหน้าตรงกับภาพในชิป", "The face matches the chip photo"),
    "show_qr": ("แสดง QR code ให้แอปสแกน", "Show the QR code for the app"),
    "qr_help": ("ให้ผู้ลงทะเบียนเปิดแอปตัวตน เลือกลงทะเบียนผ่านเจ้าหน้าที่ กรอกเลขประจำตัวประชาชน แล้วสแกน QR code นี้",
                "Ask the citizen to open the Tuaton app, choose enrolment with an officer, type their citizen ID "
                "and scan this QR code"),
    "new_qr_code": ("แสดง QR code ใหม่", "Show a new QR code"),
    "cancel_visit": ("ยกเลิกรายการ", "Cancel this enrolment"),
    "back_to_station": ("กลับหน้าสถานี", "Back to the station"),
    "visit_card_read": ("อ่านบัตรแล้ว — สแกนลายนิ้วมือต่อ", "Card read — scan the fingerprint next"),
    "visit_identity_confirmed": ("ยืนยันตัวบุคคลแล้ว — แสดง QR code ให้แอปสแกน",
                                 "Identity confirmed — show the QR code to the app"),
    "visit_app_bound": ("แอปเชื่อมต่อแล้ว — ผู้ลงทะเบียนกำลังตั้งรหัสผ่านและให้ความยินยอม",
                        "The app is connected — the citizen is setting the passcode and consenting"),
    "visit_completed": ("ลงทะเบียนสำเร็จ", "Enrolment complete"),
    "visit_cancelled": ("ยกเลิกรายการแล้ว", "Enrolment cancelled"),
    "assurance_level": ("ระดับความน่าเชื่อถือ", "Assurance level"),
    "fingerprint_score": ("คะแนนลายนิ้วมือ", "Fingerprint score"),
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
