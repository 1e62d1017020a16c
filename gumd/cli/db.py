"""The files: `gumd db` (path, check, backup, vacuum) and `gumd config`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from propositions import Store
from propositions.store import file_size_bytes

from .. import paths
from .. import settings as settings_mod
from .common import App, GumdGroup, _emit_json, cli, pass_app


@cli.group(cls=GumdGroup)
def db() -> None:
    """The database file: where it is, check, back up, compact."""


@db.command("path")
@pass_app
def db_path(app: App) -> None:
    """Print the database file's path."""
    click.echo(str(app.settings.db_path))


@db.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def db_check(app: App, as_json: bool) -> None:
    """Check integrity, search indexes and schema; exit status 1 on any problem."""
    report = Store.check_file(app.settings.db_path)
    if as_json:
        _emit_json({"path": report.path, "ok": report.ok, "problems": report.problems,
                    "warnings": report.warnings, "counts": report.counts,
                    "size_bytes": report.size_bytes})
        sys.exit(0 if report.ok else 1)
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    if report.ok and report.size_bytes == 0:
        click.echo(f"ok: {report.path} (empty)")
    elif report.ok:
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        click.echo(f"ok: {report.path} ({report.size_bytes} bytes; {counts})")
    else:
        click.echo(f"problems in {report.path}:")
        for problem in report.problems:
            click.echo(f"  - {problem}")
    if not report.ok:
        sys.exit(1)


@db.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def db_backup(app: App, dest: Path) -> None:
    """Copy the database to DEST with SQLite's online backup (safe while gumd runs)."""
    out = app.service.backup(dest)
    click.echo(f"Backed up to {out} ({file_size_bytes(out)} bytes)")


@db.command("vacuum")
@pass_app
def db_vacuum(app: App) -> None:
    """Merge search index segments and compact the file."""
    before, after = app.service.vacuum()
    click.echo(f"{before} bytes -> {after} bytes")


# -- configuration -------------------------------------------------------------


@cli.group(cls=GumdGroup)
def config() -> None:
    """Where the configuration lives and what it says."""


@config.command("path")
@pass_app
def config_path(app: App) -> None:
    """Print the config file's path (it need not exist)."""
    click.echo(str(paths.config_file(paths.home_dir())))


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def config_show(app: App, as_json: bool) -> None:
    """Print every setting's effective value, with what it does."""
    s = app.settings
    data = s.model_dump(mode="json")
    if data["model"]["api_key"]:
        data["model"]["api_key"] = "(set; hidden)"
    if as_json:
        _emit_json({"home": str(s.home), "config_file": str(s.config_path),
                    "db_path": str(s.db_path), "settings": data})
        return
    click.echo(f"# home: {s.home}\n# config file: {s.config_path}"
               f"{'' if s.config_path.exists() else ' (absent: defaults)'}\n# database: {s.db_path}")
    section = None
    for key, doc in settings_mod.describe_fields():
        head, _, name = key.rpartition(".")
        if head != section:
            section = head
            click.echo(f"\n[{head}]")
        value = data
        for part in key.split("."):
            value = value[part]
        env = settings_mod.ENV_PREFIX + key.replace(".", settings_mod.ENV_NESTED).upper()
        click.echo(f"# {doc} (env {env})")
        shown = '""' if value is None else json.dumps(value)
        click.echo(f"{name} = {shown}")


# -- inference -----------------------------------------------------------------
