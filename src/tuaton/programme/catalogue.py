"""The programme office's vocabulary, as OPDC (สำนักงาน ก.พ.ร.) counts e-Services (seed 004), and the
documented column layout its catalogue is imported and exported in.

Every coded value has its words in Thai and English here, once: the dashboard, the reports, the
CSV/Excel files and the agency portal all name things from these tables. A file may give a value
as its code (``biz_portal``) or in either language's words (``Biz Portal``, ``ทางรัฐ``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

Words = tuple[str, str]   # (English, Thai)

#: What kind of body an organisation is (seed 004's ประเภท, and what issue 16 adds).
ORGANISATION_TYPES: dict[str, Words] = {
    "ministry": ("Ministry", "กระทรวง"),
    "government_agency": ("Government agency", "ส่วนราชการ"),
    "province": ("Province", "จังหวัด"),
    "public_organisation": ("Public organisation", "องค์การมหาชน"),
    "state_enterprise": ("State enterprise", "รัฐวิสาหกิจ"),
    "education": ("Educational institution", "สถาบันการศึกษา"),
    "local_government": ("Local government", "องค์กรปกครองส่วนท้องถิ่น"),
    "independent": ("Independent body", "หน่วยงานอิสระ"),
    "private": ("Private organisation", "เอกชน"),
}

#: The e-Service level, in steps (seed 004: L1 apply online, L2 pay online, L3 e-licence).
LEVELS: dict[str, Words] = {
    "L1": ("L1 — apply online", "L1 ยื่นคำขอผ่านระบบออนไลน์ได้"),
    "L2": ("L2 — pay online", "L2 ชำระค่าบริการผ่านระบบออนไลน์ได้"),
    "L3": ("L3 — electronic licence", "L3 ออกใบอนุญาตอิเล็กทรอนิกส์ได้"),
}

#: The central platforms (แพลตฟอร์มดิจิทัลกลาง) a service links to.
PLATFORMS: dict[str, Words] = {
    "biz_portal": ("Biz Portal", "Biz Portal"),
    "citizen_portal": ("Tang Rat (Citizen Portal)", "ทางรัฐ"),
    "thai_nsw": ("Thai NSW", "NSW"),
}

#: Where a service stands with its central platform (seed 004's สถานะย่อยการเชื่อมโยง).
PLATFORM_STATUSES: dict[str, Words] = {
    "linked": ("Linked", "เชื่อมโยงแล้ว"),
    "awaiting_launch": ("Linked, awaiting launch", "รอกำหนดเปิดให้บริการ"),
    "planned": ("Planned to link in FY2569", "มีแผนเชื่อมโยงในปี 2569"),
    "after_2569": ("Not linked yet, planned after FY2569", "ยังไม่ได้เชื่อมโยง (หลัง 69)"),
    "not_linked": ("Not linked yet", "ยังไม่ได้เชื่อมโยงกับแพลตฟอร์มดิจิทัลกลาง"),
    "will_not_link": ("Will not link", "จะไม่เชื่อมโยง"),
}

#: The Cabinet's four groups (มติ ครม. 4 มิ.ย. 2568).
GROUPS: dict[str, Words] = {
    "1": ("Group 1 — e-Service linked to a central platform", "กลุ่ม 1 e-Service ที่เชื่อมโยงแพลตฟอร์มดิจิทัลกลางแล้ว"),
    "2": ("Group 2 — plans to link to a central platform", "กลุ่ม 2 มีแผนเชื่อมโยงกับแพลตฟอร์มดิจิทัลกลาง"),
    "3": ("Group 3 — e-Service that does not want to link", "กลุ่ม 3 e-Service ที่ไม่ประสงค์เชื่อมโยง"),
    "4": ("Group 4 — not worth developing as an e-Service", "กลุ่ม 4 ไม่คุ้มค่าในการพัฒนา e-Service"),
}

#: How a group-2 service will be developed and linked.
DEVELOPMENT_MODES: dict[str, Words] = {
    "link_only": ("Link only", "เฉพาะเชื่อมโยง"),
    "develop_and_link": ("Develop and link", "พัฒนาและเชื่อมโยง"),
    "improve_and_link": ("Improve and link", "ปรับปรุงและเชื่อมโยง"),
}

#: Where the money for developing or linking a group-2 service comes from.
BUDGET_SOURCES: dict[str, Words] = {
    "fy_budget": ("FY2569 budget", "งบปกติ 69"),
    "central_budget": ("Central budget", "งบกลาง"),
    "no_budget": ("No budget needed", "ไม่ใช้งบ"),
    "other": ("Other budget", "งบอื่น ๆ"),
    "burapha": ("Burapha budget", "งบบูรพา"),
    "carried_over": ("Carried over from FY2568", "ต่อเนื่อง 68"),
}

#: Why a service is not developed as an e-Service or not linked (groups 3 and 4).
REASONS: dict[str, Words] = {
    "other": ("Other", "อื่น ๆ"),
    "few_users": ("Few users, not worth it", "จำนวนผู้รับบริการน้อย ไม่คุ้มค่า"),
    "foreign_users": ("Users are foreigners", "ผู้รับบริการเป็นชาวต่างชาติ"),
    "exempt_section_7": ("Exempt under section 7 of the Act", "ได้รับการยกเว้นตาม ม.7 พ.ร.บ. การปฏิบัติราชการทางอิเล็กทรอนิกส์"),
    "confidential": ("Confidential or security-sensitive", "ข้อมูลที่เป็นความลับหรือกระทบต่อความมั่นคง"),
    "discontinued": ("Discontinued", "ยกเลิก/ไม่มีการให้บริการแล้ว"),
}

VOCABULARIES: dict[str, dict[str, Words]] = {
    "organisation_type": ORGANISATION_TYPES, "level": LEVELS, "platform": PLATFORMS,
    "platform_status": PLATFORM_STATUSES, "group": GROUPS, "development_mode": DEVELOPMENT_MODES,
    "budget_source": BUDGET_SOURCES, "reason": REASONS,
}

#: The KPI from seed 001: the share of e-Services that accept the digital ID, by Buddhist-era year.
KPI_TARGETS: tuple[tuple[int, float], ...] = ((2567, 0.50), (2568, 1.00))
#: The fiscal year the Cabinet's plan (4 June 2568) set for group 2: services due to link in it.
DUE_FISCAL_YEAR = 2569

ORG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
SERVICE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,47}")


def words(vocabulary: str, code: str | None, lang: str) -> str:
    """A coded value in words, in ``lang`` ("th" or "en"); "—" for none."""
    if not code:
        return "—"
    pair = VOCABULARIES[vocabulary].get(code)
    if pair is None:
        return code
    return pair[1] if lang == "th" else pair[0]


class CatalogueRowError(ValueError):
    """One row of an import that cannot be taken, with what to change (both languages)."""

    def __init__(self, column: str, en: str, th: str) -> None:
        super().__init__(f"{column}: {en}")
        self.column, self.en, self.th = column, en, th


def code_of(vocabulary: str, value: str | None, column: str | None = None) -> str | None:
    """A file's value as its code: the code itself, or its words in either language (any case,
    surrounding spaces ignored). Empty → None. Anything else is a :class:`CatalogueRowError`."""
    text = (value or "").strip()
    if not text:
        return None
    table = VOCABULARIES[vocabulary]
    folded = " ".join(text.split()).casefold()
    for code, (en, th) in table.items():
        if folded in (code.casefold(), en.casefold(), th.casefold()):
            return code
    allowed = ", ".join(table)
    raise CatalogueRowError(column or vocabulary, f"'{text[:60]}' is not one of: {allowed}.",
                            f"ค่า '{text[:60]}' ไม่อยู่ในรายการที่กำหนด ({allowed})")


_TRUE = {"1", "yes", "y", "true", "ใช่", "เป็น", "เป็น e-service"}
_FALSE = {"0", "no", "n", "false", "ไม่ใช่", "ไม่เป็น", "ไม่เป็น e-service"}


def yes_no(value: str | None, column: str) -> bool:
    text = " ".join((value or "").split()).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CatalogueRowError(column, f"'{text[:20]}' must be yes or no.", f"ค่า '{text[:20]}' ต้องเป็น ใช่ หรือ ไม่ใช่")


@dataclass(frozen=True)
class ServiceRecord:
    """One service process (กระบวนงาน) as the catalogue files carry it: one row per service."""

    service_code: str
    organisation_code: str
    name_th: str
    name_en: str = ""
    is_eservice: bool = False
    level: str | None = None
    system_name: str = ""
    group: str = "4"
    platform: str | None = None
    platform_status: str | None = None
    development_mode: str | None = None
    budget_source: str | None = None
    reason: str | None = None
    #: The production client (client_id) the service signs citizens in with, if any.
    client_id: str | None = None
    #: Time to service before and after it went online (minutes), where the agency reports it.
    minutes_before: int | None = None
    minutes_after: int | None = None


@dataclass(frozen=True)
class OrganisationRecord:
    code: str
    name_th: str
    name_en: str = ""
    organisation_type: str = "government_agency"
    #: The ministry (or other parent) by its code; none for a ministry.
    parent_code: str | None = None
    #: The official central e-mail (saraban@…) the programme office writes to.
    contact_email: str = ""


#: The service file's columns, in order: (column, English heading, Thai heading). Documented in
#: docs/programme.md; the Excel file has the same columns with both headings.
SERVICE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("service_code", "Service code", "รหัสกระบวนงาน"),
    ("organisation_code", "Agency code", "รหัสหน่วยงาน"),
    ("name_th", "Name (Thai)", "ชื่อกระบวนงาน"),
    ("name_en", "Name (English)", "ชื่อกระบวนงาน (อังกฤษ)"),
    ("is_eservice", "e-Service", "เป็น e-Service"),
    ("level", "Level", "ระดับ"),
    ("system_name", "System name", "ชื่อระบบ e-Service"),
    ("group", "Group", "กลุ่ม"),
    ("platform", "Central platform", "แพลตฟอร์มกลาง"),
    ("platform_status", "Platform status", "สถานะย่อยการเชื่อมโยง"),
    ("development_mode", "Development mode", "รูปแบบการพัฒนาและเชื่อมโยง"),
    ("budget_source", "Budget source", "แหล่งงบประมาณ"),
    ("reason", "Reason not developed or linked", "เหตุผลที่ไม่พัฒนา/เชื่อมโยง"),
    ("client_id", "Tuaton client_id", "client_id ของ Tuaton"),
    ("minutes_before", "Minutes to serve before", "เวลาให้บริการก่อน (นาที)"),
    ("minutes_after", "Minutes to serve after", "เวลาให้บริการหลัง (นาที)"),
)
ORGANISATION_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("code", "Code", "รหัส"),
    ("name_th", "Name (Thai)", "ชื่อหน่วยงาน"),
    ("name_en", "Name (English)", "ชื่อหน่วยงาน (อังกฤษ)"),
    ("organisation_type", "Type", "ประเภท"),
    ("parent_code", "Parent (ministry) code", "รหัสสังกัด"),
    ("contact_email", "Central e-mail", "อีเมลกลาง"),
)
_VOCABULARY_OF = {"level": "level", "group": "group", "platform": "platform", "platform_status": "platform_status",
                  "development_mode": "development_mode", "budget_source": "budget_source", "reason": "reason",
                  "organisation_type": "organisation_type"}


def _heading_index(headings: list[str], columns: tuple[tuple[str, str, str], ...]) -> dict[str, int]:
    """Which position holds which column: a heading may be the column's key or either heading."""
    index: dict[str, int] = {}
    for position, heading in enumerate(headings):
        text = " ".join((heading or "").split()).casefold()
        for key, en, th in columns:
            if text in (key.casefold(), en.casefold(), th.casefold()):
                index[key] = position
    return index


