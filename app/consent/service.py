"""Consent rules: decisions are append-only events; the current state is derived from them in the same
transaction; one function, `require`, guards every place that stores, shows or uses a child's input."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, func, select

from app.consent.files import NoticeVersionFile
from app.consent.models import (
    Audience,
    ConsentEvent,
    ConsentState,
    ConsentStatus,
    DecidedBy,
    Decision,
    Guardian,
    Guardianship,
    NoticeText,
    NoticeVersion,
    Purpose,
)
from app.core import audit, child_data
from app.core.config import get_settings
from app.core.db import dialect_insert, utcnow
from app.core.errors import YimiError
from app.core.i18n import DEFAULT_LOCALE, LOCALES, N_, translations
from app.corps.models import AgeBand, Child
from app.notifications import service as notifications
from app.notifications.models import Channel, OutboxMessage

_STATUS_OF_DECISION = {
    Decision.GRANTED: ConsentStatus.GRANTED,
    Decision.REFUSED: ConsentStatus.REFUSED,
    Decision.WITHDRAWN: ConsentStatus.WITHDRAWN,
    Decision.EXPIRED: ConsentStatus.EXPIRED,
    Decision.SUPERSEDED: ConsentStatus.NEEDS_RECONSENT,
}


class ConsentRequired(YimiError):
    """Raised where a child's data would be processed without the consent the purpose needs (CON-04)."""

    status_code = 403
    title = N_("Not yet")
    detail = N_("We need a yes from you and your grown-up before you can share your ideas here.")
    slug = "consent-required"

    def __init__(self, purpose: Purpose, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.purpose = purpose


class DecisionNotAllowed(YimiError):
    status_code = 409
    title = N_("This decision is not yours to make")
    detail = N_("Young people aged 14 to 17 decide for themselves; guardians decide for younger children.")
    slug = "decision-not-allowed"


def decides_for_themselves(child: Child, day: dt.date | None = None) -> bool:
    """CON-09: from 14, a young person consents for themselves and guardians are not asked."""
    return child.age_band(day) == AgeBand.TEEN


# Built once (the guard runs it on every child request): construction and cache key cost more than the query.
_STATE = (
    select(ConsentState)
    .where(ConsentState.child_id == bindparam("child_id"), ConsentState.purpose == bindparam("purpose"))
    .execution_options(populate_existing=True)
)


def state_of(*, session: Session, child: Child, purpose: Purpose) -> ConsentState | None:
    """Read from the database every time (`populate_existing`): a state object the request loaded earlier
    must never hide a withdrawal that committed since (CON-07, see `hold`)."""
    return session.exec(_STATE, params={"child_id": child.id, "purpose": purpose.value}).first()  # type: ignore[call-overload]


def states_of(*, session: Session, child: Child) -> dict[Purpose, ConsentState | None]:
    found = {s.purpose: s for s in session.exec(select(ConsentState).where(ConsentState.child_id == child.id))}
    return {purpose: found.get(purpose.value) for purpose in Purpose}


def allows(*, session: Session, child: Child, purpose: Purpose, now: dt.datetime | None = None) -> bool:
    """Whether the consent state lets Yimi process this child's data for this purpose right now."""
    return _state_allows(state_of(session=session, child=child, purpose=purpose), child, purpose, now or utcnow())


def allowed_among(*, session: Session, children: list[Child], purpose: Purpose, now: dt.datetime | None = None) -> set[int]:
    """The ids of the children whose consent lets Yimi process their data for `purpose` now: `allows` for many
    children at once, in one query (a page that quotes many children)."""
    ids = [c.id for c in children if c.id is not None]
    if not ids:
        return set()
    now = now or utcnow()
    query = select(ConsentState).where(col(ConsentState.child_id).in_(ids), ConsentState.purpose == purpose.value)
    states = {s.child_id: s for s in session.exec(query.execution_options(populate_existing=True))}
    return {c.id for c in children if c.id is not None and _state_allows(states.get(c.id), c, purpose, now)}


def _state_allows(state: ConsentState | None, child: Child, purpose: Purpose, now: dt.datetime) -> bool:
    if state is None or state.status != ConsentStatus.GRANTED.value:
        return False
    if state.expires_at is not None and state.expires_at <= now:
        return False
    # CON-08: under 14, the child's own assent is needed to take part as well as the guardian's consent.
    if purpose == Purpose.PARTICIPATE and not decides_for_themselves(child, now.date()):
        return state.assent == ConsentStatus.GRANTED.value
    return True


def require(*, session: Session, child: Child, purpose: Purpose, hold: bool = False) -> None:
    """The one consent check (CON-04): raise ConsentRequired unless the purpose is allowed now.

    With `hold=True` the check also holds the state for the rest of the caller's transaction (see `hold`),
    reading the state from the same statement that holds it."""
    state = _hold(session, child, purpose) if hold else state_of(session=session, child=child, purpose=purpose)
    if not _state_allows(state, child, purpose, utcnow()):
        raise ConsentRequired(purpose)


def hold(*, session: Session, child: Child, purpose: Purpose) -> None:
    """Hold the child's consent state for the rest of the caller's transaction (CON-07).

    A no-op UPDATE of the state row: on PostgreSQL it takes the row's lock, so a withdrawal that commits
    meanwhile either waits for this transaction or is seen by the check that follows; on SQLite it takes
    the database's write lock, so writers take turns. Either way, input is never stored after a withdrawal."""
    _hold(session, child, purpose)


_STATE_TABLE = ConsentState.__table__  # type: ignore[attr-defined]
_HOLD = (
    update(_STATE_TABLE)
    .where(_STATE_TABLE.c.child_id == bindparam("held_child_id"), _STATE_TABLE.c.purpose == bindparam("held_purpose"))
    .values(updated_at=_STATE_TABLE.c.updated_at)
    .returning(*_STATE_TABLE.c)
)


def _hold(session: Session, child: Child, purpose: Purpose) -> ConsentState | None:
    """The no-op UPDATE of `hold`, returning the state row as it is once held (UPDATE … RETURNING; built once)."""
    row = session.execute(_HOLD, {"held_child_id": child.id, "held_purpose": purpose.value}).first()
    return ConsentState.model_validate(row._asdict()) if row is not None else None


def _guardians_status(session: Session, event: ConsentEvent) -> str:
    """With two guardians, either one's withdrawal stops processing: a grant by the other guardian does not
    lift it; only the guardian who withdrew can agree again (or a later system event supersedes both)."""
    decisions = session.exec(
        select(ConsentEvent)
        .where(
            ConsentEvent.child_id == event.child_id,
            ConsentEvent.purpose == event.purpose,
            ConsentEvent.decided_by == DecidedBy.GUARDIAN.value,
            col(ConsentEvent.guardian_id).is_not(None),
            ConsentEvent.guardian_id != event.guardian_id,
        )
        .order_by(col(ConsentEvent.id))
    ).all()
    system_reset = session.exec(
        select(func.max(ConsentEvent.id)).where(
            ConsentEvent.child_id == event.child_id,
            ConsentEvent.purpose == event.purpose,
            ConsentEvent.decided_by == DecidedBy.SYSTEM.value,
        )
    ).one()
    latest: dict[int, str] = {}
    for other in decisions:
        if system_reset is None or other.id > system_reset:  # type: ignore[operator]
            latest[other.guardian_id] = other.decision  # type: ignore[index]
    if Decision.WITHDRAWN.value in latest.values():
        return ConsentStatus.WITHDRAWN.value
    return ConsentStatus.GRANTED.value


def _upsert_state(session: Session, event: ConsentEvent, expires_at: dt.datetime | None) -> None:
    """Derive the state from the new event, atomically (an upsert, not read-then-write)."""
    status = _STATUS_OF_DECISION[Decision(event.decision)].value
    if event.decided_by == DecidedBy.GUARDIAN.value and status == ConsentStatus.GRANTED.value:
        status = _guardians_status(session, event)
    if event.decided_by == DecidedBy.CHILD_ASSENT.value:
        values = {"assent": status, "updated_at": event.at, "last_event_id": event.id}
        insert_values = {"status": ConsentStatus.NONE.value, **values}
    else:
        values = {
            "status": status,
            "notice_version_id": event.notice_version_id,
            "expires_at": expires_at if status == ConsentStatus.GRANTED.value else None,
            "updated_at": event.at,
            "last_event_id": event.id,
        }
        insert_values = {"assent": ConsentStatus.NONE.value, **values}
    table = ConsentState.__table__  # type: ignore[attr-defined]
    statement = dialect_insert(session)(table).values(child_id=event.child_id, purpose=event.purpose, **insert_values)
    session.execute(statement.on_conflict_do_update(index_elements=["child_id", "purpose"], set_=values))


def record(
    *,
    session: Session,
    child: Child,
    purpose: Purpose,
    decision: Decision,
    decided_by: DecidedBy,
    channel: str,
    guardian: Guardian | None = None,
    notice_version: NoticeVersion | None = None,
    expires_at: dt.datetime | None = None,
    evidence: str | None = None,
    idempotency_key: str | None = None,
) -> ConsentEvent:
    """Append a decision and derive the state in the caller's transaction; the caller commits.

    A decision sent twice with the same idempotency key is recorded once: the second call returns the
    first event (INSERT … ON CONFLICT DO NOTHING on the unique key decides)."""
    if decided_by == DecidedBy.GUARDIAN and decides_for_themselves(child):
        raise DecisionNotAllowed()
    if decided_by == DecidedBy.SELF and not decides_for_themselves(child):
        raise DecisionNotAllowed()
    if decided_by == DecidedBy.SYSTEM and decision not in (Decision.EXPIRED, Decision.SUPERSEDED):
        raise DecisionNotAllowed()
    values = {
        "child_id": child.id,
        "purpose": purpose.value,
        "decision": decision.value,
        "decided_by": decided_by.value,
        "guardian_id": guardian.id if guardian else None,
        "notice_version_id": notice_version.id if notice_version else None,
        "channel": channel,
        "at": utcnow(),
        "evidence": evidence,
        "idempotency_key": idempotency_key,
    }
    table = ConsentEvent.__table__  # type: ignore[attr-defined]
    statement = dialect_insert(session)(table).values(**values)
    if idempotency_key is not None:
        # The database decides whether this is a repeat: no savepoint, no read-then-write.
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    new_id = session.execute(statement.returning(table.c.id)).scalar_one_or_none()
    if new_id is None:
        return session.exec(select(ConsentEvent).where(ConsentEvent.idempotency_key == idempotency_key)).one()
    event = session.get(ConsentEvent, new_id)
    assert event is not None
    _upsert_state(session, event, expires_at)
    if event.decision != Decision.GRANTED.value:
        _stop_processing(session, child, purpose)
    actor = guardian if guardian is not None else child
    audit.record(
        session, actor=actor, action=f"consent.{decision.value}", subject=child, purpose=purpose.value,
        decided_by=decided_by.value, channel=channel, event_id=event.id,
    )
    return event


def _stop_processing(session: Session, child: Child, purpose: Purpose) -> None:
    """Withdrawal takes effect at once (CON-07): in the same transaction as the decision, every domain that
    holds the child's data stops processing it for the purpose (app/core/child_data.py; consultations: the
    child's comments still waiting for a moderator leave the queue)."""
    removed: dict[str, int] = {}
    for owner in child_data.owners():
        if owner.withdraw is not None:
            for key, value in owner.withdraw(session, child, purpose.value).items():
                removed[key] = removed.get(key, 0) + value
    if any(removed.values()):
        audit.record(session, actor=None, action="consent.pending_input_removed", subject=child, **removed)


def history(*, session: Session, child: Child, purpose: Purpose | None = None) -> list[ConsentEvent]:
    query = select(ConsentEvent).where(ConsentEvent.child_id == child.id).order_by(col(ConsentEvent.id))
    if purpose is not None:
        query = query.where(ConsentEvent.purpose == purpose.value)
    return list(session.exec(query).all())


# ---- notices: `yimi consent sync` ----------------------------------------------------------------


class NoticeChanged(YimiError):
    status_code = 409
    title = N_("A loaded notice was changed")
    detail = N_(
        "Version %(version)s of the notice %(notice)s was changed after it was loaded. Loaded versions never "
        "change: put the new text in a new version folder (with material_change: true if guardians must decide again)."
    )
    slug = "notice-changed"


@dataclass
class SyncResult:
    loaded: list[NoticeVersion]
    unchanged: int
    superseded: int  # consents moved to "needs a new decision" by a material change


def sync_notices(*, session: Session, versions: list[NoticeVersionFile]) -> SyncResult:
    """Load notice versions from consent/notices into immutable rows (in the caller's transaction: one for all).

    A version already loaded must have the same SHA-256; a changed text is refused. A new version marked
    material_change moves every granted consent to "needs a new decision" (processing pauses)."""
    loaded: list[NoticeVersion] = []
    unchanged = 0
    superseded = 0
    for version in versions:
        existing = session.exec(
            select(NoticeVersion).where(NoticeVersion.notice == version.notice, NoticeVersion.version == version.version)
        ).first()
        if existing is not None:
            if existing.sha256 != version.sha256:
                raise NoticeChanged(notice=version.notice, version=version.version)
            unchanged += 1
            continue
        row = NoticeVersion(
            notice=version.notice,
            version=version.version,
            effective_date=version.effective_date,  # type: ignore[arg-type]
            material_change=version.material_change,
            change_summary=version.change_summary,
            sha256=version.sha256,
        )
        session.add(row)
        session.flush()
        for text in version.texts:
            session.add(
                NoticeText(
                    version_id=row.id,  # type: ignore[arg-type]
                    audience=text.audience,
                    locale=text.locale,
                    title=text.title,
                    body=text.body,
                    sha256=hashlib.sha256(text.body.encode()).hexdigest(),
                )
            )
        audit.record(session, actor=audit.SYSTEM, action="consent.notice_loaded", subject=row, notice=row.notice, version=row.version, sha256=row.sha256)
        if row.material_change:
            superseded += _supersede_all(session, row)
        loaded.append(row)
    return SyncResult(loaded=loaded, unchanged=unchanged, superseded=superseded)


def _supersede_all(session: Session, version: NoticeVersion) -> int:
    """A material change: every granted consent needs a new decision before processing goes on (CON-06)."""
    states = session.exec(select(ConsentState).where(ConsentState.status == ConsentStatus.GRANTED.value)).all()
    for state in states:
        child = session.get(Child, state.child_id)
        if child is None:
            continue
        record(
            session=session, child=child, purpose=Purpose(state.purpose), decision=Decision.SUPERSEDED,
            decided_by=DecidedBy.SYSTEM, channel="system", notice_version=version,
        )
    return len(states)


def current_version(*, session: Session, notice: str = "children-privacy", today: dt.date | None = None) -> NoticeVersion | None:
    """The newest loaded version in effect today."""
    today = today or utcnow().date()
    return session.exec(
        select(NoticeVersion)
        .where(NoticeVersion.notice == notice, col(NoticeVersion.effective_date) <= today)
        .order_by(col(NoticeVersion.effective_date).desc(), col(NoticeVersion.id).desc())
    ).first()


def notice_text(*, session: Session, version: NoticeVersion, audience: Audience, locale: str) -> NoticeText | None:
    return session.exec(
        select(NoticeText).where(NoticeText.version_id == version.id, NoticeText.audience == audience.value, NoticeText.locale == locale)
    ).first()


# ---- the child's own path (CON-08, CON-09): what the child's home asks for next ------------------


def assent_needed(*, session: Session, child: Child) -> bool:
    """CON-08: a guardian has agreed that a child under 14 may take part, and the child has not yet said
    yes or no themselves (a "not now" or a stop is respected: the child is not asked again unprompted)."""
    if decides_for_themselves(child):
        return False
    state = state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    return guardian_agreed(session=session, child=child) and state is not None and state.assent == ConsentStatus.NONE.value


def guardian_agreed(*, session: Session, child: Child, now: dt.datetime | None = None) -> bool:
    """A guardian's consent to take part is in force (the child's assent aside)."""
    now = now or utcnow()
    state = state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    if state is None or state.status != ConsentStatus.GRANTED.value:
        return False
    return state.expires_at is None or state.expires_at > now


def has_decided_for_themselves(*, session: Session, child: Child) -> bool:
    """Whether the young person has recorded any decision of their own (decided_by self)."""
    return session.exec(
        select(ConsentEvent.id).where(ConsentEvent.child_id == child.id, ConsentEvent.decided_by == DecidedBy.SELF.value).limit(1)
    ).first() is not None


def self_consent_needed(*, session: Session, child: Child) -> bool:
    """CON-09: a young person of 14-17 decides for themselves. They are asked when they have never decided
    (including at 14, to confirm what their guardian chose) or when taking part needs a new decision
    (nothing decided, expired, or a material change); a "no" of their own is respected."""
    if not decides_for_themselves(child):
        return False
    if not has_decided_for_themselves(session=session, child=child):
        return True
    state = state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    if state is None:
        return True
    if state.status == ConsentStatus.GRANTED.value:
        return state.expires_at is not None and state.expires_at <= utcnow()
    return state.status in (ConsentStatus.NONE.value, ConsentStatus.EXPIRED.value, ConsentStatus.NEEDS_RECONSENT.value)


def programme_year_end(now: dt.datetime | None = None) -> dt.datetime:
    """CON-14: consents end at the end of the programme year (the configured MM-DD, inclusive, in the display time zone)."""
    zone = ZoneInfo(get_settings().display_timezone)
    today = (now or utcnow()).astimezone(zone).date()
    month, day = (int(part) for part in get_settings().programme_year_end.split("-"))

    def on(year: int) -> dt.date:
        try:
            return dt.date(year, month, day)
        except ValueError:  # 02-29 in a common year
            return dt.date(year, month, 28)

    end = on(today.year) if on(today.year) >= today else on(today.year + 1)
    return dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)


