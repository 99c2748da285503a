"""Demo data for `yimi demo` and `make run`: idempotent, never in production."""

from sqlmodel import Session, col, select

from app.accounts import actions as account_actions
from app.accounts import service as accounts
from app.accounts.models import Department, Role, StaffUserCreate
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose
from app.core import audit, crypto
from app.core.db import city_today
from app.core.security import hash_code, hash_password
from app.corps import actions as corps_actions
from app.corps import service as corps
from app.corps.models import Child, ChildCreate, ChildStatus, GroupKind
from app.safeguarding import actions as safeguarding_actions

DEMO_PASSWORD = "yimi-demo-2026"
DEMO_USERS: list[tuple[Role, str, str]] = [
    (Role.ADMIN, "admin", "管理员 Admin"),
    (Role.OFFICIAL, "official", "王科长 Official Wang"),
    (Role.MODERATOR, "moderator", "李审核 Moderator Li"),
    (Role.SAFEGUARDING_OFFICER, "safeguarding", "张保护 Safeguarding Zhang"),
    (Role.FACILITATOR, "facilitator", "陈老师 Teacher Chen"),
    (Role.ANALYST, "analyst", "赵分析 Analyst Zhao"),
]
# Children of the demo class, with fixed picture codes so that the demo can be tried on a tablet.
DEMO_CHILDREN: list[tuple[str, str, int, int, list[str]]] = [
    ("小星星", "panda", 2017, 3, ["sun", "tree", "fish"]),
    ("Sunny", "cat", 2016, 9, ["star", "apple", "boat"]),
    ("小云朵", "rabbit", 2015, 6, ["moon", "flower", "car"]),
    ("Rocket", "fox", 2011, 1, ["fish", "fish", "sun"]),  # 14-17: in the squad, with an own-phone code
]
DEMO_TEEN_CODE_SECRET = "demoteen26"
DEMO_OFFICER_PHONE = "13800000110"  # made up: the demo's SMS go to the outbox page


DEMO_DEPARTMENT = "wuhua-housing"