def _cell(row: list[str], index: dict[str, int], key: str) -> str:
    position = index.get(key)
    if position is None or position >= len(row):
        return ""
    value = row[position]
    return "" if value is None else str(value).strip()


def parse_service_row(headings: list[str], row: list[str]) -> ServiceRecord:
    """One row of a service file → a checked :class:`ServiceRecord` (or :class:`CatalogueRowError`)."""
    index = _heading_index(headings, SERVICE_COLUMNS)
    for required in ("service_code", "organisation_code", "name_th", "group"):
        if required not in index:
            raise CatalogueRowError(required, f"The file has no '{required}' column (see docs/programme.md).",
                                    f"ไฟล์ไม่มีคอลัมน์ '{required}' (ดู docs/programme.md)")
    values = {key: _cell(row, index, key) for key, _, _ in SERVICE_COLUMNS}
    if not SERVICE_CODE.fullmatch(values["service_code"]):
        raise CatalogueRowError("service_code", "A service code is 1–48 letters, digits, '.', '_', '/' or '-'.",
                                "รหัสกระบวนงานต้องเป็นตัวอักษรหรือตัวเลข 1–48 ตัว")
    if not ORG_CODE.fullmatch(values["organisation_code"]):
        raise CatalogueRowError("organisation_code", "An agency code is 1–32 letters, digits, '.', '_' or '-'.",
                                "รหัสหน่วยงานต้องเป็นตัวอักษรหรือตัวเลข 1–32 ตัว")
    if not values["name_th"] or len(values["name_th"]) > 300 or len(values["name_en"]) > 300:
        raise CatalogueRowError("name_th", "Every service has a Thai name of at most 300 characters.",
                                "กระบวนงานต้องมีชื่อภาษาไทยไม่เกิน 300 ตัวอักษร")
    if len(values["system_name"]) > 200:
        raise CatalogueRowError("system_name", "A system name has at most 200 characters.",
                                "ชื่อระบบต้องไม่เกิน 200 ตัวอักษร")
    group = code_of("group", values["group"].removeprefix("กลุ่ม").strip(), "group")
    coded = {key: code_of(_VOCABULARY_OF[key], values[key], key)
             for key in ("level", "platform", "platform_status", "development_mode", "budget_source", "reason")}
    is_eservice = yes_no(values["is_eservice"] or "no", "is_eservice")
    minutes = {key: _minutes(values[key], key) for key in ("minutes_before", "minutes_after")}
    record = ServiceRecord(values["service_code"], values["organisation_code"], values["name_th"], values["name_en"],
                           is_eservice, coded["level"], values["system_name"], group or "4", coded["platform"],
                           coded["platform_status"], coded["development_mode"], coded["budget_source"],
                           coded["reason"], values["client_id"] or None, **minutes)
    check_service(record)
    return record


