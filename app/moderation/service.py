"""Pre-moderation (MOD-01): every comment is screened when it is stored, waits in a queue ordered by risk
then age, and is decided by a person — approve, hide parts and approve, not shown with a reason, or pass
to safeguarding. The HTML pages and the JSON API both call these functions; the caller commits.

Rules that live here:
* a decision is settled in the database: `UPDATE comment … WHERE id = … AND status = 'pending' AND text = …`
  and the row count says whether this moderator won; a second moderator is told and nothing is overwritten;
* a redaction overwrites `comment.text`, so the hidden words are kept nowhere afterwards (MOD-09);
* a child's request to look again (MOD-21) puts the comment back in the queue, and the moderator who
  decided it first may not decide it again;
* bulk approval takes only pending comments without any finding (and not asked to be looked at again);
* the transparency report gives counts only, children's and guardians' apart.
"""

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.consultations.models import AuthorKind, Comment, CommentStatus, Consultation, Question
from app.core import audit
from app.core.db import dialect_insert, utcnow
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import N_, NC_
from app.corps.models import Child, Group, localised
from app.moderation.models import (
    NOTE,
    REASON_FOR_CHILDREN,
    WORDS_TO_HIDE,
    Decision,
    ModerationDecision,
    ModerationReport,
    ModerationReview,
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

PAGE = 25  # comments shown at once in the queue


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


# ---- screening on store ----------------------------------------------------------------------------


def screen_words(text: str) -> Result:
    """Screen words without storing anything (MOD-06): for `hold(screened=…)`."""
    return screen(text)


_REVIEW_UPSERTS: dict[str, Any] = {}
_REQUEUED = ("findings", "action", "risk", "queued_at", "look_again", "first_moderator_id", "decision", "reason", "note",
             "decided_by_id", "decided_at")


def _review_upsert(session: Session) -> Any:
    """The review's upsert, built once per dialect (it runs on every stored comment)."""
    dialect = session.get_bind().dialect.name
    found = _REVIEW_UPSERTS.get(dialect)
    if found is None:
        table = ModerationReview.__table__  # type: ignore[attr-defined]
        upsert = dialect_insert(session)(table)
        found = _REVIEW_UPSERTS[dialect] = upsert.on_conflict_do_update(
            index_elements=["comment_id"], set_={name: upsert.excluded[name] for name in _REQUEUED}
        ).returning(table.c.id)
    return found


def hold(*, session: Session, comment_id: int, text: str, screened: Result | None = None) -> bool:
    """A comment was stored or its words changed: screen the words and (re)open its review in the queue, in
    one upsert on the review's unique comment. Returns whether the words went to safeguarding instead (the
    child then sees the calm screen, SG-05).

    Called by the consultations service right after it stores a child's short-text answer or a guardian's
    view, with the words it stored. The comment's status is already `pending`. A caller that screened the
    words before its write began passes the result (`screen_words`), so the write stays short."""
    result = screened if screened is not None else screen(text)
    review_id = session.execute(_review_upsert(session), {
        "comment_id": comment_id, "findings": [f.to_dict() for f in result.findings], "action": result.action.value,
        "risk": result.risk, "queued_at": utcnow(), "look_again": False, "first_moderator_id": None,
        "decision": None, "reason": None, "note": None, "decided_by_id": None, "decided_at": None,
    }).scalar_one()
    if result.action == Action.SAFEGUARDING_POSSIBLE:
        _list_for_officers(session, comment_id, text, result)
        return False  # the child sees what they see for any held comment
    if result.action != Action.SAFEGUARDING:
        return False
    # SG-01, SG-02: never a normal queue item. Rows written by Core statements: read them afresh.
    comment = session.get(Comment, comment_id, populate_existing=True)
    review = session.get(ModerationReview, review_id, populate_existing=True)
    assert comment is not None and review is not None
    _open_case(session, comment, review, moderator=None, subkinds=[s.value for s in result.subkinds])
    return True


def _list_for_officers(session: Session, comment_id: int, text: str, result: Result) -> None:
    """Issue 14: possibly worrying words are held out of the normal queue (the review's action says so) and put
    on the safeguarding officers' "please read" list; no case opens until an officer decides."""
    from app.safeguarding import service as safeguarding

    consultation_id = session.execute(select(Comment.consultation_id).where(Comment.id == comment_id)).scalar_one_or_none()
    concerns = [f for f in result.findings if f.category == Category.SAFEGUARDING]
    safeguarding.list_possible(
        session=session, comment_id=comment_id, consultation_id=consultation_id, words=text,
        subkinds=[s.value for s in result.subkinds], score=max((f.confidence for f in concerns), default=0.0),
    )


def escalate_possible(*, session: Session, officer: StaffUser, comment: Comment, words: str) -> bool:
    """An officer opened a case from the "please read" list: the comment leaves moderation unpublished
    (`rejected`, decision `escalated`) if it still holds the words flagged; words changed since are already
    back in the queue on their own merits. Returns whether the comment was settled."""
    review = session.exec(select(ModerationReview).where(ModerationReview.comment_id == comment.id)).first()
    if review is None or comment.status != CommentStatus.PENDING.value or comment.text != words:
        return False
    try:
        _settle(session, comment, seen_text=words, status=CommentStatus.REJECTED)
    except (AlreadyDecided, WordsChanged):
        return False
    _record(session, officer, comment, review, Decision.ESCALATED, note=None)
    return True


def return_from_safeguarding(*, session: Session, comment_id: int) -> None:
    """An officer read the words and found no safeguarding matter: the comment joins the normal queue with the
    action of its other findings (a moderator still decides, MOD-01). The safeguarding findings stay on the
    review, so the moderator sees what screening suspected."""
    review = session.exec(select(ModerationReview).where(ModerationReview.comment_id == comment_id)).first()
    if review is None or review.action != Action.SAFEGUARDING_POSSIBLE.value:
        return
    others = [f for f in review.findings if f["category"] != Category.SAFEGUARDING.value]
    categories = {f["category"] for f in others}
    if categories & {c.value for c in PERSONAL_DETAILS}:
        review.action = Action.PERSONAL_DETAILS.value
    elif Category.UNKIND.value in categories:
        review.action = Action.UNKIND.value
    else:
        review.action = Action.CLEAN.value
    session.add(review)


def _open_case(session: Session, comment: Comment, review: ModerationReview, *, moderator: StaffUser | None, subkinds: Sequence[str] = ()) -> None:
    """The comment leaves the queue unpublished (`rejected`, decision `escalated`) and a safeguarding case
    opens with the exact words, the child, their session and the consultation (SG-01, SG-03); the officers
    are alerted in the same transaction."""
    from app.safeguarding import service as safeguarding
    from app.safeguarding.models import CaseSource

    child = session.get(Child, comment.child_id) if comment.child_id is not None else None
    safeguarding.open_case(
        session=session, source=CaseSource.MODERATOR if moderator is not None else CaseSource.SCREENING, words=comment.text,
        child=child, consultation_id=comment.consultation_id, comment_id=comment.id, subkinds=subkinds, actor=moderator,
    )
    if moderator is None:
        _settle(session, comment, seen_text=comment.text, status=CommentStatus.REJECTED)
        review.decision = Decision.ESCALATED.value
        review.decided_at = utcnow()
        session.add(review)
        session.add(ModerationDecision(comment_id=comment.id, moderator_id=None, decision=Decision.ESCALATED.value,  # type: ignore[arg-type]
                                       spans=[], look_again=False, at=review.decided_at))
        audit.record(session, actor=None, action="moderation.escalated", subject=comment, automatic=True,
                     consultation_id=comment.consultation_id)


def _ensure_reviews(session: Session, consultation_id: int | None = None) -> None:
    """Pending comments stored before screening existed (or written around the service) are screened now."""
    query = (
        select(Comment)
        .outerjoin(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .where(Comment.status == CommentStatus.PENDING.value, col(ModerationReview.id).is_(None))
    )
    if consultation_id is not None:
        query = query.where(Comment.consultation_id == consultation_id)
    for comment in session.exec(query).all():
        hold(session=session, comment_id=comment.id, text=comment.text)  # type: ignore[arg-type]


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
    comment: Comment
    review: ModerationReview
    consultation_title: str
    question_prompt: str | None
    pseudonym: str | None  # children only; never identity
    age_band: str | None
    group: str | None
    segments: list[Segment] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)  # MOD-12: (reporter kind, reason) of each report

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


def _queue_query(consultation_id: int | None):  # noqa: ANN202
    query = (
        select(Comment, ModerationReview, Consultation, Question, Child, Group)
        .join(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .join(Consultation, col(Consultation.id) == Comment.consultation_id)
        .outerjoin(Question, col(Question.id) == Comment.question_id)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(Comment.status == CommentStatus.PENDING.value, ModerationReview.action != Action.SAFEGUARDING_POSSIBLE.value)
        .order_by(_reported_first(), col(ModerationReview.risk).desc(), col(ModerationReview.queued_at), col(Comment.id))
    )
    if consultation_id is not None:
        query = query.where(Comment.consultation_id == consultation_id)
    return query


def _reported_first():  # noqa: ANN202
    """MOD-12: a published comment hidden again by a report comes first (its report is newer than its queue entry)."""
    reported = col(ModerationReview.reported_at).is_not(None) & (col(ModerationReview.reported_at) >= col(ModerationReview.queued_at))
    return case((reported, 0), else_=1)


def _with_reports(session: Session, items: list[QueueItem]) -> list[QueueItem]:
    ids = [i.comment.id for i in items if i.review.reported_at is not None]
    if ids:
        rows = session.exec(
            select(ModerationReport).where(col(ModerationReport.comment_id).in_(ids)).order_by(col(ModerationReport.at), col(ModerationReport.id))
        ).all()
        for item in items:
            item.reports = [(r.reporter_kind, r.reason) for r in rows if r.comment_id == item.comment.id]
    return items


def _item(row: Sequence[Any]) -> QueueItem:
    comment, review, consultation, question, child, group = row
    band = child.age_band() if child is not None else None
    return QueueItem(
        comment=comment, review=review, consultation_title=localised(consultation.title),
        question_prompt=localised(question.prompt) if question is not None else None,
        pseudonym=child.display_name if child is not None else None,
        age_band=band.value if band is not None else None,
        group=group.label if group is not None else None,
        segments=segments(comment.text, review.findings),
    )


def queue(
    *, session: Session, consultation_id: int | None = None, limit: int | None = PAGE, exclude: Iterable[int] = ()
) -> list[QueueItem]:
    """Pending comments, highest risk first, then oldest first (per consultation or overall)."""
    _ensure_reviews(session, consultation_id)
    query = _queue_query(consultation_id)
    excluded = [i for i in exclude if i]
    if excluded:
        query = query.where(col(Comment.id).not_in(excluded))
    if limit is not None:
        query = query.limit(limit)
    return _with_reports(session, [_item(row) for row in session.exec(query).all()])


def queue_item(*, session: Session, comment_id: int) -> QueueItem:
    row = session.exec(_queue_query(None).where(Comment.id == comment_id)).first()
    if row is None:
        raise NotFound()
    return _with_reports(session, [_item(row)])[0]


@dataclass
class Backlog:
    waiting: int
    oldest: dt.datetime | None

    @property
    def age_minutes(self) -> int:
        return int((utcnow() - self.oldest).total_seconds() // 60) if self.oldest else 0


def backlog(*, session: Session) -> Backlog:
    """One COUNT/MIN query: the comments waiting and when the oldest entered the queue."""
    waiting, oldest = session.exec(
        select(func.count(col(Comment.id)), func.min(func.coalesce(ModerationReview.queued_at, Comment.created_at)))
        .outerjoin(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .where(Comment.status == CommentStatus.PENDING.value,
               func.coalesce(ModerationReview.action, "") != Action.SAFEGUARDING_POSSIBLE.value)
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
    comment: Comment
    decision: Decision


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


def _review_of(session: Session, comment_id: int) -> tuple[Comment, ModerationReview]:
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        raise NotFound()
    review = session.exec(
        select(ModerationReview).where(ModerationReview.comment_id == comment_id).execution_options(populate_existing=True)
    ).first()
    if review is None and comment.status == CommentStatus.PENDING.value:
        hold(session=session, comment_id=comment_id, text=comment.text)
        review = session.exec(select(ModerationReview).where(ModerationReview.comment_id == comment_id)).first()
    if review is None:
        raise AlreadyDecided()
    return comment, review


def _settle(session: Session, comment: Comment, *, seen_text: str, status: CommentStatus, text: str | None = None) -> None:
    """The one compare-and-swap that decides who wins: only a pending comment with the words the moderator
    read changes; otherwise the moderator is told (someone else decided, or the author changed the words)."""
    values: dict[str, Any] = {"status": status.value}
    if text is not None:
        values["text"] = text
    result = session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id, col(Comment.status) == CommentStatus.PENDING.value, col(Comment.text) == seen_text)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.exec(select(Comment).where(Comment.id == comment.id).execution_options(populate_existing=True)).first()
        if current is not None and current.status == CommentStatus.PENDING.value:
            raise WordsChanged()
        raise AlreadyDecided()
    session.refresh(comment)


def _record(
    session: Session, moderator: StaffUser, comment: Comment, review: ModerationReview, decision: Decision, *,
    reason: Reason | None = None, note: str | None = None, spans: Sequence[tuple[int, int]] = (), bulk: bool = False,
) -> None:
    now = utcnow()
    review.decision = decision.value
    review.reason = reason.value if reason else None
    review.note = note or None
    review.decided_by_id = moderator.id
    review.decided_at = now
    session.add(review)
    session.add(ModerationDecision(
        comment_id=comment.id, moderator_id=moderator.id, decision=decision.value, reason=review.reason, note=review.note,  # type: ignore[arg-type]
        spans=[[s, e] for s, e in spans], look_again=review.look_again, at=now,
    ))
    if not bulk:  # a bulk approval is audited once, with every comment id
        audit.record(
            session, actor=moderator, action=f"moderation.{decision.value}", subject=comment,
            reason=review.reason, look_again=review.look_again, consultation_id=comment.consultation_id,
        )


def _check_moderator(moderator: StaffUser, review: ModerationReview) -> None:
    if review.look_again and review.first_moderator_id == moderator.id:
        raise AnotherModeratorNeeded()


def decide(
    *, session: Session, moderator: StaffUser, comment_id: int, decision: Decision, reason: Reason | None = None,
    note: str | None = None, spans: Sequence[tuple[int, int]] | None = None, words: str = "", seen_text: str | None = None,
) -> Decided:
    """One moderator's decision on one comment (MOD-04). `seen_text`: the words the moderator read (the page
    sends them back), so a decision never lands on words the author changed meanwhile. A redaction hides
    `spans` and every place of `words`; with neither, the personal details found."""
    note = NOTE.clean(note) or None
    words = WORDS_TO_HIDE.clean(words)
    comment, review = _review_of(session, comment_id)
    if comment.status != CommentStatus.PENDING.value:
        raise AlreadyDecided()
    if review.action == Action.SAFEGUARDING_POSSIBLE.value:
        raise NotFound()  # on the safeguarding officers' list: not a moderator's to decide until returned
    _check_moderator(moderator, review)
    seen = comment.text if seen_text is None else seen_text
    if decision == Decision.ESCALATED:
        escalate(session=session, moderator=moderator, comment=comment, review=review, note=note, seen_text=seen)
        return Decided(comment, decision)
    if decision == Decision.REJECTED:
        if reason is None:
            raise ReasonNeeded()
        _settle(session, comment, seen_text=seen, status=CommentStatus.REJECTED)
        _record(session, moderator, comment, review, decision, reason=reason, note=note)
    elif decision == Decision.REDACTED:
        chosen = [*(spans or []), *spans_of_words(seen, words)] or [(f["start"], f["end"]) for f in review.findings if f["category"] in {c.value for c in PERSONAL_DETAILS}]
        chosen = [(s, e) for s, e in chosen if 0 <= s < e <= len(seen)]
        if not chosen:
            raise NothingToHide()
        _settle(session, comment, seen_text=seen, status=CommentStatus.REDACTED, text=mask(seen, chosen))
        _record(session, moderator, comment, review, decision, note=note, spans=chosen)
    else:
        found = [(f["start"], f["end"]) for f in review.findings if f["category"] in {c.value for c in PERSONAL_DETAILS}]
        if found and seen == comment.text:
            # MOD-08: the child sent personal details anyway; whatever is shown beyond moderators has them
            # hidden, so a plain approval of such words is a redaction of what the screening found.
            _settle(session, comment, seen_text=seen, status=CommentStatus.REDACTED, text=mask(seen, found))
            _record(session, moderator, comment, review, Decision.REDACTED, note=note, spans=found)
            return Decided(comment, Decision.REDACTED)
        _settle(session, comment, seen_text=seen, status=CommentStatus.APPROVED)
        _record(session, moderator, comment, review, Decision.APPROVED, note=note)
    return Decided(comment, decision)


def escalate(
    *, session: Session, moderator: StaffUser, comment: Comment, review: ModerationReview, note: str | None = None,
    seen_text: str | None = None,
) -> None:
    """Pass a comment to safeguarding (SG-01): never published (`rejected` is a status that is never shown),
    out of the normal queue, the decision `escalated` recorded and audited. The child's exact words stay on
    the comment for the safeguarding officer (SG-03). The safeguarding domain extends this function: it
    opens the case and alerts the officers in the same transaction."""
    _settle(session, comment, seen_text=comment.text if seen_text is None else seen_text, status=CommentStatus.REJECTED)
    _record(session, moderator, comment, review, Decision.ESCALATED, note=note)
    _open_case(session, comment, review, moderator=moderator)


def bulk_approve(*, session: Session, moderator: StaffUser, comment_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Approve the chosen comments that are pending, have no finding at all and were not asked to be looked
    at again; every other one is skipped (to be decided one by one). Each is settled by its own
    compare-and-swap, so one decided by someone else meanwhile is skipped, not overwritten."""
    wanted = sorted({int(i) for i in comment_ids})
    eligible = session.exec(
        select(Comment, ModerationReview)
        .join(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .where(
            col(Comment.id).in_(wanted), Comment.status == CommentStatus.PENDING.value,
            ModerationReview.action == Action.CLEAN.value, col(ModerationReview.look_again).is_(False),
        )
    ).all() if wanted else []
    approved = []
    for comment, review in eligible:
        if review.findings:
            continue
        result = session.execute(
            update(Comment).where(col(Comment.id) == comment.id, col(Comment.status) == CommentStatus.PENDING.value)
            .values(status=CommentStatus.APPROVED.value)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            _record(session, moderator, comment, review, Decision.APPROVED, bulk=True)
            approved.append(comment.id)
    if approved:
        audit.record(session, actor=moderator, action="moderation.bulk_approved", subject=None, comment_ids=approved)
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
    comment: Comment
    consultation_title: str
    question_prompt: str | None
    state: str
    reason: str | None = None  # the kind sentence of the reason category (MOD-20), never the matched word
    can_look_again: bool = False


def _child_state(comment: Comment, review: ModerationReview | None) -> MyComment:
    status = CommentStatus(comment.status)
    item = MyComment(comment, "", None, ChildState.WAITING)
    if status == CommentStatus.PENDING:
        item.state = ChildState.LOOKING_AGAIN if review is not None and review.look_again else ChildState.WAITING
    elif status == CommentStatus.APPROVED:
        item.state = ChildState.SHOWN
    elif status == CommentStatus.REDACTED:
        item.state = ChildState.CHANGED
    elif review is not None and review.decision == Decision.ESCALATED.value:
        item.state = ChildState.WITH_HELPER
    else:
        item.state = ChildState.NOT_SHOWN
        if review is not None and review.reason:
            item.reason = REASON_FOR_CHILDREN[Reason(review.reason)]
        item.can_look_again = review is not None and not review.look_again
    return item


def my_comments(*, session: Session, child: Child) -> list[MyComment]:
    """The child's own comments, newest first, each with its state in child words."""
    rows = session.exec(
        select(Comment, ModerationReview, Consultation, Question)
        .outerjoin(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .join(Consultation, col(Consultation.id) == Comment.consultation_id)
        .outerjoin(Question, col(Question.id) == Comment.question_id)
        .where(Comment.child_id == child.id)
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
    ).all()
    found = []
    for comment, review, consultation, question in rows:
        item = _child_state(comment, review)
        item.consultation_title = localised(consultation.title)
        item.question_prompt = localised(question.prompt) if question is not None else None
        found.append(item)
    return found


def ask_look_again(*, session: Session, child: Child, comment_id: int) -> None:
    """MOD-21 / DP-16: a "not shown" comment goes back to the queue, flagged, for a different moderator."""
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None or comment.child_id != child.id:
        raise NotFound()
    review = session.exec(select(ModerationReview).where(ModerationReview.comment_id == comment_id)).first()
    if review is None or review.decision != Decision.REJECTED.value or review.look_again:
        raise CannotLookAgain()
    result = session.execute(
        update(Comment).where(col(Comment.id) == comment.id, col(Comment.status) == CommentStatus.REJECTED.value)
        .values(status=CommentStatus.PENDING.value)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotLookAgain()
    review.look_again = True
    review.first_moderator_id = review.decided_by_id
    review.queued_at = utcnow()
    review.decision = review.reason = review.note = None
    review.decided_by_id = None
    review.decided_at = None
    session.add(review)
    audit.record(session, actor=child, action="moderation.look_again_asked", subject=comment)


# ---- where approved comments are shown, and reports of them (MOD-12) --------------------------------------

SHOWN = (CommentStatus.APPROVED.value, CommentStatus.REDACTED.value)  # never pending or rejected words
PUBLIC_LIMIT = 20  # at most this many children's comments per question on a child's or guardian's page
STAFF_LIMIT = 500


@dataclass
class ShownComment:
    """One comment as others may see it: the stored text (a redaction already has the mask), the age band
    and, for staff, the group name — never a nickname or identity."""

    id: int
    question_id: int | None
    author_kind: str
    text: str
    age_band: str | None
    group: str | None
    created_at: dt.datetime
    mine: bool = False


def shown_comments(
    *, session: Session, consultation: Consultation, question_id: int | None = None, for_public: bool,
    viewer_child_id: int | None = None,
) -> list[ShownComment]:
    """The one query behind every page that shows comments (the child's results, the guardian's page, the
    staff results): approved or redacted comments only, newest first.

    `for_public` (children's and guardians' pages): a child's comment is quoted only while the child's QUOTE
    consent allows it now (checked by `consent.allows`), at most PUBLIC_LIMIT per question, labelled with the
    age band only; the viewing child's own comment (`viewer_child_id`) is always theirs to see. Staff analysis
    (`for_public=False`) is not a quote: every shown comment, with age band and group name. Guardians'
    comments (approved) come with both, labelled apart by `author_kind`."""
    from app.consent import service as consent
    from app.consent.models import Purpose

    query = (
        select(Comment, Child, Group)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(Comment.consultation_id == consultation.id, col(Comment.status).in_(SHOWN))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
    )
    if question_id is not None:
        query = query.where(Comment.question_id == question_id)
    limit = PUBLIC_LIMIT if for_public else STAFF_LIMIT
    rows = session.exec(query).all()
    # One query for the quote consent of every author (not one per comment).
    quotable = consent.allowed_among(session=session, children=[c for _m, c, _g in rows if c is not None], purpose=Purpose.QUOTE) if for_public else set()
    per_question: Counter[int | None] = Counter()
    found = []
    for comment, child, group in rows:
        mine = viewer_child_id is not None and comment.child_id == viewer_child_id
        if comment.author_kind == AuthorKind.CHILD.value and for_public and not mine and child.id not in quotable:
            continue
        if comment.author_kind == AuthorKind.CHILD.value:
            if per_question[comment.question_id] >= limit:
                continue
            per_question[comment.question_id] += 1
        band = child.age_band() if child is not None else None
        found.append(ShownComment(
            id=comment.id, question_id=comment.question_id, author_kind=comment.author_kind, text=comment.text,  # type: ignore[arg-type]
            age_band=band.value if band is not None else None, group=group.label if group is not None and not for_public else None,
            created_at=comment.created_at, mine=mine,
        ))
    return found


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
    *, session: Session, consultation: Consultation, comment_id: int, reporter_kind: ReporterKind, reporter_id: int,
    reason: ReportReason, for_public: bool = True, viewer_child_id: int | None = None,
) -> str:
    """MOD-12: anyone signed in reports a comment shown to them; it is hidden at once. In the caller's
    transaction: a conditional UPDATE puts the comment back to `pending` (only if it is approved or redacted
    now), the report is stored, the review is flagged `reported` (first in the queue) and the report is
    audited with the reporter's kind and id only. `consultation` is one the caller checked the reporter may
    see; a comment not shown to this reporter there (pending, not shown, or not quoted) is "not found"."""
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None or comment.consultation_id != consultation.id:
        raise NotFound()
    reports = session.exec(select(ModerationReport).where(ModerationReport.comment_id == comment_id)).all()
    if any(r.reporter_kind == reporter_kind.value and r.reporter_id == reporter_id for r in reports):
        return ReportOutcome.ALREADY_REPORTED
    if comment.status in SHOWN and comment_id not in {
        c.id for c in shown_comments(session=session, consultation=consultation, question_id=comment.question_id,
                                     for_public=for_public, viewer_child_id=viewer_child_id)
        if c.author_kind == comment.author_kind
    }:
        raise NotFound()
    result = session.execute(
        update(Comment).where(col(Comment.id) == comment_id, col(Comment.status).in_(SHOWN))
        .values(status=CommentStatus.PENDING.value)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if reports:  # hidden by an earlier report (and perhaps decided since): say so, count nothing
            return ReportOutcome.ALREADY_HIDDEN
        raise NotFound()  # pending or not shown: nobody but its author and moderators knows it exists
    session.refresh(comment)
    now = utcnow()
    session.add(ModerationReport(comment_id=comment_id, reporter_kind=reporter_kind.value, reporter_id=reporter_id, reason=reason.value, at=now))
    review = session.exec(select(ModerationReview).where(ModerationReview.comment_id == comment_id)).first()
    review = review or ModerationReview(comment_id=comment_id)
    result_of_screen = screen(comment.text)  # the words as shown (a redaction's mask included): spans fit the text
    review.findings = [f.to_dict() for f in result_of_screen.findings]
    review.action = result_of_screen.action.value
    review.risk = result_of_screen.risk
    review.queued_at = review.reported_at = now
    review.look_again = False
    review.first_moderator_id = None
    review.decision = review.reason = review.note = None
    review.decided_by_id = None
    review.decided_at = None
    session.add(review)
    if result_of_screen.action == Action.SAFEGUARDING_POSSIBLE:
        session.flush()
        _list_for_officers(session, comment_id, comment.text, result_of_screen)
    audit.record(session, actor=(reporter_kind.value, str(reporter_id)), action="moderation.reported", subject=comment,
                 reason=reason.value, consultation_id=comment.consultation_id)
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


def transparency(*, session: Session, consultation: Consultation) -> dict[str, Counts]:
    """For one consultation, children's and guardians' comments counted apart: received, approved,
    approved with a change, not shown by reason, and the median time from queue to decision."""
    from app.safeguarding import service as safeguarding

    rows = session.exec(
        select(Comment.author_kind, Comment.status, ModerationReview.decision, ModerationReview.reason,
               ModerationReview.queued_at, ModerationReview.decided_at, Comment.id)
        .outerjoin(ModerationReview, col(ModerationReview.comment_id) == Comment.id)
        .where(Comment.consultation_id == consultation.id)
    ).all()
    listed = safeguarding.listed_comment_ids(session=session, consultation_id=consultation.id)  # type: ignore[arg-type]
    report = {AuthorKind.CHILD.value: Counts(), AuthorKind.GUARDIAN.value: Counts()}
    minutes: dict[str, list[float]] = {k: [] for k in report}
    reasons: dict[str, Counter[str]] = {k: Counter() for k in report}
    for kind, status, decision, reason, queued_at, decided_at, comment_id in rows:
        counts = report[kind]
        counts.received += 1
        counts.safeguarding_cases += decision == Decision.ESCALATED.value
        counts.safeguarding_read_first += comment_id in listed
        if status == CommentStatus.PENDING.value:
            counts.waiting += 1
        elif status == CommentStatus.APPROVED.value:
            counts.approved += 1
        elif status == CommentStatus.REDACTED.value:
            counts.changed += 1
        else:
            counts.not_shown += 1
            reasons[kind][reason if decision == Decision.REJECTED.value and reason else "other"] += 1
        if status != CommentStatus.PENDING.value and queued_at is not None and decided_at is not None:
            minutes[kind].append(max(0.0, (decided_at - queued_at).total_seconds() / 60))
    for kind, counts in report.items():
        counts.not_shown_by_reason = {r.value: reasons[kind][r.value] for r in Reason} | {"other": reasons[kind]["other"]}
        counts.median_minutes = round(statistics.median(minutes[kind]), 1) if minutes[kind] else None
    return report


__all__ = [
    "PAGE", "PUBLIC_LIMIT", "AlreadyDecided", "ReportOutcome", "ReportReasonNeeded", "ShownComment", "report", "report_reason", "shown_comments", "AnotherModeratorNeeded", "Backlog", "Category", "ChildState", "Decided", "MyComment",
    "QueueItem", "ReasonNeeded", "Segment", "WordsChanged", "ask_look_again", "backlog", "backlog_for", "bulk_approve",
    "decide", "escalate", "hold", "mask", "my_comments", "queue", "queue_item", "segments", "spans_of_words", "transparency",
]


def erase_reports_by(*, session: Session, child: Child, count_only: bool = False) -> int:
    """Erasure: the reports a child made (kept by kind and id, with no foreign key, because the erased
    child's row stays pseudonymised). Returns how many."""
    where = (col(ModerationReport.reporter_kind) == ReporterKind.CHILD.value, col(ModerationReport.reporter_id) == child.id)
    if count_only:
        return int(session.exec(select(func.count()).select_from(ModerationReport).where(*where)).one())
    from sqlalchemy import delete

    return int(session.execute(delete(ModerationReport).where(*where)).rowcount or 0)  # type: ignore[attr-defined]
