"""Typed domain errors. ``web.py`` is the one place that turns them into responses.

Each error carries a stable ``slug`` (the RFC 9457 problem type), an HTTP status, and a message in
English and in Thai, because a citizen's app shows them to a person.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    slug = "error"
    status = 400
    title_en = "The request could not be carried out"
    title_th = "ไม่สามารถดำเนินการตามคำขอได้"

    def __init__(self, detail_en: str | None = None, detail_th: str | None = None, **extra: Any) -> None:
        self.detail_en = detail_en or self.title_en
        self.detail_th = detail_th or self.title_th
        self.extra = extra
        super().__init__(self.detail_en)


class InvalidInput(DomainError):
    slug = "invalid-input"
    status = 422
    title_en = "Some of the data sent is not valid"
    title_th = "ข้อมูลที่ส่งมาไม่ถูกต้อง"


class NotFound(DomainError):
    slug = "not-found"
    status = 404
    title_en = "Not found"
    title_th = "ไม่พบข้อมูล"


class SandboxOnly(NotFound):
    slug = "sandbox-only"
    title_en = "This endpoint exists only in the sandbox (TUATON_SANDBOX=true)"
    title_th = "บริการนี้มีเฉพาะในระบบทดสอบ (sandbox)"


class PasscodeRejected(DomainError):
    """A new passcode breaks the policy; ``reason`` says which rule."""

    slug = "passcode-rejected"
    status = 422
    title_en = "This passcode is not allowed"
    title_th = "ไม่สามารถใช้รหัสผ่านนี้ได้"


class WrongPasscode(DomainError):
    slug = "wrong-passcode"
    status = 401
    title_en = "The passcode is wrong"
    title_th = "รหัสผ่านไม่ถูกต้อง"


class IdentityLocked(DomainError):
    slug = "identity-locked"
    status = 423
    title_en = "This digital identity is locked after too many wrong passcodes; enrol again to unlock it"
    title_th = "บัญชีถูกล็อกเนื่องจากใส่รหัสผ่านผิดเกินกำหนด กรุณาลงทะเบียนใหม่เพื่อปลดล็อก"


class CardNotValid(DomainError):
    """The card-status check did not answer ``valid``; ``status_code`` holds its answer."""

    slug = "card-not-valid"
    status = 422
    title_en = "The ID card could not be verified with the civil registry"
    title_th = "ไม่สามารถยืนยันบัตรประจำตัวประชาชนกับทะเบียนราษฎรได้"


class DeviceNotRecognised(DomainError):
    slug = "device-not-recognised"
    status = 401
    title_en = "This device is not the active device of a digital identity; enrol it again"
    title_th = "อุปกรณ์นี้ไม่ได้ลงทะเบียนไว้หรือถูกยกเลิกแล้ว กรุณาลงทะเบียนใหม่"


class BadSignature(DomainError):
    slug = "bad-signature"
    status = 401
    title_en = "The request's device signature is missing, malformed, stale or does not verify"
    title_th = "ลายมือชื่อดิจิทัลของอุปกรณ์ไม่ถูกต้องหรือหมดอายุ"


class SigninNotFound(NotFound):
    slug = "signin-not-found"
    title_en = "This sign-in does not exist or has expired; start again from the e-Service"
    title_th = "ไม่พบรายการเข้าสู่ระบบนี้หรือหมดเวลาแล้ว กรุณาเริ่มใหม่จากเว็บไซต์บริการ"


class SigninAlreadyDecided(DomainError):
    slug = "signin-already-decided"
    status = 409
    title_en = "This sign-in was already approved or refused"
    title_th = "รายการเข้าสู่ระบบนี้ได้รับการอนุมัติหรือปฏิเสธไปแล้ว"


class WrongNumber(DomainError):
    """Number matching: the citizen picked a number the sign-in page did not show; the sign-in ends."""

    slug = "wrong-number"
    status = 403
    title_en = ("That is not the number on the sign-in page, so the sign-in was stopped. If you did not start it "
                "yourself on a screen in front of you, someone may be trying to use your identity")
    title_th = ("ตัวเลขไม่ตรงกับที่แสดงบนหน้าเข้าสู่ระบบ ระบบจึงยกเลิกการเข้าสู่ระบบนี้ หากท่านไม่ได้เริ่มการเข้าสู่ระบบเอง"
                "บนหน้าจอตรงหน้า อาจมีผู้พยายามใช้ตัวตนของท่าน")


class WrongAccount(DomainError):
    slug = "wrong-account"
    status = 403
    title_en = "The e-Service asked for another citizen to sign in"
    title_th = "บริการนี้ขอให้ผู้อื่นเป็นผู้เข้าสู่ระบบ"


class SandboxPersonasOnly(DomainError):
    slug = "sandbox-personas-only"
    status = 403
    title_en = ("This e-Service uses sandbox credentials, which sign in only synthetic test personas "
                "enrolled with the simulated app — never a real citizen")
    title_th = "บริการนี้ใช้ข้อมูลรับรองของระบบทดสอบ (sandbox) ซึ่งใช้ได้กับบุคคลทดสอบเท่านั้น ไม่ใช่ประชาชนจริง"


class BrowserMismatch(DomainError):
    slug = "browser-mismatch"
    status = 403
    title_en = "Only the browser that started this sign-in can follow it"
    title_th = "ติดตามสถานะได้เฉพาะเบราว์เซอร์ที่เริ่มการเข้าสู่ระบบนี้"


class RequestTooLarge(DomainError):
    """A request body over its endpoint's limit (web.BodyLimit answers it before the endpoint)."""

    slug = "request-too-large"
    status = 413
    title_en = "The request body is too large"
    title_th = "ข้อมูลที่ส่งมีขนาดใหญ่เกินไป"


