"""Real servers for the notifier's adapters: an SMTP server (aiosmtpd) and an SMS gateway (http.server),
both on 127.0.0.1 on a free port, recording what they received."""

import email
import email.policy
import json
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import Session

from app.core.config import get_settings
from app.notifications import service
from app.notifications.models import OutboxMessage

GATEWAY_KEY = "test-gateway-key-0123456789"
SMTP_USER, SMTP_PASSWORD = "yimi-mailer", "mail password 1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(), SMTP_PASSWORD.encode()
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(port=_free_port())
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")  # on purpose, see below
    # Login required, over plain TCP: the test has no certificate (production uses STARTTLS, the default).
    controller = Controller(
        server, hostname="127.0.0.1", port=server.port,
        authenticator=server.authenticate, auth_required=True, auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@dataclass
class SmsGateway:
    url: str = ""
    received: list[dict] = field(default_factory=list)
    refused: int = 0
    answer: int = 200  # the status code the gateway answers with
    delay: float = 0.0  # seconds it takes to answer
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(gateway.delay)
            if self.headers.get("Authorization") != f"Bearer {GATEWAY_KEY}" or self.headers.get_content_type() != "application/json":
                with gateway.lock:
                    gateway.refused += 1
                self._answer(401)
                return
            if gateway.answer < 300:
                with gateway.lock:
                    gateway.received.append(json.loads(body))
            self._answer(gateway.answer)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": %s}' % (b"true" if status < 300 else b"false"))

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{httpd.server_address[1]}/send"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def real_backends(settings, monkeypatch, smtp_server, sms_gateway):  # noqa: ANN001, ANN201
    """Settings that send e-mail through the SMTP server and SMS through the gateway."""
    monkeypatch.setenv("YIMI_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("YIMI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("YIMI_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("YIMI_SMTP_STARTTLS", "false")
    monkeypatch.setenv("YIMI_SMTP_USERNAME", SMTP_USER)
    monkeypatch.setenv("YIMI_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("YIMI_SMTP_FROM", "Yimi <noreply@yimi.example>")
    monkeypatch.setenv("YIMI_SMS_BACKEND", "http")
    monkeypatch.setenv("YIMI_SMS_GATEWAY_URL", sms_gateway.url)
    monkeypatch.setenv("YIMI_SMS_GATEWAY_KEY", GATEWAY_KEY)
    get_settings.cache_clear()
    return get_settings()


def queue_sms(session: Session, phone: str = "13812348000", body: str = "一米验证码 482913", **kw) -> OutboxMessage:
    kw.setdefault("kind", "guardian_otp")
    message = service.enqueue(session=session, channel="sms", recipient=phone, locale="zh_Hans", subject=None, body=body, **kw)
    session.commit()
    return message


def queue_email(session: Session, to: str = "guardian@example.org", body: str = "您的验证码是 482913", **kw) -> OutboxMessage:
    kw.setdefault("kind", "guardian_otp")
    kw.setdefault("subject", "一米：您的验证码")
    message = service.enqueue(session=session, channel="email", recipient=to, locale="zh_Hans", body=body, **kw)
    session.commit()
    return message
