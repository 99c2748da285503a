"""The guardian's path (CON-02, CON-05, CON-07): a consent letter with a single-use code, a one-time code to
the guardian's phone or e-mail, the guardian's session, and the guardian's decisions per purpose.

Every limit is counted in the database (or the rate-limit store), so it holds across workers: letter codes
are used once (`UPDATE … WHERE used_at IS NULL`), a one-time code's tries are counted by one UPDATE, and
the codes sent to one contact are counted from the guardian_otp rows of the last hour.

These functions never commit: app/consent/actions.py does, once per use case."""

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import (
    ConsentEvent,
    DecidedBy,
    Decision,
    Guardian,
    GuardianCode,
    GuardianOtp,
    GuardianSession,
    Guardianship,
    NoticeVersion,
    Purpose,
)
from app.core import audit, crypto
from app.core.db import dialect_insert, utcnow
from app.core.errors import NotFound, YimiError
from app.core.i18n import N_, gettext
from app.core.security import new_token, token_hash
from app.corps.models import Child
from app.notifications import service as notifications
from app.notifications.models import Channel

# No 0/O, 1/I/L: a code read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
LETTER_CODE_VALID = dt.timedelta(days=30)
OTP_VALID = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
CONTACT_MAX = 254  # the longest e-mail address (RFC 5321); the contact form's maxlength
OTP_PER_CONTACT_PER_HOUR = 5
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(seconds=30)
OTP_KIND = "guardian_otp"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^1\d{10}$")
_FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,43}$")


# ---- errors: each a clear message, and nothing recorded -------------------------------------------


class LetterCodeUnknown(YimiError):
    status_code = 400
    title = N_("This code is not right")
    detail = N_("We could not find this code. Check it against the letter: it has 10 letters and digits, like K7P4-QX9M-2D.")
    slug = "letter-code-unknown"


class LetterCodeExpired(YimiError):
    status_code = 410
    title = N_("This code has expired")
    detail = N_("The code on the letter was valid for 30 days and has expired. Please ask the facilitator for a new letter.")
    slug = "letter-code-expired"


class LetterCodeUsed(YimiError):
    status_code = 409
    title = N_("This code was already used")
    detail = N_("This code was already used: each letter's code works once. If it was not you who used it, please tell the facilitator.")
    slug = "letter-code-used"


class ContactInvalid(YimiError):
    status_code = 422
    title = N_("Please check the number or address")
    detail = N_("Give a mobile number with 11 digits starting with 1, or an e-mail address such as name@example.com.")
    slug = "contact-invalid"


class TooManyCodes(YimiError):
    status_code = 429
    title = N_("Too many codes")
    detail = N_("We have sent 5 codes to this number or address in the last hour. Please wait an hour and try again.")
    slug = "too-many-codes"


class FlowUnknown(YimiError):
    status_code = 400
    title = N_("Let's start again")
    detail = N_("We could not follow this form. Please type the code from the letter again.")
    slug = "guardian-flow-unknown"


class OtpWrong(YimiError):
    status_code = 400
    title = N_("This code is not right")
    detail = N_("The 6-digit code is not right. You have %(left)s tries left.")
    slug = "otp-wrong"


class OtpExpired(YimiError):
    status_code = 410
    title = N_("This code has expired")
    detail = N_("The 6-digit code was valid for 10 minutes and has expired. Ask for a new code.")
    slug = "otp-expired"


class OtpTooManyTries(YimiError):
    status_code = 429
    title = N_("Too many tries")
    detail = N_("This 6-digit code was entered wrongly 5 times and no longer works. Ask for a new code.")
    slug = "otp-too-many-tries"


class OtpUsed(YimiError):
    status_code = 409
    title = N_("This code was already used")
    detail = N_("This 6-digit code was already used. If you are not signed in, ask for a new code.")
    slug = "otp-used"


class NoNotice(YimiError):
    status_code = 503
    title = N_("The notice is not ready")
    detail = N_("The rules for children's personal information are not loaded yet, so no decision can be made. Please try again later.")
    slug = "no-notice"


class ChoicesMissing(YimiError):
    status_code = 422
    title = N_("Some answers need another look")
    detail = N_("Please choose \"Agree\" or \"Don't agree\" for each purpose. Nothing was saved yet.")
    slug = "choices-missing"


