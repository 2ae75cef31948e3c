"""A synthetic national catalogue that adds up to seed 004's figures (OPDC's dashboard as of
9 January 2569): 201 agencies, 5,146 service processes, 3,491 of them e-Services, and every cut
the dashboard shows.

The organisations are real in kind and name (ministries, departments, provinces from geothai,
public organisations, state enterprises, universities, local governments); which agency holds
which service, and the services' names, are made up, deterministically (one seed).

Where the seed's own figures disagree by one, the catalogue follows the total (and says so):
- group 2's sub-statuses list 2,526 + 293 + 41 + 26 + 11 + 1 = 2,898 of 2,899 services: the one
  left is a Tang Rat "develop and link" service (so 2, not 1);
- the reasons add up to 1,304 while groups 3 and 4 hold 1,303 services: one group-2 service planned
  after FY2569 carries a reason ("few users") too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import geothai

from tuaton.programme.catalogue import OrganisationRecord, ServiceRecord

MINISTRIES: tuple[tuple[str, str, str], ...] = (
    ("OPM", "สำนักนายกรัฐมนตรี", "Office of the Prime Minister"),
    ("MOD", "กระทรวงกลาโหม", "Ministry of Defence"),
    ("MOF", "กระทรวงการคลัง", "Ministry of Finance"),
    ("MFA", "กระทรวงการต่างประเทศ", "Ministry of Foreign Affairs"),
    ("MOTS", "กระทรวงการท่องเที่ยวและกีฬา", "Ministry of Tourism and Sports"),
    ("MSDHS", "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์", "Ministry of Social Development and Human Security"),
    ("MHESI", "กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรม",
     "Ministry of Higher Education, Science, Research and Innovation"),
    ("MOAC", "กระทรวงเกษตรและสหกรณ์", "Ministry of Agriculture and Cooperatives"),
    ("MOT", "กระทรวงคมนาคม", "Ministry of Transport"),
    ("MDES", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", "Ministry of Digital Economy and Society"),
    ("MNRE", "กระทรวงทรัพยากรธรรมชาติและสิ่งแวดล้อม", "Ministry of Natural Resources and Environment"),
    ("MOEN", "กระทรวงพลังงาน", "Ministry of Energy"),
    ("MOC", "กระทรวงพาณิชย์", "Ministry of Commerce"),
    ("MOI", "กระทรวงมหาดไทย", "Ministry of Interior"),
    ("MOJ", "กระทรวงยุติธรรม", "Ministry of Justice"),
    ("MOL", "กระทรวงแรงงาน", "Ministry of Labour"),
    ("MOCU", "กระทรวงวัฒนธรรม", "Ministry of Culture"),
    ("MOE", "กระทรวงศึกษาธิการ", "Ministry of Education"),
    ("MOPH", "กระทรวงสาธารณสุข", "Ministry of Public Health"),
    ("MOIND", "กระทรวงอุตสาหกรรม", "Ministry of Industry"),
)

#: (code, Thai, English, ministry, type, domain)
AGENCIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("OPDC", "สำนักงานคณะกรรมการพัฒนาระบบราชการ", "Office of the Public Sector Development Commission", "OPM",
     "government_agency", "opdc.go.th"),
    ("OCPB", "สำนักงานคณะกรรมการคุ้มครองผู้บริโภค", "Office of the Consumer Protection Board", "OPM",
     "government_agency", "ocpb.go.th"),
    ("BOI", "สำนักงานคณะกรรมการส่งเสริมการลงทุน", "Office of the Board of Investment", "OPM", "government_agency",
     "boi.go.th"),
    ("TDC", "หน่วยบัญชาการรักษาดินแดน", "Territorial Defence Command", "MOD", "government_agency", "tdc.mi.th"),
    ("RD", "กรมสรรพากร", "The Revenue Department", "MOF", "government_agency", "rd.go.th"),
    ("CUSTOMS", "กรมศุลกากร", "The Customs Department", "MOF", "government_agency", "customs.go.th"),
    ("EXCISE", "กรมสรรพสามิต", "The Excise Department", "MOF", "government_agency", "excise.go.th"),
    ("CGD", "กรมบัญชีกลาง", "The Comptroller General's Department", "MOF", "government_agency", "cgd.go.th"),
    ("TD", "กรมธนารักษ์", "The Treasury Department", "MOF", "government_agency", "treasury.go.th"),
    ("DCA", "กรมการกงสุล", "Department of Consular Affairs", "MFA", "government_agency", "consular.go.th"),
    ("DOT", "กรมการท่องเที่ยว", "Department of Tourism", "MOTS", "government_agency", "dot.go.th"),
    ("DOP", "กรมกิจการผู้สูงอายุ", "Department of Older Persons", "MSDHS", "government_agency", "dop.go.th"),
    ("DSDW", "กรมพัฒนาสังคมและสวัสดิการ", "Department of Social Development and Welfare", "MSDHS",
     "government_agency", "dsdw.go.th"),
    ("OAP", "สำนักงานปรมาณูเพื่อสันติ", "Office of Atoms for Peace", "MHESI", "government_agency", "oap.go.th"),
    ("DOA", "กรมวิชาการเกษตร", "Department of Agriculture", "MOAC", "government_agency", "doa.go.th"),
    ("DOF", "กรมประมง", "Department of Fisheries", "MOAC", "government_agency", "fisheries.go.th"),
    ("DLD", "กรมปศุสัตว์", "Department of Livestock Development", "MOAC", "government_agency", "dld.go.th"),
    ("DOAE", "กรมส่งเสริมการเกษตร", "Department of Agricultural Extension", "MOAC", "government_agency",
     "doae.go.th"),
    ("CPD", "กรมส่งเสริมสหกรณ์", "Cooperative Promotion Department", "MOAC", "government_agency", "cpd.go.th"),
    ("RID", "กรมชลประทาน", "Royal Irrigation Department", "MOAC", "government_agency", "rid.go.th"),
    ("DLT", "กรมการขนส่งทางบก", "Department of Land Transport", "MOT", "government_agency", "dlt.go.th"),
    ("MD", "กรมเจ้าท่า", "Marine Department", "MOT", "government_agency", "md.go.th"),
    ("DOH", "กรมทางหลวง", "Department of Highways", "MOT", "government_agency", "doh.go.th"),
    ("DRT", "กรมการขนส่งทางราง", "Department of Rail Transport", "MOT", "government_agency", "drt.go.th"),
    ("OPS-MDES", "สำนักงานปลัดกระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",
     "Office of the Permanent Secretary, Ministry of Digital Economy and Society", "MDES", "government_agency",
     "mdes.go.th"),
    ("TMD", "กรมอุตุนิยมวิทยา", "Thai Meteorological Department", "MDES", "government_agency", "tmd.go.th"),
    ("RFD", "กรมป่าไม้", "Royal Forest Department", "MNRE", "government_agency", "forest.go.th"),
    ("PCD", "กรมควบคุมมลพิษ", "Pollution Control Department", "MNRE", "government_agency", "pcd.go.th"),
    ("DNP", "กรมอุทยานแห่งชาติ สัตว์ป่า และพันธุ์พืช", "Department of National Parks, Wildlife and Plant "
     "Conservation", "MNRE", "government_agency", "dnp.go.th"),
    ("DOEB", "กรมธุรกิจพลังงาน", "Department of Energy Business", "MOEN", "government_agency", "doeb.go.th"),
    ("DMF", "กรมเชื้อเพลิงธรรมชาติ", "Department of Mineral Fuels", "MOEN", "government_agency", "dmf.go.th"),
    ("DBD", "กรมพัฒนาธุรกิจการค้า", "Department of Business Development", "MOC", "government_agency", "dbd.go.th"),
    ("DIT", "กรมการค้าภายใน", "Department of Internal Trade", "MOC", "government_agency", "dit.go.th"),
    ("DFT", "กรมการค้าต่างประเทศ", "Department of Foreign Trade", "MOC", "government_agency", "dft.go.th"),
    ("DIP", "กรมทรัพย์สินทางปัญญา", "Department of Intellectual Property", "MOC", "government_agency",
     "ipthailand.go.th"),
    ("DOPA", "กรมการปกครอง", "Department of Provincial Administration", "MOI", "government_agency", "dopa.go.th"),
    ("DOL", "กรมที่ดิน", "Department of Lands", "MOI", "government_agency", "dol.go.th"),
    ("DPT", "กรมโยธาธิการและผังเมือง", "Department of Public Works and Town & Country Planning", "MOI",
     "government_agency", "dpt.go.th"),
    ("DLA", "กรมส่งเสริมการปกครองท้องถิ่น", "Department of Local Administration", "MOI", "government_agency",
     "dla.go.th"),
    ("LED", "กรมบังคับคดี", "Legal Execution Department", "MOJ", "government_agency", "led.go.th"),
    ("RLPD", "กรมคุ้มครองสิทธิและเสรีภาพ", "Rights and Liberties Protection Department", "MOJ",
     "government_agency", "rlpd.go.th"),
    ("DOE", "กรมการจัดหางาน", "Department of Employment", "MOL", "government_agency", "doe.go.th"),
    ("SSO", "สำนักงานประกันสังคม", "Social Security Office", "MOL", "government_agency", "sso.go.th"),
    ("DLPW", "กรมสวัสดิการและคุ้มครองแรงงาน", "Department of Labour Protection and Welfare", "MOL",
     "government_agency", "labour.go.th"),
    ("DSD", "กรมพัฒนาฝีมือแรงงาน", "Department of Skill Development", "MOL", "government_agency", "dsd.go.th"),
    ("FAD", "กรมศิลปากร", "The Fine Arts Department", "MOCU", "government_agency", "finearts.go.th"),
    ("OBEC", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "Office of the Basic Education Commission", "MOE",
     "government_agency", "obec.go.th"),
    ("FDA", "สำนักงานคณะกรรมการอาหารและยา", "Food and Drug Administration", "MOPH", "government_agency",
     "fda.moph.go.th"),
    ("HSS", "กรมสนับสนุนบริการสุขภาพ", "Department of Health Service Support", "MOPH", "government_agency",
     "hss.moph.go.th"),
    ("DDC", "กรมควบคุมโรค", "Department of Disease Control", "MOPH", "government_agency", "ddc.moph.go.th"),
    ("DTAM", "กรมการแพทย์แผนไทยและการแพทย์ทางเลือก", "Department of Thai Traditional and Alternative Medicine",
     "MOPH", "government_agency", "dtam.moph.go.th"),
    ("DIW", "กรมโรงงานอุตสาหกรรม", "Department of Industrial Works", "MOIND", "government_agency", "diw.go.th"),
    ("TISI", "สำนักงานมาตรฐานผลิตภัณฑ์อุตสาหกรรม", "Thai Industrial Standards Institute", "MOIND",
     "government_agency", "tisi.go.th"),
    ("DPIM", "กรมอุตสาหกรรมพื้นฐานและการเหมืองแร่", "Department of Primary Industries and Mines", "MOIND",
     "government_agency", "dpim.go.th"),
    ("DGA", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "Digital Government Development Agency", "OPM",
     "public_organisation", "dga.or.th"),
    ("ETDA", "สำนักงานพัฒนาธุรกรรมทางอิเล็กทรอนิกส์", "Electronic Transactions Development Agency", "MDES",
     "public_organisation", "etda.or.th"),
    ("DEPA", "สำนักงานส่งเสริมเศรษฐกิจดิจิทัล", "Digital Economy Promotion Agency", "MDES", "public_organisation",
     "depa.or.th"),
    ("OSMEP", "สำนักงานส่งเสริมวิสาหกิจขนาดกลางและขนาดย่อม", "Office of SMEs Promotion", "MOIND",
     "public_organisation", "sme.go.th"),
    ("NSTDA", "สำนักงานพัฒนาวิทยาศาสตร์และเทคโนโลยีแห่งชาติ", "National Science and Technology Development "
     "Agency", "MHESI", "public_organisation", "nstda.or.th"),
    ("NIA", "สำนักงานนวัตกรรมแห่งชาติ (องค์การมหาชน)", "National Innovation Agency", "MHESI",
     "public_organisation", "nia.or.th"),
    ("TINT", "สถาบันเทคโนโลยีนิวเคลียร์แห่งชาติ (องค์การมหาชน)", "Thailand Institute of Nuclear Technology",
     "MHESI", "public_organisation", "tint.or.th"),
    ("CAAT", "สำนักงานการบินพลเรือนแห่งประเทศไทย", "Civil Aviation Authority of Thailand", "MOT",
     "public_organisation", "caat.or.th"),
    ("HA", "สถาบันรับรองคุณภาพสถานพยาบาล (องค์การมหาชน)", "Healthcare Accreditation Institute", "MOPH",
     "public_organisation", "ha.or.th"),
    ("NHSO", "สำนักงานหลักประกันสุขภาพแห่งชาติ", "National Health Security Office", "MOPH", "public_organisation",
     "nhso.go.th"),
    ("MEA", "การไฟฟ้านครหลวง", "Metropolitan Electricity Authority", "MOI", "state_enterprise", "mea.or.th"),
    ("PEA", "การไฟฟ้าส่วนภูมิภาค", "Provincial Electricity Authority", "MOI", "state_enterprise", "pea.co.th"),
    ("MWA", "การประปานครหลวง", "Metropolitan Waterworks Authority", "MOI", "state_enterprise", "mwa.co.th"),
    ("PWA", "การประปาส่วนภูมิภาค", "Provincial Waterworks Authority", "MOI", "state_enterprise", "pwa.co.th"),
    ("SRT", "การรถไฟแห่งประเทศไทย", "State Railway of Thailand", "MOT", "state_enterprise", "railway.co.th"),
    ("PAT", "การท่าเรือแห่งประเทศไทย", "Port Authority of Thailand", "MOT", "state_enterprise", "port.co.th"),
    ("RAOT", "การยางแห่งประเทศไทย", "Rubber Authority of Thailand", "MOAC", "state_enterprise", "raot.co.th"),
    ("GHB", "ธนาคารอาคารสงเคราะห์", "Government Housing Bank", "MOF", "state_enterprise", "ghbank.co.th"),
    ("CU", "จุฬาลงกรณ์มหาวิทยาลัย", "Chulalongkorn University", "MHESI", "education", "chula.ac.th"),
    ("MU", "มหาวิทยาลัยมหิดล", "Mahidol University", "MHESI", "education", "mahidol.ac.th"),
    ("TU", "มหาวิทยาลัยธรรมศาสตร์", "Thammasat University", "MHESI", "education", "tu.ac.th"),
    ("KU", "มหาวิทยาลัยเกษตรศาสตร์", "Kasetsart University", "MHESI", "education", "ku.ac.th"),
    ("CMU", "มหาวิทยาลัยเชียงใหม่", "Chiang Mai University", "MHESI", "education", "cmu.ac.th"),
    ("KKU", "มหาวิทยาลัยขอนแก่น", "Khon Kaen University", "MHESI", "education", "kku.ac.th"),
    ("PSU", "มหาวิทยาลัยสงขลานครินทร์", "Prince of Songkla University", "MHESI", "education", "psu.ac.th"),
    ("RU", "มหาวิทยาลัยรามคำแหง", "Ramkhamhaeng University", "MHESI", "education", "ru.ac.th"),
    ("BMA", "กรุงเทพมหานคร", "Bangkok Metropolitan Administration", "MOI", "local_government", "bangkok.go.th"),
    ("PATTAYA", "เมืองพัทยา", "Pattaya City", "MOI", "local_government", "pattaya.go.th"),
)

#: Services per agency where seed 004 shows them (its Bangkok and Pattaya dashboards).
FIXED_COUNTS = {"BMA": 96, "PATTAYA": 3}
TOTAL_AGENCIES = 201
TOTAL_SERVICES = 5146

#: The services' profiles and how many of each: (count, e-Service, group, platform, platform status,
#: development mode, budget source, reason). Budget sources and reasons are dealt out separately.
_ACTIONS = (
    ("ขออนุญาต", "Licence for"), ("ต่ออายุใบอนุญาต", "Renewal of the licence for"),
    ("ขอหนังสือรับรอง", "Certificate of"), ("แจ้ง", "Notification of"), ("ขอจดทะเบียน", "Registration of"),
    ("ขอรับสิทธิ", "Entitlement to"), ("ขอเปลี่ยนแปลงรายการ", "Change of particulars for"),
    ("ขอใบแทน", "Replacement document for"),
)
_SUBJECTS = (
    ("สถานประกอบการ", "a business premises"), ("การนำเข้าสินค้า", "importing goods"),
    ("การส่งออกสินค้า", "exporting goods"), ("สถานพยาบาล", "a clinic"), ("ผลิตภัณฑ์สุขภาพ", "a health product"),
    ("โรงงาน", "a factory"), ("ยานพาหนะ", "a vehicle"), ("อาคาร", "a building"), ("ป้าย", "a sign"),
    ("การค้าขาย", "trading"), ("สวัสดิการผู้สูงอายุ", "old-age welfare"), ("เกษตรกร", "a farmer"),
    ("ที่ดิน", "land"), ("นิติบุคคล", "a juristic person"), ("แรงงานต่างด้าว", "a foreign worker"),
    ("วัตถุอันตราย", "hazardous substances"), ("การจัดงานแสดง", "an exhibition"), ("เรือ", "a vessel"),
    ("การประมง", "fishing"), ("สหกรณ์", "a cooperative"), ("ทะเบียนพาณิชย์", "a commercial registration"),
    ("การศึกษา", "schooling"), ("ยา", "a medicine"), ("อาหาร", "a food product"), ("การก่อสร้าง", "construction"),
)


@dataclass(frozen=True)
class _Profile:
    is_eservice: bool
    group: str
    platform: str | None
    platform_status: str | None
    development_mode: str | None = None


def _profiles() -> list[_Profile]:
    """All 5,146 services' profiles, in a fixed order (dealt out at random afterwards)."""
    out: list[_Profile] = []

    def add(n: int, *args) -> None:
        out.extend([_Profile(*args)] * n)

    # Group 1: linked to a central platform (Biz Portal 271, Tang Rat 479, Thai NSW 194).
    add(267, True, "1", "biz_portal", "linked")
    add(4, True, "1", "biz_portal", "awaiting_launch")
    add(479, True, "1", "citizen_portal", "linked")
    add(149, True, "1", "thai_nsw", "linked")
    add(45, True, "1", "thai_nsw", "planned")
    # Group 2: 2,899 planned to link; 2,221 already e-Services, 678 not yet (all "develop and link").
    # Modes 1,424 link only / 949 develop and link / 526 improve and link.
    add(41, True, "2", "biz_portal", "planned", "improve_and_link")
    add(26, True, "2", "biz_portal", "planned", "develop_and_link")
    add(11, True, "2", "citizen_portal", "planned", "improve_and_link")
    add(2, True, "2", "citizen_portal", "planned", "develop_and_link")
    group2_rest = [("link_only", True, 1424), ("develop_and_link", True, 949 - 28 - 678),
                   ("improve_and_link", True, 526 - 52), ("develop_and_link", False, 678)]
    rest: list[_Profile] = []
    for mode, eservice, n in group2_rest:
        rest.extend([_Profile(eservice, "2", None, None, mode)] * n)
    # 2,526 not linked yet and 293 not until after FY2569.
    after = set(random.Random(2568).sample(range(len(rest)), 293))
    out.extend(_Profile(p.is_eservice, "2", None, "after_2569" if i in after else "not_linked", p.development_mode)
               for i, p in enumerate(rest))
    # Groups 3 and 4.
    add(326, True, "3", None, "will_not_link")
    add(977, False, "4", None, "will_not_link")
    assert len(out) == TOTAL_SERVICES
    return out