class TooManyAttempts(DomainError):
    slug = "too-many-attempts"
    status = 429
    title_en = "Too many attempts; wait a while and try again"
    title_th = "ทำรายการหลายครั้งเกินไป กรุณารอสักครู่แล้วลองใหม่"


class FaceVerificationUnavailable(DomainError):
    """The face engine could not answer (its model would not load, or a pass failed): nothing was
    decided about the photo, which the citizen may send again."""

    slug = "face-verification-unavailable"
    status = 503
    title_en = "Face verification is unavailable just now; nothing was decided, try again shortly"
    title_th = "ระบบตรวจสอบใบหน้าไม่พร้อมใช้งานชั่วคราว ยังไม่มีการตัดสินผล กรุณาลองใหม่ภายหลัง"

    def __init__(self, detail_en: str | None = None, detail_th: str | None = None, **extra: Any) -> None:
        super().__init__(detail_en, detail_th, retry_after=extra.pop("retry_after", 5), **extra)



class MailUnavailable(DomainError):
    """No mail server is configured, or the one configured did not take the message."""

    slug = "mail-unavailable"
    status = 503
    title_en = "E-mail cannot be sent just now"
    title_th = "ส่งอีเมลไม่ได้ในขณะนี้"


class CatalogueImportRefused(DomainError):
    """A catalogue file with rows that cannot be taken: nothing of it was written. ``rows`` lists
    each row's number, column and what to change."""

    slug = "catalogue-import-refused"
    status = 422
    title_en = "The file was not imported: some rows need changing"
    title_th = "ไม่ได้นำเข้าไฟล์ เนื่องจากมีบางแถวที่ต้องแก้ไข"


class NotProgrammeOffice(DomainError):
    slug = "not-programme-office"
    status = 403
    title_en = "Only the programme office and Tuaton's operators see this page"
    title_th = "หน้านี้สำหรับสำนักงาน ก.พ.ร. และผู้ดูแลระบบตัวตนเท่านั้น"


class RatingRefused(DomainError):
    slug = "rating-refused"
    status = 409
    title_en = "This sign-in cannot be rated"
    title_th = "ไม่สามารถให้คะแนนการเข้าสู่ระบบนี้ได้"


