"""Sending e-mail: one small interface, and SMTP behind it (``TUATON_SMTP_URL``).

``smtp://host:25``, ``smtp+starttls://user:password@host:587`` or ``smtps://user:password@host:465``.
With no URL nothing can be sent, and whatever wanted to send says so (503, or the command's
message) rather than pretending. The tests run a real SMTP server in-process (aiosmtpd).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit

from tuaton.errors import MailUnavailable


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[tuple[str, str, bytes], ...] = ()    # (file name, MIME type, content)


class Mailer(Protocol):
    def send(self, mail: Mail) -> str:
        """Send one message; its Message-ID. :class:`MailUnavailable` when it could not be handed over."""


class NoMailer:
    """No SMTP server configured."""

    def send(self, mail: Mail) -> str:
        raise MailUnavailable("No mail server is configured (TUATON_SMTP_URL), so nothing can be e-mailed.",
                              "ยังไม่ได้ตั้งค่าเซิร์ฟเวอร์อีเมล (TUATON_SMTP_URL) จึงส่งอีเมลไม่ได้")


class SmtpMailer:
    def __init__(self, url: str, sender: str, sender_name: str = "Tuaton", timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
            raise ValueError("TUATON_SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 "
                             "or smtps://user:pass@host:465")
        self._scheme, self._host = parts.scheme, parts.hostname
        self._port = parts.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[parts.scheme]
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender, self._sender_name, self._timeout = sender, sender_name, timeout

    def send(self, mail: Mail) -> str:
        message = EmailMessage()
        message["From"] = formataddr((self._sender_name, self._sender))
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(mail.text)
        if mail.html:
            message.add_alternative(mail.html, subtype="html")
        for name, mime, content in mail.attachments:
            main, _, sub = mime.partition("/")
            message.add_attachment(content, maintype=main, subtype=sub, filename=name)
        try:
            if self._scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            with client:
                if self._scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if self._user:
                    client.login(self._user, self._password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"The mail server at {self._host}:{self._port} did not take the message "
                                  f"({type(exc).__name__}); try again later.",
                                  "เซิร์ฟเวอร์อีเมลไม่รับข้อความ กรุณาลองใหม่ภายหลัง") from exc
        return message["Message-ID"]


def make_mailer(url: str | None, sender: str) -> Mailer:
    return SmtpMailer(url, sender) if url else NoMailer()
