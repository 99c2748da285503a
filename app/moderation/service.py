"""Pre-moderation (MOD-01) of any moderated item (issue 15): every item is screened when its owner submits it,
waits in a queue ordered by risk then age, and is decided by a person — approve, hide parts and approve, not
shown with a reason, or pass to safeguarding. The actions (`app.moderation.actions`) commit; these functions
never do.

Moderation owns the item (`moderated_item`: kind and id, findings, state, decisions) and nothing of its
owner's tables: the owner registers its kind with `app.core.moderated` (how to describe items, what to do on
an outcome) and is told every change of state in the same transaction. Rules that live here:
* a decision is settled on moderation's own row: `UPDATE moderated_item … WHERE id = … AND state = 'pending'
  AND digest = sha256(words read)` and the row count says whether this moderator won; a second moderator is
  told and nothing is overwritten;
* a redaction tells the owner the redacted words, which overwrite the original, so the hidden words are
  kept nowhere afterwards (MOD-09);
* a child's request to look again (MOD-21) puts the item back in the queue, and the moderator who decided
  it first may not decide it again;
* bulk approval takes only pending items without any finding (and not asked to be looked at again);
* the transparency report gives counts only, children's and guardians' apart.
"""

import datetime as dt
import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, delete, func, update
from sqlmodel import Session, col, select

from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.core import audit, moderated
from app.core.db import dialect_insert, utcnow
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import N_, NC_
from app.core.moderated import Outcome, Subject
from app.corps.models import Child
from app.moderation.models import (
    NOTE,
    REASON_FOR_CHILDREN,
    SHOWN_STATES,
    WORDS_TO_HIDE,
    Decision,
    ItemState,
    ModeratedItem,
    ModerationDecision,
    ModerationReport,
    Reason,
    ReporterKind,
    ReportReason,
)
from app.moderation.screening import (
    MASK,
    PERSONAL_DETAILS,
    Action,
    Category,
    Result,
    personal_details,
    screen,
)

PAGE = 25  # items shown at once in the queue
UNSCREENED = "unscreened"  # an item's action until screened (items migrated from before screening existed)


# ---- errors ----------------------------------------------------------------------------------------


class AlreadyDecided(Conflict):
    title = N_("Already decided")
    detail = N_("Another moderator has already decided this comment. Nothing was changed.")
    slug = "already-decided"


class WordsChanged(Conflict):
    title = N_("The words have changed")
    detail = N_("The author changed these words while you were reading them. Please read them again.")
    slug = "words-changed"


class AnotherModeratorNeeded(Forbidden):
    title = N_("A second person decides")
    detail = N_("The author asked for a person to look again, so a different moderator decides this comment.")
    slug = "another-moderator-needed"


class ReasonNeeded(InvalidInput):
    detail = N_("Please choose why this comment is not shown.")
    slug = "reason-needed"  # a rule across fields: a reason when, and only when, a comment is not shown


class NothingToHide(InvalidInput):
    detail = N_("Please choose the parts to hide.")
    slug = "nothing-to-hide"  # a redaction with no parts chosen and no personal details found in the words


class CannotLookAgain(Conflict):
    title = NC_("a moderator's refusal", "Not now")  # not the child's "not now" (issue 18)
    detail = N_("A person is already looking at this one again.")
    slug = "cannot-look-again"


# ---- the item and its owner -------------------------------------------------------------------------


def digest(text: str) -> str:
    """What the item keeps of the words: enough to know they are the ones read, never the words (MOD-09)."""
    return hashlib.sha256(text.encode()).hexdigest()


def item_of(*, session: Session, kind: str, subject_id: int) -> ModeratedItem | None:
    return session.exec(
        select(ModeratedItem).where(ModeratedItem.subject_kind == kind, ModeratedItem.subject_id == subject_id)
        .execution_options(populate_existing=True)
    ).first()


def _subjects(session: Session, items: Iterable[ModeratedItem]) -> dict[tuple[str, int], Subject]:
    """The owners' descriptions of the items, one `describe` call per kind."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for item in items:
        wanted[item.subject_kind].append(item.subject_id)
    found: dict[tuple[str, int], Subject] = {}
    for name, ids in wanted.items():
        for subject_id, subject in moderated.kind(name).describe(session, ids).items():
            found[(name, subject_id)] = subject
    return found


def _subject(session: Session, item: ModeratedItem) -> Subject:
    subject = _subjects(session, [item]).get((item.subject_kind, item.subject_id))
    if subject is None:
        raise NotFound()  # its owner no longer has it
    return subject


def _lock(session: Session, kind: str, subject_ids: Iterable[int]) -> None:
    """Lock the owners' rows first (when the kind says how), in the order the owner's own writes take them."""
    lock = moderated.kind(kind).lock
    if lock is not None:
        for subject_id in sorted(subject_ids):
            lock(session, subject_id)


def _tell(session: Session, item: ModeratedItem, outcome: Outcome, text: str | None = None) -> None:
    """The owner learns the outcome in the same transaction (it updates its own row)."""
    moderated.kind(item.subject_kind).on_outcome(session, item.subject_id, outcome, text)


def _scope(item: ModeratedItem) -> dict[str, Any]:
    """The item's scope as audit events name it (e.g. `consultation_id`)."""
    return {moderated.kind(item.subject_kind).scope_name: item.scope_id}