def _minutes(value: str, column: str) -> int | None:
    text = value.strip().removesuffix(".0")
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,7}", text):
        raise CatalogueRowError(column, f"'{text[:12]}' must be a whole number of minutes.",
                                f"ค่า '{text[:12]}' ต้องเป็นจำนวนนาทีเต็ม")
    return int(text)


def check_service(record: ServiceRecord) -> None:
    """The rules that hold between a service's fields, as the programme office counts them."""
    if record.level and not record.is_eservice:
        raise CatalogueRowError("level", "Only an e-Service has a level (L1–L3).",
                                "เฉพาะ e-Service เท่านั้นที่มีระดับ L1–L3")
    if record.group in ("1", "3") and not record.is_eservice:
        raise CatalogueRowError("is_eservice", f"A group {record.group} service is an e-Service.",
                                f"กระบวนงานกลุ่ม {record.group} ต้องเป็น e-Service")
    if record.group == "1" and (not record.platform or record.platform_status not in ("linked", "awaiting_launch",
                                                                                      "planned")):
        raise CatalogueRowError("platform", "A group 1 service names its central platform and is linked, "
                                "awaiting launch or planned in FY2569.",
                                "กระบวนงานกลุ่ม 1 ต้องระบุแพลตฟอร์มกลางและสถานะการเชื่อมโยง")
    if record.group in ("3", "4") and record.platform_status not in (None, "will_not_link"):
        raise CatalogueRowError("platform_status", f"A group {record.group} service will not link.",
                                f"กระบวนงานกลุ่ม {record.group} เป็นกลุ่มที่จะไม่เชื่อมโยง")
    if record.group != "2" and (record.development_mode or record.budget_source):
        raise CatalogueRowError("development_mode", "Only a group 2 service has a development mode and budget.",
                                "เฉพาะกระบวนงานกลุ่ม 2 ที่มีรูปแบบการพัฒนาและแหล่งงบประมาณ")
    if record.client_id is not None and not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", record.client_id):
        raise CatalogueRowError("client_id", "A client_id is 1–64 letters, digits, '.', '_', ':' or '-'.",
                                "client_id ไม่ถูกต้อง")


