"""``qunguan``: initialise, serve, seed the demo, and manage the directory and accounts.

Every command uses the database named by ``QUNGUAN_DATABASE_URL`` (default
``./var/qunguan.db``). Bad input ends with a clear message and a non-zero exit.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from qunguan.cli.content import content_app
from qunguan.config import Settings
from qunguan.domain.access import needs_second_factor
from qunguan.domain.actor import Actor
from qunguan.domain.errors import DomainError
from qunguan.i18n import normalise_locale, translate
from qunguan.services import audit, demo
from qunguan.services.accounts import management as accounts
from qunguan.services.conduct import reports
from qunguan.services.directory import people as directory
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine

app = typer.Typer(help="Qunguan (群管): governed work groups.", no_args_is_help=True)
directory_app = typer.Typer(help="The directory of real people.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
app.add_typer(user_app, name="user")
app.add_typer(content_app, name="content")

out = Console()
err = Console(stderr=True)


def _locale() -> str:
    return normalise_locale(
        os.environ.get("QUNGUAN_LOCALE")
        or os.environ.get("LANG", "zh").split(".")[0].replace("_", "-")
    )


def _fail(error: DomainError) -> typer.Exit:
    locale = _locale()
    err.print(f"[bold red]✗[/] {translate(f'error.{error.code}', locale, **error.params)}")
    from qunguan.web.errors import detail_json  # the same wording as the API

    for detail in error.details:
        d = detail_json(detail, locale)
        where = []
        if "row" in d:
            where.append(f"{translate('import.row', locale)} {d['row']}")
        if "column" in d:
            where.append(f"{translate('import.column', locale)} {d['column']}")
        prefix = f"[{' '.join(where)}] " if where else ""
        err.print(f"  - {prefix}{d['message']}")
    return typer.Exit(1)


def _cli_actor() -> Actor:
    """Commands act as the system, named after the operating-system user who ran them."""
    return Actor.system(f"cli:{getpass.getuser()}")


@contextmanager
def _database(settings: Settings | None = None, *, check_schema: bool = True) -> Iterator[Database]:
    settings = settings or Settings.from_env()
    audit.configure(settings.audit_hash)
    reports.configure_key(reports.load_key(settings))
    database = Database(make_engine(settings.database_url))
    try:
        if check_schema and not migrate.is_up_to_date(database.engine):
            raise DomainError(
                "store.schema_outdated",
                params={
                    "current": migrate.current_revision(database.engine) or "(empty)",
                    "head": migrate.head_revision(),
                },
            )
        yield database
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        database.engine.dispose()


@app.command()
def init() -> None:
    """Create the database, or upgrade it to the current schema."""
    with _database(check_schema=False) as db:
        before = migrate.current_revision(db.engine)
        migrate.upgrade(db.engine)
        after = migrate.current_revision(db.engine)
    if before == after:
        out.print(f"数据库已是最新版本 / database is up to date ({after})")
    else:
        out.print(f"数据库已初始化或升级 / database ready: {before or '(empty)'} → {after}")


@app.command(name="demo")
def demo_command() -> None:
    """Seed the demo agency (once) and print the demo logins."""
    with _database() as db, db.unit_of_work() as uow:
        created = demo.seed_demo(uow)
    out.print(
        "已创建演示机关 / demo agency created"
        if created
        else "演示数据已存在，沿用现有数据库 / demo data present, reusing it"
    )
    table = Table(title="演示账号 / demo logins (密码 password: " + demo.DEMO_PASSWORD + ")")
    table.add_column("用户名 username")
    table.add_column("角色 role")
    table.add_column("身份 who")
    table.add_column("二次验证 2FA")
    for login in demo.DEMO_LOGINS:
        second = (
            "首次登录时绑定 / set up at first sign-in" if needs_second_factor([login.role]) else "—"
        )
        table.add_row(login.username, login.role.value, login.label, second)
    out.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade an out-of-date database first.")
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from qunguan.web.app import check_database, create_app

    with _database(check_schema=False) as db:
        if migrate_first:
            migrate.upgrade(db.engine)
        try:
            check_database(db)
        except DomainError as exc:
            raise _fail(exc) from None
    out.print(f"群管已启动 / Qunguan serving on http://{host}:{port}")
    uvicorn.run(create_app(), host=host, port=port, log_level="info", access_log=access_log)


@directory_app.command("import")
def directory_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes, write nothing.")
    ] = False,
) -> None:
    """Import people from .xlsx or .csv: every row is checked; any bad row imports nothing."""
    with (
        _database() as db,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"读取 {file.name}", total=None)
        data = file.read_bytes()
        progress.update(task, description="校验并写入 / validating and writing")
        try:
            with db.unit_of_work() as uow:
                report = directory.import_directory(
                    uow, _cli_actor(), file.name, data, dry_run=dry_run
                )
        except DomainError as exc:
            progress.stop()
            raise _fail(exc) from None
    diff = report.diff
    verb = "将" if not report.applied else ""
    out.print(
        f"{'预览 / preview' if dry_run else '完成 / done'}: {verb}新增 {len(diff.created)} 人，"
        f"{verb}更新 {len(diff.updated)} 人，未变化 {diff.unchanged} 人"
        + (f"，新增部门 {len(diff.org_created)} 个" if diff.org_created else "")
    )
    for change in diff.updated:
        parts = "; ".join(
            f"{c.field}: {c.before or '—'} → {c.after or '—'}" for c in change.changes
        )
        out.print(f"  ~ {change.staff_no} {change.name}: {parts}")
    for rec in diff.created:
        out.print(f"  + {rec.staff_no} {rec.name} ({rec.unit}/{rec.department})")


@directory_app.command("export")
def directory_export(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Export the directory as .xlsx or .csv (by the file's suffix), ready to re-import."""
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in {"xlsx", "csv"}:
        raise _fail(DomainError("file.format_unsupported", params={"filename": file.name}))
    with _database() as db, db.unit_of_work() as uow:
        data = directory.export_directory(uow, _cli_actor(), fmt)
    file.write_bytes(data)
    out.print(f"已导出 / exported: {file}")


