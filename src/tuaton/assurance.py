"""Identity and authenticator assurance levels (ETDA ขมธอ. 19-2561), and what agencies may require.

The standard's identity assurance levels, as used on Thailand's NDID network, and how Tuaton's
channels reach them (docs/architecture.md explains the reasoning):

=======  ===============================================================  =========================
IAL      the standard's idea                                             Tuaton's channel
=======  ===============================================================  =========================
1.1      self-asserted, nothing checked                                  — (never issued)
1.2      remote; the evidence's data confirmed with its issuer           sandbox card-data-only
1.3      as 1.2, in person                                               — (never issued)
2.1      remote; evidence confirmed with the issuer **and** the person   app: card photos + registry
         bound to it biometrically (face vs the issuer's photo)          card check + face + liveness
2.2      as 2.1 with the evidence's chip read (cryptographic evidence)   app with NFC chip read
                                                                         (not built yet)
2.3      in person, chip read, officer compares the face                 office without fingerprint
3        in person, chip read, biometric (fingerprint) matched against   office with fingerprint
         the issuer's record
=======  ===============================================================  =========================

A sign-in with the device's private key unlocked by the 8-digit passcode is two factors, one of
them a hardware-held cryptographic key: AAL 2.2.

``acr`` values are ``urn:tuaton:ial:<IAL>:aal:<AAL>``. An agency's ``acr_values`` may name a full
value or only ``urn:tuaton:ial:<IAL>`` / ``urn:tuaton:aal:<AAL>``; each is a minimum, and the
citizen satisfies the request if they meet any one of the listed values.
"""

from __future__ import annotations

from dataclasses import dataclass

IAL_LEVELS = ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3")
AAL_LEVELS = ("1", "2.1", "2.2", "3")
SIGNIN_AAL = "2.2"
#: How the app authenticates (QR sign-in and backchannel alike): the device key unlocked by the
#: passcode, verified by the server — two factors, one a cryptographic key (RFC 8176 values).
AMR_APP_PASSCODE = ("swk", "pin", "mfa")

IAL_SIMULATED = "1.2"
IAL_APP_FACE = "2.1"
IAL_OFFICE = "2.3"
IAL_OFFICE_FINGERPRINT = "3"

#: What each level issued means, in words a citizen understands (English, Thai); the app says the same.
IAL_WORDS = {
    IAL_SIMULATED: ("checked with your ID card's details", "ยืนยันด้วยข้อมูลบัตรประชาชน"),
    IAL_APP_FACE: ("your face checked against your ID card", "ยืนยันใบหน้ากับบัตรประชาชนแล้ว"),
    IAL_OFFICE: ("checked in person at a registrar office", "ยืนยันตัวตนที่สำนักทะเบียน"),
    IAL_OFFICE_FINGERPRINT: ("checked with your fingerprint at a registrar office", "ยืนยันด้วยลายนิ้วมือที่สำนักทะเบียน"),
}
#: The enrolment channels, named (English, Thai).
CHANNEL_LABELS = {"app": ("App (card + selfie)", "แอป (บัตร + ใบหน้า)"),
                  "office": ("Registrar office", "สำนักทะเบียน"),
                  "sandbox-simulated": ("Sandbox (simulated)", "ระบบทดสอบ (จำลอง)")}

@dataclass(frozen=True)
class AssuranceRequirement:
    """A minimum named in ``acr_values``: ``None`` means no minimum on that axis."""

    raw: str
    ial: str | None
    aal: str | None

    def met_by(self, ial: str, aal: str) -> bool:
        return (self.ial is None or rank(IAL_LEVELS, ial) >= rank(IAL_LEVELS, self.ial)) and (
            self.aal is None or rank(AAL_LEVELS, aal) >= rank(AAL_LEVELS, self.aal))


def rank(levels: tuple[str, ...], level: str) -> int:
    return levels.index(level) if level in levels else -1


def acr_for(ial: str, aal: str = SIGNIN_AAL) -> str:
    return f"urn:tuaton:ial:{ial}:aal:{aal}"


def parse_requirement(value: str) -> AssuranceRequirement | None:
    """One ``acr_values`` entry as a minimum, or ``None`` if it is not one of ours."""
    prefix = "urn:tuaton:"
    if not value.startswith(prefix):
        return None
    parts = value[len(prefix):].split(":")
    axes = dict(zip(parts[::2], parts[1::2], strict=False))
    if len(parts) % 2 or list(axes) not in (["ial"], ["aal"], ["ial", "aal"]):
        return None
    ial, aal = axes.get("ial"), axes.get("aal")
    if (ial is not None and ial not in IAL_LEVELS) or (aal is not None and aal not in AAL_LEVELS):
        return None
    return AssuranceRequirement(value, ial, aal)


def supported_acr_values() -> list[str]:
    issued = [IAL_SIMULATED, IAL_APP_FACE, IAL_OFFICE, IAL_OFFICE_FINGERPRINT]
    return [acr_for(level) for level in issued] + [f"urn:tuaton:ial:{level}" for level in IAL_LEVELS] + [
        f"urn:tuaton:aal:{level}" for level in AAL_LEVELS]


def meets(acr_values: tuple[str, ...], ial: str, aal: str = SIGNIN_AAL) -> bool:
    """Whether a citizen at ``ial`` signing in at ``aal`` satisfies the agency's ``acr_values``.

    Values we do not recognise are ignored (OIDC: acr_values is a request, and an unknown value
    cannot be a requirement we promised); if none is recognised there is no requirement.
    """
    requirements = [r for r in map(parse_requirement, acr_values) if r is not None]
    return not requirements or any(r.met_by(ial, aal) for r in requirements)


def how_to_raise(ial: str) -> tuple[str, str]:
    """What a citizen below an agency's minimum can do, in English and Thai."""
    if rank(IAL_LEVELS, ial) < rank(IAL_LEVELS, IAL_APP_FACE):
        return ("Verify your identity again in the app with your ID card and a selfie, or at any registrar "
                "office.", "กรุณายืนยันตัวตนใหม่ในแอปด้วยบัตรประจำตัวประชาชนและการถ่ายภาพใบหน้า "
                "หรือที่สำนักทะเบียนใดก็ได้")
    return ("Visit a registrar office with your ID card to verify your identity with your fingerprint.",
            "กรุณาติดต่อสำนักทะเบียนพร้อมบัตรประจำตัวประชาชนเพื่อยืนยันตัวตนด้วยลายนิ้วมือ")