def load_demo(*, session: Session) -> list[tuple[str, str]]:
    district = corps_actions.ensure_district(session=session, actor=None, code="demo-wuhua", name={"zh_Hans": "五华区", "en": "Wuhua District"})
    school_class = corps_actions.ensure_group(
        session=session, actor=None, district=district, code="demo-class-4-2",
        name={"zh_Hans": "四年级二班", "en": "Class 4-2"}, kind=GroupKind.SCHOOL_CLASS,
    )
    squad = corps_actions.ensure_group(
        session=session, actor=None, district=district, code="demo-squad-green",
        name={"zh_Hans": "绿叶观察小队", "en": "Green Leaf squad"}, kind=GroupKind.SQUAD,
    )
    created = []
    users = {}
    for role, username, display_name in DEMO_USERS:
        user = accounts.get_by_username(session=session, username=username)
        if user is None:
            user, _ = account_actions.create(
                session=session, actor=None, trained=True,
                data=StaffUserCreate(username=username, display_name=display_name, roles=[role], password=DEMO_PASSWORD),
            )
        else:
            # Re-running the demo gives the printed password back and unlocks the account.
            user.password_hash = hash_password(DEMO_PASSWORD)
            user.must_change_password = False
            user.is_active = True
            user.failed_sign_ins, user.first_failed_at, user.locked_until = 0, None, None
            session.add(user)
            audit.record(session, actor=None, action="demo.account_reset", subject=user)
            session.commit()
        users[role] = user
        created.append((role.value, username))
    # Issue 16: the department whose official and analyst work on the demo consultations (created below by the
    # official, so they belong to it).
    department = session.exec(select(Department).where(Department.code == DEMO_DEPARTMENT)).first()
    if department is None:
        department = account_actions.add_department(session=session, actor=None, code=DEMO_DEPARTMENT, zh="五华区住房和城乡建设局",
                                                    en="Wuhua District Housing and Urban-Rural Development Bureau")
    for role in (Role.OFFICIAL, Role.ANALYST):
        account_actions.set_department(session=session, actor=users[Role.ADMIN], user=users[role], department_id=department.id)
    facilitator = users[Role.FACILITATOR]
    # An officer on duty with a contact (issue 18: in the demo a case's alert reached nobody). The demo sends SMS
    # to the outbox page only (no SMS gateway is configured), where they can be read.
    safeguarding_actions.set_duty(session=session, user=users[Role.SAFEGUARDING_OFFICER], on_duty=True,
                                  alert_channel="sms", alert_contact=DEMO_OFFICER_PHONE)
    for group in (school_class, squad):
        corps_actions.set_facilitators(session=session, actor=users[Role.ADMIN], group=group, user_ids=[facilitator.id])
    for nickname, avatar, year, month, code in DEMO_CHILDREN:
        group = squad if year <= 2012 else school_class
        child = session.exec(select(Child).where(Child.group_id == group.id, Child.name_key == corps.name_key(nickname))).first()
        if child is None:
            child, _ = corps_actions.enrol(
                session=session, actor=facilitator, group=group,
                data=ChildCreate(display_name=nickname, avatar=avatar, birth_year=year, birth_month=month, confirmed_nickname=True),
            )
        # The printed code works again, and the child is active (consent arrives with the consent issue).
        child.picture_code_hash = hash_code("-".join(code))
        child.failed_codes, child.locked_at = 0, None
        if child.age_band() and child.age_band().value == "14-17":
            child.personal_code_hash = hash_code(DEMO_TEEN_CODE_SECRET)
        session.add(child)
        session.commit()
        if child.status != ChildStatus.ACTIVE.value:
            corps_actions.set_status(session=session, actor=facilitator, child=child, status=ChildStatus.ACTIVE)
    _demo_consent(session)
    _demo_consultation(session, official=users[Role.OFFICIAL], district=district)
    _demo_responses(session, official=users[Role.OFFICIAL])
    _demo_closed_consultation(session, official=users[Role.OFFICIAL], district=district)
    # Demo consultations made before departments existed join it too.
    from app.consultations.models import Consultation

    for consultation in session.exec(select(Consultation).where(Consultation.created_by_id == users[Role.OFFICIAL].id,
                                                                col(Consultation.department_id).is_(None))).all():
        consultation.department_id = department.id
        session.add(consultation)
    session.commit()
    return created


DEMO_GUARDIAN_PHONE = "13800000000"


def _demo_consent(session: Session) -> None:
    """小星星's and Sunny's demo guardian has agreed to taking part (so the child is asked for their own
    yes on the tablet); 小云朵 waits for a guardian, which the consent letter can show."""
    version = consent.current_version(session=session)
    if version is None:  # `yimi consent sync` has not run: no notice to consent to
        return
    contact_hash = crypto.lookup_hash(DEMO_GUARDIAN_PHONE, purpose="phone")
    guardian = session.exec(select(Guardian).where(Guardian.contact_hash == contact_hash)).first()
    if guardian is None:
        guardian = Guardian(contact_kind="phone", contact=DEMO_GUARDIAN_PHONE, contact_hash=contact_hash)
        session.add(guardian)
        session.commit()
    for nickname in ("小星星", "Sunny"):
        child = session.exec(select(Child).where(Child.name_key == corps.name_key(nickname))).first()
        if child is None:
            continue
        if session.exec(select(Guardianship).where(Guardianship.child_id == child.id, Guardianship.guardian_id == guardian.id)).first() is None:
            session.add(Guardianship(guardian_id=guardian.id, child_id=child.id))  # type: ignore[arg-type]
        for purpose, decision in ((Purpose.PARTICIPATE, Decision.GRANTED), (Purpose.QUOTE, Decision.REFUSED), (Purpose.NOTIFY_GUARDIAN, Decision.GRANTED)):
            consent.record(
                session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
                channel="paper", guardian=guardian, notice_version=version, expires_at=consent.programme_year_end(),
                evidence="demo", idempotency_key=f"demo:{child.id}:{purpose.value}",
            )
        session.commit()


DEMO_CONSULTATION_TITLE = "翠湖公园儿童游乐区改造"