class FormUsedElsewhere(YimiError):
    status_code = 409
    title = N_("This form was already sent")
    detail = N_("This form was already used for another decision. Please open the page again and make your choices.")
    slug = "form-used-elsewhere"


# ---- the consent letter --------------------------------------------------------------------------


def normalise_letter_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()[:40]


def format_letter_code(code: str) -> str:
    return f"{code[0:4]}-{code[4:8]}-{code[8:]}"


def _letter_code_hash(code: str) -> str:
    return hashlib.sha256(normalise_letter_code(code).encode()).hexdigest()


def issue_letter_code(*, session: Session, actor: audit.Actor, child: Child) -> str:
    """A new single-use code for a child's consent letter; older letters' codes stay valid until used or
    expired. Returns the code (shown once, on the letter); only its SHA-256 is kept."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = GuardianCode(
        child_id=child.id,  # type: ignore[arg-type]
        code_hash=_letter_code_hash(code),
        expires_at=utcnow() + LETTER_CODE_VALID,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="consent.guardian_code_issued", subject=child, code_id=row.id, expires_at=row.expires_at)
    return format_letter_code(code)


def check_letter_code(*, session: Session, code: str) -> GuardianCode:
    """The letter code if it exists, is unused and unexpired; else the matching error."""
    normalised = normalise_letter_code(code)
    if len(normalised) != CODE_LENGTH:
        raise LetterCodeUnknown()
    row = session.exec(select(GuardianCode).where(GuardianCode.code_hash == _letter_code_hash(normalised))).first()
    return _usable(row)


def _usable(row: GuardianCode | None) -> GuardianCode:
    if row is None:
        raise LetterCodeUnknown()
    if row.used_at is not None:
        raise LetterCodeUsed()
    if row.expires_at <= utcnow():
        raise LetterCodeExpired()
    return row


# ---- the one-time code ---------------------------------------------------------------------------


def parse_contact(raw: str) -> tuple[str, str]:
    """(kind, contact): an e-mail has @; a phone is 11 digits starting with 1 (spaces and dashes dropped)."""
    raw = (raw or "").strip()
    if "@" in raw:
        if len(raw) > CONTACT_MAX or not _EMAIL.match(raw):
            raise ContactInvalid()
        return "email", raw.lower()
    phone = re.sub(r"[\s\-]", "", raw)
    if not _PHONE.match(phone):
        raise ContactInvalid()
    return "phone", phone


def contact_hash(kind: str, contact: str) -> str:
    return crypto.lookup_hash(contact, purpose=kind)


def _otp_hash(code: str, hashed_contact: str) -> str:
    return crypto.lookup_hash(code + hashed_contact, purpose="otp")


def codes_sent_recently(*, session: Session, hashed_contact: str, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - dt.timedelta(hours=1)
    query = select(func.count()).select_from(GuardianOtp).where(
        GuardianOtp.contact_hash == hashed_contact, col(GuardianOtp.created_at) >= since
    )
    return session.exec(query).one()


@dataclass
class SentCode:
    flow: GuardianOtp
    message_id: int
    delivered: bool = False


def send_otp(*, session: Session, letter_code: str, raw_contact: str, locale: str) -> SentCode:
    """Check the letter code again, then queue a 6-digit code to the contact, in the same transaction as the
    guardian_otp row that holds the flow's state (the action commits, then tries to deliver it at once)."""
    code_row = check_letter_code(session=session, code=letter_code)
    kind, contact = parse_contact(raw_contact)
    hashed = contact_hash(kind, contact)
    if codes_sent_recently(session=session, hashed_contact=hashed) >= OTP_PER_CONTACT_PER_HOUR:
        raise TooManyCodes()
    code = f"{secrets.randbelow(10**6):06d}"
    flow = GuardianOtp(
        public_id=secrets.token_urlsafe(24),
        guardian_code_id=code_row.id,  # type: ignore[arg-type]
        contact_kind=kind,
        contact=contact,
        contact_hash=hashed,
        code_hash=_otp_hash(code, hashed),
        expires_at=utcnow() + OTP_VALID,
    )
    session.add(flow)
    message = notifications.enqueue(
        session=session,
        channel=Channel.EMAIL if kind == "email" else Channel.SMS,
        recipient=contact,
        kind=OTP_KIND,
        locale=locale,
        subject=gettext("Your Yimi code") if kind == "email" else None,
        body=gettext("Your Yimi code is %(code)s. It is valid for 10 minutes. Do not give it to anyone.", code=code),
    )
    audit.record(session, actor=audit.ANONYMOUS, action="consent.guardian_otp_sent", subject=flow, contact_hash=hashed, guardian_code_id=code_row.id)
    session.flush()
    assert message.id is not None
    return SentCode(flow=flow, message_id=message.id)


