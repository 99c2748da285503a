"""Seed a class for the sign-in benchmark: a group, its facilitator, N active children with picture codes.

Run by bench/classroom.py with the server's environment; prints JSON on standard output."""

import json
import sys

from app.accounts import service as accounts
from app.accounts.models import Role, StaffUserCreate
from app.core.db import new_session
from app.corps import service
from app.corps.models import AVATARS, ChildCreate, ChildStatus, GroupKind

PASSWORD = "bench facilitator password"


def main(size: int) -> None:
    with new_session() as session:
        district = service.ensure_district(session=session, actor=None, code="bench-district", name={"zh_Hans": "测试区"})
        group = service.ensure_group(
            session=session, actor=None, district=district, code="bench-class", name={"zh_Hans": "压测班"}, kind=GroupKind.SCHOOL_CLASS
        )
        facilitator = accounts.get_by_username(session=session, username="bench.facilitator")
        if facilitator is None:
            facilitator, _ = accounts.create(
                session=session, actor=None, trained=True,
                data=StaffUserCreate(username="bench.facilitator", display_name="Bench", roles=[Role.FACILITATOR], password=PASSWORD),
            )
        service.set_facilitators(session=session, actor=facilitator, group=group, user_ids=[facilitator.id])
        avatars = list(AVATARS)
        rows = [
            ChildCreate(display_name=f"Kid {i:02d}", avatar=avatars[i % len(avatars)], birth_year=2016, birth_month=3)
            for i in range(size)
        ]
        enrolled = service.enrol_many(session=session, actor=facilitator, group=group, rows=rows)
        for child, _code in enrolled:
            service.set_status(session=session, actor=facilitator, child=child, status=ChildStatus.ACTIVE)
        print(json.dumps({
            "group_id": group.id,
            "facilitator": "bench.facilitator",
            "password": PASSWORD,
            "children": [{"id": child.id, "code": code} for child, code in enrolled],
        }))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
