"""The classroom burst (PAR-03, issue "answers at scale"): 1,000 children in 25 groups answer one
consultation at once, 50 at a time, on `yimi serve --workers 2`, first on SQLite, then on PostgreSQL.

    make bench-burst
    .venv/bin/python bench/burst.py --only sqlite --children 200 --groups 5

For each database: a fresh database, `yimi db upgrade` and `yimi consent sync`, then (directly through the
services, with the tests' light argon2 settings) 1,000 consenting children (the guardian's yes and the
child's own yes) in 25 groups, one open consultation with five questions (single, multiple, scale, ranking,
text), and 25 tablet group sessions opened through the facilitator's form. Then every child, 50 at once:

  sign-in  GET /tablet/child/{id} and three picture taps (the last one checks the code);
  open     GET /me/consultations/{id} (the intro page; its CSRF token is the child session's);
  key      GET /api/v1/me/consultations/{id} (the form and a fresh idempotency key);
  submit   POST /api/v1/me/consultations/{id}/answers (five answers and one short text).

Afterwards, a submission-only burst: every child sends a corrected set of answers again (fresh keys fetched
beforehand, not measured), 50 at once, to measure submissions per second on their own.

Last, classes sending at once: 50 children press Send at the same moment (their keys fetched beforehand),
the next 50 once the class before has been answered, for every child. This is the classroom's moment:
"Send now, everyone". The two bursts above keep 50 sends in flight back to back, which measures the
server saturated (a queue of 1,000); a wave measures how long a child waits when the whole class sends.

It prints the total time, requests/s, p50/p95/p99 per step, errors by kind, the server's CPU, and a check
that the answers in the database are exactly the answers the server acknowledged (0 lost, 0 duplicated).
Figures are printed, never asserted. Targets: the burst under 90 s with 0 errors; submission p95 under
150 ms at 50 concurrent; at least 250 submissions/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from load import CLIENT_TLS
from run import Database, machine, postgres_database, sqlite_database, terminate_as_exit
from server import RssSampler, Server, ServerError, run_cli, server_env
from sqlalchemy import create_engine, text

WORKERS = 2
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/yimi_e"
PASSWORD = "bench burst facilitator password"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
STEPS = ("sign-in", "open", "key", "submit")
# The tests' light argon2 cost (tests/conftest.py): seeding 1,000 picture codes takes seconds, not minutes.
LIGHT_ARGON2 = {
    "YIMI_CODE_MEMORY_KIB": "1024", "YIMI_CODE_ROUNDS": "1", "YIMI_PASSWORD_MEMORY_KIB": "1024", "YIMI_PASSWORD_ROUNDS": "1",
}


# ---- seeding (run in a subprocess with the server's environment) -----------------------------------


def seed(children: int, groups: int) -> dict:
    """Groups, their facilitator, consenting children, and one open consultation with five questions."""
    import datetime as dt

    import app.models  # noqa: F401 - every table known before the first query
    from app.accounts import service as accounts
    from app.accounts.models import Role, StaffUserCreate
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Purpose
    from app.consultations import service
    from app.consultations.models import ConsultationIn, OptionIn, QuestionIn, QuestionKind
    from app.core.db import new_session, utcnow
    from app.corps import service as corps
    from app.corps.models import AVATARS, Child, ChildCreate, ChildStatus, GroupKind

    avatars = list(AVATARS)
    with new_session() as session:
        facilitator, _ = accounts.create(session=session, actor=None, trained=True, data=StaffUserCreate(
            username="burst.facilitator", display_name="Burst", roles=[Role.FACILITATOR], password=PASSWORD))
        official, _ = accounts.create(session=session, actor=None, trained=True, data=StaffUserCreate(
            username="burst.official", display_name="Official", roles=[Role.OFFICIAL], password=PASSWORD))
        district = corps.ensure_district(session=session, actor=None, code="burst-district", name={"zh_Hans": "压测区"})
        seeded_groups = []
        per_group = [children // groups + (1 if g < children % groups else 0) for g in range(groups)]
        for g, size in enumerate(per_group):
            group = corps.ensure_group(session=session, actor=None, district=district, code=f"burst-{g:02d}",
                                       name={"zh_Hans": f"压测班 {g}"}, kind=GroupKind.SCHOOL_CLASS)
            corps.set_facilitators(session=session, actor=facilitator, group=group, user_ids=[facilitator.id])
            rows = [ChildCreate(display_name=f"Kid {g:02d}-{i:02d}", avatar=avatars[i % len(avatars)], birth_year=2016, birth_month=3)
                    for i in range(size)]
            enrolled = corps.enrol_many(session=session, actor=facilitator, group=group, rows=rows)
            for child, _code in enrolled:
                child.status = ChildStatus.ACTIVE.value
                session.add(child)
                consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                               decided_by=DecidedBy.GUARDIAN, channel="web")
                if not consent.decides_for_themselves(child):
                    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
            session.commit()
            seeded_groups.append({"id": group.id, "children": [{"id": c.id, "code": code} for c, code in enrolled]})
        now = utcnow()
        options = [OptionIn(label={"zh_Hans": word}) for word in ("秋千", "大树", "厕所")]
        consultation = service.create(session=session, actor=official, data=ConsultationIn(
            title={"zh_Hans": "压测：公园游乐区", "en": "Burst: the park's play area"},
            briefs={band: {"zh_Hans": "公园要建新的游乐区。你想要什么？"} for band in ("6-9", "10-13", "14-17")},
            topic=next(iter(service.topics())), age_bands=["6-9", "10-13", "14-17"],
            decision={"zh_Hans": "游乐区的设计"}, decider_body={"zh_Hans": "区住建局"}, decider_role={"zh_Hans": "项目负责人"},
            can_change={"zh_Hans": "设施"}, cannot_change={"zh_Hans": "预算"},
            opens_at=now - dt.timedelta(minutes=5), closes_at=now + dt.timedelta(days=7), respond_by=(now + dt.timedelta(days=30)).date(),
        ))
        session.flush()
        questions = []
        for kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE, QuestionKind.RANKING, QuestionKind.TEXT):
            with_options = kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)
            question = service.add_question(session=session, actor=official, consultation=consultation, data=QuestionIn(
                kind=kind, prompt={"zh_Hans": f"问题：{kind.value}"}, options=options if with_options else [],
                max_choices=2 if kind == QuestionKind.MULTIPLE else None))
            session.flush()
            questions.append({"id": question.id, "kind": kind.value,
                              "options": [o.id for o in service.options_of(session=session, question=question)]})
        service.schedule(session=session, actor=official, consultation=consultation)
        session.commit()
        assert session.get(Child, seeded_groups[0]["children"][0]["id"]) is not None
        return {"consultation_id": consultation.id, "questions": questions, "groups": seeded_groups,
                "facilitator": "burst.facilitator", "password": PASSWORD}


def run_seed(env: dict[str, str], children: int, groups: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--seed", str(children), str(groups)], env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise ServerError(f"seeding failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the burst ------------------------------------------------------------------------------------


def answers_for(seeded: dict, n: int, round_: int = 0) -> list[dict]:
    """Child n's answers in round r: one option, two options, a face, an order, a short text."""
    single, multiple, scale, ranking, text_q = seeded["questions"]
    k = n + round_
    return [
        {"question_id": single["id"], "option": single["options"][k % 3]},
        {"question_id": multiple["id"], "options": sorted([multiple["options"][k % 3], multiple["options"][(k + 1) % 3]])},
        {"question_id": scale["id"], "scale": 1 + k % 5},
        {"question_id": ranking["id"], "order": ranking["options"][k % 3:] + ranking["options"][: k % 3]},
        {"question_id": text_q["id"], "text": f"第{round_ + 1}次：我想要更多的树（{n}）"},
    ]