class OrganisationForbidden(DomainError):
    slug = "organisation-forbidden"
    status = 403
    title_en = "Your role in this organisation does not allow this"
    title_th = "บทบาทของท่านในหน่วยงานนี้ไม่อนุญาตให้ทำรายการนี้"


class AuthorityNotProven(DomainError):
    """Production credentials wait for the organisation's authority: a verified central e-mail and a
    signed permission letter (``missing`` lists what is not there yet)."""

    slug = "authority-not-proven"
    status = 409
    title_en = "The organisation has not proven its authority yet"
    title_th = "หน่วยงานยังไม่ได้แสดงหลักฐานการมีอำนาจ"

class ProofingRefused(DomainError):
    """An enrolment step refused its evidence; ``reason`` says why, in words the app can act on."""

    slug = "proofing-refused"
    status = 422
    title_en = "The evidence could not be accepted"
    title_th = "ไม่สามารถรับหลักฐานนี้ได้"

    REASONS: dict[str, tuple[str, str]] = {
        "not_an_image": ("The upload is not a photo we can read.", "ไฟล์ที่ส่งมาไม่ใช่รูปภาพที่อ่านได้"),
        "no_card": ("No ID card was found in the photo; place the whole card inside the frame on a dark "
                    "surface.", "ไม่พบบัตรประจำตัวประชาชนในภาพ กรุณาวางบัตรทั้งใบในกรอบบนพื้นสีเข้ม"),
        "blurry": ("The photo is blurred; hold the phone still and take it again.",
                   "ภาพไม่ชัด กรุณาถือโทรศัพท์ให้นิ่งแล้วถ่ายใหม่"),
        "glare": ("Light reflects off the card and hides its print; tilt the card away from the light.",
                  "มีแสงสะท้อนบนบัตร กรุณาเอียงบัตรหลบแสงแล้วถ่ายใหม่"),
        "unreadable": ("The card could not be read; take the photo again in good light.",
                       "อ่านข้อมูลบนบัตรไม่ได้ กรุณาถ่ายใหม่ในที่มีแสงเพียงพอ"),
        "data_mismatch": ("The card data do not match the civil registry.",
                          "ข้อมูลบัตรไม่ตรงกับทะเบียนราษฎร"),
        "card_expired": ("The ID card has expired; renew it at a registrar office first.",
                         "บัตรประจำตัวประชาชนหมดอายุ กรุณาทำบัตรใหม่ที่สำนักทะเบียนก่อน"),
        "card_revoked": ("The ID card is no longer valid (reported lost or revoked).",
                         "บัตรประจำตัวประชาชนถูกยกเลิกหรือแจ้งหาย"),
        "card_not_found": ("No such card in the civil registry.", "ไม่พบข้อมูลบัตรในทะเบียนราษฎร"),
        "no_face": ("No face was found in the selfie; face the camera in good light.",
                    "ไม่พบใบหน้าในภาพ กรุณาหันหน้าเข้ากล้องในที่มีแสงเพียงพอ"),
        "several_faces": ("More than one face is in the selfie; only you should be in the picture.",
                          "พบใบหน้ามากกว่าหนึ่งคนในภาพ กรุณาถ่ายเพียงคนเดียว"),
        "face_too_small": ("The face is too small; hold the phone closer.",
                           "ใบหน้ามีขนาดเล็กเกินไป กรุณาถือโทรศัพท์ให้ใกล้ขึ้น"),
        "face_blurry": ("The selfie is blurred; hold the phone still.", "ภาพใบหน้าไม่ชัด กรุณาถือโทรศัพท์ให้นิ่ง"),
        "face_mismatch": ("The face does not match the photo in the civil registry.",
                          "ใบหน้าไม่ตรงกับภาพในทะเบียนราษฎร"),
        "liveness_failed": ("The liveness check failed: turn your head as the app asks, in one take.",
                            "การตรวจสอบบุคคลจริงไม่ผ่าน กรุณาหันศีรษะตามที่แอปแจ้ง"),
        "replayed_image": ("This photo was already used; take a new one.",
                           "ภาพนี้เคยถูกใช้แล้ว กรุณาถ่ายภาพใหม่"),
        "too_many_failures": ("Too many failed attempts for this citizen ID today; try tomorrow or enrol at a "
                              "registrar office.", "ทำรายการไม่สำเร็จหลายครั้งเกินไป กรุณาลองใหม่พรุ่งนี้ "
                              "หรือลงทะเบียนที่สำนักทะเบียน"),
        # At a registrar office's station
        "chip_unreadable": ("The card's chip could not be read; insert the card again, chip first and facing up.",
                            "อ่านชิปบัตรไม่ได้ กรุณาเสียบบัตรใหม่ โดยหันด้านชิปขึ้น"),
        "card_replaced": ("This card has been replaced by a newer one; bring the current card.",
                          "บัตรนี้ถูกแทนที่ด้วยบัตรใบใหม่แล้ว กรุณาใช้บัตรใบปัจจุบัน"),
        "fingerprint_mismatch": ("The fingerprint does not match the one in the civil registry; place the finger "
                                 "flat on the scanner and scan again.",
                                 "ลายนิ้วมือไม่ตรงกับข้อมูลในทะเบียนราษฎร กรุณาวางนิ้วให้แนบสนิทแล้วสแกนใหม่"),
        "fingerprint_unavailable": ("The civil registry holds no template for this finger; scan the other index "
                                    "finger or confirm the face against the chip photo.",
                                    "ไม่มีข้อมูลลายนิ้วมือนิ้วนี้ในทะเบียนราษฎร กรุณาสแกนนิ้วชี้อีกข้าง "
                                    "หรือตรวจใบหน้าเทียบกับภาพในชิป"),
        "id_mismatch": ("The citizen ID typed in the app is not that of the card read at the station.",
                        "เลขประจำตัวประชาชนที่กรอกในแอปไม่ตรงกับบัตรที่เจ้าหน้าที่อ่าน"),
    }

    def __init__(self, reason: str, detail_en: str | None = None, detail_th: str | None = None,
                 **extra: object) -> None:
        en, th = self.REASONS[reason]
        super().__init__(detail_en or en, detail_th or th, reason=reason, **extra)
        self.reason = reason