def _spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each at least 1."""
    scale = (total - len(weights)) / sum(weights)
    raw = [w * scale for w in weights]
    counts = [1 + int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    return counts


def organisations() -> list[OrganisationRecord]:
    out = [OrganisationRecord(code, th, en, "ministry", None, f"saraban@{code.lower()}.go.th")
           for code, th, en in MINISTRIES]
    out += [OrganisationRecord(code, th, en, kind, ministry, f"saraban@{domain}")
            for code, th, en, ministry, kind, domain in AGENCIES]
    provinces = [p for p in geothai.provinces() if p.code != "10"]          # Bangkok is the BMA
    out += [OrganisationRecord(f"PROV{p.code}", f"จังหวัด{p.name_th}", f"{p.name_en} Province", "province", "MOI",
                               f"saraban@{p.name_en.lower().replace(' ', '')}.go.th") for p in provinces]
    municipalities = TOTAL_AGENCIES - len(AGENCIES) - len(provinces)
    for n, p in enumerate(provinces[:municipalities]):
        out.append(OrganisationRecord(f"LAO{p.code}", f"เทศบาลนคร{p.name_th}", f"{p.name_en} City Municipality",
                                      "local_government", "MOI", f"saraban_{6400000 + n * 101:08d}@dla.go.th"))
    return out


def catalogue() -> tuple[list[OrganisationRecord], list[ServiceRecord]]:
    """The organisations and their 5,146 services."""
    rng = random.Random(2569)
    orgs = organisations()
    agencies = [o for o in orgs if o.organisation_type != "ministry"]
    assert len(agencies) == TOTAL_AGENCIES
    weight = {"government_agency": 9.0, "public_organisation": 3.0, "state_enterprise": 4.0, "education": 2.0,
              "province": 0.9, "local_government": 1.0}
    free = [a for a in agencies if a.code not in FIXED_COUNTS]
    counts = dict(zip([a.code for a in free],
                      _spread(TOTAL_SERVICES - sum(FIXED_COUNTS.values()),
                              [weight[a.organisation_type] * rng.uniform(0.3, 1.7) for a in free]), strict=True))
    counts.update(FIXED_COUNTS)
    profiles = _profiles()
    rng.shuffle(profiles)
    budgets = (["fy_budget"] * 962 + ["central_budget"] * 737 + ["no_budget"] * 488 + ["other"] * 248
               + ["burapha"] * 134 + ["carried_over"] * 32)
    reasons = (["other"] * 577 + ["few_users"] * 480 + ["foreign_users"] * 152 + ["exempt_section_7"] * 72
               + ["confidential"] * 19 + ["discontinued"] * 4)
    rng.shuffle(budgets)
    reasons.remove("few_users")      # the one that goes to a group-2 service (see the module's notes)
    rng.shuffle(reasons)
    services: list[ServiceRecord] = []
    position, extra_reason_given = 0, False
    for agency in agencies:
        for n in range(1, counts[agency.code] + 1):
            p = profiles[position]
            position += 1
            action = rng.choice(_ACTIONS)
            subject = rng.choice(_SUBJECTS)
            budget = budgets.pop() if p.group == "2" and budgets else None
            reason = None
            if p.group in ("3", "4"):
                reason = reasons.pop()
            elif p.platform_status == "after_2569" and not extra_reason_given:
                reason, extra_reason_given = "few_users", True
            level = rng.choices(("L1", "L2", "L3"), (6, 3, 2))[0] if p.is_eservice else None
            system = f"ระบบ e-Service {agency.code}" if p.is_eservice and rng.random() < 0.7 else ""
            services.append(ServiceRecord(
                f"{agency.code}-{n:04d}", agency.code, f"{action[0]}{subject[0]}",
                f"{action[1]} {subject[1]}", p.is_eservice, level, system, p.group, p.platform, p.platform_status,
                p.development_mode, budget, reason))
    assert not reasons and position == TOTAL_SERVICES
    return orgs, services


def with_demo_bindings(services: list[ServiceRecord], bindings: dict[str, str]) -> list[ServiceRecord]:
    """The catalogue with the first e-Service of some agencies bound to the demo's clients
    ({agency code: client_id}), so the derived digital-ID link moves when someone signs in."""
    out, done = [], set()
    for service in services:
        client = bindings.get(service.organisation_code)
        if client and service.is_eservice and service.organisation_code not in done:
            service = replace(service, client_id=client)
            done.add(service.organisation_code)
        out.append(service)
    return out
