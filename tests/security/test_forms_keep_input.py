"""Forms that fail on the server keep what was typed (issue 13.8).

For every HTML form with a free-text field (staff, guardian and child forms), the form is sent as a browser
would send it, with that field one character over its real limit (what getting around `maxlength` does).
What a user notices: the form comes back with the status of a refusal, a message that names the field and
gives its limit (a kind one on a child's page), and the words still in the box; the box's `maxlength` is the
limit the server checked. And nothing was saved: no table gained a row, and what the form would change is
unchanged. Past the one hard cap every form shares, the generic page still names each field in words.
On SQLite and PostgreSQL alike."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from app.accounts import service as accounts
from app.accounts.models import Role, StaffUser
from app.consent import actions as consent_actions
from app.consent import models as consent_models
from app.consent.models import Guardian, RightsRequest, RightsStatus
from app.consultations import answering
from app.consultations import models as consultation_models
from app.consultations import service as consultations
from app.consultations.models import AnswerIn, Channel, Comment, Consultation, QuestionIn, QuestionKind
from app.core.validation import FORM_TEXT_MAX, FormText
from app.corps import service as corps
from app.corps.models import ChildIdentity
from app.moderation import service as moderation
from app.projects import service as projects
from app.safeguarding import actions as sg_actions
from app.safeguarding import service as safeguarding
from app.safeguarding.models import SafeguardingCase
from tests.conftest import PASSWORD, english_client, make_user, sign_in
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.consultations.test_guardian_input import signed_in_guardian
from tests.corps.tablet_helpers import Classroom, classroom, open_tablet, tap_code
from tests.safeguarding.helpers import new_case, officer

HX = {"HX-Request": "true"}


# ---- the page as a browser reads it ----------------------------------------------------------------


class Forms(HTMLParser):
    """Every form of a page: its action and its fields as the browser would send them, plus each field's
    `maxlength` and shown value."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None
        self._select: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": [], "boxes": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"].append((self._select, a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select = a["name"]
        elif tag == "textarea" and "name" in a:
            self._textarea = {"name": a["name"], "value": "", "maxlength": a.get("maxlength")}
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or kind in ("checkbox", "radio") and "checked" not in a:
                return  # a browser sends a button's value only when it is pressed, a box only when ticked
            self._form["fields"].append((a["name"], a.get("value", "")))
            self._form["boxes"][a["name"]] = {"value": a.get("value", ""), "maxlength": a.get("maxlength")}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            box = self._textarea
            self._form["fields"].append((box["name"], box["value"]))
            self._form["boxes"][box["name"]] = {"value": box["value"], "maxlength": box["maxlength"]}
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def find(self, action: str, name: str, nth: int = 0) -> dict[str, Any]:
        found = [f for f in self.forms if f["action"] == action and name in f["boxes"]]
        assert len(found) > nth, f"no form to {action} with a field {name}"
        return found[nth]


def csrf_of(text: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)


# ---- the people and records the forms need, made when a form asks for them ------------------------


class World:
    def __init__(self, app, session: Session) -> None:  # noqa: ANN001
        self.app = app
        self.session = session
        self.clients: dict[str, TestClient] = {}

    @cached_property
    def room(self) -> Classroom:
        """A class of two children taking part (their guardians said yes, and so did they)."""
        load_notices(self.session)
        room = classroom(self.session, size=2)
        self.guardians = [take_part(self.session, child) for child, _code in room.children]
        return room

    @property
    def child(self):  # noqa: ANN201
        return self.room.children[0][0]

    @cached_property
    def admin(self) -> StaffUser:
        return make_user(self.session, "admin1", [Role.ADMIN])

    @cached_property
    def colleague(self) -> StaffUser:
        """A staff member whose account the administrator edits; a moderator whose training is not recorded."""
        return make_user(self.session, "colleague", [Role.MODERATOR], trained=False)

    @cached_property
    def officer(self) -> StaffUser:
        return officer(self.session)

    @cached_property
    def case(self) -> SafeguardingCase:
        case = new_case(self.session, self.child)
        sg_actions.acknowledge(session=self.session, officer=self.officer, case=case)
        return case

    @cached_property
    def official(self) -> StaffUser:
        return make_user(self.session, "official1", [Role.OFFICIAL])

    @cached_property
    def consultation(self) -> Consultation:
        """Open for the class, its written question first: the child's first screen is the text box."""
        self.room  # noqa: B018 - the class and its consent first
        return open_consultation(
            self.session, self.official, group_ids=[self.room.group.id],
            questions=[QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
                       QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得公园怎么样？", "en": "How do you like the park?"})],
        )

    @cached_property
    def question(self):  # noqa: ANN201
        return consultations.questions_of(session=self.session, consultation=self.consultation)[0]

    @cached_property
    def moderator(self) -> StaffUser:
        return make_user(self.session, "moderator1", [Role.MODERATOR])

    @cached_property
    def comment(self) -> Comment:
        """The child's written answer, waiting for a moderator."""
        answering.submit(
            session=self.session, child=self.child, consultation=self.consultation,
            answers=[AnswerIn(question_id=self.question.id, text="公园里要多种大树")],
            key=answering.new_key(child=self.child, consultation=self.consultation), channel=Channel.TABLET,
        )
        self.session.commit()
        return self.session.exec(select(Comment).where(Comment.child_id == self.child.id)).scalars().one()

    @property
    def guardian(self) -> Guardian:
        self.room  # noqa: B018 - the child's guardian comes with the class
        return self.guardians[0]

    @cached_property
    def rights_request(self) -> RightsRequest:
        return consent_actions.file_rights_request(session=self.session, guardian=self.guardian, child=self.child, kind="access", text="请告诉我们保存了什么")

    def client(self, who: str) -> TestClient:
        """A browser for `who`, signed in as they would be."""
        if who not in self.clients:
            if who == "guardian":
                client = signed_in_guardian(self.app, self.session, self.guardian)
            else:
                client = english_client(self.app)
                if who == "child":
                    child, code = self.room.children[0]
                    open_tablet(client, self.room)
                    assert tap_code(client, child, code).headers["location"] == "/me"
                elif who == "facilitator":
                    sign_in(client, self.room.facilitator.username)
                elif who != "anonymous":
                    sign_in(client, getattr(self, who).username)
            self.clients[who] = client
        return self.clients[who]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def world(app, session: Session):  # noqa: ANN001, ANN201
    found = World(app, session)
    yield found
    found.close()


def row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one() for table in SQLModel.metadata.sorted_tables}


# ---- every form with a free-text field --------------------------------------------------------------


@dataclass
class Form:
    """One HTML form and one of its free-text fields."""

    id: str
    who: str  # whose browser: admin, colleague, officer, official, moderator, facilitator, guardian, child, anonymous
    page: Callable[[World], str]  # the page the form is on
    action: Callable[[World], str]  # where the form posts
    name: str  # the field, as the form names it
    limit: int  # the field's real limit, read from the service that checks it
    message: str  # what the person reads, naming the field (English)
    unchanged: Callable[[World], Any] = lambda w: None  # what the form would have changed (compared before and after)
    extra: Callable[[World], dict[str, str]] = lambda w: {}  # choices the person makes besides the text
    char: str = "长"
    echo: bool = True  # the typed text comes back in the box (never a password)
    htmx: bool = False
    status: int = 422
    nth: int = 0  # which of the page's forms to the same action
    opened: Callable[[World, TestClient], str] | None = None  # a page reached by a post (the child's question screen)


def _user(w: World, user: StaffUser) -> tuple:
    w.session.expire_all()
    found = w.session.get(StaffUser, user.id)
    return found.display_name, found.password_hash, [(r.role, r.trained_at, r.training_note) for r in found.roles]


def _case(w: World) -> tuple:
    w.session.expire_all()
    case = w.session.get(SafeguardingCase, w.case.id)
    return case.closed_at, case.assessment


def _child_screen(w: World, client: TestClient) -> str:
    """The child's first question screen: "start" on the consultation's first page."""
    intro = client.get(f"/me/consultations/{w.consultation.id}")
    response = client.post(f"/me/consultations/{w.consultation.id}/answer",
                           data={"csrf_token": csrf_of(intro.text), "at": "0", "go": "start"})
    assert response.status_code == 200, response.text
    return response.text


def _with(made: str, path: str) -> Callable[[World], str]:
    """A page that shows a record only once it exists: make it first (`made`, a World attribute)."""
    return lambda w: (getattr(w, made), path)[1]


def _identity_read(w: World, client: TestClient) -> str:
    """The identity page once read with a reason: it shows the form that changes the record."""
    path = f"/corps/children/{w.child.id}/identity"
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), "reason": "家访前核对"}).text


