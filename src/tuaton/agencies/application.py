"""What an agency types into its application, and the rules it must meet before review.

Plain functions over typed values: the portal's routes parse the form into an
:class:`ApplicationForm`, :func:`problems` lists what is wrong (in English and Thai, per field), and
a draft is saved whatever its problems — only submitting needs none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tuaton.agencies.models import OrganisationType
from tuaton.errors import InvalidInput
from tuaton.oidc.claims import CLAIM_SCOPES
from tuaton.oidc.clients import check_redirect_uri
from tuaton.registry.citizen_id import InvalidCitizenId, check_digit

#: What an agency may ask for: ThaiD's one scope per claim.
REQUESTABLE_CLAIMS = CLAIM_SCOPES
MAX_REDIRECT_URIS = 10
MAX_CONTACTS = 5
MIN_PURPOSE = 20
MIN_JUSTIFICATION = 10
#: The citizen ID identifies a person across every agency; asking for it needs a real reason.
MIN_PID_JUSTIFICATION = 40
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
GOVERNMENT_CODE = re.compile(r"[A-Z0-9][A-Z0-9.-]{1,19}")


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class ApplicationForm:
    org_type: str = ""
    org_name_th: str = ""
    org_name_en: str = ""
    org_identifier: str = ""
    contact_email: str = ""
    service_name_th: str = ""
    service_name_en: str = ""
    purpose_th: str = ""
    purpose_en: str = ""
    #: claim → justification
    requested_claims: dict[str, str] = field(default_factory=dict)
    redirect_uris: tuple[str, ...] = ()
    technical_contacts: tuple[Contact, ...] = ()

    @property
    def review_fields(self) -> tuple:
        """What a change of needs review again (what citizens are told, and what is disclosed)."""
        return (self.org_type, self.org_name_th, self.org_name_en, self.org_identifier, self.service_name_th,
                self.service_name_en, self.purpose_th, self.purpose_en, tuple(sorted(self.requested_claims.items())))


Problem = tuple[str, str]   # (English, Thai)
#: The longest each field may be (what the database keeps).
MAX_LENGTHS = {"org_name_th": 200, "org_name_en": 200, "org_identifier": 32, "contact_email": 254,
               "service_name_th": 200, "service_name_en": 200, "purpose_th": 1000, "purpose_en": 1000}
MAX_JUSTIFICATION = 500
MAX_URI = 500


def valid_juristic_id(value: str) -> bool:
    """A Thai juristic person number: 13 digits, the last a mod-11 check digit like a citizen ID's."""
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        return False
    try:
        return check_digit(value[:12]) == int(value[12])
    except InvalidCitizenId:
        return False


def _text(problems: dict[str, Problem], name: str, value: str, en: str, th: str, minimum: int = 1) -> None:
    if len(value.strip()) < minimum:
        problems[name] = ((f"{en} is required." if minimum == 1 else f"{en} needs at least {minimum} characters."),
                          (f"กรุณากรอก{th}" if minimum == 1 else f"{th}ต้องมีอย่างน้อย {minimum} ตัวอักษร"))