def _demo_consultation(session: Session, *, official, district) -> None:  # noqa: ANN001
    """A project of the library and an open consultation about it, with one question of every kind."""
    import datetime as dt

    from app.consultations import authoring
    from app.consultations.models import Consultation, ConsultationIn, OptionIn, QuestionIn, QuestionKind
    from app.core.db import utcnow
    from app.projects.models import Project

    if any(c.title.get("zh_Hans") == DEMO_CONSULTATION_TITLE for c in session.exec(select(Consultation))):
        return
    project = Project(
        name={"zh_Hans": "翠湖公园儿童友好改造", "en": "Child-friendly Green Lake Park"},
        department={"zh_Hans": "五华区住房和城乡建设局", "en": "Wuhua District Housing and Construction Bureau"},
        district_id=district.id, status="planned", budget_yuan=1_200_000, created_by_id=official.id,
        impact_assessment={"zh_Hans": "游乐区改造直接影响附近约3000名儿童的日常游戏和安全。",
                           "en": "The new play area affects the daily play and safety of about 3,000 children nearby."},
    )
    session.add(project)
    session.flush()
    now = utcnow()
    consultation = authoring.create(session=session, actor=official, data=ConsultationIn(
        title={"zh_Hans": DEMO_CONSULTATION_TITLE, "en": "A new play area at Green Lake Park"},
        description={"zh_Hans": "区住建局计划明年改造翠湖公园的儿童游乐区，想先听听孩子们的意见。",
                     "en": "Next year the district will rebuild the play area at Green Lake Park and wants to hear children first."},
        briefs={
            "6-9": {"zh_Hans": "翠湖公园要建新的游乐区。你最想玩什么？", "en": "Green Lake Park gets a new play area. What do you want to play?"},
            "10-13": {"zh_Hans": "翠湖公园要改造儿童游乐区。请告诉我们你想要什么，怎样更安全、更好玩。",
                      "en": "Green Lake Park will rebuild its play area. Tell us what you want and how to make it safer and more fun."},
        },
        topic="spaces.parks", age_bands=["6-9", "10-13", "14-17"], project_id=project.id,
        decision={"zh_Hans": "游乐区的设计方案", "en": "The design of the new play area"},
        decider_body={"zh_Hans": "五华区住房和城乡建设局", "en": "Wuhua District Housing and Construction Bureau"},
        decider_role={"zh_Hans": "公园项目负责人", "en": "the head of the park project"},
        can_change={"zh_Hans": "游乐设施的种类、位置和颜色", "en": "Which play equipment, where it goes, its colours"},
        cannot_change={"zh_Hans": "公园的大小和总预算", "en": "The size of the park and the total budget"},
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=21), respond_by=(now + dt.timedelta(days=60)).date(),
    ))
    questions = [
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "你最想要哪一种游乐设施？", "en": "Which play equipment do you want most?"},
                   options=[OptionIn(label={"zh_Hans": "秋千", "en": "Swings"}, pictogram="playground"),
                            OptionIn(label={"zh_Hans": "攀爬架", "en": "Climbing frame"}, pictogram="climbing"),
                            OptionIn(label={"zh_Hans": "沙坑和玩水", "en": "Sand and water"}, pictogram="sand")]),
        QuestionIn(kind=QuestionKind.MULTIPLE, max_choices=2, prompt={"zh_Hans": "游乐区旁边还需要什么？最多选两个。", "en": "What else is needed next to the play area? Choose up to two."},
                   options=[OptionIn(label={"zh_Hans": "厕所", "en": "Toilets"}, pictogram="toilet"),
                            OptionIn(label={"zh_Hans": "饮水机", "en": "Drinking water"}, pictogram="drinking-water"),
                            OptionIn(label={"zh_Hans": "长椅", "en": "Benches"}, pictogram="bench"),
                            OptionIn(label={"zh_Hans": "大树遮阳", "en": "Shady trees"}, pictogram="tree")]),
        QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得现在的游乐区怎么样？", "en": "What do you think of the play area now?"}),
        QuestionIn(kind=QuestionKind.RANKING, prompt={"zh_Hans": "哪个最重要？按顺序点一点。", "en": "What matters most? Tap them in order."},
                   options=[OptionIn(label={"zh_Hans": "安全", "en": "Safe"}, pictogram="safe"),
                            OptionIn(label={"zh_Hans": "好玩", "en": "Fun"}, pictogram="fun"),
                            OptionIn(label={"zh_Hans": "干净", "en": "Clean"}, pictogram="clean")]),
        QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么好主意？", "en": "Do you have any other good ideas?"}),
    ]
    for question in questions:
        authoring.add_question(session=session, actor=official, consultation=consultation, data=question)
    authoring.schedule(session=session, actor=official, consultation=consultation)
    session.commit()


