"""Schemathesis against a served Yimi (issue 13, point 7): the JSON API does what its OpenAPI description says.

`yimi serve --workers 2` on this test's database (SQLite, or PostgreSQL when the suite runs there) with the demo
data loaded, fuzzed by `schemathesis run --checks all` (every phase: examples, coverage, fuzzing and stateful
sequences over the links Schemathesis infers) twice: with an administrator's token holding every role, and with
a child's session on the child's own API. The run is bounded in time (YIMI_FUZZ_SECONDS, default 60 for the
token and 25 for the child) and seeded, so it fails the build on any server error or schema violation and
prints Schemathesis's report with a reproducing `curl` for each.

Left out of the token's run: the two operations that end the fuzzer's own credentials (revoking an API token
and signing a user out everywhere, which revokes their tokens); tests/security/test_api_tokens.py covers them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.demo import demo_children, load_demo
from tests.conftest import make_user

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ENDS_OWN_CREDENTIALS = r"^/api/v1/accounts/(tokens/|users/\{user_id\}/sign-out-everywhere)"
LIMITS = {"YIMI_RATE_LIMIT_API": "1000000/minute", "YIMI_RATE_LIMIT_SIGN_IN": "100000/minute"}


REPO_ROOT = Path(__file__).resolve().parents[2]
REPORTS = REPO_ROOT / "test-results" / "schemathesis"


def _fuzz(name: str, base: str, seconds: int, *options: str) -> None:
    command = [
        str(SCHEMATHESIS), "run", f"{base}/openapi.json", "--checks", "all", "--max-time", str(seconds),
        "--seed", os.environ.get("YIMI_FUZZ_SEED", "2026"), "--workers", "1", "--request-timeout", "20",
        "--output-truncate", "true", "--no-color", "--exclude-checks", "positive_data_acceptance", *options,
    ]
    # Our own check stands in for positive_data_acceptance: tests/security/schemathesis_hooks.py says why.
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "tests.security.schemathesis_hooks",
           "PYTHONPATH": str(REPO_ROOT)}
    # Run outside the repository: Schemathesis keeps a cache of past failures where it runs, and replaying
    # another run's failures would make this one depend on history.
    with tempfile.TemporaryDirectory() as where:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 4 + 120, env=env, cwd=where)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.log").write_text(done.stdout + done.stderr)
    summary = done.stdout[-6000:]
    assert done.returncode == 0, f"Schemathesis found problems:\n{done.stdout[-30000:]}\n{done.stderr[-3000:]}"
    assert "Tested:" in summary, summary


@pytest.fixture
def demo(session) -> None:  # noqa: ANN001
    from app.consent import actions as consent_actions
    from app.consent.files import load_notice_versions

    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    load_demo(session=session)
    demo_children(session=session)


def test_the_api_keeps_its_description_for_an_administrator(serve_yimi, session, demo):
    fuzzer = make_user(session, "fuzzer", list(Role))
    _, raw = accounts.issue_token(session=session, actor=fuzzer, user=fuzzer, name="schemathesis", expires_in_days=2)
    base = serve_yimi(**LIMITS).base
    _fuzz("administrator", base, int(os.environ.get("YIMI_FUZZ_SECONDS", "60")), "-H", f"Authorization: Bearer {raw}",
          "--exclude-path-regex", ENDS_OWN_CREDENTIALS)


def test_the_childs_api_keeps_its_description_for_a_child(serve_yimi, session, demo):
    from sqlmodel import select

    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Purpose
    from app.corps import service as corps
    from app.corps.models import Child

    child = session.exec(select(Child).where(Child.display_name == "小星星")).one()
    # The guardian agreed in the demo; the child's own yes (CON-08) makes the child's API answer with data.
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    base = serve_yimi(**LIMITS).base
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/signin").text).group(1)
        facilitator = "facilitator"
        client.post("/signin", data={"username": facilitator, "password": "yimi-demo-2026", "csrf_token": token})
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/staff").text).group(1)
        opened = client.post(f"/corps/groups/{child.group_id}/tablet", data={"csrf_token": token, "hours": "2"})
        assert opened.status_code == 303, opened.text
        page = client.get(f"/tablet/child/{child.id}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        signed = client.post(f"/tablet/child/{child.id}", data={"csrf_token": token, "entered": "sun,tree", "pick": "fish"})
        assert signed.status_code == 303, signed.text
        cookie = client.cookies.get("yimi_child")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/me").text).group(1)
    assert cookie and corps is not None
    _fuzz("child", base, int(os.environ.get("YIMI_FUZZ_CHILD_SECONDS", "25")), "-H", f"Cookie: yimi_child={cookie}",
          "-H", f"X-CSRF-Token: {csrf}", "--include-path-regex", "^/api/v1/me/")