# ---- expiry at the end of the programme year (CON-14): `yimi consent expire` ---------------------


def expire_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """Record an EXPIRED event (decided by the system) for every granted consent whose end has come, in the
    caller's transaction. Idempotent: an expired state is no longer granted, so a second run finds nothing; two runs at
    once record each expiry once (the idempotency key names the state's last event). Returns how many."""
    now = now or utcnow()
    due = session.exec(
        select(ConsentState).where(
            ConsentState.status == ConsentStatus.GRANTED.value,
            col(ConsentState.expires_at).is_not(None),
            col(ConsentState.expires_at) <= now,
        ).order_by(col(ConsentState.id))
    ).all()
    expired = 0
    for state in due:
        child = session.get(Child, state.child_id)
        if child is None:
            continue
        version = session.get(NoticeVersion, state.notice_version_id) if state.notice_version_id else None
        event = record(
            session=session, child=child, purpose=Purpose(state.purpose), decision=Decision.EXPIRED,
            decided_by=DecidedBy.SYSTEM, channel="system", notice_version=version,
            idempotency_key=f"expired:{state.child_id}:{state.purpose}:{state.last_event_id}",
        )
        expired += 1 if event.id is not None else 0
    return expired


# ---- a material change: guardians are told (CON-06) -----------------------------------------------

