"""Every child hears back (issue 17; PAR-08, PAR-09): the child's page about one consultation's response, their
"news" badge, their face and "why" (moderated like any comment), what officials see of reactions, and the one
message to guardians when a response is first published. Services never commit: `actions` owns the transaction.

What a child reads of the city's answer is the latest publication's snapshot (app/responses/service.py says
its shape); commitments are read live. Only a child who took part (a Participation row, any channel) and takes
part now (PARTICIPATE allowed, checked by the route's consent guard) gets any of this: others get "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update as sql_update
from sqlmodel import Session, col, func, select

from app.consent import service as consent
from app.consent.models import Guardian, Guardianship, Purpose
from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import (
    SCALE_FACES,
    CommentStatus,
    Consultation,
    Participation,
    QuestionKind,
)
from app.core import moderated, suppression
from app.core.db import dialect_insert, utcnow
from app.core.errors import NotFound
from app.core.i18n import DEFAULT_LOCALE, LOCALES, N_, gettext, localised, translations
from app.core.suppression import Count
from app.corps.models import Child, Group
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.notifications.models import Channel
from app.responses import service
from app.responses.models import (
    COMMITMENT_STATUS_LABELS,
    OUTCOME_LABELS,
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    Face,
    HeardBack,
    Publication,
    Reaction,
    Reminder,
    WhyStatus,
)

BANDS = consultations.BANDS
REACTION_WHY = "reaction_why"
WHY_LIMIT = 500

FACE_WORDS: dict[Face, str] = {
    Face.HAPPY: N_("Happy"),
    Face.UNSURE: N_("Not sure"),
    Face.UNHAPPY: N_("Not happy"),
}
FACE_PICTURES: dict[Face, str] = {Face.HAPPY: "face-5", Face.UNSURE: "face-3", Face.UNHAPPY: "face-1"}
# The steps of a commitment as a child sees them (a dropped one is said plainly, not drawn as a step).
STEPS: tuple[CommitmentStatus, ...] = (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS, CommitmentStatus.DONE)
CHILD_STEP_WORDS: dict[CommitmentStatus, str] = {
    CommitmentStatus.PLANNED: N_("Planned"),
    CommitmentStatus.IN_PROGRESS: N_("Being done"),
    CommitmentStatus.DONE: N_("Done"),
}
CHILD_OUTCOME_WORDS: dict[str, str] = {
    "adopted": N_("Yes, the city will do this"),
    "adopted_in_part": N_("The city will do part of this"),
    "not_adopted": N_("No, the city will not do this"),
    "pending": N_("The city has not decided yet"),
}
GUARDIANS_KIND = "responses.published"
GUARDIANS_SUBJECT = N_("The city has answered the children")
GUARDIANS_BODY = N_("The city has answered what children said in \"%(title)s\". You can read the answer here: %(link)s")


# ---- who may see it -----------------------------------------------------------------------------------------


def took_part(*, session: Session, child: Child, consultation_id: int) -> tuple[Consultation, Participation]:
    """The consultation and the child's part in it; "not found" for a child who did not take part (or whose part
    was erased). The route's consent guard has already checked the child takes part now (CON-04)."""
    row = session.exec(
        select(Consultation, Participation)
        .join(Participation, col(Participation.consultation_id) == Consultation.id)
        .where(Consultation.id == consultation_id, Participation.child_id == child.id)
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


# ---- the snapshot, in a child's words ----------------------------------------------------------------------


def child_words(response: dict[str, Any], band: str | None) -> dict[str, str]:
    """The response's child version for the band, falling back to the next older band, then the adult words."""
    versions = response.get("child_versions") or {}
    start = BANDS.index(band) if band in BANDS else 0
    for key in BANDS[start:]:
        words = versions.get(key) or {}
        if any((v or "").strip() for v in words.values()):
            return words
    return response.get("explanation") or {}


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass
class ResponseView:
    subject: str
    description: str
    size: Count
    outcome: str
    outcome_label: str
    child_outcome: str
    words: str
    reason: str
    decide_by: dt.date | None
    theme_id: int | None = None


@dataclass
class DecisionView:
    id: int
    decided_on: dt.date | None
    decider: str
    text: str
    reference: str
    has_document: bool


@dataclass
class Update:
    on: dt.date
    text: str
    status: str | None


@dataclass
class CommitmentView:
    id: int
    action: str
    department: str
    due_on: dt.date | None
    status: str
    status_label: str
    dropped: bool
    dropped_reason: str | None
    steps: list[tuple[str, str]]  # (words, "done" | "now" | "todo")
    updates: list[Update]
    updated_at: dt.datetime


def responses_of(snapshot: dict[str, Any], *, band: str | None = None, for_child: bool = False) -> list[ResponseView]:
    found = []
    for r in snapshot.get("responses", []):
        outcome = str(r.get("outcome", "pending"))
        labels = {o.value: label for o, label in OUTCOME_LABELS.items()}
        found.append(ResponseView(
            subject=localised(r.get("subject") or {}), description=localised(r.get("description") or {}),
            size=suppression.total(int(r.get("size") or 0)), outcome=outcome, outcome_label=gettext(labels.get(outcome, outcome)),
            child_outcome=gettext(CHILD_OUTCOME_WORDS.get(outcome, outcome)),
            words=localised(child_words(r, band) if for_child else (r.get("explanation") or {})),
            reason=localised(r.get("reason") or {}), decide_by=_day(r.get("decide_by")), theme_id=r.get("theme_id"),
        ))
    return found


def decisions_of(snapshot: dict[str, Any]) -> list[DecisionView]:
    return [
        DecisionView(id=int(d["id"]), decided_on=_day(d.get("decided_on")), decider=localised(d.get("decider") or {}),
                     text=localised(d.get("text") or {}), reference=str(d.get("reference") or ""), has_document=bool(d.get("has_document")))
        for d in snapshot.get("decisions", [])
    ]


def _steps(status: str) -> list[tuple[str, str]]:
    if status == CommitmentStatus.DROPPED.value:
        return []
    at = [s.value for s in STEPS].index(status) if status in [s.value for s in STEPS] else 0
    found = []
    for i, step in enumerate(STEPS):
        state = "done" if i < at or status == CommitmentStatus.DONE.value else "now" if i == at else "todo"
        found.append((gettext(CHILD_STEP_WORDS[step]), state))
    return found


def commitments_of(*, session: Session, consultation_ids: Sequence[int]) -> dict[int, list[CommitmentView]]:
    """Commitments read live, with their dated progress updates (oldest first), by consultation."""
    if not consultation_ids:
        return {}
    rows = session.exec(
        select(Commitment).where(col(Commitment.consultation_id).in_(list(consultation_ids))).order_by(col(Commitment.id))
    ).all()
    events = session.exec(
        select(CommitmentEvent).where(col(CommitmentEvent.commitment_id).in_([c.id for c in rows]))
        .order_by(col(CommitmentEvent.on), col(CommitmentEvent.id))
    ).all() if rows else []
    updates: dict[int, list[Update]] = {}
    for e in events:
        text = localised(e.text or {})
        if e.kind in ("progress", "status") and (text or e.status):
            updates.setdefault(e.commitment_id, []).append(Update(e.on, text, e.status))
    labels = {s.value: label for s, label in COMMITMENT_STATUS_LABELS.items()}
    found: dict[int, list[CommitmentView]] = {}
    for c in rows:
        found.setdefault(c.consultation_id, []).append(CommitmentView(
            id=c.id, action=localised(c.action), department=localised(c.department), due_on=c.due_on, status=c.status,  # type: ignore[arg-type]
            status_label=gettext(labels.get(c.status, c.status)), dropped=c.status == CommitmentStatus.DROPPED.value,
            dropped_reason=c.dropped_reason, steps=_steps(c.status), updates=updates.get(c.id, []), updated_at=c.updated_at,  # type: ignore[index]
        ))
    return found


# ---- what the child said -----------------------------------------------------------------------------------


@dataclass
class Said:
    prompt: str
    words: list[str]


def own_input(*, session: Session, child: Child, consultation: Consultation) -> tuple[list[Said], list[str]]:
    """The child's own answers (skipped ones left out) and their own approved comments: only they see these."""
    form = consultations.form_of(session=session, consultation=consultation)
    stored = answering.answers_of(session=session, child=child, consultation=consultation)
    said = []
    for question in form.questions:
        answer = stored.get(question.id)  # type: ignore[arg-type]
        if answer is None or answer.skipped:
            continue
        kind = QuestionKind(question.kind)
        labels = {o.id: localised(o.label) for o in form.options.get(question.id, [])}  # type: ignore[arg-type]
        value = answer.value or {}
        if kind == QuestionKind.SINGLE:
            words = [labels.get(value.get("option"), "")]
        elif kind == QuestionKind.MULTIPLE:
            words = [labels.get(o, "") for o in value.get("options", [])]
        elif kind == QuestionKind.SCALE:
            words = [gettext(w) for v, _f, w in SCALE_FACES if v == value.get("scale")]
        elif kind == QuestionKind.RANKING:
            words = [f"{n}. {labels.get(o, '')}" for n, o in enumerate(value.get("order", []), start=1)]
        else:
            continue  # a written answer is shown below, once a grown-up has read it
        said.append(Said(localised(question.prompt), [w for w in words if w]))
    shown = (CommentStatus.APPROVED.value, CommentStatus.REDACTED.value)
    comments = [c.text for c in answering.comments_of_child(session=session, child=child, consultation=consultation) if c.status in shown]
    return said, comments


# ---- the child's page --------------------------------------------------------------------------------------


@dataclass
class HeardPage:
    consultation: Consultation
    title: str
    band: str | None
    publication: Publication | None
    first_published_at: dt.datetime | None
    said: list[Said]
    comments: list[str]
    responses: list[ResponseView]
    decisions: list[DecisionView]
    commitments: list[CommitmentView]
    reaction: Reaction | None
    overdue: bool = False
    updated_at: dt.datetime | None = None  # a correction, or a commitment's newer progress


def page_for_child(*, session: Session, child: Child, consultation_id: int) -> HeardPage:
    consultation, _part = took_part(session=session, child=child, consultation_id=consultation_id)
    band = child.age_band()
    band_value = band.value if band is not None else None
    publication = service.latest_publication(session=session, consultation_id=consultation.id)  # type: ignore[arg-type]
    snapshot = publication.snapshot if publication is not None else {}
    said, comments = own_input(session=session, child=child, consultation=consultation)
    commitments = commitments_of(session=session, consultation_ids=[consultation.id]).get(consultation.id, []) if publication else []  # type: ignore[list-item]
    reaction = session.exec(select(Reaction).where(Reaction.consultation_id == consultation.id, Reaction.child_id == child.id)).first()
    state = service.response_state(consultation, published=publication is not None)
    return HeardPage(
        consultation=consultation, title=localised(consultation.title), band=band_value, publication=publication,
        first_published_at=service.first_published_at(session=session, consultation_id=consultation.id) if publication else None,  # type: ignore[arg-type]
        said=said, comments=comments, responses=responses_of(snapshot, band=band_value, for_child=True),
        decisions=decisions_of(snapshot), commitments=commitments, reaction=reaction,
        overdue=state == service.ResponseState.OVERDUE,
        updated_at=publication.published_at if publication is not None and publication.number > 1 else None,
    )


def mark_heard(*, session: Session, child: Child, consultation_id: int) -> None:
    """The child opened the page: their "news" for it is read (one row per child and consultation, upserted)."""
    insert = dialect_insert(session)(HeardBack.__table__)  # type: ignore[attr-defined]
    now = utcnow()
    session.execute(insert.values(consultation_id=consultation_id, child_id=child.id, seen_at=now).on_conflict_do_update(
        index_elements=["consultation_id", "child_id"], set_={"seen_at": now}))


# ---- the news badge on the child's home ----------------------------------------------------------------------


@dataclass
class News:
    consultation_id: int
    title: str
    kind: str  # "response" (published or corrected) or "update" (a commitment changed)
    about: str = ""  # the commitment, for "an update on …"


@dataclass
class Heard:
    """A consultation the child took part in whose response is published (for the home's list)."""

    consultation_id: int
    title: str
    news: News | None = None


def heard_for(*, session: Session, child: Child) -> list[Heard]:
    """The consultations the child took part in with a published response, newest news first: news while the
    latest publication, or a commitment's change, is newer than the child's last look (HeardBack)."""
    parts = session.exec(
        select(Consultation, func.max(Publication.published_at), HeardBack.seen_at)
        .join(Participation, col(Participation.consultation_id) == Consultation.id)
        .join(Publication, col(Publication.consultation_id) == Consultation.id)
        .outerjoin(HeardBack, (col(HeardBack.consultation_id) == Consultation.id) & (col(HeardBack.child_id) == child.id))
        .where(Participation.child_id == child.id)
        .group_by(col(Consultation.id), col(HeardBack.seen_at))
    ).all()
    if not parts:
        return []
    ids = [c.id for c, _p, _s in parts]
    changes: dict[int, tuple[dt.datetime, str]] = {}
    for event, commitment in session.exec(
        select(CommitmentEvent, Commitment).join(Commitment, col(Commitment.id) == CommitmentEvent.commitment_id)
        .where(col(Commitment.consultation_id).in_(ids), col(CommitmentEvent.kind).in_(("status", "progress")))
        .order_by(col(CommitmentEvent.at))
    ).all():
        changes[commitment.consultation_id] = (event.at, localised(commitment.action))
    found = []
    for consultation, published_at, seen_at in parts:
        title = localised(consultation.title)
        heard = Heard(consultation.id, title)  # type: ignore[arg-type]
        change = changes.get(consultation.id)  # type: ignore[arg-type]
        if seen_at is None or published_at > seen_at:
            heard.news = News(consultation.id, title, "response")  # type: ignore[arg-type]
        elif change is not None and change[0] > seen_at:
            heard.news = News(consultation.id, title, "update", change[1])  # type: ignore[arg-type]
        found.append(heard)
    found.sort(key=lambda h: (h.news is None, h.title))
    return found


# ---- reactions (PAR-08, PAR-09) -------------------------------------------------------------------------------


_WHY_STATUS_OF: dict[moderated.Outcome, WhyStatus] = {
    moderated.Outcome.PENDING: WhyStatus.PENDING,
    moderated.Outcome.APPROVED: WhyStatus.APPROVED,
    moderated.Outcome.REDACTED: WhyStatus.REDACTED,
    moderated.Outcome.REJECTED: WhyStatus.REJECTED,
    moderated.Outcome.ESCALATED: WhyStatus.REJECTED,  # never shown (SG-01)
}
SHOWN_WHY = (WhyStatus.APPROVED.value, WhyStatus.REDACTED.value)


def _describe_whys(session: Session, ids: Sequence[int]) -> dict[int, moderated.Subject]:
    """What moderators see of a "why": the words, the consultation, the pseudonym, age band and group (MOD-05)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Reaction, Consultation, Child, Group)
        .join(Consultation, col(Consultation.id) == Reaction.consultation_id)
        .join(Child, col(Child.id) == Reaction.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(col(Reaction.id).in_(list(ids)), col(Reaction.why).is_not(None))
        .execution_options(populate_existing=True)
    ).all()
    found = {}
    for reaction, consultation, child, group in rows:
        band = child.age_band()
        found[reaction.id] = moderated.Subject(
            id=reaction.id, text=reaction.why or "", author_kind="child", scope_id=reaction.consultation_id, child_id=reaction.child_id,  # type: ignore[arg-type]
            title=localised(consultation.title), prompt=gettext(N_("What do you think of the city's answer? Tell the city why.")),
            pseudonym=child.display_name, age_band=band.value if band is not None else None,
            group=group.label if group is not None else None, created_at=reaction.updated_at,
            extra={"consultation_id": reaction.consultation_id, "face": reaction.face},
        )
    return found


def _why_outcome(session: Session, reaction_id: int, outcome: moderated.Outcome, text: str | None) -> None:
    values: dict[str, Any] = {"why_status": _WHY_STATUS_OF[outcome].value}
    if text is not None:
        values["why"] = text  # a redaction overwrites the words (MOD-09)
    session.execute(sql_update(Reaction).where(col(Reaction.id) == reaction_id).values(**values))


def _lock_reaction(session: Session, reaction_id: int) -> None:
    session.execute(select(Reaction.id).where(Reaction.id == reaction_id).with_for_update())


def _consultation_title(session: Session, consultation_id: int) -> str:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    return localised(consultation.title)


moderated.register_kind(REACTION_WHY, describe=_describe_whys, on_outcome=_why_outcome, scope_name="consultation_id",
                        lock=_lock_reaction, scope_title=_consultation_title)


def clean_why(raw: str | None) -> str | None:
    text = consultations.clean_text(raw or "") if raw is not None else None
    if text is not None and len(text) > WHY_LIMIT:
        from app.core.errors import InvalidInput

        raise InvalidInput(N_("That is a bit long. Please use up to %(max)s characters."), max=WHY_LIMIT)
    return text or None


@dataclass
class Reacted:
    reaction_id: int
    told_a_grown_up: bool = False


def react(*, session: Session, child: Child, consultation: Consultation, face: Face, why: str | None, keep_why: bool,
          channel: str) -> Reacted:
    """One face per child per consultation: an upsert on (consultation, child), so a second tap changes it and a
    retry counts once. A "why" goes to moderation like any comment (MOD-01, MOD-06) and is shown to nobody until
    approved; emptying it takes it back. `keep_why`: the form had no "why" field (a face tapped alone)."""
    if service.latest_publication(session=session, consultation_id=consultation.id) is None:  # type: ignore[arg-type]
        raise NotFound()
    screened = moderation.screen_words(why) if why else None
    now = utcnow()
    table = Reaction.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)(table)
    values = {"consultation_id": consultation.id, "child_id": child.id, "face": face.value, "channel": channel,
              "created_at": now, "updated_at": now}
    previous = session.exec(
        select(Reaction.id, Reaction.why).where(Reaction.consultation_id == consultation.id, Reaction.child_id == child.id)
    ).first()
    changed_why = not keep_why and (previous is None or previous[1] != why)
    if not keep_why:
        values |= {"why": why, "why_status": WhyStatus.PENDING.value if why else None}
    update_set = {"face": insert.excluded.face, "channel": insert.excluded.channel, "updated_at": insert.excluded.updated_at}
    if changed_why:
        update_set |= {"why": insert.excluded.why, "why_status": insert.excluded.why_status}
    reaction_id = session.execute(
        insert.values(**values).on_conflict_do_update(index_elements=["consultation_id", "child_id"], set_=update_set).returning(table.c.id)
    ).scalar_one()
    told = False
    if changed_why:
        if why:
            told = moderation.submit(session=session, kind=REACTION_WHY, subject_id=reaction_id, text=why, screened=screened,
                                     scope_id=consultation.id, author_kind="child", child_id=child.id)
        else:
            moderation.forget(session=session, kind=REACTION_WHY, subject_ids=[reaction_id])
    return Reacted(reaction_id, told)


def withdraw_pending(*, session: Session, child: Child) -> int:
    """The child stopped taking part: their "why" still waiting for a moderator is taken back (CON-07)."""
    ids = list(session.exec(
        select(Reaction.id).where(Reaction.child_id == child.id, Reaction.why_status == WhyStatus.PENDING.value)
    ).all())
    if not ids:
        return 0
    session.execute(sql_update(Reaction).where(col(Reaction.id).in_(ids)).values(why=None, why_status=None))
    moderation.forget(session=session, kind=REACTION_WHY, subject_ids=ids)  # type: ignore[arg-type]
    return len(ids)


@dataclass
class ReactionSummary:
    faces: dict[str, Count]
    total: Count
    whys: list[tuple[str, str, str | None]]  # (face, words, age band): approved only, never who


def reactions_of(*, session: Session, consultation: Consultation) -> ReactionSummary:
    """What officials see (PAR-09): the faces, counted through the one small-cell rule, and the approved "why"
    words with the age band only (never a name, group or child id)."""
    counts = dict(session.exec(
        select(Reaction.face, func.count()).where(Reaction.consultation_id == consultation.id).group_by(col(Reaction.face))
    ).all())
    values = {f.value: int(counts.get(f.value, 0)) for f in Face}
    whys = []
    rows = session.exec(
        select(Reaction, Child).join(Child, col(Child.id) == Reaction.child_id)
        .where(Reaction.consultation_id == consultation.id, col(Reaction.why_status).in_(SHOWN_WHY))
        .order_by(col(Reaction.updated_at).desc())
    ).all()
    # A child's words are read only while the child takes part (CON-04), as analysable comments are.
    taking_part = consent.allowed_among(session=session, children=[c for _r, c in rows], purpose=Purpose.PARTICIPATE)
    for reaction, child in rows:
        if child.id not in taking_part:
            continue
        band = child.age_band()
        whys.append((reaction.face, reaction.why or "", band.value if band is not None else None))
    return ReactionSummary(faces=suppression.cells(values), total=suppression.total(sum(values.values())), whys=whys)


# ---- guardians ----------------------------------------------------------------------------------------------


def notify_guardians(session: Session, consultation: Consultation, publication: Publication) -> int:
    """PAR-08: when a consultation's response is first published, each guardian of a child who took part, with
    the `notify_guardian` consent allowing it now, gets ONE message through the notifier: a link, no child data.
    Once only: the Reminder row "guardians:<number>" is unique per consultation, and a correction sends nothing.
    Called by the publish action inside its transaction; returns how many messages were queued."""
    if publication.number != 1:
        return 0
    insert = dialect_insert(session)(Reminder.__table__)  # type: ignore[attr-defined]
    done = session.execute(
        insert.values(consultation_id=consultation.id, kind=f"guardians:{publication.number}", sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["consultation_id", "kind"]).returning(Reminder.__table__.c.id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if done is None:
        return 0
    children = list(session.exec(
        select(Child).join(Participation, col(Participation.child_id) == Child.id).where(Participation.consultation_id == consultation.id)
    ).all())
    allowed = consent.allowed_among(session=session, children=children, purpose=Purpose.NOTIFY_GUARDIAN)
    if not allowed:
        return 0
    guardians = session.exec(
        select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == Guardian.id)
        .where(col(Guardianship.child_id).in_(sorted(allowed))).distinct().order_by(col(Guardian.id))
    ).all()
    link = f"/said-and-done/{consultation.id}"  # public: readable without signing in, and no child data
    queued = 0
    for guardian in guardians:
        locale = guardian.locale if guardian.locale in LOCALES else DEFAULT_LOCALE
        words = translations(locale)
        title = consultation.title.get(locale) or consultation.title.get(DEFAULT_LOCALE) or ""
        email = guardian.contact_kind == "email"
        notifications.enqueue(
            session=session, channel=Channel.EMAIL if email else Channel.SMS, recipient=guardian.contact, kind=GUARDIANS_KIND,
            locale=locale, subject=words.gettext(GUARDIANS_SUBJECT) if email else None,
            body=words.gettext(GUARDIANS_BODY) % {"title": title, "link": link},
            idempotency_key=f"{GUARDIANS_KIND}:{consultation.id}:{guardian.id}",
        )
        queued += 1
    return queued


@dataclass
class GuardianResponse:
    consultation_id: int
    title: str
    published_at: dt.datetime
    updated: bool
    children: list[str] = field(default_factory=list)


def for_guardian(*, session: Session, children: Sequence[Child]) -> list[GuardianResponse]:
    """The published responses of consultations the guardian's children took part in (their dashboard)."""
    # A young person of 14-17 decides for themselves: their guardian is not shown what they took part in.
    ids = [c.id for c in children if not consent.decides_for_themselves(c)]
    if not ids:
        return []
    rows = session.exec(
        select(Consultation, func.max(Publication.number), func.max(Publication.published_at))
        .join(Publication, col(Publication.consultation_id) == Consultation.id)
        .join(Participation, col(Participation.consultation_id) == Consultation.id)
        .where(col(Participation.child_id).in_(ids))
        .group_by(col(Consultation.id))
        .order_by(func.max(Publication.published_at).desc())
    ).all()
    return [GuardianResponse(c.id, localised(c.title), at, number > 1) for c, number, at in rows]  # type: ignore[arg-type]


def guardian_may_see(*, session: Session, children: Sequence[Child], consultation_id: int) -> bool:
    return any(r.consultation_id == consultation_id for r in for_guardian(session=session, children=children))