def forget(*, session: Session, kind: str, subject_ids: Iterable[int]) -> int:
    """The owner deleted these items (withdrawal, erasure, words taken back): their moderation goes too —
    findings, decisions and reports (which cascade with the item). Returns how many."""
    ids = list(subject_ids)
    if not ids:
        return 0
    result = session.execute(
        delete(ModeratedItem).where(col(ModeratedItem.subject_kind) == kind, col(ModeratedItem.subject_id).in_(ids))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_child(*, session: Session, kind: str | None, child_id: int) -> int:
    """Erasure of a child: every item of a kind they wrote goes (their owner deleted them); with `kind` None,
    every item of every kind (consent's erasure, after the owners: nothing a child wrote outlives it here)."""
    chosen = delete(ModeratedItem).where(col(ModeratedItem.child_id) == child_id)
    if kind is not None:
        chosen = chosen.where(col(ModeratedItem.subject_kind) == kind)
    result = session.execute(chosen)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- screening on submit ----------------------------------------------------------------------------


def screen_words(text: str, author_kind: str = "child") -> Result:
    """Screen words without storing anything (MOD-06): for `submit(screened=…)`, by the same author kind."""
    return screen(text, writer=author_kind)


_UPSERTS: dict[str, Any] = {}
_REQUEUED = ("scope_id", "author_kind", "child_id", "state", "digest", "findings", "action", "risk", "queued_at",
             "look_again", "first_moderator_id", "decision", "reason", "note", "decided_by_id", "decided_at")


def _upsert(session: Session) -> Any:
    """The item's upsert, built once per dialect (it runs on every stored comment)."""
    dialect = session.get_bind().dialect.name
    found = _UPSERTS.get(dialect)
    if found is None:
        table = ModeratedItem.__table__  # type: ignore[attr-defined]
        upsert = dialect_insert(session)(table)
        found = _UPSERTS[dialect] = upsert.on_conflict_do_update(
            index_elements=["subject_kind", "subject_id"], set_={name: upsert.excluded[name] for name in _REQUEUED}
        ).returning(table.c.id)
    return found


def submit(
    *, session: Session, kind: str, subject_id: int, text: str, scope_id: int | None = None, author_kind: str = "child",
    child_id: int | None = None, screened: Result | None = None,
) -> bool:
    """An item was stored or its words changed: screen the words and (re)open it in the queue, in one upsert on
    its kind and id. Returns whether the words went to safeguarding instead (the child then sees the calm
    screen, SG-05); the owner is told `escalated` then.

    Called by the owner right after it stores the words, with the words it stored (held: shown to nobody). An
    owner that screened the words before its write began passes the result (`screen_words`), so the write
    stays short."""
    moderated.kind(kind)  # a kind nobody registered is refused before anything is written
    # SG-02 (issue 14): a guardian's words are an adult's; screening reads them so (`screen(writer=…)`).
    result = screened if screened is not None else screen(text, writer=author_kind)
    item_id = session.execute(_upsert(session), {
        "subject_kind": kind, "subject_id": subject_id, "scope_id": scope_id, "author_kind": author_kind,
        "child_id": child_id, "state": ItemState.PENDING.value, "digest": digest(text), "created_at": utcnow(),
        "findings": [f.to_dict() for f in result.findings], "action": result.action.value, "risk": result.risk,
        "queued_at": utcnow(), "look_again": False, "first_moderator_id": None, "decision": None, "reason": None,
        "note": None, "decided_by_id": None, "decided_at": None, "reported_at": None, "read_first": False,
    }).scalar_one()
    if result.action not in (Action.SAFEGUARDING, Action.SAFEGUARDING_POSSIBLE):
        return False
    # Rows written by Core statements: read them afresh.
    item = session.get(ModeratedItem, item_id, populate_existing=True)
    assert item is not None
    subject = Subject(id=subject_id, text=text, author_kind=author_kind, scope_id=scope_id, child_id=child_id)
    if result.action == Action.SAFEGUARDING_POSSIBLE:
        _list_for_officers(session, item, subject, result)
        return False  # the child sees what they see for any held comment
    # SG-01, SG-02: never a normal queue item.
    _open_case(session, item, subject, moderator=None, subkinds=[s.value for s in result.subkinds])
    return True


def _list_for_officers(session: Session, item: ModeratedItem, subject: Subject, result: Result) -> None:
    """Issue 14: possibly worrying words are held out of the normal queue (the item's action says so) and put
    on the safeguarding officers' "please read" list; no case opens until an officer decides."""
    concerns = [f for f in result.findings if f.category == Category.SAFEGUARDING]
    item.read_first = True
    session.add(item)
    moderated.escalation().list_possible(
        session=session, kind=item.subject_kind, subject=subject, words=subject.text,
        subkinds=[s.value for s in result.subkinds], score=max((f.confidence for f in concerns), default=0.0),
    )


def escalate_possible(*, session: Session, officer: StaffUser, kind: str, subject_id: int, words: str) -> bool:
    """An officer opened a case from the "please read" list: the item leaves moderation unpublished (decision
    `escalated`, the owner told) if it still holds the words flagged; words changed since are already back in
    the queue on their own merits. Returns whether the item was settled."""
    item = item_of(session=session, kind=kind, subject_id=subject_id)
    if item is None or item.state != ItemState.PENDING.value or item.digest != digest(words):
        return False
    try:
        _settle(session, item, seen_text=words, state=ItemState.REJECTED)
    except (AlreadyDecided, WordsChanged):
        return False
    _record(session, officer, item, Decision.ESCALATED, note=None)
    _tell(session, item, Outcome.ESCALATED)
    return True


def return_from_safeguarding(*, session: Session, kind: str, subject_id: int) -> None:
    """An officer read the words and found no safeguarding matter: the item joins the normal queue with the
    action of its other findings (a moderator still decides, MOD-01). The safeguarding findings stay on the
    item, so the moderator sees what screening suspected."""
    item = item_of(session=session, kind=kind, subject_id=subject_id)
    if item is None or item.action != Action.SAFEGUARDING_POSSIBLE.value:
        return
    others = [f for f in item.findings if f["category"] != Category.SAFEGUARDING.value]
    categories = {f["category"] for f in others}
    if categories & {c.value for c in PERSONAL_DETAILS}:
        item.action = Action.PERSONAL_DETAILS.value
    elif Category.UNKIND.value in categories:
        item.action = Action.UNKIND.value
    else:
        item.action = Action.CLEAN.value
    session.add(item)


def _open_case(session: Session, item: ModeratedItem, subject: Subject, *, moderator: StaffUser | None, subkinds: Sequence[str] = ()) -> None:
    """The item leaves the queue unpublished (decision `escalated`) and a safeguarding case opens with the
    exact words, the child and where they were written (SG-01, SG-03); the officers are alerted in the same
    transaction (safeguarding registered how, `app.core.moderated.register_escalation`)."""
    moderated.escalation().open_case(session=session, kind=item.subject_kind, subject=subject, moderator=moderator, subkinds=subkinds)
    if moderator is None:
        _settle(session, item, seen_text=subject.text, state=ItemState.REJECTED)
        item.decision = Decision.ESCALATED.value
        item.decided_at = utcnow()
        session.add(item)
        session.add(ModerationDecision(item_id=item.id, moderator_id=None, decision=Decision.ESCALATED.value,  # type: ignore[arg-type]
                                       spans=[], look_again=False, at=item.decided_at))
        _tell(session, item, Outcome.ESCALATED)
        audit.record(session, actor=None, action="moderation.escalated", subject=(item.subject_kind, item.subject_id),
                     automatic=True, **_scope(item))


def _ensure_screened(session: Session, scope_id: int | None = None) -> None:
    """Pending items never screened (kept from before screening existed) are screened now."""
    query = select(ModeratedItem).where(ModeratedItem.state == ItemState.PENDING.value, ModeratedItem.action == UNSCREENED)
    if scope_id is not None:
        query = query.where(ModeratedItem.scope_id == scope_id)
    items = list(session.exec(query).all())
    subjects = _subjects(session, items) if items else {}
    for item in items:
        subject = subjects.get((item.subject_kind, item.subject_id))
        if subject is not None:
            submit(session=session, kind=item.subject_kind, subject_id=item.subject_id, text=subject.text,
                   scope_id=item.scope_id, author_kind=item.author_kind, child_id=item.child_id)


# ---- the child's prompt while writing (MOD-08, MOD-22) ----------------------------------------------

# The category in a child's words, never the matched text: "To keep you safe, we don't share …".
PERSONAL_DETAIL_WORDS: dict[str, str] = {
    Category.PHONE.value: N_("phone numbers"),
    Category.EMAIL.value: N_("e-mail addresses"),
    Category.URL.value: N_("web addresses"),
    Category.QQ.value: N_("QQ numbers"),
    Category.SOCIAL_ID.value: N_("WeChat or other app accounts"),
    Category.ID_NUMBER.value: N_("ID card numbers"),
    Category.ADDRESS.value: N_("where someone lives"),
    Category.SCHOOL.value: N_("names of schools or classes"),
    Category.NAME.value: N_("people's full names"),
}


def personal_details_in(text: str) -> list[str]:
    """The categories of personal details in `text`, in a fixed order (for the prompt before sending)."""
    found = {f.category.value for f in personal_details(text)}
    return [category for category in PERSONAL_DETAIL_WORDS if category in found]


# ---- the queue --------------------------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    category: str | None = None  # a finding: shown as <mark> (always HTML-escaped)


@dataclass
class QueueItem:
    subject: Subject  # as its owner describes it: the words, where, the pseudonym (never identity)
    review: ModeratedItem
    segments: list[Segment] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)  # MOD-12: (reporter kind, reason) of each report

    @property
    def kind(self) -> str:
        return self.review.subject_kind

    @property
    def has_findings(self) -> bool:
        return bool(self.review.findings)

    @property
    def personal_spans(self) -> list[tuple[int, int, str]]:
        """The personal details found, offered to hide (MOD-06)."""
        return [(f["start"], f["end"], f["category"]) for f in self.review.findings if f["category"] in {c.value for c in PERSONAL_DETAILS}]