DEMO_ANSWERED_TITLE = "学校门口安全过马路"
DEMO_OVERDUE_TITLE = "社区图书角"


def _demo_responses(session: Session, *, official) -> None:  # noqa: ANN001
    """Issue 17: a closed consultation whose response is published, with commitments (one done), and another
    whose promised response date has passed with nothing published (overdue)."""
    import datetime as dt

    from app.consultations import authoring
    from app.consultations.models import Consultation, ConsultationIn, OptionIn, QuestionIn, QuestionKind
    from app.core.db import utcnow
    from app.insights.models import Theme
    from app.projects.models import Project
    from app.responses import actions as response_actions
    from app.responses.models import (
        CommitmentIn,
        CommitmentStatus,
        DecisionIn,
        Outcome,
        ProgressIn,
        ResponseIn,
    )

    titles = {c.title.get("zh_Hans") for c in session.exec(select(Consultation))}
    if DEMO_ANSWERED_TITLE in titles or DEMO_OVERDUE_TITLE in titles:
        return
    now = utcnow()
    project = session.exec(select(Project)).first()

    def closed(title: dict[str, str], closed_days_ago: int, respond_in_days: int) -> Consultation:
        consultation = authoring.create(session=session, actor=official, data=ConsultationIn(
            title=title, briefs={"6-9": {"zh_Hans": "说说你的想法。", "en": "Tell us your ideas."}}, topic="spaces.parks",
            age_bands=["6-9", "10-13"], project_id=project.id if project else None,
            decision={"zh_Hans": "改造方案", "en": "The plan"},
            decider_body={"zh_Hans": "五华区人民政府", "en": "Wuhua District Government"}, decider_role={"zh_Hans": "分管副区长", "en": "Deputy head"},
            can_change={"zh_Hans": "设施和位置", "en": "What and where"}, cannot_change={"zh_Hans": "预算", "en": "The budget"},
            opens_at=now - dt.timedelta(days=closed_days_ago + 14), closes_at=now - dt.timedelta(days=closed_days_ago),
            respond_by=city_today() + dt.timedelta(days=respond_in_days),
        ))
        for question in (
            QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "你觉得哪里最需要改？", "en": "What needs changing most?"},
                       options=[OptionIn(label={"zh_Hans": "灯光", "en": "Lights"}), OptionIn(label={"zh_Hans": "座位", "en": "Seats"})]),
            QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
        ):
            authoring.add_question(session=session, actor=official, consultation=consultation, data=question)
        authoring.schedule(session=session, actor=official, consultation=consultation)
        session.commit()
        return consultation

    answered = closed({"zh_Hans": DEMO_ANSWERED_TITLE, "en": "Crossing the road safely at the school gate"}, 40, -10)
    themes = []
    for position, (name, words) in enumerate((
        ({"zh_Hans": "红绿灯太短", "en": "The green light is too short"}, {"zh_Hans": "过马路时绿灯太快变红。", "en": "The light turns red too quickly."}),
        ({"zh_Hans": "需要护学岗", "en": "Crossing guards"}, {"zh_Hans": "上学时希望有人帮忙过马路。", "en": "Someone to help at school time."}),
    )):
        theme = Theme(consultation_id=answered.id, audience="child", position=position, name=name, description=words, accepted=True)  # type: ignore[arg-type]
        session.add(theme)
        themes.append(theme)
    session.commit()
    _demo_took_part(session, answered, now - dt.timedelta(days=45))
    decision = response_actions.save_decision(session=session, actor=official, consultation=answered, data=DecisionIn(
        decided_on=(now - dt.timedelta(days=15)).date(), reference="五政办〔2026〕31号",
        text={"zh_Hans": "延长学校门口人行横道绿灯时间，上学放学时段设置护学岗。",
              "en": "Longer green light at the school crossing; crossing guards at school times."}))
    outcomes = (
        (Outcome.ADOPTED, {}, {"zh_Hans": "绿灯时间从20秒延长到35秒。", "en": "The green light goes from 20 to 35 seconds."},
         {"6-9": {"zh_Hans": "绿灯会变长，你可以慢慢走过马路。", "en": "The green light will be longer, so you can cross slowly."},
          "10-13": {"zh_Hans": "你们说绿灯太短，交警把绿灯从20秒延长到了35秒。", "en": "You said the light was too short: it now lasts 35 seconds, not 20."}}),
        (Outcome.NOT_ADOPTED, {"zh_Hans": "全天设岗人手不够，只在上学放学时段设岗。", "en": "Not enough people for all day: only at school times."},
         {"zh_Hans": "护学岗只在上学和放学时段设置。", "en": "Crossing guards only at school times."},
         {"6-9": {"zh_Hans": "全天都有人帮忙做不到，但上学和放学时会有叔叔阿姨帮你。", "en": "Not all day, but someone will help you at school times."},
          "10-13": {"zh_Hans": "全天设护学岗人手不够，所以只在上学和放学时设岗。", "en": "There are not enough people for all day, so guards come only at school times."}}),
    )
    for theme, (outcome, reason, explanation, child) in zip(themes, outcomes, strict=True):
        response_actions.save_response(session=session, actor=official, consultation=answered, theme=theme, data=ResponseIn(
            outcome=outcome, reason=reason, explanation=explanation, child_versions=child, decision_id=decision.id))
    done = response_actions.add_commitment(session=session, actor=official, consultation=answered, data=CommitmentIn(
        action={"zh_Hans": "延长学校门口绿灯时间", "en": "Longer green light at the school gate"},
        department={"zh_Hans": "区交警大队", "en": "District traffic police"}, due_on=(now - dt.timedelta(days=3)).date(),
        project_id=project.id if project else None))
    response_actions.add_commitment(session=session, actor=official, consultation=answered, data=CommitmentIn(
        action={"zh_Hans": "上学放学时段设置护学岗", "en": "Crossing guards at school times"},
        department={"zh_Hans": "区教育局", "en": "District education bureau"}, due_on=(now + dt.timedelta(days=60)).date(),
        status=CommitmentStatus.IN_PROGRESS))
    response_actions.publish(session=session, actor=official, consultation=answered)
    response_actions.update_commitment(session=session, actor=official, commitment=done, data=CommitmentIn(
        action=done.action, department=done.department, due_on=done.due_on, status=CommitmentStatus.DONE, project_id=done.project_id))
    response_actions.add_progress(session=session, actor=official, commitment=done, data=ProgressIn(
        on=(now - dt.timedelta(days=2)).date(), text={"zh_Hans": "新的信号灯已经调好了。", "en": "The new lights are set."}))

    overdue = closed({"zh_Hans": DEMO_OVERDUE_TITLE, "en": "A reading corner in the neighbourhood"}, 30, -3)
    session.add(Theme(consultation_id=overdue.id, audience="child", name={"zh_Hans": "想要更多漫画书", "en": "More comics"},  # type: ignore[arg-type]
                      description={"zh_Hans": "孩子们希望图书角有漫画。", "en": "Children want comics."}, accepted=True))
    session.commit()