@dataclass
class Burst:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    errors: Counter = field(default_factory=Counter)
    retries: Counter = field(default_factory=Counter)  # step: requests sent again after the server closed an idle connection
    requests: int = 0
    acknowledged: dict[int, list[dict]] = field(default_factory=dict)  # child id: the answers the server acknowledged
    receipts: dict[int, str] = field(default_factory=dict)
    duration: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of both workers during the burst
    load_cpu: float = 0.0  # CPU seconds of this load generator during the burst
    submit_only: dict[str, float] = field(default_factory=dict)
    waves: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def open_tablets(base_url: str, seeded: dict) -> dict[int, dict[str, str]]:
    """The facilitator opens one tablet group session per group, through the form (not measured)."""
    cookies = {}
    for group in seeded["groups"]:
        with httpx.Client(base_url=base_url, timeout=60.0) as client:
            token = CSRF_META.search(client.get("/signin").text).group(1)
            client.post("/signin", data={"username": seeded["facilitator"], "password": seeded["password"], "csrf_token": token})
            token = CSRF_META.search(client.get("/staff").text).group(1)
            opened = client.post(f"/corps/groups/{group['id']}/tablet", data={"csrf_token": token, "hours": "2"})
            if opened.status_code != 303 or "yimi_tablet" not in client.cookies:
                raise ServerError(f"opening the tablet of group {group['id']} failed: HTTP {opened.status_code}")
            cookies[group["id"]] = {"yimi_tablet": client.cookies["yimi_tablet"]}
    return cookies