class EnrolmentNotFound(NotFound):
    slug = "enrolment-not-found"
    title_en = "This enrolment does not exist, or the token does not belong to it; start a new enrolment"
    title_th = "ไม่พบรายการลงทะเบียนนี้ กรุณาเริ่มลงทะเบียนใหม่"


class EnrolmentExpired(DomainError):
    slug = "enrolment-expired"
    status = 410
    title_en = "This enrolment has expired or has ended; start a new enrolment"
    title_th = "รายการลงทะเบียนนี้หมดเวลาหรือสิ้นสุดแล้ว กรุณาเริ่มลงทะเบียนใหม่"


class WrongStep(DomainError):
    slug = "wrong-step"
    status = 409
    title_en = "This step cannot be taken now; do the enrolment's steps in order"
    title_th = "ยังไม่สามารถทำขั้นตอนนี้ได้ กรุณาทำตามลำดับขั้นตอน"


class AssuranceTooLow(DomainError):
    slug = "assurance-too-low"
    status = 403
    title_en = "The e-Service requires a higher identity assurance level than this identity has"
    title_th = "บริการนี้ต้องการระดับความน่าเชื่อถือของการพิสูจน์ตัวตนสูงกว่าที่ท่านมี"


class NotAnOfficial(DomainError):
    """A back office asked for the ``official`` claim and this citizen is not one of its
    organisation's officials (or the client belongs to no organisation)."""

    slug = "not-an-official"
    status = 403
    title_en = "You are not registered as an official of this e-Service's organisation"
    title_th = "ท่านไม่ได้ลงทะเบียนเป็นเจ้าหน้าที่ของหน่วยงานเจ้าของบริการนี้"


