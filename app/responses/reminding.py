"""The promised date kept (issue 17, PAR-09): the worker reminds the official responsible for a consultation 7
days and 1 day before the date children were promised a response, and the day after it, with nothing published,
tells the administrators once. Each reminder is a `reminder` row, unique per (consultation, kind): inserted with
ON CONFLICT DO NOTHING, so however many workers run, each is sent once. Never commits (see `actions`).

Staff accounts hold no address of their own: the message goes by e-mail to <user name>@YIMI_STAFF_EMAIL_DOMAIN;
without that setting the reminder is still recorded and audited, and `/responses` lists the consultation."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from app.accounts.models import Role, StaffRole, StaffUser
from app.consultations.models import Consultation, State
from app.core import audit
from app.core.config import get_settings
from app.core.db import city_today, dialect_insert, utcnow
from app.core.i18n import get_locale, gettext, localised
from app.notifications import service as notifications
from app.responses.models import Reminder
from app.responses.service import latest_publication

SEVEN_DAYS, ONE_DAY, ESCALATED = "7_days", "1_day", "escalated"
KIND = "responses.reminder"


def kind_due(consultation: Consultation, today: dt.date) -> str | None:
    """Which reminder is due today: 7 days before (or fewer, if the worker missed that day), 1 day before (or
    the day itself), and from the day after, the escalation."""
    if consultation.respond_by is None:
        return None
    days = (consultation.respond_by - today).days
    if days < 0:
        return ESCALATED
    if days <= 1:
        return ONE_DAY
    if days <= 7:
        return SEVEN_DAYS
    return None


def _claim(session: Session, consultation_id: int, kind: str, now: dt.datetime) -> bool:
    insert = dialect_insert(session)
    new_id = session.execute(
        insert(Reminder).values(consultation_id=consultation_id, kind=kind, sent_at=now)
        .on_conflict_do_nothing(index_elements=["consultation_id", "kind"]).returning(col(Reminder.id))
    ).scalar_one_or_none()
    return new_id is not None


def _address(user: StaffUser | None) -> str | None:
    domain = get_settings().staff_email_domain.strip().lstrip("@")
    return f"{user.username}@{domain}" if user is not None and user.is_active and domain else None


def _administrators(session: Session) -> list[StaffUser]:
    ids = session.exec(select(StaffRole.user_id).where(StaffRole.role == Role.ADMIN.value)).all()
    return list(session.exec(select(StaffUser).where(col(StaffUser.id).in_(list(ids)), col(StaffUser.is_active).is_(True)))) if ids else []


def _text(consultation: Consultation, kind: str) -> tuple[str, str]:
    title = localised(consultation.title)
    link = f"/consultations/{consultation.id}/responses"
    date = consultation.respond_by.isoformat() if consultation.respond_by else ""
    if kind == ESCALATED:
        return (gettext("Yimi: a response to children is overdue"),
                gettext("Children were promised a response to “%(title)s” by %(date)s, and nothing is published yet. "
                        "Please make sure someone responds: %(link)s", title=title, date=date, link=link))
    return (gettext("Yimi: children are waiting for your response"),
            gettext("Children were promised a response to “%(title)s” by %(date)s. Please publish it in time: %(link)s",
                    title=title, date=date, link=link))


def send_due(*, session: Session, today: dt.date | None = None, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Send every reminder due today that was not sent before; returns (consultation id, kind) of those sent."""
    now = now or utcnow()
    today = today or city_today(now)
    sent = []
    candidates = session.exec(select(Consultation).where(col(Consultation.scheduled_at).is_not(None), col(Consultation.respond_by).is_not(None))).all()
    for consultation in candidates:
        if consultation.state(now) != State.CLOSED or latest_publication(session=session, consultation_id=consultation.id) is not None:  # type: ignore[arg-type]
            continue
        kind = kind_due(consultation, today)
        if kind is None or not _claim(session, consultation.id, kind, now):  # type: ignore[arg-type]
            continue
        responsible = session.get(StaffUser, consultation.scheduled_by_id or consultation.created_by_id or 0)
        recipients = _administrators(session) if kind == ESCALATED else [u for u in (responsible,) if u is not None]
        subject, body = _text(consultation, kind)
        told = []
        for user in recipients:
            address = _address(user)
            if address:
                notifications.enqueue(session=session, channel="email", recipient=address, kind=KIND, locale=get_locale(),
                                      subject=subject, body=body, idempotency_key=f"{KIND}:{consultation.id}:{kind}:{user.id}")
            told.append(user.id)
        audit.record(session, actor=None, action="response.escalated" if kind == ESCALATED else "response.reminded",
                     subject=consultation, kind=kind, staff=told, respond_by=consultation.respond_by.isoformat())  # type: ignore[union-attr]
        sent.append((consultation.id, kind))  # type: ignore[arg-type]
    return sent