class Child:
    def __init__(self, base_url: str, tablet: dict[str, str], child: dict, n: int, result: Burst) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, cookies=tablet, timeout=60.0, headers={"Accept-Language": "zh-CN"},
                                        verify=CLIENT_TLS)
        self.child = child
        self.n = n
        self.result = result
        self.csrf = ""

    async def timed(self, step: str, method: str, url: str, expect: int, **kw: object) -> httpx.Response | None:
        started = time.perf_counter()
        self.result.requests += 1
        try:
            response = await self.client.request(method, url, **kw)  # type: ignore[arg-type]
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            # uvicorn closes a connection idle for 5 s; a request sent on it at that moment fails unread. A
            # browser sends it again on a new connection, as the burst does once here (a submission keeps its
            # idempotency key, so it cannot count twice). Counted and printed.
            self.result.retries[step] += 1
            try:
                response = await self.client.request(method, url, **kw)  # type: ignore[arg-type]
            except httpx.HTTPError as exc:
                self.result.errors[f"{step}: {type(exc).__name__}"] += 1
                return None
        except httpx.HTTPError as exc:
            self.result.errors[f"{step}: {type(exc).__name__}"] += 1
            return None
        if response.status_code != expect:
            self.result.errors[f"{step}: HTTP {response.status_code}"] += 1
            return None
        self.result.latencies.setdefault(step, []).append(time.perf_counter() - started)
        return response

    async def sign_in(self) -> bool:
        started = time.perf_counter()
        page = await self.client.get(f"/tablet/child/{self.child['id']}")
        self.result.requests += 1
        match = CSRF_FIELD.search(page.text) if page.status_code == 200 else None
        if match is None:
            self.result.errors[f"sign-in: picture page HTTP {page.status_code}"] += 1
            return False
        entered: list[str] = []
        response = None
        for picture in self.child["code"]:
            response = await self.client.post(f"/tablet/child/{self.child['id']}",
                                              data={"csrf_token": match.group(1), "entered": ",".join(entered), "pick": picture})
            self.result.requests += 1
            entered.append(picture)
        if response is None or response.status_code != 303 or "yimi_child" not in self.client.cookies:
            self.result.errors[f"sign-in: HTTP {response.status_code if response else '-'}"] += 1
            return False
        self.result.latencies["sign-in"].append(time.perf_counter() - started)
        return True

    async def open(self, consultation_id: int) -> bool:
        page = await self.timed("open", "GET", f"/me/consultations/{consultation_id}", 200)
        match = CSRF_META.search(page.text) if page is not None else None
        if match is None:
            if page is not None:
                self.result.errors["open: no CSRF token"] += 1
            return False
        self.csrf = match.group(1)
        return True

    async def key(self, consultation_id: int, step: str = "key") -> str | None:
        response = await self.timed(step, "GET", f"/api/v1/me/consultations/{consultation_id}", 200, headers={"X-CSRF-Token": self.csrf})
        return response.json()["key"] if response is not None else None

    async def submit(self, consultation_id: int, key: str, answers: list[dict], step: str = "submit") -> None:
        response = await self.timed(step, "POST", f"/api/v1/me/consultations/{consultation_id}/answers", 200,
                                    json={"key": key, "answers": answers}, headers={"X-CSRF-Token": self.csrf})
        if response is not None:
            receipt = response.json()
            self.result.acknowledged[self.child["id"]] = answers
            self.result.receipts.setdefault(self.child["id"], receipt["receipt_code"])
            if self.result.receipts[self.child["id"]] != receipt["receipt_code"]:
                self.result.errors["submit: a second receipt for the same child"] += 1