class NotAnOfficer(DomainError):
    slug = "not-an-officer"
    status = 403
    title_en = "Only an active registrar officer signs in to the station; ask an administrator to link your citizen ID"
    title_th = "เฉพาะนายทะเบียนที่ใช้งานอยู่เท่านั้นที่เข้าสู่สถานีได้ กรุณาให้ผู้ดูแลระบบผูกเลขประจำตัวประชาชนของท่าน"


class StationPasswordsOff(DomainError):
    slug = "station-passwords-off"
    status = 403
    title_en = "Sign in to the station with the Tuaton app; password sign-in is for break-glass only"
    title_th = "กรุณาเข้าสู่สถานีด้วยแอปตัวตน การเข้าสู่ระบบด้วยรหัสผ่านใช้เฉพาะกรณีฉุกเฉินเท่านั้น"


class OfficerNotSignedIn(DomainError):
    slug = "officer-not-signed-in"
    status = 401
    title_en = "Sign in at the station first (or your session has ended)"
    title_th = "กรุณาเข้าสู่ระบบสถานีเจ้าหน้าที่ก่อน (หรือหมดเวลาการใช้งานแล้ว)"


class WrongOfficerPassword(DomainError):
    slug = "wrong-officer-password"
    status = 401
    title_en = "The username or password is wrong"
    title_th = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


class OfficerNotAllowed(DomainError):
    slug = "officer-not-allowed"
    status = 403
    title_en = "Your role does not allow this"
    title_th = "บทบาทของท่านไม่มีสิทธิ์ทำรายการนี้"


class CsrfFailed(DomainError):
    slug = "csrf-failed"
    status = 403
    title_en = "The form has expired or did not come from this site; reload the page and try again"
    title_th = "แบบฟอร์มหมดอายุหรือไม่ได้มาจากเว็บไซต์นี้ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"


class VisitNotFound(NotFound):
    slug = "visit-not-found"
    title_en = "No such enrolment at your station"
    title_th = "ไม่พบรายการลงทะเบียนนี้ที่สถานีของท่าน"


class BindingCodeNotFound(NotFound):
    slug = "binding-code-not-found"
    title_en = "This QR code is unknown, used or expired; ask the officer to show a new one"
    title_th = "QR code นี้ไม่ถูกต้อง ถูกใช้แล้ว หรือหมดอายุ กรุณาขอ QR code ใหม่จากเจ้าหน้าที่"


class PortalSignInRequired(DomainError):
    """A portal page needs a signed-in person; pages answer with a redirect to the Tuaton sign-in."""

    slug = "sign-in-required"
    status = 401
    title_en = "Sign in with Tuaton first (or your session has ended)"
    title_th = "กรุณาเข้าสู่ระบบด้วยตัวตนก่อน (หรือหมดเวลาการใช้งานแล้ว)"


class NotAnOperator(DomainError):
    slug = "not-an-operator"
    status = 403
    title_en = ("Only Tuaton's administrators may use the operators' console; registrar officers, agencies "
                "and citizens may not")
    title_th = "เฉพาะผู้ดูแลระบบตัวตนเท่านั้นที่ใช้คอนโซลผู้ดูแลได้ เจ้าหน้าที่สำนักทะเบียน หน่วยงาน และประชาชนใช้ไม่ได้"


class ApplicationNotFound(NotFound):
    """Also what another agency's application answers: whether it exists is not theirs to learn."""

    slug = "application-not-found"
    title_en = "There is no such application among yours"
    title_th = "ไม่พบคำขอนี้ในรายการของท่าน"


class ApplicationIncomplete(DomainError):
    slug = "application-incomplete"
    status = 422
    title_en = "The application is not complete; fix the fields marked and submit again"
    title_th = "คำขอยังไม่ครบถ้วน กรุณาแก้ไขช่องที่ระบุแล้วส่งใหม่"


class WrongApplicationState(DomainError):
    slug = "wrong-application-state"
    status = 409
    title_en = "The application is not in a state that allows this"
    title_th = "สถานะของคำขอไม่อนุญาตให้ดำเนินการนี้"


