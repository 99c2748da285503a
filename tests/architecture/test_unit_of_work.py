"""Who commits (issue 15, docs/architecture.md): an action opens the unit of work and commits once; services
never commit; a refusal inside an action leaves nothing behind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import select

from app.core.db import after_commit, transaction
from app.corps.models import District

APP = Path(__file__).resolve().parents[2] / "app"

# Modules that are services: everything a domain holds but its actions, views, API routes, dependencies, models
# and the command line. They may flush; they never commit or roll back.
NOT_SERVICES = {"actions.py", "views.py", "api.py", "deps.py", "models.py", "cli.py", "main.py", "demo.py", "__init__.py"}
def _is_service(path: Path) -> bool:
    return not (path.name in NOT_SERVICES or path.name.endswith("_views.py") or path.name.endswith("_api.py")
                or "core" in path.relative_to(APP).parts or "screening" in path.parts)


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"commit", "rollback"}]


def test_services_never_commit():
    offenders = {}
    for path in sorted(APP.rglob("*.py")):
        relative = str(path.relative_to(APP))
        if _is_service(path) and (lines := _commits(path)):
            offenders[relative] = lines
    assert not offenders, f"services commit or roll back (move it into an action): {offenders}"


def test_a_transaction_commits_once_at_the_end(session):
    with transaction(session):
        session.add(District(code="uow-one", name={"zh-CN": "一", "en": "One"}))
        with transaction(session):  # an action calling another joins the outer unit of work
            session.add(District(code="uow-two", name={"zh-CN": "二", "en": "Two"}))
        assert session.in_transaction()
    session.rollback()  # nothing left to undo: the outer block committed both
    codes = set(session.exec(select(District.code).where(District.code.startswith("uow-"))).all())
    assert codes == {"uow-one", "uow-two"}


def test_a_refusal_inside_an_action_leaves_nothing_behind(session):
    ran = []
    with pytest.raises(ValueError), transaction(session):
        session.add(District(code="uow-half", name={"zh-CN": "半", "en": "Half"}))
        session.flush()
        after_commit(session, lambda: ran.append("never"))
        raise ValueError("refused")
    assert session.exec(select(District).where(District.code == "uow-half")).first() is None
    assert ran == []
    with transaction(session):
        after_commit(session, lambda: ran.append("after"))
    assert ran == ["after"]
