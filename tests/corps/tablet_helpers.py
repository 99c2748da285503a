"""Shared set-up for tablet tests: a district, a group with its facilitator, enrolled children."""

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.corps import actions
from app.corps.models import Child, ChildCreate, ChildStatus, Group, GroupKind
from tests.conftest import make_user, post_form, sign_in


@dataclass
class Classroom:
    group: Group
    facilitator: StaffUser
    children: list[tuple[Child, list[str]]]


def classroom(
    session: Session, *, size: int = 2, code: str = "class-a", facilitator: str = "teacher1", status=ChildStatus.ACTIVE,
    nicknames: list[str] | None = None,
) -> Classroom:
    district = actions.ensure_district(session=session, actor=None, code="district-a", name={"zh_Hans": "五华区", "en": "Wuhua"})
    group = actions.create_group(session=session, actor=None, district_id=district.id, code=code, name={"zh_Hans": "四年级二班", "en": "Class 4-2"}, kind=GroupKind.SCHOOL_CLASS)
    user = make_user(session, facilitator, [Role.FACILITATOR])
    admin = make_user(session, f"{facilitator}-admin", [Role.ADMIN])
    actions.set_facilitators(session=session, actor=admin, group=group, user_ids=[user.id])
    children = []
    nicknames = nicknames or ["小星星", "Sunny", "小云朵", "Rocket", "小树苗", "Bubbles"]
    for i in range(size):
        name = nicknames[i] if i < len(nicknames) else f"{code}-{i}"
        child, picture_code = actions.enrol(session=session, actor=user, group=group, data=ChildCreate(display_name=name, avatar="panda", birth_year=2016, birth_month=5))
        if status != ChildStatus.AWAITING_CONSENT:
            actions.set_status(session=session, actor=user, child=child, status=status)
        children.append((child, picture_code))
    return Classroom(group=group, facilitator=user, children=children)


def open_tablet(client: TestClient, room: Classroom) -> None:
    sign_in(client, room.facilitator.username)
    response = post_form(client, f"/corps/groups/{room.group.id}/tablet", {"hours": "2"}, page="/staff")
    assert response.status_code == 303 and response.headers["location"] == "/tablet", response.text
    assert "yimi_tablet" in client.cookies and "yimi_session" not in client.cookies


def wrong_code(code: list[str]) -> list[str]:
    return [code[0], code[1], "boat" if code[2] != "boat" else "sun"]


def tap_code(client: TestClient, child: Child, code: list[str]):  # noqa: ANN201
    """Tap three pictures the way the plain form does: one request per tap."""
    import re

    page = client.get(f"/tablet/child/{child.id}")
    if page.status_code != 200:
        return page  # locked or unknown: there is nothing to tap
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    entered: list[str] = []
    response = None
    for picture in code:
        response = client.post(
            f"/tablet/child/{child.id}", data={"csrf_token": token, "entered": ",".join(entered), "pick": picture}, follow_redirects=False
        )
        entered.append(picture)
    return response
