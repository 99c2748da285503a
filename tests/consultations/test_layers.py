"""The seams of the consultations split (issue 15): the child's JSON API imports no HTML page, corps (lower)
imports nothing of consultations (higher), and each part of consultations is imported from the module that
owns it."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_childs_api_imports_no_html_page():
    assert not {name for name in _imports(APP / "consultations" / "child_api.py") if name.endswith("_views") or ".views" in name}


def test_corps_imports_nothing_of_consultations():
    offenders = {str(path.relative_to(APP)): sorted(name for name in _imports(path) if name.startswith("app.consultations"))
                 for path in (APP / "corps").rglob("*.py")}
    assert not {path: names for path, names in offenders.items() if names}


def test_the_shared_service_is_no_facade():
    """service.py holds only what the job modules share: it imports none of them."""
    jobs = {"authoring", "answering", "results", "comments", "actions"}
    assert not {name for name in _imports(APP / "consultations" / "service.py") if name.rsplit(".", 1)[-1] in jobs}