def _comment_status(w: World) -> str:
    w.session.expire_all()
    return w.session.get(Comment, w.comment.id).status


TOO_LONG = "“{}” is too long: at most {} characters."

FORMS = [
    # Staff accounts
    Form("new staff name", "admin", lambda w: "/admin/users/new", lambda w: "/admin/users", "display_name", accounts.DISPLAY_NAME.max,
         TOO_LONG.format("Name shown to colleagues", 100), extra=lambda w: {"username": "newperson"}),
    Form("new staff username", "admin", lambda w: "/admin/users/new", lambda w: "/admin/users", "username", accounts.USERNAME.max,
         "A username has 3 to 64 characters", extra=lambda w: {"display_name": "New Person"}, char="a"),
    Form("staff name", "admin", lambda w: f"/admin/users/{w.colleague.id}", lambda w: f"/admin/users/{w.colleague.id}/profile",
         "display_name", accounts.DISPLAY_NAME.max, TOO_LONG.format("Name shown to colleagues", 100), unchanged=lambda w: _user(w, w.colleague)),
    *(Form(f"training note{' (htmx)' if htmx else ''}", "admin", lambda w: f"/admin/users/{w.colleague.id}",
           lambda w: f"/admin/users/{w.colleague.id}/training/moderator", "note", accounts.TRAINING_NOTE.max,
           TOO_LONG.format("Training note", 500), unchanged=lambda w: _user(w, w.colleague), htmx=htmx, status=200 if htmx else 422)
      for htmx in (False, True)),
    Form("API token name", "admin", lambda w: f"/admin/users/{w.colleague.id}", lambda w: f"/admin/users/{w.colleague.id}/tokens",
         "name", accounts.TOKEN_NAME.max, TOO_LONG.format("What is the token for?", 100)),
    Form("new password", "admin", lambda w: "/account/password", lambda w: "/account/password", "new_password", accounts.PASSWORD.max,
         TOO_LONG.format("New password", 1000), extra=lambda w: {"current_password": PASSWORD, "confirm_password": "长" * 1001},
         unchanged=lambda w: _user(w, w.admin), echo=False),
    # The observer corps
    *(Form(f"district {name}", "admin", lambda w: "/corps/districts", lambda w: "/corps/districts", name, limit, message,
           extra=lambda w, name=name: {k: v for k, v in {"code": "panlong", "name_zh": "盘龙区"}.items() if k != name}, char=char)
      for name, limit, message, char in (
          ("code", corps.CODE.max, "A code has 3 to 40 lower-case letters, digits or dashes.", "a"),
          ("name_zh", corps.NAME["zh_Hans"].max, TOO_LONG.format("Chinese name", 100), "区"),
          ("name_en", corps.NAME["en"].max, TOO_LONG.format("English name", 100), "x"),
      )),
    Form("group name", "admin", _with("room", "/corps/groups"), lambda w: "/corps/groups", "name_zh", corps.NAME["zh_Hans"].max,
         TOO_LONG.format("Chinese name", 100),
         extra=lambda w: {"code": "class-z", "district_id": str(w.room.group.district_id), "kind": "school_class"}),
    Form("child's nickname", "facilitator", lambda w: f"/corps/groups/{w.room.group.id}/children/new",
         lambda w: f"/corps/groups/{w.room.group.id}/children", "display_name", corps.NICKNAME.max, "A nickname has 1 to 20 characters.",
         extra=lambda w: {"birth_year": "2016", "birth_month": "5"}, char="星"),
    Form("child's real name at enrolment", "facilitator", lambda w: f"/corps/groups/{w.room.group.id}/children/new",
         lambda w: f"/corps/groups/{w.room.group.id}/children", "real_name", corps.REAL_NAME.max, TOO_LONG.format("Real name", 100),
         extra=lambda w: {"display_name": "小月亮", "birth_year": "2016", "birth_month": "5"}),
    Form("reason to read an identity", "admin", lambda w: f"/corps/children/{w.child.id}/identity",
         lambda w: f"/corps/children/{w.child.id}/identity", "reason", corps.REASON.max, TOO_LONG.format("Reason", 500)),
    *(Form(f"identity record {name}", "admin", lambda w: f"/corps/children/{w.child.id}/identity",
           lambda w: f"/corps/children/{w.child.id}/identity/edit", name, limit, message, opened=_identity_read,
           extra=lambda w, name=name: {k: v for k, v in {"reason": "更正登记的姓名"}.items() if k != name},
           unchanged=lambda w: w.session.exec(select(func.count()).select_from(ChildIdentity)).scalar_one())
      for name, limit, message in (
          ("real_name", corps.REAL_NAME.max, TOO_LONG.format("Real name", 100)),
          ("notes", corps.NOTES.max, TOO_LONG.format("Notes", 2000)),
          ("reason", corps.REASON.max, TOO_LONG.format("Reason", 500)),
      )),
    Form("facilitator's concern", "facilitator", lambda w: f"/corps/children/{w.child.id}",
         lambda w: f"/corps/children/{w.child.id}/concern", "text", safeguarding.CONCERN.max, TOO_LONG.format("What worries you", 2000)),
    # Safeguarding officers
    Form("assessment note", "officer", lambda w: f"/safeguarding/cases/{w.case.id}", lambda w: f"/safeguarding/cases/{w.case.id}/actions",
         "note", safeguarding.NOTE.max, TOO_LONG.format("Note", 4000), extra=lambda w: {"assessment": "at_risk"}, unchanged=_case),
    Form("action note", "officer", lambda w: f"/safeguarding/cases/{w.case.id}", lambda w: f"/safeguarding/cases/{w.case.id}/actions",
         "note", safeguarding.NOTE.max, TOO_LONG.format("Note", 4000), extra=lambda w: {"kind": "note"}, nth=1),
    Form("report reference", "officer", lambda w: f"/safeguarding/cases/{w.case.id}", lambda w: f"/safeguarding/cases/{w.case.id}/actions",
         "reference", safeguarding.REFERENCE.max, TOO_LONG.format("Reference number (required for a mandatory report)", 100),
         extra=lambda w: {"kind": "report_police"}, char="9"),
    Form("closing note", "officer", lambda w: f"/safeguarding/cases/{w.case.id}", lambda w: f"/safeguarding/cases/{w.case.id}/close",
         "note", safeguarding.CLOSING_NOTE.max, TOO_LONG.format("Closing note", 4000), extra=lambda w: {"outcome": "supported"},
         unchanged=_case),
    Form("reason to see who the child is", "officer", lambda w: f"/safeguarding/cases/{w.case.id}/identity",
         lambda w: f"/safeguarding/cases/{w.case.id}/identity", "reason", safeguarding.REASON.max, TOO_LONG.format("Reason", 1000)),
    Form("alert contact", "officer", lambda w: "/safeguarding/duty", lambda w: "/safeguarding/duty", "alert_contact",
         safeguarding.ALERT_CONTACT.max, TOO_LONG.format("Phone number or e-mail address", 200), char="1",
         unchanged=lambda w: safeguarding.duty_of(session=w.session, user=w.officer).alert_contact),
    # Guardians' rights, and the staff who answer them
    Form("guardian's rights request", "guardian", lambda w: f"/guardian/children/{w.child.id}/rights",
         lambda w: f"/guardian/children/{w.child.id}/rights", "text", consent_models.REQUEST_TEXT.max, TOO_LONG.format("Tell us more", 4000),
         extra=lambda w: {"kind": "access"}),
    Form("answer to a rights request", "admin", _with("rights_request", "/admin/rights"),
         lambda w: f"/admin/rights/{w.rights_request.id}/answer", "answer", consent_models.ANSWER.max, TOO_LONG.format("Answer, with the reasons", 4000),
         unchanged=lambda w: w.session.get(RightsRequest, w.rights_request.id).status == RightsStatus.OPEN.value),
    # Consultations, projects, moderation
    Form("consultation title", "official", lambda w: "/consultations/new", lambda w: "/consultations", "title_zh",
         consultation_models.TEXT_LIMITS["title"].max, TOO_LONG.format("Title", 200)),
    Form("reason to close early", "official", lambda w: f"/consultations/{w.consultation.id}",
         lambda w: f"/consultations/{w.consultation.id}/close", "reason", consultation_models.CLOSE_REASON.max,
         TOO_LONG.format("Close early: the reason (children and colleagues will see it)", 1000),
         unchanged=lambda w: w.session.get(Consultation, w.consultation.id).closed_at),
    Form("project name", "official", lambda w: "/projects/new", lambda w: "/projects", "name_zh", projects.TEXTS["name"].max,
         TOO_LONG.format("Name of the project", 200), extra=lambda w: {"department_zh": "区住建局"}),
    Form("child impact assessment", "official", lambda w: "/projects/new", lambda w: "/projects", "impact_assessment_zh",
         projects.TEXTS["impact_assessment"].max, TOO_LONG.format("Child impact assessment", 10000),
         extra=lambda w: {"name_zh": "翠湖公园", "department_zh": "区住建局"}),
    *(Form(f"moderator's {name}{' (htmx)' if htmx else ''}", "moderator", _with("comment", "/moderation"),
           lambda w: f"/moderation/comments/{w.comment.id}/decide", name, limit, message, extra=lambda w, d=decision: {"decision": d},
           unchanged=_comment_status, htmx=htmx, status=200 if htmx else 422)
      for name, limit, message, decision in (
          ("note", moderation.NOTE.max, TOO_LONG.format("Note for the record (optional)", 1000), "approved"),
          ("words", moderation.WORDS_TO_HIDE.max, TOO_LONG.format("Other words to hide (separate them with commas)", 1000), "redacted"),
      ) for htmx in (False, True)),
    Form("paper answer", "facilitator",
         lambda w: f"/corps/groups/{w.room.group.id}/paper/{w.consultation.id}/children/{w.child.id}",
         lambda w: f"/corps/groups/{w.room.group.id}/paper/{w.consultation.id}/children/{w.child.id}",
         "q-{question}", consultation_models.ANSWER_TEXT.max, "That is a bit long. Please use up to 280 characters."),
    # Guardians and children
    Form("guardian's view", "guardian", lambda w: f"/guardian/consultations/{w.consultation.id}",
         lambda w: f"/guardian/consultations/{w.consultation.id}/comment", "text", consultation_models.GUARDIAN_VIEW.max,
         TOO_LONG.format("Your view", 280)),
    *(Form(f"\"I need help\"{' (signed in)' if who == 'child' else ''}", who, lambda w: "/help/request",
           lambda w, who=who: "/me/help" if who == "child" else "/help/request", "text", safeguarding.HELP_TEXT.max,
           "Thank you for telling us. That is a lot of words: please make it a little shorter, up to 500 characters")
      for who in ("anonymous", "child")),
    *(Form(f"child's written answer{' (htmx)' if htmx else ''}", "child", lambda w: f"/me/consultations/{w.consultation.id}",
           lambda w: f"/me/consultations/{w.consultation.id}/answer", "q-{question}", consultation_models.ANSWER_TEXT.max,
           "That is a bit long. Please use up to 280 characters.", opened=_child_screen, extra=lambda w: {"go": "next"},
           htmx=htmx, status=200 if htmx else 422)
      for htmx in (False, True)),
]


