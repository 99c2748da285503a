"""The `yimi` command: database, demo data, server, users, audit, keys."""

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from app.core.config import ConfigurationError, get_settings

app = typer.Typer(help="Yimi (一米): the children's observer corps platform.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Secrets and encryption keys.", no_args_is_help=True)
corps_app = typer.Typer(help="The observer corps: groups and children.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(corps_app, name="corps")
consent_app = typer.Typer(help="Consent: purposes and versioned notices from the consent/ folder.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")
moderation_app = typer.Typer(help="Moderation: the automated text screening of children's comments.", no_args_is_help=True)
app.add_typer(moderation_app, name="moderation")
safeguarding_app = typer.Typer(help="Safeguarding: alerts and their escalation (SG-01).", no_args_is_help=True)
app.add_typer(safeguarding_app, name="safeguarding")
departments_app = typer.Typer(help="The city's departments (issue 16): their staff work on their own consultations.", no_args_is_help=True)
app.add_typer(departments_app, name="departments")
console = Console()
err = Console(stderr=True)


def _settings():  # noqa: ANN202
    """The settings, and every table and registration known (app/models.py: what consent withdraws and erases,
    in every domain), as in the web application: every command starts here."""
    import app.models  # noqa: F401

    try:
        return get_settings()
    except ConfigurationError as exc:
        err.print(f"[red]Configuration refused:[/red] {exc}")
        raise typer.Exit(2) from exc


def _database_down(exc: OperationalError) -> typer.Exit:
    from app.core.db import safe_url

    err.print(
        f"[red]Cannot reach the database[/red] at {safe_url(_settings().database_url)}.\n"
        f"Is it running, and is YIMI_DATABASE_URL right? ({str(exc.orig).strip().splitlines()[0]})"
    )
    return typer.Exit(3)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the newest schema (a release step: run it once, not from every worker)."""
    from app.core.migrate import upgrade

    _settings()
    try:
        upgrade(revision=revision)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Database at {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="target revision, e.g. -1 or base")]) -> None:
    from app.core.migrate import downgrade

    _settings()
    try:
        downgrade(revision=revision)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Database at {revision}.")


@app.command()
def demo() -> None:
    """Load demo data (idempotent): a district, two groups, one staff user per role. Not in production."""
    from app.core.db import new_session
    from app.demo import DEMO_PASSWORD, demo_children, load_demo

    settings = _settings()
    if settings.is_production:
        err.print("[red]Demo data is never loaded in production.[/red]")
        raise typer.Exit(2)
    try:
        with new_session() as session:
            accounts = load_demo(session=session)
            children = demo_children(session=session)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    table = Table(title="Yimi demo accounts — sign in at http://127.0.0.1:8000/signin")
    table.add_column("role")
    table.add_column("username")
    table.add_column("password")
    for role, username in accounts:
        table.add_row(role, username, DEMO_PASSWORD)
    console.print(table)
    kids = Table(title="Demo children — the facilitator opens a tablet from the group's page")
    kids.add_column("nickname")
    kids.add_column("picture code (tap in this order)")
    kids.add_column("own-phone code at /young (14-17)")
    for nickname, code, personal in children:
        kids.add_row(nickname, " → ".join(code), personal or "")
    console.print(kids)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    proxy_headers: Annotated[bool, typer.Option(help="trust X-Forwarded-* from the load balancer")] = False,
    forwarded_allow_ips: Annotated[
        str | None, typer.Option(help="proxies trusted for X-Forwarded-*; default: $FORWARDED_ALLOW_IPS or 127.0.0.1")
    ] = None,
    access_log: bool = True,
) -> None:
    """Serve Yimi with uvicorn (several workers share the database, and Redis for request-rate limits)."""
    import uvicorn
    from rich.markup import escape

    from app.core.ratelimit import safe_storage, storage_answers

    settings = _settings()
    try:
        settings.refuse_unshared_rate_limits(workers)
    except ConfigurationError as exc:
        err.print(f"[red]Configuration refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    if not storage_answers(settings.rate_limit_storage):
        err.print(
            f"[red]Cannot reach the rate-limit storage[/red] YIMI_RATE_LIMIT_STORAGE={escape(safe_storage(settings.rate_limit_storage))}: "
            "is Redis running, and is the address right?", soft_wrap=True,
        )
        raise typer.Exit(3)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=access_log,
    )


@app.command("create-user")
def create_user(
    username: str,
    display_name: Annotated[str, typer.Option(help="the name shown to colleagues")] = "",
    role: Annotated[list[str], typer.Option(help="admin, official, moderator, safeguarding_officer, facilitator, analyst")] = [],  # noqa: B006
    trained: Annotated[bool, typer.Option(help="record training for roles that need it (PAR-10)")] = False,
    password_stdin: Annotated[bool, typer.Option(help="read the password from standard input")] = False,
) -> None:
    """Create a staff user (the first administrator, for instance)."""
    from app.accounts import actions
    from app.accounts.models import Role, StaffUserCreate
    from app.core.db import new_session
    from app.core.errors import YimiError
    from app.core.i18n import gettext

    _settings()
    try:
        roles = [Role(r) for r in role]
    except ValueError as exc:
        err.print(f"[red]Unknown role.[/red] Choose from: {', '.join(r.value for r in Role)}")
        raise typer.Exit(2) from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (empty: generate a temporary one): ")
    data = StaffUserCreate(username=username, display_name=display_name or username, roles=roles, password=password or None)
    try:
        with new_session() as session:
            user, temporary = actions.create(session=session, actor=None, data=data, trained=trained)
    except YimiError as exc:
        err.print(f"[red]{gettext(exc.title)}:[/red] {gettext(exc.detail, **exc.variables)}")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Created {user.username} with roles {', '.join(r.role for r in user.roles) or '(none)'}.")
    if temporary:
        console.print(f"Temporary password (shown once, must be changed at first sign-in): {temporary}")


@departments_app.command("add")
def departments_add(
    code: str,
    zh: Annotated[str, typer.Option("--zh", help="the name in Chinese")],
    en: Annotated[str, typer.Option("--en", help="the name in English")],
) -> None:
    """Add a department (its analysts and officials then see only its consultations' analysis, issue 16)."""
    from app.accounts import actions
    from app.core.db import new_session
    from app.core.errors import YimiError
    from app.core.i18n import gettext

    _settings()
    try:
        with new_session() as session:
            department = actions.add_department(session=session, actor=None, code=code, zh=zh, en=en)
            console.print(f"Added department {department.code} (id {department.id}).")
    except YimiError as exc:
        err.print(f"[red]{gettext(exc.title)}:[/red] {gettext(exc.detail, **exc.variables)}")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        raise _database_down(exc) from exc


@departments_app.command("list")
def departments_list() -> None:
    """The departments, with their ids (for the users API) and names."""
    from app.accounts import service
    from app.core.db import new_session

    _settings()
    try:
        with new_session() as session:
            found = service.departments(session=session)
            table = Table("id", "code", "中文", "English")
            for department in found:
                table.add_row(str(department.id), department.code, department.name.get("zh_Hans", ""), department.name.get("en", ""))
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad row if any row was altered or removed."""
    from app.core import audit
    from app.core.db import new_session

    _settings()
    try:
        with new_session() as session:
            result = audit.verify(session)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    if result.ok:
        console.print(f"Audit log intact: {result.checked} events verified.")
        return
    where = f"at event {result.bad_id}" if result.bad_id is not None else "at its end"
    err.print(f"[red]Audit log broken {where}:[/red] {result.reason} ({result.checked} events before it are intact).")
    raise typer.Exit(1)


@keys_app.command("generate")
def keys_generate() -> None:
    """Print fresh values for YIMI_SECRET_KEY, YIMI_DATA_KEY and YIMI_LOOKUP_KEY (for production)."""
    import secrets

    from cryptography.fernet import Fernet

    console.print(f"YIMI_SECRET_KEY={secrets.token_urlsafe(48)}", soft_wrap=True)
    console.print(f"YIMI_DATA_KEY={Fernet.generate_key().decode()}", soft_wrap=True)
    console.print(f"YIMI_LOOKUP_KEY={secrets.token_urlsafe(48)}", soft_wrap=True)



@consent_app.command("sync")
def consent_sync() -> None:
    """Load consent/notices into immutable notice versions (SHA-256); refuse a changed loaded version."""
    from app import models  # noqa: F401 - every table, and every domain holding a child's data (a superseded consent stops them)
    from app.consent import actions as consent
    from app.consent.files import ConsentFileError, load_notice_versions, load_purposes, validate
    from app.core.db import new_session
    from app.core.errors import YimiError
    from app.core.i18n import gettext

    _settings()
    try:
        purposes, versions = load_purposes(), load_notice_versions()
    except ConsentFileError as exc:
        err.print(f"[red]The consent files cannot be read:[/red] {exc}")
        raise typer.Exit(1) from exc
    problems = validate(purposes, versions)
    if problems:
        for problem in problems:
            err.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(1)
    try:
        with new_session() as session:
            result = consent.sync_notices(session=session, versions=versions)
            # Every material-change version, not only those just loaded: a run stopped here is caught up
            # by the next one, and the idempotency keys queue each guardian's message once.
            told = consent.notify_material_change(session=session)
    except YimiError as exc:
        err.print(f"[red]{gettext(exc.title)}:[/red] {gettext(exc.detail, **exc.variables)}")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        raise _database_down(exc) from exc
    for version in result.loaded:
        console.print(f"Loaded {version.notice} {version.version} (sha256 {version.sha256[:12]}…)")
    console.print(f"{len(result.loaded)} loaded, {result.unchanged} unchanged; {result.superseded} consents need a new decision.")
    if told:
        console.print(f"{told} guardians told of the change (outbox).")


@consent_app.command("expire")
def consent_expire() -> None:
    """Consents whose programme year has ended expire (CON-14) and must be renewed (idempotent; `yimi worker`
    does this daily)."""
    from app import models  # noqa: F401 - every table, and every domain holding a child's data (an expiry stops them)
    from app.consent import actions as consent
    from app.core.db import new_session

    _settings()
    try:
        with new_session() as session:
            expired = consent.expire_due(session=session)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"{expired} consents expired.")


@corps_app.command("age-transitions")
def corps_age_transitions() -> None:
    """Flag children who turned 14 (their consent moves to them) and mark those who turned 18 as leaving the
    programme (idempotent; `yimi worker` does this daily)."""
    from app.core.db import new_session
    from app.corps import actions

    _settings()
    try:
        with new_session() as session:
            result = actions.run_age_transitions(session=session)
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Turned 14: {len(result.turned_14)} (consent now theirs). Turned 18, leaving: {len(result.turned_18)}.")


@corps_app.command("import")
def corps_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the CSV file (UTF-8 or GBK)")],
    group: Annotated[str, typer.Option("--group", help="the code of the group the children join")],
) -> None:
    """Enrol the children of a CSV file into a group, all of them or none, and write their picture codes to
    FILE.codes.csv for printing. Columns: display_name, birth_year, birth_month, and optionally avatar,
    real_name, confirmed_nickname (or 昵称, 出生年份, 出生月份, 头像, 真实姓名, 确认昵称)."""
    import csv

    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from app.core.db import new_session
    from app.core.errors import YimiError
    from app.core.i18n import gettext
    from app.corps import actions, importing, service
    from app.corps.models import AVATARS, PICTURES

    _settings()
    codes_path = file.with_name(file.name + ".codes.csv")
    if codes_path.exists():
        err.print(f"[red]{escape(str(codes_path))} already exists.[/red] Move it away first: it may hold picture codes not printed yet.")
        raise typer.Exit(1)
    raw = file.read_bytes()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with new_session() as session:
            target = service.get_group_by_code(session=session, code=group.strip().lower())
            if target is None:
                err.print(f"[red]No group has the code {escape(group)}.[/red]")
                raise typer.Exit(1)
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True) as progress:
                progress.add_task(f"Checking {file.name}", total=None)
                report = importing.read(raw, existing_keys=service.existing_name_keys(session=session, group=target))
            if not report.ok:
                # Whole lines (no wrapping) and no markup: the file's own text is printed back.
                for problem in report.problems:
                    err.print(problem.text(), style="red", markup=False, soft_wrap=True)
                for row in report.bad_rows:
                    for problem in row.problems:
                        err.print(f"line {row.line}: {problem.text()}", markup=False, soft_wrap=True)
                if not report.problems:
                    err.print(report.first_problem().text(), style="red", markup=False, soft_wrap=True)
                raise typer.Exit(1)
            rows = report.children()
            with Progress(SpinnerColumn(), *columns, console=console) as progress:
                # The slow part: one deliberately slow hash per picture code, before anything is written.
                hashing = progress.add_task("Making picture codes", total=len(rows))
                prepared = service.prepare_children(group=target, actor=None, rows=rows, progress=lambda: progress.advance(hashing))
                # The codes are written before the import, so that a full disk cannot leave children without them.
                with codes_path.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(["display_name", "avatar", "picture_1", "picture_2", "picture_3", "code"])
                    for item in prepared:
                        writer.writerow(
                            [item.child.display_name, gettext(AVATARS[item.child.avatar])]
                            + [gettext(PICTURES[key]) for key in item.picture_code]
                            + ["-".join(item.picture_code)]
                        )
                saving = progress.add_task("Saving, all or nothing", total=1)
                try:
                    enrolled = actions.import_prepared(session=session, actor=None, group=target, prepared=prepared)
                except BaseException:
                    codes_path.unlink(missing_ok=True)
                    raise
                progress.advance(saving)
    except YimiError as exc:
        err.print(f"[red]{gettext(exc.title)}:[/red] {gettext(exc.detail, **exc.variables)}")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Imported {len(enrolled)} children into {target.code}.")
    console.print(
        f"Picture codes: {codes_path}. Print the cards, keep them with the facilitator's records, then delete the file."
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="run what is due now (the periodic jobs of this time slot included), then exit")] = False,
    interval: Annotated[float, typer.Option(help="seconds to wait when no job is due")] = 1.0,
    batch: Annotated[int, typer.Option(min=1, max=500, help="outbox messages claimed per round")] = 20,
) -> None:
    """Run jobs (app.core.jobs): deliver the outbox (e-mail and SMS) with retries, escalate safeguarding alerts,
    expire consents, age transitions, and every job the application enqueues. Run any number of them: each
    job runs once, and each periodic job once per time slot. Stops cleanly on SIGTERM or Ctrl-C after the
    job in hand (a delivery gives back the messages it has not tried)."""
    import logging
    import signal
    import threading

    from rich.markup import escape

    import app.handlers  # noqa: F401 - every domain registers its job handlers
    from app.core import jobs
    from app.core.db import new_session
    from app.notifications import adapters
    from app.notifications import jobs as notifications_jobs
    from app.notifications.service import DeliveryRound
    from app.safeguarding import jobs as safeguarding_jobs

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for problem in adapters.configuration_problems(settings):
        err.print(f"[yellow]Warning:[/yellow] {problem}")
    stop = threading.Event()
    if not once:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        console.print(f"Worker started: running jobs, looking every {interval:g} s. Stop with Ctrl-C or SIGTERM.")
    total = DeliveryRound()

    def report(outcome: jobs.Outcome) -> None:
        nonlocal total
        if outcome.state == jobs.JobState.FAILED.value:
            err.print(f"[red]Job {outcome.job_id} ({escape(outcome.kind)}) failed:[/red] {escape(outcome.error or '')}", soft_wrap=True)
        elif outcome.state != jobs.JobState.DONE.value:
            return
        elif outcome.kind == notifications_jobs.DELIVER:
            result: DeliveryRound = outcome.result
            total += result
            if result.claimed and not once:
                console.print(f"Sent {result.sent}, to retry later {result.retrying}, failed {result.failed}.")
        elif outcome.kind == safeguarding_jobs.ESCALATE:
            _said_escalated(*outcome.result)

    runner = jobs.Worker(batch=batch, should_stop=stop.is_set)
    while not stop.is_set():
        try:
            with new_session() as session:
                runner.round(session, on_outcome=report)
        except OperationalError as exc:
            if once:
                raise _database_down(exc) from exc
            err.print(f"[red]Database unavailable[/red] ({str(exc.orig).strip().splitlines()[0]}); trying again.")
            stop.wait(max(interval, 5.0))
            continue
        if once:
            break
        stop.wait(interval)
    console.print(f"{'Done' if once else 'Worker stopped'}: sent {total.sent}, to retry later {total.retrying}, failed {total.failed}.")


def _said_escalated(escalated: int, unread: int) -> None:
    if escalated:
        console.print(f"[red]{escalated} safeguarding case(s) escalated to administrators.[/red]")
    if unread:
        console.print(f"[red]{unread} word(s) to read escalated to administrators: no officer read them in time.[/red]")


def _escalate_safeguarding() -> int:
    """Safeguarding cases nobody acknowledged in time, and words nobody read in time, go to the administrators
    (idempotent). `yimi worker` runs the same as a periodic job (app/safeguarding/jobs.py)."""
    from app.core.db import new_session
    from app.safeguarding import actions as safeguarding

    with new_session() as session:  # each escalation is its own unit of work (safeguarding.actions)
        escalated = safeguarding.escalate_due(session=session)
        unread = safeguarding.escalate_unread_due(session=session)  # the "please read" list (issue 14)
    _said_escalated(escalated, unread)
    return escalated + unread


@safeguarding_app.command("escalate")
def safeguarding_escalate() -> None:
    """Escalate to administrators every safeguarding case not acknowledged within YIMI_SAFEGUARDING_ACK_MINUTES,
    and every text on the officers' "please read" list not read within YIMI_SAFEGUARDING_REVIEW_MINUTES
    (idempotent: each once). `yimi worker` does this every 30 seconds."""
    _settings()
    try:
        escalated = _escalate_safeguarding()
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"{escalated} safeguarding case(s) and word(s) to read escalated.")


@moderation_app.command("screen")
def moderation_screen() -> None:
    """Screen one text per line of standard input; write one JSON object per line (a stable interface:
    lexicon changes are checked with it). Needs no database and no settings."""
    import json

    from app.moderation.screening import screen

    for stream in (sys.stdin, sys.stdout):  # UTF-8 whatever the locale says (Chinese text both ways)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    for line in sys.stdin:
        result = screen(line.rstrip("\r\n"))
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()


@moderation_app.command("build-meaning")
def moderation_build_meaning() -> None:
    """Train the meaning detector's classifier on the exemplars and tuning corpora and write
    app/moderation/data/meaning.npz (commit it). Needs scikit-learn; no database, no settings."""
    from app.moderation.screening import training

    built = training.build()
    console.print(f"Trained on {built.texts} texts; positives per label: {built.positives}. Wrote {built.path}.")


def main() -> None:
    app()