def _demo_took_part(session: Session, consultation, at) -> None:  # noqa: ANN001
    """小星星 and Sunny answered the school-gate consultation on the tablet before it closed (a receipt, an answer,
    an approved comment), so that after `make run` they find "news" and *What happened to my ideas* on their
    home once they have said their own "yes" (issue 17)."""
    from app.consultations import service as consultations
    from app.consultations.models import Answer, Comment, Participation, QuestionKind

    questions = consultations.questions_of(session=session, consultation=consultation)
    single = next(q for q in questions if q.kind == QuestionKind.SINGLE.value)
    text = next(q for q in questions if q.kind == QuestionKind.TEXT.value)
    option = consultations.options_of(session=session, question=single)[0]
    words = {"小星星": "绿灯太短了，我还没走到对面就变红了。", "Sunny": "I want someone to help us cross in the morning."}
    for name, (code, comment) in zip(("小星星", "Sunny"), (("SXDEMWAA", words["小星星"]), ("SXDEMWBB", words["Sunny"])), strict=True):
        child = session.exec(select(Child).where(Child.display_name == name)).first()
        if child is None:
            continue
        session.add(Participation(consultation_id=consultation.id, child_id=child.id, receipt_code=code, channel="tablet",
                                  created_at=at, updated_at=at))
        session.add(Answer(consultation_id=consultation.id, question_id=single.id, child_id=child.id, channel="tablet",
                           value={"option": option.id}, created_at=at, updated_at=at))
        session.add(Comment(consultation_id=consultation.id, question_id=text.id, author_kind="child", child_id=child.id,
                            channel="tablet", text=comment, status="approved", created_at=at, updated_at=at))
    session.commit()