def segments(text: str, findings: Iterable[dict[str, Any]]) -> list[Segment]:
    """The text cut at every finding's edges, so a template can mark findings without ever building HTML."""
    spans = sorted((max(0, f["start"]), min(len(text), f["end"]), f["category"]) for f in findings if f["end"] > f["start"])
    cuts = sorted({0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    out: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end:
            continue
        inside = [category for s, e, category in spans if s <= start and end <= e]
        out.append(Segment(text[start:end], inside[0] if inside else None))
    return out


def _queue_query(scope_id: int | None, kind: str | None = None):  # noqa: ANN202
    query = (
        select(ModeratedItem)
        .where(ModeratedItem.state == ItemState.PENDING.value, ModeratedItem.action != Action.SAFEGUARDING_POSSIBLE.value)
        .order_by(_reported_first(), col(ModeratedItem.risk).desc(), col(ModeratedItem.queued_at), col(ModeratedItem.subject_id))
    )
    if scope_id is not None:
        query = query.where(ModeratedItem.scope_id == scope_id)
    if kind is not None:
        query = query.where(ModeratedItem.subject_kind == kind)
    return query


def _reported_first():  # noqa: ANN202
    """MOD-12: a published item hidden again by a report comes first (its report is newer than its queue entry)."""
    reported = col(ModeratedItem.reported_at).is_not(None) & (col(ModeratedItem.reported_at) >= col(ModeratedItem.queued_at))
    return case((reported, 0), else_=1)


def _queue_items(session: Session, items: Sequence[ModeratedItem]) -> list[QueueItem]:
    subjects = _subjects(session, items)
    found = [
        QueueItem(subject=subject, review=item, segments=segments(subject.text, item.findings))
        for item in items if (subject := subjects.get((item.subject_kind, item.subject_id))) is not None
    ]
    ids = [i.review.id for i in found if i.review.reported_at is not None]
    if ids:
        rows = session.exec(
            select(ModerationReport).where(col(ModerationReport.item_id).in_(ids)).order_by(col(ModerationReport.at), col(ModerationReport.id))
        ).all()
        for queued in found:
            queued.reports = [(r.reporter_kind, r.reason) for r in rows if r.item_id == queued.review.id]
    return found


def queue(
    *, session: Session, consultation_id: int | None = None, limit: int | None = PAGE, exclude: Iterable[int] = (),
    kind: str | None = None,
) -> list[QueueItem]:
    """Pending items, highest risk first, then oldest first (in one scope — a consultation — or overall).
    `exclude`: subject ids already on the moderator's page."""
    _ensure_screened(session, consultation_id)
    query = _queue_query(consultation_id, kind)
    excluded = [i for i in exclude if i]
    if excluded:
        query = query.where(col(ModeratedItem.subject_id).not_in(excluded))
    if limit is not None:
        query = query.limit(limit)
    return _queue_items(session, session.exec(query).all())


def queue_item(*, session: Session, kind: str, subject_id: int) -> QueueItem:
    found = _queue_items(session, session.exec(_queue_query(None, kind).where(ModeratedItem.subject_id == subject_id)).all())
    if not found:
        raise NotFound()
    return found[0]


@dataclass
class Backlog:
    waiting: int
    oldest: dt.datetime | None

    @property
    def age_minutes(self) -> int:
        return int((utcnow() - self.oldest).total_seconds() // 60) if self.oldest else 0


def backlog(*, session: Session) -> Backlog:
    """One COUNT/MIN query: the items waiting and when the oldest entered the queue."""
    waiting, oldest = session.exec(
        select(func.count(col(ModeratedItem.id)), func.min(ModeratedItem.queued_at))
        .where(ModeratedItem.state == ItemState.PENDING.value, ModeratedItem.action != Action.SAFEGUARDING_POSSIBLE.value)
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return Backlog(int(waiting or 0), oldest)


def backlog_for(user: Any) -> Backlog | None:
    """For the staff header: only for staff who may moderate (anyone else pays nothing)."""
    if not isinstance(user, StaffUser) or not can(user, Permission.MODERATE):
        return None
    from app.core.db import new_session

    with new_session() as session:
        return backlog(session=session)


# ---- decisions ---------------------------------------------------------------------------------------


@dataclass
class Decided:
    kind: str
    subject_id: int
    decision: Decision
    state: str  # where the item stands now (as its owner was told)
    text: str  # the words as anyone else will see them (redacted where parts were hidden)


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace every span with MASK (overlapping or touching spans become one mask)."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [text[pos:start], MASK]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def spans_of_words(text: str, words: str) -> list[tuple[int, int]]:
    """Every place the moderator's words (separated by commas or new lines) occur in the text."""
    found = []
    for word in {w.strip() for w in words.replace("，", ",").replace("\n", ",").split(",")}:
        if not word:
            continue
        start = text.find(word)
        while start != -1:
            found.append((start, start + len(word)))
            start = text.find(word, start + len(word))
    return found


def _settle(session: Session, item: ModeratedItem, *, seen_text: str, state: ItemState, shown: str | None = None) -> None:
    """The one compare-and-swap that decides who wins, on moderation's own row: only a pending item whose words
    are the ones the moderator read changes; otherwise the moderator is told (someone else decided, or the
    author changed the words). `shown`: the words as shown after a redaction, kept as the new digest."""
    values: dict[str, Any] = {"state": state.value}
    if shown is not None:
        values["digest"] = digest(shown)
    result = session.execute(
        update(ModeratedItem)
        .where(col(ModeratedItem.id) == item.id, col(ModeratedItem.state) == ItemState.PENDING.value,
               col(ModeratedItem.digest) == digest(seen_text))
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.exec(select(ModeratedItem).where(ModeratedItem.id == item.id).execution_options(populate_existing=True)).first()
        if current is not None and current.state == ItemState.PENDING.value:
            raise WordsChanged()
        raise AlreadyDecided()
    session.refresh(item)


def _record(
    session: Session, moderator: StaffUser, item: ModeratedItem, decision: Decision, *,
    reason: Reason | None = None, note: str | None = None, spans: Sequence[tuple[int, int]] = (), bulk: bool = False,
) -> None:
    now = utcnow()
    item.decision = decision.value
    item.reason = reason.value if reason else None
    item.note = note or None
    item.decided_by_id = moderator.id
    item.decided_at = now
    session.add(item)
    session.add(ModerationDecision(
        item_id=item.id, moderator_id=moderator.id, decision=decision.value, reason=item.reason, note=item.note,  # type: ignore[arg-type]
        spans=[[s, e] for s, e in spans], look_again=item.look_again, at=now,
    ))
    if not bulk:  # a bulk approval is audited once, with every id
        audit.record(
            session, actor=moderator, action=f"moderation.{decision.value}", subject=(item.subject_kind, item.subject_id),
            reason=item.reason, look_again=item.look_again, **_scope(item),
        )


def _check_moderator(moderator: StaffUser, item: ModeratedItem) -> None:
    if item.look_again and item.first_moderator_id == moderator.id:
        raise AnotherModeratorNeeded()


def decide(
    *, session: Session, moderator: StaffUser, kind: str, subject_id: int, decision: Decision, reason: Reason | None = None,
    note: str | None = None, spans: Sequence[tuple[int, int]] | None = None, words: str = "", seen_text: str | None = None,
) -> Decided:
    """One moderator's decision on one item (MOD-04). `seen_text`: the words the moderator read (the page
    sends them back), so a decision never lands on words the author changed meanwhile. A redaction hides
    `spans` and every place of `words`; with neither, the personal details found. The owner is told."""
    note = NOTE.clean(note) or None
    words = WORDS_TO_HIDE.clean(words)
    _lock(session, kind, [subject_id])
    item = item_of(session=session, kind=kind, subject_id=subject_id)
    if item is None:
        raise NotFound()
    subject = _subject(session, item)
    if item.state != ItemState.PENDING.value:
        raise AlreadyDecided()
    if item.action == UNSCREENED:
        submit(session=session, kind=kind, subject_id=subject_id, text=subject.text, scope_id=item.scope_id,
               author_kind=item.author_kind, child_id=item.child_id)
        session.refresh(item)
        if item.state != ItemState.PENDING.value:
            raise AlreadyDecided()  # screening found it certain: it went to safeguarding
    if item.action == Action.SAFEGUARDING_POSSIBLE.value:
        raise NotFound()  # on the safeguarding officers' list: not a moderator's to decide until returned
    _check_moderator(moderator, item)
    seen = subject.text if seen_text is None else seen_text
    personal = [(f["start"], f["end"]) for f in item.findings if f["category"] in {c.value for c in PERSONAL_DETAILS}]
    if decision == Decision.ESCALATED:
        escalate(session=session, moderator=moderator, item=item, subject=subject, note=note, seen_text=seen)
        return Decided(kind, subject_id, decision, item.state, subject.text)
    if decision == Decision.REJECTED:
        if reason is None:
            raise ReasonNeeded()
        _settle(session, item, seen_text=seen, state=ItemState.REJECTED)
        _record(session, moderator, item, decision, reason=reason, note=note)
        _tell(session, item, Outcome.REJECTED)
        return Decided(kind, subject_id, decision, item.state, seen)
    if decision == Decision.REDACTED:
        chosen = [*(spans or []), *spans_of_words(seen, words)] or personal
        chosen = [(s, e) for s, e in chosen if 0 <= s < e <= len(seen)]
        if not chosen:
            raise NothingToHide()
        return _redact(session, moderator, item, seen, chosen, note=note, decision=decision)
    if personal and seen == subject.text:
        # MOD-08: the child sent personal details anyway; whatever is shown beyond moderators has them
        # hidden, so a plain approval of such words is a redaction of what the screening found.
        return _redact(session, moderator, item, seen, personal, note=note, decision=Decision.REDACTED)
    _settle(session, item, seen_text=seen, state=ItemState.APPROVED)
    _record(session, moderator, item, Decision.APPROVED, note=note)
    _tell(session, item, Outcome.APPROVED)
    return Decided(kind, subject_id, Decision.APPROVED, item.state, seen)


def _redact(
    session: Session, moderator: StaffUser, item: ModeratedItem, seen: str, spans: Sequence[tuple[int, int]], *,
    note: str | None, decision: Decision,
) -> Decided:
    shown = mask(seen, spans)
    _settle(session, item, seen_text=seen, state=ItemState.REDACTED, shown=shown)
    _record(session, moderator, item, Decision.REDACTED, note=note, spans=spans)
    _tell(session, item, Outcome.REDACTED, shown)  # the owner overwrites the words: the hidden ones are kept nowhere
    return Decided(item.subject_kind, item.subject_id, decision, item.state, shown)


def escalate(
    *, session: Session, moderator: StaffUser, item: ModeratedItem, subject: Subject, note: str | None = None,
    seen_text: str | None = None,
) -> None:
    """Pass an item to safeguarding (SG-01): never published (the owner is told `escalated`), out of the
    normal queue, the decision `escalated` recorded and audited. The child's exact words stay with the owner
    for the safeguarding officer (SG-03); safeguarding opens the case and alerts the officers in the same
    transaction."""
    _settle(session, item, seen_text=subject.text if seen_text is None else seen_text, state=ItemState.REJECTED)
    _record(session, moderator, item, Decision.ESCALATED, note=note)
    _tell(session, item, Outcome.ESCALATED)
    _open_case(session, item, subject, moderator=moderator)


def bulk_approve(*, session: Session, moderator: StaffUser, kind: str, subject_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Approve the chosen items that are pending, have no finding at all and were not asked to be looked at
    again; every other one is skipped (to be decided one by one). Each is settled by its own compare-and-swap,
    so one decided by someone else meanwhile is skipped, not overwritten."""
    wanted = sorted({int(i) for i in subject_ids})
    _lock(session, kind, wanted)
    eligible = session.exec(
        select(ModeratedItem).where(
            ModeratedItem.subject_kind == kind, col(ModeratedItem.subject_id).in_(wanted),
            ModeratedItem.state == ItemState.PENDING.value, ModeratedItem.action == Action.CLEAN.value,
            col(ModeratedItem.look_again).is_(False),
        )
    ).all() if wanted else []
    approved = []
    for item in eligible:
        if item.findings:
            continue
        result = session.execute(
            update(ModeratedItem).where(col(ModeratedItem.id) == item.id, col(ModeratedItem.state) == ItemState.PENDING.value)
            .values(state=ItemState.APPROVED.value)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(item)
            _record(session, moderator, item, Decision.APPROVED, bulk=True)
            _tell(session, item, Outcome.APPROVED)
            approved.append(item.subject_id)
    if approved:
        audit.record(session, actor=moderator, action="moderation.bulk_approved", subject=None, **{f"{kind}_ids": approved})
    return approved, [i for i in wanted if i not in approved]


# ---- the child's side: My comments and "look again" (MOD-20, MOD-21, DP-16) ------------------------


class ChildState:
    WAITING = "waiting"
    LOOKING_AGAIN = "looking_again"
    SHOWN = "shown"
    CHANGED = "changed"
    NOT_SHOWN = "not_shown"
    WITH_HELPER = "with_helper"  # escalated: a person whose job is to keep children safe reads it


@dataclass
class MyComment:
    comment: Subject  # as its owner describes it (the words as shown to others once decided)
    consultation_title: str
    question_prompt: str | None
    state: str
    reason: str | None = None  # the kind sentence of the reason category (MOD-20), never the matched word
    can_look_again: bool = False


def _child_state(subject: Subject, item: ModeratedItem) -> MyComment:
    state = ItemState(item.state)
    mine = MyComment(subject, subject.title, subject.prompt, ChildState.WAITING)
    if state == ItemState.PENDING:
        mine.state = ChildState.LOOKING_AGAIN if item.look_again else ChildState.WAITING
    elif state == ItemState.APPROVED:
        mine.state = ChildState.SHOWN
    elif state == ItemState.REDACTED:
        mine.state = ChildState.CHANGED
    elif item.decision == Decision.ESCALATED.value:
        mine.state = ChildState.WITH_HELPER
    else:
        mine.state = ChildState.NOT_SHOWN
        if item.reason:
            mine.reason = REASON_FOR_CHILDREN[Reason(item.reason)]
        mine.can_look_again = not item.look_again
    return mine


def my_comments(*, session: Session, child: Child, kind: str) -> list[MyComment]:
    """The child's own items of a kind, newest first, each with its state in child words."""
    items = session.exec(
        select(ModeratedItem).where(ModeratedItem.subject_kind == kind, ModeratedItem.child_id == child.id)
        .order_by(col(ModeratedItem.created_at).desc(), col(ModeratedItem.subject_id).desc())
    ).all()
    subjects = _subjects(session, items)
    return [_child_state(subject, item) for item in items if (subject := subjects.get((kind, item.subject_id))) is not None]


def ask_look_again(*, session: Session, child: Child, kind: str, subject_id: int) -> None:
    """MOD-21 / DP-16: a "not shown" item goes back to the queue, flagged, for a different moderator."""
    _lock(session, kind, [subject_id])
    item = item_of(session=session, kind=kind, subject_id=subject_id)
    if item is None or item.child_id != child.id:
        raise NotFound()
    if item.decision != Decision.REJECTED.value or item.look_again:
        raise CannotLookAgain()
    result = session.execute(
        update(ModeratedItem).where(col(ModeratedItem.id) == item.id, col(ModeratedItem.state) == ItemState.REJECTED.value)
        .values(state=ItemState.PENDING.value)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotLookAgain()
    session.refresh(item)
    item.look_again = True
    item.first_moderator_id = item.decided_by_id
    item.queued_at = utcnow()
    item.decision = item.reason = item.note = None
    item.decided_by_id = None
    item.decided_at = None
    session.add(item)
    _tell(session, item, Outcome.PENDING)
    audit.record(session, actor=child, action="moderation.look_again_asked", subject=(kind, subject_id))


# ---- reports of shown items (MOD-12) ------------------------------------------------------------------


class ReportOutcome:
    REPORTED = "reported"
    ALREADY_HIDDEN = "already_hidden"  # someone reported it first: it is hidden already
    ALREADY_REPORTED = "already_reported"  # this person reported it before (nothing is counted twice)


class ReportReasonNeeded(InvalidInput):
    detail = N_("Please choose why you are telling us about it.")


def report_reason(raw: object) -> ReportReason:
    """The reason a form sent, from the short list (MOD-12)."""
    try:
        return ReportReason(str(raw or ""))
    except ValueError:
        raise ReportReasonNeeded() from None


def report(
    *, session: Session, kind: str, subject_id: int, reporter_kind: ReporterKind, reporter_id: int, reason: ReportReason,
) -> str:
    """MOD-12: anyone signed in reports an item shown to them; it is hidden at once. The owner checked that
    the reporter may see it. In the caller's transaction: a conditional UPDATE puts the item back to `pending`
    (only if it is approved or redacted now) and the owner is told, the report is stored, the item is flagged
    `reported` (first in the queue) and the report is audited with the reporter's kind and id only."""
    _lock(session, kind, [subject_id])
    item = item_of(session=session, kind=kind, subject_id=subject_id)
    if item is None:
        raise NotFound()
    reports = session.exec(select(ModerationReport).where(ModerationReport.item_id == item.id)).all()
    if any(r.reporter_kind == reporter_kind.value and r.reporter_id == reporter_id for r in reports):
        return ReportOutcome.ALREADY_REPORTED
    result = session.execute(
        update(ModeratedItem).where(col(ModeratedItem.id) == item.id, col(ModeratedItem.state).in_(SHOWN_STATES))
        .values(state=ItemState.PENDING.value)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if reports:  # hidden by an earlier report (and perhaps decided since): say so, count nothing
            return ReportOutcome.ALREADY_HIDDEN
        raise NotFound()  # pending or not shown: nobody but its author and moderators knows it exists
    session.refresh(item)
    subject = _subject(session, item)
    _tell(session, item, Outcome.PENDING)
    now = utcnow()
    session.add(ModerationReport(item_id=item.id, reporter_kind=reporter_kind.value, reporter_id=reporter_id, reason=reason.value, at=now))  # type: ignore[arg-type]
    result_of_screen = screen(subject.text, writer=subject.author_kind)  # the words as shown (a redaction's mask included): spans fit the text
    item.findings = [f.to_dict() for f in result_of_screen.findings]
    item.action = result_of_screen.action.value
    item.risk = result_of_screen.risk
    item.digest = digest(subject.text)
    item.queued_at = item.reported_at = now
    item.look_again = False
    item.first_moderator_id = None
    item.decision = item.reason = item.note = None
    item.decided_by_id = None
    item.decided_at = None
    session.add(item)
    if result_of_screen.action == Action.SAFEGUARDING_POSSIBLE:
        session.flush()
        _list_for_officers(session, item, subject, result_of_screen)
    audit.record(session, actor=(reporter_kind.value, str(reporter_id)), action="moderation.reported", subject=(kind, subject_id),
                 reason=reason.value, **_scope(item))
    return ReportOutcome.REPORTED


# ---- transparency (counts only, never texts) --------------------------------------------------------


@dataclass
class Counts:
    received: int = 0
    waiting: int = 0
    approved: int = 0
    changed: int = 0
    not_shown: int = 0
    not_shown_by_reason: dict[str, int] = field(default_factory=dict)  # reason code, or "other" (safeguarding)
    median_minutes: float | None = None
    # Issue 14: the two levels of safeguarding. Passed to the officers as a case (certain, or opened by an
    # officer or a moderator), and read first by an officer because screening found them possibly worrying.
    safeguarding_cases: int = 0
    safeguarding_read_first: int = 0


AUDIENCES = ("child", "guardian")  # counted apart (the items' `author_kind`)


def transparency(*, session: Session, kind: str, scope_id: int) -> dict[str, Counts]:
    """For one scope (a consultation), children's and guardians' items counted apart: received, approved,
    approved with a change, not shown by reason, and the median time from queue to decision."""
    rows = session.exec(
        select(ModeratedItem.author_kind, ModeratedItem.state, ModeratedItem.decision, ModeratedItem.reason,
               ModeratedItem.queued_at, ModeratedItem.decided_at, ModeratedItem.read_first)
        .where(ModeratedItem.subject_kind == kind, ModeratedItem.scope_id == scope_id)
    ).all()
    report = {audience: Counts() for audience in AUDIENCES}
    minutes: dict[str, list[float]] = {k: [] for k in report}
    reasons: dict[str, Counter[str]] = {k: Counter() for k in report}
    for audience, state, decision, reason, queued_at, decided_at, read_first in rows:
        counts = report[audience]
        counts.received += 1
        counts.safeguarding_cases += decision == Decision.ESCALATED.value
        counts.safeguarding_read_first += bool(read_first)
        if state == ItemState.PENDING.value:
            counts.waiting += 1
        elif state == ItemState.APPROVED.value:
            counts.approved += 1
        elif state == ItemState.REDACTED.value:
            counts.changed += 1
        else:
            counts.not_shown += 1
            reasons[audience][reason if decision == Decision.REJECTED.value and reason else "other"] += 1
        if state != ItemState.PENDING.value and queued_at is not None and decided_at is not None:
            minutes[audience].append(max(0.0, (decided_at - queued_at).total_seconds() / 60))
    for audience, counts in report.items():
        counts.not_shown_by_reason = {r.value: reasons[audience][r.value] for r in Reason} | {"other": reasons[audience]["other"]}
        counts.median_minutes = round(statistics.median(minutes[audience]), 1) if minutes[audience] else None
    return report


def erase_reports_by(*, session: Session, child: Child, count_only: bool = False) -> int:
    """Erasure: the reports a child made (kept by kind and id, with no foreign key, because the erased
    child's row stays pseudonymised). Returns how many."""
    where = (col(ModerationReport.reporter_kind) == ReporterKind.CHILD.value, col(ModerationReport.reporter_id) == child.id)
    if count_only:
        return int(session.exec(select(func.count()).select_from(ModerationReport).where(*where)).one())
    return int(session.execute(delete(ModerationReport).where(*where)).rowcount or 0)  # type: ignore[attr-defined]


__all__ = [
    "PAGE", "AlreadyDecided", "AnotherModeratorNeeded", "Backlog", "CannotLookAgain", "Category", "ChildState", "Counts",
    "Decided", "MyComment", "NothingToHide", "QueueItem", "ReasonNeeded", "ReportOutcome", "ReportReasonNeeded", "Segment",
    "WordsChanged", "ask_look_again", "backlog", "backlog_for", "bulk_approve", "decide", "digest", "erase_reports_by",
    "escalate", "escalate_possible", "forget", "forget_child", "item_of", "mask", "my_comments", "personal_details_in", "queue", "queue_item",
    "report", "report_reason", "return_from_safeguarding", "screen_words", "segments", "spans_of_words", "submit",
    "transparency",
]