class PresentationRejected(DomainError):
    """A digital ID card presentation did not verify; ``reason`` says which check failed."""

    slug = "presentation-rejected"
    status = 422
    title_en = "This digital ID card could not be verified"
    title_th = "ไม่สามารถตรวจสอบบัตรประชาชนดิจิทัลนี้ได้"
    REASONS = {
        "malformed": ("This is not a Tuaton digital ID card presentation.",
                      "ข้อมูลนี้ไม่ใช่การแสดงบัตรประชาชนดิจิทัลของ Tuaton"),
        "unknown_issuer": ("The card was not issued by the Tuaton installation this verifier trusts.",
                           "บัตรนี้ไม่ได้ออกโดยผู้ออกบัตรที่เครื่องตรวจนี้เชื่อถือ"),
        "bad_signature": ("The card's signature does not verify with the issuer's published keys: it was "
                          "altered, or the keys cached here are out of date (refresh them when online).",
                          "ลายมือชื่อของบัตรไม่ถูกต้อง บัตรอาจถูกแก้ไข หรือกุญแจของผู้ออกบัตรที่เก็บไว้เก่าเกินไป"),
        "disclosure_invalid": ("A piece of the card's data was not issued with this card.",
                               "ข้อมูลบางส่วนไม่ได้ออกมาพร้อมกับบัตรนี้"),
        "not_disclosable": ("The card does not hold the data asked for.", "บัตรไม่มีข้อมูลที่ขอ"),
        "expired": ("The digital card has expired; the citizen's app renews it when online.",
                    "บัตรดิจิทัลหมดอายุแล้ว แอปจะต่ออายุให้เมื่อเชื่อมต่ออินเทอร์เน็ต"),
        "not_bound": ("The presentation is not signed by the phone the card was issued to.",
                      "การแสดงบัตรนี้ไม่ได้ลงนามโดยโทรศัพท์ที่ได้รับบัตร"),
        "binding_invalid": ("The phone's signature over this presentation does not verify.",
                            "ลายมือชื่อของโทรศัพท์บนการแสดงบัตรนี้ไม่ถูกต้อง"),
        "stale": ("The QR code is older than a minute; ask the citizen to show a new one.",
                  "คิวอาร์โค้ดมีอายุเกินหนึ่งนาที กรุณาให้ประชาชนแสดงใหม่"),
        "wrong_audience": ("The presentation was made for another verifier.",
                           "การแสดงบัตรนี้ทำขึ้นสำหรับผู้ตรวจรายอื่น"),
        "wrong_nonce": ("The presentation does not answer this verifier's challenge (nonce).",
                        "การแสดงบัตรไม่ตรงกับรหัสท้าทาย (nonce) ของผู้ตรวจ"),
        "replayed": ("This QR code was already scanned; ask the citizen to show a new one.",
                     "คิวอาร์โค้ดนี้ถูกสแกนไปแล้ว กรุณาให้ประชาชนแสดงใหม่"),
        "revoked": ("The card is revoked: the phone was reported lost, or the card or identity was cancelled.",
                    "บัตรถูกเพิกถอน: โทรศัพท์ถูกแจ้งหาย หรือบัตรหรือบัญชีถูกยกเลิก"),
        "status_unavailable": ("This verifier has no revocation list for the card; connect once to refresh it.",
                               "เครื่องตรวจยังไม่มีรายการเพิกถอนบัตร กรุณาเชื่อมต่ออินเทอร์เน็ตเพื่อปรับปรุง"),
        "status_stale": ("The revocation list cached here has expired; connect to refresh it before verifying.",
                         "รายการเพิกถอนบัตรที่เก็บไว้หมดอายุแล้ว กรุณาเชื่อมต่ออินเทอร์เน็ตเพื่อปรับปรุง"),
    }

    def __init__(self, reason: str, detail_en: str | None = None) -> None:
        en, th = self.REASONS[reason]
        super().__init__(detail_en or en, th, reason=reason)
        self.reason = reason