async def classroom_burst(base_url: str, seeded: dict, tablets: dict[int, dict[str, str]], concurrency: int) -> tuple[Burst, list[Child]]:
    result = Burst()
    gate = asyncio.Semaphore(concurrency)
    consultation_id = seeded["consultation_id"]
    everyone = [(group["id"], child) for group in seeded["groups"] for child in group["children"]]
    kids: list[Child] = []

    async def one(n: int, group_id: int, child: dict) -> None:
        async with gate:
            kid = Child(base_url, tablets[group_id], child, n, result)
            kids.append(kid)
            if not await kid.sign_in() or not await kid.open(consultation_id):
                return
            key = await kid.key(consultation_id)
            if key is not None:
                await kid.submit(consultation_id, key, answers_for(seeded, n))

    started = time.perf_counter()
    await asyncio.gather(*(one(n, group_id, child) for n, (group_id, child) in enumerate(everyone)))
    result.duration = time.perf_counter() - started
    return result, kids


async def fresh_keys(seeded: dict, kids: list[Child], concurrency: int) -> list[tuple[Child, str | None]]:
    """Every signed-in child fetches a fresh key, 50 at once (before the submission-only burst)."""
    ready = [kid for kid in kids if kid.csrf]
    gate = asyncio.Semaphore(concurrency)

    async def fetch(kid: Child) -> str | None:
        async with gate:
            return await kid.key(seeded["consultation_id"], step="key (again)")

    return list(zip(ready, await asyncio.gather(*(fetch(kid) for kid in ready)), strict=True))


async def submission_burst(seeded: dict, keyed: list[tuple[Child, str | None]], result: Burst, concurrency: int) -> None:
    """Every signed-in child sends corrected answers once more, 50 at once, with the keys fetched before."""
    consultation_id = seeded["consultation_id"]
    gate = asyncio.Semaphore(concurrency)

    async def send(kid: Child, key: str) -> None:
        async with gate:
            await kid.submit(consultation_id, key, answers_for(seeded, kid.n, round_=1), step="submit (again)")

    started = time.perf_counter()
    await asyncio.gather(*(send(kid, key) for kid, key in keyed if key))
    elapsed = time.perf_counter() - started
    sent = len(result.latencies["submit (again)"])
    result.submit_only.update({"submissions": sent, "seconds": elapsed, "per_second": sent / elapsed if elapsed else 0.0})


async def class_waves(seeded: dict, kids: list[Child], result: Burst, size: int) -> None:
    """Classes of `size` children press Send at the same moment, one class after another (each class's keys
    fetched just before, not timed)."""
    consultation_id = seeded["consultation_id"]
    ready = [kid for kid in kids if kid.csrf]
    elapsed = 0.0
    waves = 0
    for first in range(0, len(ready), size):
        members = ready[first:first + size]
        keys = await asyncio.gather(*(kid.key(consultation_id, step="key (wave)") for kid in members))
        started = time.perf_counter()
        await asyncio.gather(*(kid.submit(consultation_id, key, answers_for(seeded, kid.n, round_=2), step="submit (wave)")
                               for kid, key in zip(members, keys, strict=True) if key))
        elapsed += time.perf_counter() - started
        waves += 1
    result.waves.update({"waves": waves, "size": size, "seconds": elapsed, "per_second": len(result.latencies["submit (wave)"]) / elapsed})


# ---- checking the database against what was acknowledged ------------------------------------------


def _value(answer: dict) -> dict:
    for name in ("option", "options", "scale", "order"):
        if name in answer:
            return {name: answer[name]}
    return {}