def get_flow(*, session: Session, public_id: str) -> GuardianOtp:
    flow = session.exec(select(GuardianOtp).where(GuardianOtp.public_id == (public_id or "")[:64])).first()
    if flow is None:
        raise FlowUnknown()
    return flow


def count_try(*, session: Session, flow: GuardianOtp) -> int:
    """One try at the 6-digit code, counted atomically before the code is even compared: the new count. The
    action commits it on its own, so that a wrong code still counts. Refused when the code is used, expired,
    or its tries are spent."""
    if flow.used_at is not None:
        raise OtpUsed()
    if flow.expires_at <= utcnow():
        raise OtpExpired()
    table = GuardianOtp.__table__  # type: ignore[attr-defined]
    attempts = session.execute(
        update(table)
        .where(table.c.id == flow.id, table.c.attempts < OTP_MAX_ATTEMPTS, table.c.used_at.is_(None))
        .values(attempts=table.c.attempts + 1)
        .returning(table.c.attempts)
    ).scalar_one_or_none()
    if attempts is None:
        session.refresh(flow)
        raise OtpUsed() if flow.used_at is not None else OtpTooManyTries()
    return attempts




def _find_or_create_guardian(session: Session, flow: GuardianOtp, locale: str) -> Guardian:
    table = Guardian.__table__  # type: ignore[attr-defined]
    session.execute(
        dialect_insert(session)(table)
        .values(contact_kind=flow.contact_kind, contact=flow.contact, contact_hash=flow.contact_hash, locale=locale,
                verified_at=utcnow(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["contact_hash"])
    )
    return session.exec(select(Guardian).where(Guardian.contact_hash == flow.contact_hash)).one()


@dataclass
class Verified:
    guardian: Guardian
    child: Child
    token: str  # the raw session token, for the cookie only


def verify_otp(*, session: Session, flow: GuardianOtp, code: str, attempts: int, locale: str) -> Verified:
    """Check the 6-digit code (its try counted first, `count_try`), then link the guardian to the child, use
    the letter code and the one-time code once, and start a guardian session, in the caller's transaction."""
    given = re.sub(r"\s", "", code or "")[:12]
    if not hmac.compare_digest(_otp_hash(given, flow.contact_hash), flow.code_hash):
        if attempts >= OTP_MAX_ATTEMPTS:
            raise OtpTooManyTries()
        raise OtpWrong(left=OTP_MAX_ATTEMPTS - attempts)
    now = utcnow()
    otp_table = GuardianOtp.__table__  # type: ignore[attr-defined]
    used = session.execute(
        update(otp_table).where(otp_table.c.id == flow.id, otp_table.c.used_at.is_(None), otp_table.c.expires_at > now).values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise OtpUsed()
    guardian = _find_or_create_guardian(session, flow, locale)
    code_table = GuardianCode.__table__  # type: ignore[attr-defined]
    letter = session.execute(
        update(code_table)
        .where(code_table.c.id == flow.guardian_code_id, code_table.c.used_at.is_(None), code_table.c.expires_at > now)
        .values(used_at=now, used_by_guardian_id=guardian.id)
    )
    if letter.rowcount != 1:  # type: ignore[attr-defined]
        # Why not: read the letter code as it is now (the UPDATE matched nothing), then refuse with the reason.
        _usable(session.get(GuardianCode, flow.guardian_code_id, populate_existing=True))
        raise LetterCodeUsed()
    code_row = session.get_one(GuardianCode, flow.guardian_code_id)
    child = session.get_one(Child, code_row.child_id)
    link_table = Guardianship.__table__  # type: ignore[attr-defined]
    session.execute(
        dialect_insert(session)(link_table).values(guardian_id=guardian.id, child_id=child.id, created_at=now)
        .on_conflict_do_nothing(index_elements=["guardian_id", "child_id"])
    )
    guardians = session.exec(select(func.count()).select_from(Guardianship).where(Guardianship.child_id == child.id)).one()
    token = new_token()
    session.add(GuardianSession(guardian_id=guardian.id, token_hash=token_hash(token), csrf_token=new_token(), expires_at=now + SESSION_MAX))  # type: ignore[arg-type]
    # A third guardian is allowed (families differ) but noted, so staff can look at it.
    audit.record(session, actor=guardian, action="consent.guardian_linked", subject=child, guardian_code_id=code_row.id,
                 guardians=guardians, more_than_two=guardians > 2)
    return Verified(guardian=guardian, child=child, token=token)


# ---- the guardian's session ----------------------------------------------------------------------


def resolve_session(*, session: Session, raw: str) -> tuple[Guardian, GuardianSession] | None:
    """The guardian behind a cookie, if the session is live (30 minutes idle, 12 hours at most); its last
    use is noted at most every 30 seconds (the caller commits)."""
    found = session.exec(select(GuardianSession).where(GuardianSession.token_hash == token_hash(raw))).first()
    now = utcnow()
    if found is None or found.revoked_at is not None or found.expires_at <= now or found.last_seen_at + SESSION_IDLE <= now:
        return None
    guardian = session.get(Guardian, found.guardian_id)
    if guardian is None:
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        session.add(found)
        session.flush()
    return guardian, found


def end_session(*, session: Session, guardian_session: GuardianSession) -> None:
    guardian_session.revoked_at = utcnow()
    session.add(guardian_session)
    session.flush()


# ---- the guardian's decisions --------------------------------------------------------------------


def linked_child(*, session: Session, guardian: Guardian, child_id: int) -> Child:
    """A child this guardian is linked to; any other child is 'not found'."""
    link = session.exec(select(Guardianship).where(Guardianship.guardian_id == guardian.id, Guardianship.child_id == child_id)).first()
    child = session.get(Child, child_id) if link is not None else None
    if child is None:
        raise NotFound()
    return child


def children_of(*, session: Session, guardian: Guardian) -> list[Child]:
    return list(session.exec(
        select(Child).join(Guardianship, col(Guardianship.child_id) == col(Child.id))
        .where(Guardianship.guardian_id == guardian.id).order_by(col(Child.id))
    ).all())


def new_form_token() -> str:
    return secrets.token_urlsafe(16)


# Letters a person can read out and type without confusing them (no 0/O, 1/I/L, U).
_READABLE = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def short_code(number: str) -> str:
    """The receipt's short code (issue 18: the 22-character number could not be read out): eight readable letters
    and digits drawn from the number's hash, as "XXXX-XXXX"; the number itself stays behind it."""
    value = int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big")
    letters = []
    for _ in range(8):
        value, index = divmod(value, len(_READABLE))
        letters.append(_READABLE[index])
    return "".join(letters[:4]) + "-" + "".join(letters[4:])


def record_decisions(
    *, session: Session, guardian: Guardian, child: Child, choices: dict[str, str], form_token: str
) -> list[ConsentEvent]:
    """One event per purpose, against the current notice; the same form sent twice records nothing twice."""
    if not _FORM_TOKEN.match(form_token or ""):
        raise FormUsedElsewhere()
    if consent.decides_for_themselves(child):
        raise consent.DecisionNotAllowed()
    decisions: dict[Purpose, Decision] = {}
    for purpose in Purpose:
        value = choices.get(purpose.value)
        if value not in (Decision.GRANTED.value, Decision.REFUSED.value):
            raise ChoicesMissing()
        decisions[purpose] = Decision(value)
    version = current_notice(session=session)
    expires_at = consent.programme_year_end()
    events = []
    for purpose, decision in decisions.items():
        event = consent.record(
            session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
            channel="web", guardian=guardian, notice_version=version, expires_at=expires_at, evidence=form_token,
            idempotency_key=f"{form_token}:{child.id}:{purpose.value}",
        )
        if event.guardian_id != guardian.id or event.child_id != child.id:
            raise FormUsedElsewhere()  # the action rolls back what this form recorded
        events.append(event)
    return events


def current_notice(*, session: Session) -> NoticeVersion:
    version = consent.current_version(session=session)
    if version is None:
        raise NoNotice()
    return version


def receipt(*, session: Session, guardian: Guardian, child: Child, number: str) -> list[ConsentEvent]:
    events = session.exec(
        select(ConsentEvent)
        .where(ConsentEvent.child_id == child.id, ConsentEvent.guardian_id == guardian.id, ConsentEvent.evidence == (number or "")[:80])
        .order_by(col(ConsentEvent.id))
    ).all()
    if not events:
        raise NotFound()
    return list(events)