@directory_app.command("template")
def directory_template(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Write an empty import template (.xlsx or .csv)."""
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in {"xlsx", "csv"}:
        raise _fail(DomainError("file.format_unsupported", params={"filename": file.name}))
    file.write_bytes(directory.directory_template(fmt))
    out.print(f"已生成模板 / template written: {file}")


def _read_password(given: str | None, prompt: str) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次 / again: ") != first:
        err.print("[bold red]✗[/] 两次输入的密码不一致 / passwords differ")
        raise typer.Exit(1)
    return first


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", "-r", help="Role; repeat for several (default member)."),
    ] = None,
    staff_no: Annotated[
        str | None, typer.Option(help="Link to this person of the directory.")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Initial password (else prompted or read from stdin).")
    ] = None,
) -> None:
    """Create an account; its holder must change the password on first sign-in."""
    secret = _read_password(password, "初始密码 / initial password: ")
    with _database() as db:
        try:
            with db.unit_of_work() as uow:
                user = accounts.create_user(
                    uow, _cli_actor(), username, secret, role or ["member"], staff_no=staff_no
                )
                roles = ", ".join(r.role for r in user.roles)
        except DomainError as exc:
            raise _fail(exc) from None
    out.print(f"已创建账号 / account created: {username} ({roles})")


@user_app.command("reset-password")
def user_reset_password(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="New password (else prompted or read from stdin).")
    ] = None,
) -> None:
    """Set a new password, end the account's sessions, and require a change at next sign-in."""
    secret = _read_password(password, "新密码 / new password: ")
    with _database() as db:
        try:
            with db.unit_of_work() as uow:
                accounts.set_password(
                    uow, _cli_actor(), username, secret, must_change_password=True
                )
        except DomainError as exc:
            raise _fail(exc) from None
    out.print(f"已重置密码 / password reset: {username}")


audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole chain; exit 1 and name the first broken record if it does not hold."""
    with _database() as db, db.reading() as uow:
        result = audit.verify(uow)
    locale = _locale()
    if result.broken is None:
        out.print(f"[green]✓[/] {translate('audit.intact', locale, n=result.checked)}")
        return
    reason = translate(f"audit.reason.{result.broken.reason}", locale)
    err.print(
        f"[bold red]✗[/] {translate('audit.broken', locale, seq=result.broken.seq, reason=reason)}"
    )
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(dir_okay=False)],
    actor: Annotated[str, typer.Option(help="Only this actor (part of the username).")] = "",
    action: Annotated[str, typer.Option(help="Only actions starting with this.")] = "",
) -> None:
    """Export audit records as .xlsx or .csv (by the file's suffix)."""
    from qunguan.domain.audit import AuditQuery

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in {"xlsx", "csv"}:
        raise _fail(DomainError("file.format_unsupported", params={"filename": file.name}))
    with _database() as db, db.unit_of_work() as uow:
        query = AuditQuery(actor=actor, action=action)
        file.write_bytes(audit.export(uow, _cli_actor(), query, fmt))
    out.print(f"已导出 / exported: {file}")


policy_app = typer.Typer(help="The regulation in force.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("adopt")
def policy_adopt(
    preset: Annotated[str, typer.Argument(help="s1 … s7")],
    agency: Annotated[
        str, typer.Option(help="The agency's name, as the regulation's title shows it.")
    ] = "",
) -> None:
    """Start from one of the seven regulations (once; later changes go through approval)."""
    with _database() as db:
        try:
            with db.unit_of_work() as uow:
                number = policy_versions.adopt_preset(uow, _cli_actor(), preset, agency=agency)
        except DomainError as exc:
            raise _fail(exc) from None
    out.print(f"已采用 / adopted {preset} as version {number}")


@policy_app.command("show")
def policy_show() -> None:
    """Print the policy in force as YAML."""
    with _database() as db, db.reading() as uow:
        try:
            in_force = policy_versions.require_current(uow)
        except DomainError as exc:
            raise _fail(exc) from None
    typer.echo(f"# version {in_force.version}")
    typer.echo(policy_versions.to_yaml(in_force.policy))


@policy_app.command("render")
def policy_render(
    file: Annotated[Path, typer.Argument(dir_okay=False, help=".docx or .pdf")],
    preset: Annotated[
        str | None, typer.Option(help="Render a preset instead of the policy in force.")
    ] = None,
) -> None:
    """Write the regulation text as Word or PDF."""
    from qunguan.policy.presets import load_preset
    from qunguan.policy.render import build, to_docx, to_pdf

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in {"docx", "pdf"}:
        raise _fail(DomainError("file.format_unsupported", params={"filename": file.name}))
    try:
        if preset is not None:
            reg = build(load_preset(preset))
        else:
            with _database() as db, db.reading() as uow:
                in_force = policy_versions.require_current(uow)
            reg = build(in_force.policy, in_force.version)
        file.write_bytes(to_docx(reg) if fmt == "docx" else to_pdf(reg))
    except DomainError as exc:
        raise _fail(exc) from None
    out.print(f"已生成 / written: {file}")


@app.command()
def clauses(
    preset: Annotated[str | None, typer.Option(help="Only this preset (s1 … s7).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The stable JSON form.")] = False,
    tests: Annotated[Path, typer.Option(help="Where the tests are.")] = Path("tests"),
    report: Annotated[
        Path, typer.Option(help="A clause report from `pytest --clause-report` (outcomes).")
    ] = Path("var/clause-report.json"),
) -> None:
    """Every clause with its mapping and the tests that prove it; coverage per preset."""
    import json

    from qunguan.testing.traceability import as_json as to_json
    from qunguan.testing.traceability import status

    result = status(tests, report if report.exists() else None)
    if preset is not None:
        if preset not in result:
            raise _fail(DomainError("policy.preset_unknown", params={"preset": preset}))
        result = {preset: result[preset]}
    if as_json:
        typer.echo(json.dumps(to_json(result), ensure_ascii=False, indent=1))
        return
    for pid, rows in result.items():
        table = Table(title=f"{pid}", show_lines=False)
        for column in ("clause", "mode", "mapped to", "tests"):
            table.add_column(column)
        for r in rows:
            mark = "[green]✓[/] " if r.passed else "  "
            table.add_row(mark + r.id, r.mode, r.mapped_to, "\n".join(r.tests) or "—")
        out.print(table)
    basis = (
        "passing tagged tests in " + str(report) if report.exists() else "tagged tests (no report)"
    )
    out.print(f"coverage ({basis}):")
    total_covered = total = 0
    for pid, rows in result.items():
        covered = sum(1 for r in rows if r.passed)
        total_covered, total = total_covered + covered, total + len(rows)
        out.print(f"  {pid}: {covered}/{len(rows)} clauses proven")
    out.print(f"  all: {total_covered}/{total}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
