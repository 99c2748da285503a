"""A small consultation for the analysis' tests (issue 16): 7 children took part (3 aged 6–9, 4 aged 10–13); the
single-choice question's options were chosen by 1, 2 and 4 children; one theme holds 3 approved comments."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, service
from app.consultations.models import (
    AnswerIn,
    Channel,
    Comment,
    CommentStatus,
    Consultation,
    OptionIn,
    QuestionIn,
    QuestionKind,
)
from app.corps import actions as corps
from app.corps.models import Child, ChildCreate, ChildStatus
from app.insights.models import Quote, Theme, ThemeComment
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import classroom

OPTIONS = ("秋千", "大树", "厕所")  # chosen by 1, 2 and 4 children
THEME = {"zh_Hans": "更多的树荫", "en": "More shade"}


@dataclass
class Small:
    consultation: Consultation
    children: list[Child]
    theme: Theme
    comments: list[Comment]


def questions() -> list[QuestionIn]:
    return [
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "你最想要公园里有什么？", "en": "What do you want most in the park?"},
                   options=[OptionIn(label={"zh_Hans": OPTIONS[0], "en": "Swings"}),
                            OptionIn(label={"zh_Hans": OPTIONS[1], "en": "Big trees"}),
                            OptionIn(label={"zh_Hans": OPTIONS[2], "en": "Toilets"})]),
        QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
    ]


def small_consultation(session: Session, actor=None) -> Small:  # noqa: ANN001
    load_notices(session)
    consultation = open_consultation(session, actor=actor, questions=questions())
    room = classroom(session, size=4, code="class-small", facilitator="teacher-small")  # born 2016: 10–13
    children = [child for child, _code in room.children]
    for i in range(3):  # born 2019: 6–9
        child, _code = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                                   data=ChildCreate(display_name=f"Young{i}", avatar="cat", birth_year=2019, birth_month=3))
        corps.set_status(session=session, actor=room.facilitator, child=child, status=ChildStatus.ACTIVE)
        children.append(child)
    single, text = service.questions_of(session=session, consultation=consultation)
    options = service.options_of(session=session, question=single)
    picks = [2, 2, 2, 2, 1, 1, 0]  # option index per child: 4 × 厕所, 2 × 大树, 1 × 秋千
    for index, child in enumerate(children):
        guardian = take_part(session, child)
        if index == 0:  # the quoted child's family and the child agreed to quoting (CON-03)
            for decided_by in (DecidedBy.GUARDIAN, DecidedBy.CHILD_ASSENT):
                consent.record(session=session, child=child, purpose=Purpose.QUOTE, decision=Decision.GRANTED, decided_by=decided_by,
                               channel="web" if decided_by == DecidedBy.GUARDIAN else "tablet",
                               guardian=guardian if decided_by == DecidedBy.GUARDIAN else None)
            session.commit()
        answers = [AnswerIn(question_id=single.id, option=options[picks[index]].id)]
        if index < 3:
            answers.append(AnswerIn(question_id=text.id, text=f"公园里需要更多的树，树荫{index}"))
        answering.submit(session=session, child=child, consultation=consultation, answers=answers,
                         key=answering.new_key(child=child, consultation=consultation), channel=Channel.TABLET)
        session.commit()
    comments = list(session.exec(select(Comment).where(Comment.consultation_id == consultation.id).order_by(Comment.id)))
    for comment in comments:
        comment.status = CommentStatus.APPROVED.value
        session.add(comment)
    theme = Theme(consultation_id=consultation.id, name=THEME, description={"zh_Hans": "孩子们想要更多的树荫。", "en": "Children want more shade."},
                  accepted=True)
    session.add(theme)
    session.flush()
    for comment in comments:
        session.add(ThemeComment(comment_id=comment.id, consultation_id=consultation.id, theme_id=theme.id))
    session.add(Quote(theme_id=theme.id, comment_id=comments[0].id))
    session.commit()
    return Small(consultation, children, theme, comments)