def parse_organisation_row(headings: list[str], row: list[str]) -> OrganisationRecord:
    index = _heading_index(headings, ORGANISATION_COLUMNS)
    for required in ("code", "name_th"):
        if required not in index:
            raise CatalogueRowError(required, f"The file has no '{required}' column (see docs/programme.md).",
                                    f"ไฟล์ไม่มีคอลัมน์ '{required}' (ดู docs/programme.md)")
    values = {key: _cell(row, index, key) for key, _, _ in ORGANISATION_COLUMNS}
    if not ORG_CODE.fullmatch(values["code"]):
        raise CatalogueRowError("code", "An agency code is 1–32 letters, digits, '.', '_' or '-'.",
                                "รหัสหน่วยงานต้องเป็นตัวอักษรหรือตัวเลข 1–32 ตัว")
    if values["parent_code"] and not ORG_CODE.fullmatch(values["parent_code"]):
        raise CatalogueRowError("parent_code", "A parent code is 1–32 letters, digits, '.', '_' or '-'.",
                                "รหัสสังกัดไม่ถูกต้อง")
    if not values["name_th"] or len(values["name_th"]) > 300 or len(values["name_en"]) > 300:
        raise CatalogueRowError("name_th", "Every agency has a Thai name of at most 300 characters.",
                                "หน่วยงานต้องมีชื่อภาษาไทยไม่เกิน 300 ตัวอักษร")
    email = values["contact_email"]
    if email and not re.fullmatch(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}", email):
        raise CatalogueRowError("contact_email", "The central e-mail is not an e-mail address.",
                                "อีเมลกลางไม่ถูกต้อง")
    kind = code_of("organisation_type", values["organisation_type"], "organisation_type") or "government_agency"
    return OrganisationRecord(values["code"], values["name_th"], values["name_en"], kind,
                              values["parent_code"] or None, email)


def service_cells(record: ServiceRecord) -> list[str]:
    """A service as a row of codes, in :data:`SERVICE_COLUMNS` order (what export writes)."""
    out = []
    for key, _, _ in SERVICE_COLUMNS:
        value = getattr(record, key)
        if key == "is_eservice":
            value = "yes" if value else "no"
        out.append("" if value is None else str(value))
    return out


def organisation_cells(record: OrganisationRecord) -> list[str]:
    return ["" if getattr(record, key) is None else str(getattr(record, key)) for key, _, _ in ORGANISATION_COLUMNS]


assert [f.name for f in fields(ServiceRecord)] == [c[0] for c in SERVICE_COLUMNS]
