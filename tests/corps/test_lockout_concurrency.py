"""The picture-code lock-out is settled by the database: 20 wrong codes for one child sent at once to two
uvicorn workers count exactly five, then the child is locked (SQLite and PostgreSQL)."""

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import func, select

from app.core.audit import AuditEvent
from app.corps.models import Child
from tests.conftest import PASSWORD
from tests.corps.tablet_helpers import classroom, wrong_code


def _open_tablet(base: str, room) -> httpx.Client:  # noqa: ANN001
    client = httpx.Client(base_url=base, headers={"Accept-Language": "en"})
    page = client.get("/signin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    client.post("/signin", data={"username": room.facilitator.username, "password": PASSWORD, "csrf_token": token})
    staff = client.get("/staff")
    token = re.search(r'name="csrf-token" content="([^"]+)"', staff.text).group(1)
    opened = client.post(f"/corps/groups/{room.group.id}/tablet", data={"csrf_token": token, "hours": "2"})
    assert opened.status_code == 303 and "yimi_tablet" in client.cookies
    return client


def test_twenty_concurrent_wrong_codes_count_exactly_five(served_app, session):
    room = classroom(session, size=1)
    child, code = room.children[0]
    tablet = _open_tablet(served_app, room)
    page = tablet.get(f"/tablet/child/{child.id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = wrong_code(code)
    cookies = dict(tablet.cookies)

    def attempt(_: int) -> int:
        with httpx.Client(base_url=served_app, cookies=cookies, headers={"Accept-Language": "en"}) as c:
            response = c.post(f"/tablet/child/{child.id}", data={"csrf_token": token, "entered": ",".join(bad[:2]), "pick": bad[2]})
            return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    assert set(statuses) <= {400, 423}, statuses
    assert statuses.count(400) <= 4  # never more than four "try again" answers
    session.expire_all()
    locked = session.get(Child, child.id)
    assert locked.failed_codes == 5 and locked.locked_at is not None
    counted = session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "corps.child_code_wrong", AuditEvent.subject_id == str(child.id))
    ).one()
    assert counted == 5
    # Even the right code is refused now, whichever worker answers.
    right = tablet.post(f"/tablet/child/{child.id}", data={"csrf_token": token, "entered": ",".join(code[:2]), "pick": code[2]})
    assert right.status_code == 423
