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


class WrongAccount(DomainError):
    slug = "wrong-account"
    status = 403
    title_en = "The e-Service asked for another citizen to sign in"
    title_th = "บริการนี้ขอให้ผู้อื่นเป็นผู้เข้าสู่ระบบ"


class BrowserMismatch(DomainError):
    slug = "browser-mismatch"
    status = 403
    title_en = "Only the browser that started this sign-in can follow it"
    title_th = "ติดตามสถานะได้เฉพาะเบราว์เซอร์ที่เริ่มการเข้าสู่ระบบนี้"


class TooManyAttempts(DomainError):
    slug = "too-many-attempts"
    status = 429
    title_en = "Too many attempts; wait a while and try again"
    title_th = "ทำรายการหลายครั้งเกินไป กรุณารอสักครู่แล้วลองใหม่"
