"""The `yimi` command: database, demo data, server, users, audit, keys."""

import getpass
import sys
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
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
console = Console()
err = Console(stderr=True)


def _settings():  # noqa: ANN202
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
    """Serve Yimi with uvicorn (several workers share nothing but the database)."""
    import uvicorn

    _settings()
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
    from app.accounts import service
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
            user, temporary = service.create(session=session, actor=None, data=data, trained=trained)
    except YimiError as exc:
        err.print(f"[red]{gettext(exc.title)}:[/red] {gettext(exc.detail, **exc.variables)}")
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        raise _database_down(exc) from exc
    console.print(f"Created {user.username} with roles {', '.join(r.role for r in user.roles) or '(none)'}.")
    if temporary:
        console.print(f"Temporary password (shown once, must be changed at first sign-in): {temporary}")


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


def main() -> None:
    app()
