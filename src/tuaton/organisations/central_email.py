"""An organisation's official central e-mail (อีเมลกลาง), checked by seed 004's rules for government
bodies (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ (ฉบับที่ 4) พ.ศ. 2564, and OPDC's guidance):

- the mailbox is ``saraban`` at the body's own government domain (``.go.th``, ``.or.th``, ``.ac.th``,
  ``.mi.th``): ``saraban@songkhcity.go.th``;
- or one a central provider issues: DLA's ``saraban_`` + the 8-digit local-government code at
  ``dla.go.th`` (``saraban_06480115@dla.go.th``), DGA's ``saraban-`` + the English name at
  ``lgo.mail.go.th`` (``saraban-photan@lgo.mail.go.th``);
- never free mail (Gmail, Yahoo, Hotmail, Outlook, …).

A private organisation has no saraban rule; its address must be at its own domain, not free mail.
Every refusal says what is wrong, in Thai and English, as the seed's wrong examples do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GOVERNMENT_SUFFIXES = (".go.th", ".or.th", ".ac.th", ".mi.th")
FREE_MAIL = ("gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.th", "ymail.com", "hotmail.com",
             "hotmail.co.th", "outlook.com", "outlook.co.th", "live.com", "msn.com", "icloud.com", "me.com",
             "aol.com", "proton.me", "protonmail.com", "gmx.com", "mail.com", "yandex.com", "zoho.com")
DLA_DOMAIN = "dla.go.th"
DGA_LOCAL_DOMAIN = "lgo.mail.go.th"
_ADDRESS = re.compile(r"(?P<local>[a-z0-9._+-]{1,64})@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,})")
_DLA = re.compile(r"saraban_(?P<code>[0-9]+)")
_DGA = re.compile(r"saraban-[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class EmailProblem(ValueError):
    en: str
    th: str

    def __str__(self) -> str:
        return self.en


def check_central_email(address: str, *, government: bool = True) -> str:
    """The address, lower-cased, if it may be the organisation's central e-mail; else :class:`EmailProblem`."""
    text = address.strip().lower()
    match = _ADDRESS.fullmatch(text)
    if not match:
        raise EmailProblem("This is not an e-mail address.", "รูปแบบอีเมลไม่ถูกต้อง")
    local, domain = match["local"], match["domain"]
    if domain in FREE_MAIL or domain.split(".")[0] in ("gmail", "yahoo", "hotmail", "outlook"):
        raise EmailProblem(f"{domain} is free private mail, which may not be an organisation's central e-mail.",
                           f"{domain} เป็นอีเมลฟรีของภาคเอกชน ใช้เป็นอีเมลกลางของหน่วยงานไม่ได้")
    if not government:
        return text
    if not domain.endswith(GOVERNMENT_SUFFIXES):
        raise EmailProblem(f"{domain} is not a government domain ({', '.join(GOVERNMENT_SUFFIXES)}).",
                           f"{domain} ไม่ใช่ชื่อโดเมนของหน่วยงานของรัฐ ({', '.join(GOVERNMENT_SUFFIXES)})")
    if local == "saraban":
        if domain in (DLA_DOMAIN, DGA_LOCAL_DOMAIN):
            raise EmailProblem(f"At {domain} the central e-mail carries the body's code or name "
                               "(saraban_<8-digit code> or saraban-<name>).",
                               f"อีเมลกลางที่ {domain} ต้องมีรหัสหรือชื่อของหน่วยงาน")
        return text
    dla = _DLA.fullmatch(local)
    if dla:
        if len(dla["code"]) != 8:
            raise EmailProblem("DLA's central e-mails are saraban_ and the 8-digit local-government code "
                               f"({len(dla['code'])} digits given).",
                               f"อีเมลของ สถ. ต้องเป็น saraban_ ตามด้วยรหัส อปท. 8 หลัก (ระบุมา {len(dla['code'])} หลัก)")
        if domain != DLA_DOMAIN:
            raise EmailProblem(f"saraban_<code> addresses are issued at {DLA_DOMAIN} only; {domain} looks mistyped.",
                               f"อีเมล saraban_<รหัส> ออกให้ที่ {DLA_DOMAIN} เท่านั้น ชื่อโดเมน {domain} อาจพิมพ์ผิด")
        return text
    if _DGA.fullmatch(local):
        if domain != DGA_LOCAL_DOMAIN:
            raise EmailProblem(f"saraban-<name> addresses are issued at {DGA_LOCAL_DOMAIN} only.",
                               f"อีเมล saraban-<ชื่อ> ออกให้ที่ {DGA_LOCAL_DOMAIN} เท่านั้น")
        return text
    if not (local.startswith(("sarab", "serab")) or "saraban" in local):
        raise EmailProblem("A government body's central e-mail is saraban@ its domain (the regulation on official "
                           f"correspondence); '{local}@' is not.",
                           f"อีเมลกลางของหน่วยงานของรัฐต้องเป็น saraban@ ตามด้วยชื่อโดเมนของหน่วยงาน ('{local}@' ไม่ถูกต้อง)")
    raise EmailProblem(f"'{local}' is not spelled saraban (saraban@, saraban_<code>@{DLA_DOMAIN} or "
                       f"saraban-<name>@{DGA_LOCAL_DOMAIN}).",
                       f"'{local}' สะกดไม่ตรงกับ saraban (saraban@, saraban_<รหัส>@{DLA_DOMAIN} หรือ "
                       f"saraban-<ชื่อ>@{DGA_LOCAL_DOMAIN})")
