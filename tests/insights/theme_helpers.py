"""Set-up for the themes' tests (issue 16): a closed consultation with approved children's comments (Chinese and
English), a few guardians' comments, and comments that must never appear (pending, rejected)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Purpose
from app.consultations import authoring
from app.consultations import service as consultations
from app.consultations.models import Comment, Consultation, QuestionKind
from app.core import crypto
from app.corps import actions as corps_actions
from app.corps.models import Child, ChildStatus, GroupKind
from app.insights import samples
from tests.conftest import make_user
from tests.consultations.helpers import load_notices, official, open_consultation


@dataclass
class World:
    consultation: Consultation
    analyst: StaffUser
    children: list[Child] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)  # approved children's comments, in order
    guardian_comments: list[Comment] = field(default_factory=list)
    hidden: list[Comment] = field(default_factory=list)  # pending and rejected: never shown


NICKNAME = "ZQXNICK"  # in every child's nickname: must never appear in the analysts' output
GROUP_NAME = "ZQXGROUP"


def world(session: Session, *, count: int = 12, seed: int = 3, quote_consent: bool = True, guardians: int = 2) -> World:
    """A consultation (closed) with one text question and `count` approved children's comments, each by its own
    child (6-9 and 10-13), taking part and (if `quote_consent`) agreeing to be quoted."""
    load_notices(session)
    author = official(session, f"official-w{seed}-{count}")
    consultation = open_consultation(session, author)
    question = next(q for q in consultations.questions_of(session=session, consultation=consultation) if q.kind == QuestionKind.TEXT)
    district = corps_actions.ensure_district(session=session, actor=None, code="d-themes", name={"zh_Hans": "五华区", "en": "Wuhua"})
    group = corps_actions.create_group(session=session, actor=None, district_id=district.id, code=f"g-themes-{seed}-{count}",
                                       name={"zh_Hans": GROUP_NAME, "en": GROUP_NAME}, kind=GroupKind.SCHOOL_CLASS)
    analyst = make_user(session, f"analyst-w{seed}-{count}", [Role.ANALYST])
    found = World(consultation=consultation, analyst=analyst)
    texts = samples.comments(count + 2, seed=seed)
    guardian = Guardian(contact_kind="phone", contact=f"1390000{seed:04d}", contact_hash=crypto.lookup_hash(f"1390000{seed:04d}", purpose="phone"))
    session.add(guardian)
    session.commit()
    for i in range(count + 2):
        child = Child(group_id=group.id, display_name=f"{NICKNAME}{i}", name_key=f"zqxnick{i}-{seed}", avatar="panda",
                      birth_year=2017 if i % 2 else 2014, birth_month=3, status=ChildStatus.ACTIVE.value, picture_code_hash="x")
        session.add(child)
        session.flush()
        purposes = [Purpose.PARTICIPATE] + ([Purpose.QUOTE] if quote_consent else [])
        for purpose in purposes:
            consent.record(session=session, child=child, purpose=purpose, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN,
                           channel="web", guardian=guardian)
            consent.record(session=session, child=child, purpose=purpose, decision=Decision.GRANTED, decided_by=DecidedBy.CHILD_ASSENT,
                           channel="tablet")
        status = "approved" if i < count else ("pending" if i == count else "rejected")
        comment = Comment(consultation_id=consultation.id, question_id=question.id, author_kind="child", child_id=child.id,
                          channel="tablet", text=texts[i][1] if i < count else f"ZQX{status.upper()} {texts[i][1]}", status=status)
        session.add(comment)
        session.flush()
        found.children.append(child)
        (found.comments if i < count else found.hidden).append(comment)
    for g in range(guardians):
        other = Guardian(contact_kind="phone", contact=f"1380000{seed:02d}{g:02d}", contact_hash=crypto.lookup_hash(f"1380000{seed:02d}{g:02d}", purpose="phone"))
        session.add(other)
        session.flush()
        comment = Comment(consultation_id=consultation.id, author_kind="guardian", guardian_id=other.id, channel="web",
                          text=samples.GUARDIAN_TEXTS[g % len(samples.GUARDIAN_TEXTS)], status="approved")
        session.add(comment)
        session.flush()
        found.guardian_comments.append(comment)
    session.commit()
    authoring.close_early(session=session, actor=author, consultation=consultation, reason="测试")
    session.commit()
    return found