def problems(form: ApplicationForm, *, complete: bool) -> dict[str, Problem]:
    """Every rule the form breaks. With ``complete=False`` (a draft) empty fields are fine, but what
    was typed must still make sense (unknown claims, malformed addresses)."""
    found: dict[str, Problem] = {}
    for name, longest in MAX_LENGTHS.items():
        if len(getattr(form, name)) > longest:
            found[name] = (f"'{name}' is longer than {longest} characters.", f"'{name}' ยาวเกิน {longest} ตัวอักษร")
    for claim, why in form.requested_claims.items():
        if len(why) > MAX_JUSTIFICATION:
            found[f"why_{claim}"] = (f"The reason for '{claim}' is longer than {MAX_JUSTIFICATION} characters.",
                                     f"เหตุผลของ '{claim}' ยาวเกิน {MAX_JUSTIFICATION} ตัวอักษร")
    if any(len(uri) > MAX_URI for uri in form.redirect_uris):
        found["redirect_uris"] = (f"A redirect URI is longer than {MAX_URI} characters.",
                                  f"Redirect URI ยาวเกิน {MAX_URI} ตัวอักษร")
    if len(form.technical_contacts) > MAX_CONTACTS or any(
            len(c.name) > 200 or len(c.email) > 254 or len(c.phone) > 40 for c in form.technical_contacts):
        found["contacts"] = (f"At most {MAX_CONTACTS} technical contacts, with names under 200 characters.",
                             f"ผู้ติดต่อด้านเทคนิคได้ไม่เกิน {MAX_CONTACTS} คน")
    if form.org_type and form.org_type not in OrganisationType.__members__.values():
        found["org_type"] = ("Choose government or private.", "กรุณาเลือกหน่วยงานรัฐหรือเอกชน")
    unknown = sorted(set(form.requested_claims) - set(REQUESTABLE_CLAIMS))
    if unknown:
        found["claims"] = (f"Unknown claim(s): {', '.join(unknown)}.", f"ไม่รู้จักข้อมูล: {', '.join(unknown)}")
    if form.contact_email and not EMAIL.fullmatch(form.contact_email):
        found["contact_email"] = ("The official e-mail address is not a valid address.",
                                  "อีเมลทางการไม่ถูกต้อง")
    if form.org_identifier:
        if form.org_type == OrganisationType.PRIVATE and not valid_juristic_id(form.org_identifier):
            found["org_identifier"] = ("A company's identifier is its 13-digit juristic person number (the last "
                                       "digit is a check digit).", "เลขทะเบียนนิติบุคคลต้องเป็นตัวเลข 13 หลักที่ถูกต้อง")
        elif form.org_type == OrganisationType.GOVERNMENT and not GOVERNMENT_CODE.fullmatch(form.org_identifier):
            found["org_identifier"] = ("A government agency's identifier is its agency code: 2–20 capital "
                                       "letters, digits, '.' or '-'.", "รหัสหน่วยงานรัฐต้องเป็นอักษรตัวใหญ่ "
                                       "ตัวเลข . หรือ - 2–20 ตัว")
    bad_uris = []
    for uri in form.redirect_uris if "redirect_uris" not in found else ():
        try:
            check_redirect_uri(uri)
        except InvalidInput:
            bad_uris.append(uri)
    if bad_uris:
        found["redirect_uris"] = (f"Not a valid redirect URI: {', '.join(bad_uris)} — use absolute https URLs "
                                  "without a fragment (http only for 127.0.0.1 or localhost).",
                                  f"Redirect URI ไม่ถูกต้อง: {', '.join(bad_uris)} ต้องเป็น URL แบบ https")
    elif len(form.redirect_uris) > MAX_REDIRECT_URIS:
        found["redirect_uris"] = (f"At most {MAX_REDIRECT_URIS} redirect URIs.",
                                  f"Redirect URI ได้ไม่เกิน {MAX_REDIRECT_URIS} รายการ")
    for i, contact in enumerate(form.technical_contacts):
        if contact.email and not EMAIL.fullmatch(contact.email):
            found[f"contact_{i}"] = (f"Technical contact {i + 1}: the e-mail address is not valid.",
                                     f"ผู้ติดต่อด้านเทคนิคคนที่ {i + 1}: อีเมลไม่ถูกต้อง")
    if not complete:
        return found
    if not form.org_type:
        found["org_type"] = ("Choose government or private.", "กรุณาเลือกหน่วยงานรัฐหรือเอกชน")
    _text(found, "org_name_th", form.org_name_th, "The organisation's name in Thai", "ชื่อหน่วยงานภาษาไทย")
    _text(found, "org_name_en", form.org_name_en, "The organisation's name in English", "ชื่อหน่วยงานภาษาอังกฤษ")
    if not form.org_identifier:
        _text(found, "org_identifier", "", "The organisation's identifier", "เลขทะเบียนหรือรหัสหน่วยงาน")
    if not form.contact_email:
        _text(found, "contact_email", "", "The official contact e-mail", "อีเมลทางการสำหรับติดต่อ")
    _text(found, "service_name_th", form.service_name_th, "The e-Service's name in Thai", "ชื่อบริการภาษาไทย")
    _text(found, "service_name_en", form.service_name_en, "The e-Service's name in English", "ชื่อบริการภาษาอังกฤษ")
    _text(found, "purpose_th", form.purpose_th, "The purpose in Thai", "วัตถุประสงค์ภาษาไทย", MIN_PURPOSE)
    _text(found, "purpose_en", form.purpose_en, "The purpose in English", "วัตถุประสงค์ภาษาอังกฤษ", MIN_PURPOSE)
    if not form.requested_claims and "claims" not in found:
        found["claims"] = ("Ask for at least one piece of data.", "กรุณาเลือกข้อมูลที่ต้องการอย่างน้อยหนึ่งรายการ")
    for claim, why in form.requested_claims.items():
        minimum = MIN_PID_JUSTIFICATION if claim == "pid" else MIN_JUSTIFICATION
        if len(why.strip()) < minimum:
            found[f"why_{claim}"] = (f"Say why the e-Service needs '{claim}' (at least {minimum} characters).",
                                     f"กรุณาระบุเหตุผลที่ต้องใช้ '{claim}' (อย่างน้อย {minimum} ตัวอักษร)")
    if not form.redirect_uris and "redirect_uris" not in found:
        found["redirect_uris"] = ("Give at least one redirect URI.", "กรุณาระบุ Redirect URI อย่างน้อยหนึ่งรายการ")
    if not any(c.name.strip() and c.email for c in form.technical_contacts):
        found["contacts"] = ("Name at least one technical contact with an e-mail address.",
                             "กรุณาระบุผู้ติดต่อด้านเทคนิคอย่างน้อยหนึ่งคนพร้อมอีเมล")
    return found


def valid_redirect_uris(form: ApplicationForm) -> list[str]:
    good = []
    for uri in form.redirect_uris:
        try:
            good.append(check_redirect_uri(uri))
        except InvalidInput:
            continue
    return good[:MAX_REDIRECT_URIS]