def check(url: str, seeded: dict, result: Burst) -> dict[str, int]:
    """Every acknowledged answer is in the database with the acknowledged value (else lost), no child has
    two rows for a question or two participations (else duplicated), texts became one pending comment."""
    engine = create_engine(url)
    cid = seeded["consultation_id"]
    text_id = seeded["questions"][-1]["id"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT child_id, question_id, value, skipped FROM answer WHERE consultation_id = :c"), {"c": cid}).all()
        parts = conn.execute(text("SELECT child_id, count(*) FROM participation WHERE consultation_id = :c GROUP BY child_id"), {"c": cid}).all()
        comments = dict(conn.execute(
            text("SELECT child_id, text FROM comment WHERE consultation_id = :c AND author_kind = 'child'"), {"c": cid}).all())
    engine.dispose()
    stored: dict[tuple[int, int], list] = {}
    for child_id, question_id, value, _skipped in rows:
        stored.setdefault((child_id, question_id), []).append(json.loads(value) if isinstance(value, str) else value)
    lost = wrong = 0
    for child_id, answers in result.acknowledged.items():
        for answer in answers:
            found = stored.get((child_id, answer["question_id"]))
            if not found:
                lost += 1
            elif answer["question_id"] == text_id:
                wrong += comments.get(child_id) != answer["text"]
            elif found[-1] != _value(answer):
                wrong += 1
    return {
        "acknowledged children": len(result.acknowledged),
        "answer rows": len(rows),
        "lost": lost,
        "different from acknowledged": wrong,
        "duplicated answers": sum(len(v) - 1 for v in stored.values()),
        "duplicated participations": sum(n - 1 for _c, n in parts if n > 1),
        "stored but not acknowledged": len({c for c, _q in stored} - set(result.acknowledged)),
    }


# ---- running and printing -------------------------------------------------------------------------


def run_loop(main: Any) -> Any:
    """The load generator's event loop: uvloop (installed with uvicorn[standard]) where there is one, because
    the load generator shares the two CPUs with the server, and asyncio's own loop costs it more CPU."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def measure(database: Database, workdir: Path, args: argparse.Namespace) -> list[str]:
    env = {**server_env(database.url, workdir / "var"), **LIGHT_ARGON2}
    if args.connections:
        env["YIMI_DB_CONNECTIONS"] = str(args.connections)

    print(f"[{database.name}] yimi db upgrade, yimi consent sync ...", flush=True)
    run_cli(["db", "upgrade"], env)
    run_cli(["consent", "sync"], env)
    print(f"[{database.name}] seeding {args.children} consenting children in {args.groups} groups and a consultation ...", flush=True)
    started = time.perf_counter()
    seeded = run_seed(env, args.children, args.groups)
    print(f"[{database.name}] seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with Server(env, workdir / "server.log", workers=WORKERS) as server:
        server.wait_ready()
        tablets = open_tablets(server.base_url, seeded)
        print(f"[{database.name}] {len(tablets)} tablets open; the burst: {args.children} children, {args.concurrency} at once ...", flush=True)
        result = run_loop(_both(server, database, seeded, tablets, args))
        if server.process is not None and server.process.poll() is not None:
            raise ServerError(f"`yimi serve` died during the burst:\n{server.log_tail()}")
    checked = check(database.url, seeded, result)
    return report(database, args, result, checked)


async def _both(server: Server, database: Database, seeded: dict, tablets: dict[int, dict[str, str]], args: argparse.Namespace) -> Burst:
    """The burst, then the submission-only burst, in one event loop (the children's clients live in it)."""
    cpu = time.process_time()
    with RssSampler(server) as sampler:
        result, kids = await classroom_burst(server.base_url, seeded, tablets, args.concurrency)
    result.server_cpu = sampler.cpu_seconds()
    result.load_cpu = time.process_time() - cpu
    print(f"[{database.name}] submissions only: every child sends corrected answers, {args.concurrency} at once ...", flush=True)
    try:
        keyed = await fresh_keys(seeded, kids, args.concurrency)
        with RssSampler(server) as sampler:
            cpu = time.process_time()
            await submission_burst(seeded, keyed, result, args.concurrency)
            result.submit_only["load_cpu"] = time.process_time() - cpu
        result.submit_only["server_cpu"] = sampler.cpu_seconds()
        print(f"[{database.name}] classes sending at once: {args.concurrency} children press Send together, class after class ...", flush=True)
        await class_waves(seeded, kids, result, args.concurrency)
    finally:
        await asyncio.gather(*(kid.client.aclose() for kid in kids))
    return result


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def report(database: Database, args: argparse.Namespace, r: Burst, checked: dict[str, int]) -> list[str]:
    submits = len(r.latencies["submit"])
    lines = [
        f"{database.name} ({database.version}): {args.children} children, {args.groups} groups, {args.concurrency} at once, "
        f"{WORKERS} workers",
        f"  burst: {r.duration:.1f} s in all (target < 90 s); {r.requests} requests, {r.requests / r.duration:.0f} requests/s; "
        f"{submits} submissions, {submits / r.duration:.1f} submissions/s during the burst; "
        f"CPU: server {100 * r.server_cpu / r.duration:.0f} %, load generator {100 * r.load_cpu / r.duration:.0f} % of one CPU",
    ]
    for step in (*STEPS, "key (again)", "submit (again)", "submit (wave)"):
        values = r.latencies.get(step, [])
        if values:
            lines.append(f"  {step:<15} n={len(values):>5}  p50 {_ms(percentile(values, 50)):>5} ms  "
                         f"p95 {_ms(percentile(values, 95)):>5} ms  p99 {_ms(percentile(values, 99)):>5} ms")
    if r.submit_only:
        lines.append(f"  submissions only: {r.submit_only['submissions']:.0f} in {r.submit_only['seconds']:.1f} s = "
                     f"{r.submit_only['per_second']:.0f} submissions/s (target >= 250); submission p95 target < 150 ms; "
                     f"server CPU {r.submit_only['server_cpu'] / max(r.submit_only['submissions'], 1) * 1000:.1f} ms per submission, "
                     f"load generator {100 * r.submit_only['load_cpu'] / r.submit_only['seconds']:.0f} %")
    if r.waves:
        wave = r.latencies.get("submit (wave)", [])
        lines.append(f"  classes sending at once: {r.waves['waves']:.0f} classes of {r.waves['size']:.0f}, each child's wait from Send to "
                     f"thank-you p50 {_ms(percentile(wave, 50))} ms, p95 {_ms(percentile(wave, 95))} ms (target < 150 ms), "
                     f"slowest {_ms(max(wave) if wave else None)} ms; {r.waves['per_second']:.0f} submissions/s")
    errors = sum(r.errors.values())
    lines.append(f"  errors: {errors}" + (" (" + ", ".join(f"{k}: {n}" for k, n in sorted(r.errors.items())) + ")" if errors else ""))
    if r.retries:
        lines.append("  sent again on a new connection after the server closed an idle one: "
                     + ", ".join(f"{k}: {n}" for k, n in sorted(r.retries.items())))
    lines.append("  database check: " + ", ".join(f"{k} {v}" for k, v in checked.items()))
    return lines


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--seed":
        print(json.dumps(seed(int(sys.argv[2]), int(sys.argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=1000, help="children in all (default 1000)")
    parser.add_argument("--groups", type=int, default=25, help="groups, one tablet each (default 25)")
    parser.add_argument("--concurrency", type=int, default=50, help="children at once (default 50)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="measure one database only")
    parser.add_argument("--connections", type=int, help="YIMI_DB_CONNECTIONS: requests inside each worker at once (default: the server's own)")

    args = parser.parse_args()
    if not 1 <= args.groups <= args.children <= 20000 or not 1 <= args.concurrency <= 500:
        parser.error("need 1 <= groups <= children <= 20000 and 1 <= concurrency <= 500")
    machine_lines = machine()
    lines: list[str] = []
    started = time.monotonic()
    with terminate_as_exit(), tempfile.TemporaryDirectory(prefix="yimi-burst-") as tmp:
        try:
            for name in ("sqlite", "postgres"):
                if args.only and args.only != name:
                    continue
                workdir = Path(tmp) / name
                workdir.mkdir()
                if name == "sqlite":
                    database = sqlite_database(workdir)
                else:
                    os.environ["YIMI_BENCH_PG_URL"] = os.environ.get("YIMI_BURST_PG_URL", DEFAULT_PG_URL)
                    database = postgres_database()
                if database.skipped:
                    lines.append(f"{name}: skipped, {database.skipped}")
                    continue
                lines.extend(measure(database, workdir, args))
        except ServerError as exc:
            print(f"\nBurst stopped: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nInterrupted; the server was stopped.", file=sys.stderr)
            return 130
    print()
    print(f"Yimi classroom burst (took {time.monotonic() - started:.0f} s; the load generator shares the CPUs with the server)")
    for line in machine_lines:
        print(line)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