DEMO_CLOSED_TITLE = "北湾社区口袋公园"
DEMO_CLOSED_COMMENTS = 72


def _demo_closed_consultation(session: Session, *, official, district) -> None:  # noqa: ANN001
    """A closed consultation about a pocket park whose children's comments (Chinese and English, approved) are
    ready to be sorted into themes (issue 16), with a few guardians' views: the analysis workspace is worth
    opening (sign in as `analyst`). Its children are a demo squad of their own, pseudonymous, taking part."""
    from app.consultations import authoring
    from app.consultations.models import (
        Answer,
        Comment,
        Consultation,
        Participation,
        QuestionIn,
        QuestionKind,
    )
    from app.consultations.models import ConsultationIn as CIn
    from app.insights import samples

    if any(c.title.get("zh_Hans") == DEMO_CLOSED_TITLE for c in session.exec(select(Consultation))):
        return
    version = consent.current_version(session=session)
    if version is None:  # no consent notice loaded: the children could not take part
        return
    import datetime as dt

    from app.core.db import utcnow

    now = utcnow()
    consultation = authoring.create(session=session, actor=official, data=CIn(
        title={"zh_Hans": DEMO_CLOSED_TITLE, "en": "Beiwan pocket park"},
        description={"zh_Hans": "社区要把一块空地改成口袋公园，先问问孩子们想要什么。",
                     "en": "An empty plot becomes a small park; children were asked first what it should have."},
        briefs={"6-9": {"zh_Hans": "这块空地要变成小公园。你想要什么？", "en": "This empty plot becomes a little park. What do you want?"},
                "10-13": {"zh_Hans": "社区要建一个口袋公园。请说说你想要什么，怎样更安全、更好玩。",
                          "en": "The neighbourhood is building a pocket park. Tell us what you want and how to make it safe and fun."}},
        topic="spaces.parks", age_bands=["6-9", "10-13"],
        decision={"zh_Hans": "口袋公园的设计", "en": "The design of the pocket park"},
        decider_body={"zh_Hans": "五华区住房和城乡建设局", "en": "Wuhua District Housing and Construction Bureau"},
        decider_role={"zh_Hans": "社区规划负责人", "en": "the head of neighbourhood planning"},
        can_change={"zh_Hans": "设施、树和座椅放在哪里", "en": "The equipment, trees and seats and where they go"},
        cannot_change={"zh_Hans": "地块的大小", "en": "The size of the plot"},
        opens_at=now - dt.timedelta(days=20), closes_at=now + dt.timedelta(days=1), respond_by=(now + dt.timedelta(days=40)).date(),
    ))
    faces = authoring.add_question(session=session, actor=official, consultation=consultation, data=QuestionIn(
        kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得这块空地现在怎么样？", "en": "What do you think of the plot now?"}))
    question = authoring.add_question(session=session, actor=official, consultation=consultation, data=QuestionIn(
        kind=QuestionKind.TEXT, prompt={"zh_Hans": "你希望口袋公园里有什么？", "en": "What would you like in the pocket park?"}))
    authoring.schedule(session=session, actor=official, consultation=consultation)
    session.commit()
    squad = corps_actions.ensure_group(session=session, actor=None, district=district, code="demo-squad-beiwan",
                                       name={"zh_Hans": "北湾观察小队", "en": "Beiwan squad"}, kind=GroupKind.SQUAD)
    code_hash = hash_code("demo-beiwan-not-for-signing-in")
    guardian = Guardian(contact_kind="phone", contact="13800000200", contact_hash=crypto.lookup_hash("13800000200", purpose="phone"))
    session.add(guardian)
    session.flush()
    for i, (_topic, text) in enumerate(samples.comments(DEMO_CLOSED_COMMENTS, seed=2026)):
        child = Child(group_id=squad.id, display_name=f"北湾{i + 1}", name_key=corps.name_key(f"北湾{i + 1}"), avatar="panda",  # type: ignore[arg-type]
                      birth_year=2018 - i % 5, birth_month=1 + i % 12, status=ChildStatus.ACTIVE.value, picture_code_hash=code_hash)
        session.add(child)
        session.flush()
        session.add(Guardianship(guardian_id=guardian.id, child_id=child.id))  # type: ignore[arg-type]
        purposes = [(Purpose.PARTICIPATE, Decision.GRANTED), (Purpose.QUOTE, Decision.GRANTED if i % 4 else Decision.REFUSED)]
        for purpose, decision in purposes:
            consent.record(session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
                           channel="paper", guardian=guardian, notice_version=version, expires_at=consent.programme_year_end(),
                           evidence="demo", idempotency_key=f"demo-beiwan:{i}:{purpose.value}")
            if decision == Decision.GRANTED:
                consent.record(session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.CHILD_ASSENT,
                               channel="tablet", notice_version=version, idempotency_key=f"demo-beiwan:{i}:{purpose.value}:assent")
        # The child took part (a receipt, an answer to the faces): the children's check and "what happened to
        # my ideas" find them as they would a child who answered on a tablet.
        session.add(Participation(consultation_id=consultation.id, child_id=child.id, receipt_code="BWDM" + "".join("ABCDEFGHJKMNPQRSTUVWXYZ23456789"[i // 31**k % 31] for k in range(4)),  # type: ignore[arg-type]
                                  channel="tablet"))
        session.add(Answer(consultation_id=consultation.id, question_id=faces.id, child_id=child.id, channel="tablet",  # type: ignore[arg-type]
                           value={"scale": 1 + (i * 7) % 5}))
        session.add(Comment(consultation_id=consultation.id, question_id=question.id, author_kind="child", child_id=child.id,  # type: ignore[arg-type]
                            channel="tablet", text=text, status="approved", created_at=now - dt.timedelta(days=10, minutes=i)))
    for j, text in enumerate(samples.GUARDIAN_TEXTS[:4]):
        other = Guardian(contact_kind="phone", contact=f"1380000021{j}", contact_hash=crypto.lookup_hash(f"1380000021{j}", purpose="phone"))
        session.add(other)
        session.flush()
        session.add(Comment(consultation_id=consultation.id, author_kind="guardian", guardian_id=other.id, channel="web",  # type: ignore[arg-type]
                            text=text, status="approved"))
    session.commit()
    authoring.close_early(session=session, actor=official, consultation=consultation, reason="征集结束 / The consultation ended")
    session.commit()


def demo_children(*, session: Session) -> list[tuple[str, list[str], str | None]]:
    """(nickname, picture code, personal code) of the demo children, for printing."""
    rows = []
    for nickname, _avatar, _year, _month, code in DEMO_CHILDREN:
        child = session.exec(select(Child).where(Child.name_key == corps.name_key(nickname))).first()
        personal = f"{child.id}-{DEMO_TEEN_CODE_SECRET}" if child is not None and child.personal_code_hash else None
        rows.append((nickname, code, personal))
    return rows
