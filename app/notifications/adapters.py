"""How a message leaves Yimi: the console (development), SMTP for e-mail, an HTTP SMS gateway.

`YIMI_EMAIL_BACKEND` (console | smtp) and `YIMI_SMS_BACKEND` (console | http) choose. An adapter sends one
message or raises `DeliveryFailed` with a short reason that never holds the body or the recipient (SMTP and
gateway replies often echo the address, so only codes and exception names are kept).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

import httpx

from app.core.config import Settings, get_settings
from app.core.db import utcnow
from app.notifications.models import Channel, OutboxMessage

log = logging.getLogger("yimi.notifications")

SMTP_TIMEOUT_SECONDS = 20
SMS_TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The message was not delivered. `permanent`: trying again cannot help (the address was refused)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent


class Adapter(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class ConsoleAdapter:
    """Development: one log line per message. The outbox row itself is what the demo reads (/admin/outbox)."""

    def send(self, message: OutboxMessage) -> None:
        log.info("%s to %s: %s", message.channel, message.masked_recipient, message.subject or message.kind)


class SmtpAdapter:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: OutboxMessage) -> None:
        s = self.settings
        if not s.smtp_host or not s.smtp_from:
            raise DeliveryFailed("smtp: set YIMI_SMTP_HOST and YIMI_SMTP_FROM")
        email = EmailMessage()
        try:
            email["To"] = Address(addr_spec=message.recipient.strip())
        except (ValueError, IndexError, MessageError):
            raise DeliveryFailed("smtp: not an e-mail address", permanent=True) from None
        email["From"] = s.smtp_from
        email["Subject"] = message.subject or ""
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = make_msgid(domain=parseaddr(s.smtp_from)[1].rpartition("@")[2] or None)
        email.set_content(message.body, charset="utf-8")
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _text in exc.recipients.values()})
            raise DeliveryFailed(f"smtp: recipient refused ({', '.join(map(str, codes))})", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            # 5xx is a final answer; 4xx asks to try again later.
            raise DeliveryFailed(f"smtp: {type(exc).__name__} {exc.smtp_code}", permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"smtp: {type(exc).__name__}") from None


class SmsGatewayAdapter:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: OutboxMessage) -> None:
        s = self.settings
        if not s.sms_gateway_url:
            raise DeliveryFailed("sms gateway: set YIMI_SMS_GATEWAY_URL")
        try:
            response = httpx.post(
                s.sms_gateway_url,
                json={"to": message.recipient, "text": message.body},
                headers={"Authorization": f"Bearer {s.sms_gateway_key}"},
                timeout=SMS_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"sms gateway: {type(exc).__name__}") from None
        if response.is_success:
            return
        # 4xx (but "too many" and "timeout") means the gateway will never take this message as it is.
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryFailed(f"sms gateway: HTTP {response.status_code}", permanent=permanent)


_warned: set[str] = set()


def adapter_for(channel: str, settings: Settings | None = None) -> Adapter:
    settings = settings or get_settings()
    if channel == Channel.EMAIL and settings.email_backend == "smtp":
        return SmtpAdapter(settings)
    if channel == Channel.SMS and settings.sms_backend == "http":
        return SmsGatewayAdapter(settings)
    if settings.is_production and channel not in _warned:
        _warned.add(channel)  # once per process: production may run on the console, but should know it does
        log.warning("%s messages go to the console backend in production: they are logged, never delivered", channel)
    return ConsoleAdapter()


def configuration_problems(settings: Settings | None = None) -> list[str]:
    """What stops messages from leaving, said at start-up (the console backends are fine until production)."""
    settings = settings or get_settings()
    problems = []
    if settings.email_backend == "smtp" and not (settings.smtp_host and settings.smtp_from):
        problems.append("YIMI_EMAIL_BACKEND is smtp but YIMI_SMTP_HOST or YIMI_SMTP_FROM is not set.")
    if settings.sms_backend == "http" and not settings.sms_gateway_url:
        problems.append("YIMI_SMS_BACKEND is http but YIMI_SMS_GATEWAY_URL is not set.")
    if settings.is_production:
        for name, backend in (("YIMI_EMAIL_BACKEND", settings.email_backend), ("YIMI_SMS_BACKEND", settings.sms_backend)):
            if backend == "console":
                problems.append(f"{name} is console in production: messages are only logged, never delivered.")
    return problems