@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
def test_a_field_over_its_limit_comes_back_with_what_was_typed_and_says_which_field(world: World, form: Form):
    client = world.client(form.who)
    page = form.opened(world, client) if form.opened else client.get(form.page(world)).text
    name = form.name.format(question=world.question.id if "{question}" in form.name else "")
    action = form.action(world)
    found = Forms(page).find(action, name, form.nth)
    assert found["boxes"][name]["maxlength"] == str(form.limit), "the box shows the limit the server checks"

    typed = form.char * (form.limit + 1)
    sent = [(k, v) for k, v in found["fields"] if k != name and k not in form.extra(world)]
    sent += [(name, typed), *form.extra(world).items()]
    if not any(k == "csrf_token" for k, _ in sent):
        sent.append(("csrf_token", csrf_of(page)))
    before, changed_before = row_counts(world.session), form.unchanged(world)
    response = client.post(action, content=urlencode(sent), follow_redirects=False,
                           headers={"Content-Type": "application/x-www-form-urlencoded", **(HX if form.htmx else {})})

    assert response.status_code == form.status, response.text[:3000]
    assert form.message in html.unescape(response.text)
    again = Forms(response.text).find(action, name, form.nth)["boxes"][name]
    if form.echo:
        assert again["value"] == typed, "the words are still in the box"
    else:
        assert again["value"] == "" and typed not in response.text, "a password is never shown again"
    assert again["maxlength"] == str(form.limit)
    assert row_counts(world.session) == before, "nothing was saved"
    assert form.unchanged(world) == changed_before, "nothing was changed"