CONSENT_CHANGED_KIND = "consent_changed"
GUARDIAN_HOME = "/guardian/home"
CONSENT_CHANGED_SUBJECT = N_("Yimi: please decide again")
CONSENT_CHANGED_BODY = N_(
    "Yimi has changed its rules for children's personal information. What changed: %(summary)s "
    "Until you decide again, your child's ideas are not collected. Please read and decide: %(link)s"
)


def notify_material_change(*, session: Session, versions: list[NoticeVersion] | None = None) -> int:
    """Queue one message to each guardian linked to a child whose consent a material change superseded
    (one per guardian and notice version, however many children or purposes), with the change summary in
    the guardian's language and the link to their dashboard. Young people of 14-17 decide for themselves,
    so their guardians are not asked again. Idempotent (key `consent_changed:<version id>:<guardian id>`), in
    the caller's transaction; returns how many messages were newly queued.

    `versions`: the versions just loaded (`SyncResult.loaded`); by default every material-change version."""
    if versions is None:
        versions = list(session.exec(select(NoticeVersion).where(col(NoticeVersion.material_change).is_(True))).all())
    queued = 0
    for version in versions:
        if not version.material_change:
            continue
        child_ids = set(
            session.exec(
                select(ConsentEvent.child_id).where(
                    ConsentEvent.notice_version_id == version.id, ConsentEvent.decision == Decision.SUPERSEDED.value
                )
            ).all()
        )
        guardian_ids: set[int] = set()
        for child_id in sorted(child_ids):
            child = session.get(Child, child_id)
            if child is None or decides_for_themselves(child):
                continue
            guardian_ids.update(session.exec(select(Guardianship.guardian_id).where(Guardianship.child_id == child_id)).all())
        for guardian_id in sorted(guardian_ids):
            key = f"{CONSENT_CHANGED_KIND}:{version.id}:{guardian_id}"
            if session.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first() is not None:
                continue
            guardian = session.get(Guardian, guardian_id)
            if guardian is None:
                continue
            locale = guardian.locale if guardian.locale in LOCALES else DEFAULT_LOCALE
            words = translations(locale)
            summary = version.change_summary.get(locale) or version.change_summary.get(DEFAULT_LOCALE) or ""
            body = words.gettext(CONSENT_CHANGED_BODY) % {"summary": summary.strip(), "link": GUARDIAN_HOME}
            email = guardian.contact_kind == "email"
            notifications.enqueue(
                session=session, channel=Channel.EMAIL if email else Channel.SMS, recipient=guardian.contact,
                kind=CONSENT_CHANGED_KIND, locale=locale,
                subject=words.gettext(CONSENT_CHANGED_SUBJECT) if email else None,
                body=body, idempotency_key=key,
            )
            queued += 1
    return queued
