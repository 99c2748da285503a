"""`yimi consent sync`: notice versions become immutable rows with a SHA-256; a changed text is refused;
a material change moves granted consents to "needs a new decision"."""

import shutil

import pytest
from sqlmodel import func, select

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.files import NOTICES_DIR, load_notice_versions
from app.consent.models import (
    ConsentStatus,
    DecidedBy,
    Decision,
    Guardian,
    NoticeText,
    NoticeVersion,
    Purpose,
)
from app.core import crypto
from tests.corps.tablet_helpers import classroom


def test_sync_loads_every_version_once(session):
    first = consent_actions.sync_notices(session=session, versions=load_notice_versions())
    assert len(first.loaded) >= 1 and first.unchanged == 0
    again = consent_actions.sync_notices(session=session, versions=load_notice_versions())
    assert again.loaded == [] and again.unchanged == len(first.loaded)
    version = session.exec(select(NoticeVersion)).first()
    assert len(version.sha256) == 64
    assert session.exec(select(func.count()).select_from(NoticeText).where(NoticeText.version_id == version.id)).one() == 8
    assert consent.current_version(session=session).id == version.id


def test_a_changed_loaded_version_is_refused(session, tmp_path):
    root = tmp_path / "notices"
    shutil.copytree(NOTICES_DIR, root)
    consent_actions.sync_notices(session=session, versions=load_notice_versions(root))
    guardian_file = next(root.glob("*/*/guardian.en.md"))
    guardian_file.write_text(guardian_file.read_text() + "\nOne more sentence slipped in.\n")
    with pytest.raises(consent.NoticeChanged):
        consent_actions.sync_notices(session=session, versions=load_notice_versions(root))


def test_a_material_change_asks_for_a_new_decision(session, tmp_path):
    root = tmp_path / "notices"
    shutil.copytree(NOTICES_DIR, root)
    consent_actions.sync_notices(session=session, versions=load_notice_versions(root))
    child = classroom(session, size=1).children[0][0]
    guardian = Guardian(contact_kind="phone", contact="13800138000", contact_hash=crypto.lookup_hash("13800138000", purpose="phone"))
    session.add(guardian)
    session.commit()
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    old = next(p for p in (root / "children-privacy").iterdir() if p.is_dir())
    new = old.with_name("2027-01")
    shutil.copytree(old, new)
    for path in new.glob("*.md"):
        text = path.read_text().replace("material_change: false", "material_change: true")
        text = text.replace("change_summary:\n", "change_summary: We now keep answers for two years.\n", 1)
        path.write_text(text)
    result = consent_actions.sync_notices(session=session, versions=load_notice_versions(root))
    assert result.superseded == 1
    state = consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    assert state.status == ConsentStatus.NEEDS_RECONSENT.value
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)


def test_the_sync_command_loads_and_is_idempotent(settings):
    from typer.testing import CliRunner

    from app.cli import app as cli

    first = CliRunner().invoke(cli, ["consent", "sync"])
    assert first.exit_code == 0, first.output
    assert "Loaded children-privacy 2026-11" in first.output
    again = CliRunner().invoke(cli, ["consent", "sync"])
    assert again.exit_code == 0 and "0 loaded, 1 unchanged" in again.output