# ---- past the hard cap: the generic page names the field ------------------------------------------------


OVER_THE_CAP = [
    ("admin", "/corps/districts", "/corps/districts", {"code": "panlong", "name_zh": "区" * (FORM_TEXT_MAX + 1)}, "Chinese name"),
    ("guardian", "/guardian/children/{child}/rights", "/guardian/children/{child}/rights",
     {"kind": "access", "text": "长" * (FORM_TEXT_MAX + 1)}, "Tell us more"),
    ("anonymous", "/help/request", "/help/request", {"text": "帮" * (FORM_TEXT_MAX + 1)}, "What is wrong? (you can leave this empty)"),
]


@pytest.mark.parametrize(("who", "form_page", "action", "data", "label"), OVER_THE_CAP, ids=[row[0] for row in OVER_THE_CAP])
def test_a_value_over_the_forms_hard_cap_gets_the_generic_page_naming_the_field(world: World, who, form_page, action, data, label):
    client = world.client(who)
    form_page, action = form_page.format(child=world.child.id), action.format(child=world.child.id)
    before = row_counts(world.session)
    response = client.post(action, data={**data, "csrf_token": csrf_of(client.get(form_page).text)}, follow_redirects=False)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Some answers need another look" in text
    assert f"“{label}” is too long: at most {FORM_TEXT_MAX} characters." in text
    assert row_counts(world.session) == before


# A CSV file carried back from its preview (base64, up to the request body limit): a file, not a text.
NOT_TEXT = {("/corps/groups/{group_id}/import/confirm", "payload")}


def test_every_text_a_form_posts_has_the_one_hard_cap_and_a_label():
    """One way: every str field of an HTML form is a FormText (the hard cap, named in words on the generic
    page); the field's real limit is its service's."""
    from fastapi.params import File

    from app.main import routes

    cap = FormText("x").metadata
    checked = 0
    for route in routes():
        if route.path.startswith("/api/"):
            continue
        for param in route.dependant.body_params:
            info = param.field_info
            if isinstance(info, File):  # an upload: no text to cap, and its route says when it is missing
                continue
            assert info.title, f"{route.path}: the field {param.alias} has no label for the generic page"
            if info.annotation is str and (route.path, param.alias) not in NOT_TEXT:
                assert info.metadata == cap, f"{route.path}: {param.alias} is not a FormText"
                checked += 1
    assert checked > 50
