"""An id names one record for ever (issue 13, point 6): the audit log and links refer to records by id, so a
deleted record's id is never handed out again, on SQLite (AUTOINCREMENT, migration 0012) as on PostgreSQL."""

from sqlalchemy import delete
from sqlmodel import select

from app.core.audit import AuditEvent
from app.corps import actions as corps
from app.corps.models import District


def test_a_deleted_records_id_is_not_reused_and_audit_events_stay_unambiguous(session):
    names = {"zh_Hans": "区", "en": "District"}
    first = corps.create_district(session=session, actor=None, code="first", name=names)
    session.commit()
    first_id = first.id
    session.execute(delete(District).where(District.id == first_id))  # the newest row goes: SQLite's default reuses its id
    session.commit()
    second = corps.create_district(session=session, actor=None, code="second", name=names)
    session.commit()
    assert second.id != first_id
    created = session.exec(
        select(AuditEvent.subject_id, AuditEvent.data).where(AuditEvent.subject_type == "district").order_by(AuditEvent.id)
    ).all()
    assert [subject for subject, _ in created] == [str(first_id), str(second.id)]
