"""Taking data out: `gumd forget` (for good) and `gumd export`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from propositions.service import EXPORTABLE, ForgetRequest

from .common import App, _parse, _time_option, cli, pass_app


WIPE_PENDING_NOTE = ("Forgotten, but another process is reading the database: the text leaves "
                     "the file when it closes; gumd finishes the wipe on its next start or run.")


@cli.command()
@click.option("--id", "ids", type=int, multiple=True, help="A proposition to forget, with all its versions (repeatable).")
@click.option("--query", "query_text", metavar="TEXT", default=None, help="Propositions and observations matching TEXT.")
@_time_option("--since", "Observations captured (and propositions created) at or after WHEN.")
@_time_option("--until", "Observations captured (and propositions created) at or before WHEN.")
@click.option("--app", "app_name", metavar="NAME", default=None, help="Observations from this app (case-insensitive).")
@click.option("--all", "everything", is_flag=True, help="Everything: the whole user model and all observations.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting.")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@pass_app
def forget(app: App, ids: tuple[int, ...], query_text: str | None, since: str | None,
           until: str | None, app_name: str | None, everything: bool, yes: bool, dry_run: bool) -> None:
    """Delete data for good: rows, search index entries and screenshots.

    Filters combine with AND. Propositions left with no evidence are deleted
    too, and the file is compacted so the text is gone from disk.
    """
    request = ForgetRequest(ids=list(ids), query=query_text, since=_parse(since),
                            until=_parse(until), app=app_name, everything=everything)
    plan = app.service.forget(request, dry_run=True)
    summary = _forget_summary(plan)
    if not any(plan.values()):
        click.echo("Nothing matches; nothing was deleted.")
        return
    if dry_run:
        click.echo(f"Would delete {summary}.")
        return
    if not yes:
        click.confirm(f"Permanently delete {summary}?", abort=True)
    done = app.service.forget(request)
    click.echo(f"Deleted {_forget_summary(done)}.")
    if app.service.wipe_pending:
        click.echo(WIPE_PENDING_NOTE)


def _forget_summary(counts: dict[str, int]) -> str:
    parts = [f"{counts.get(k, 0)} {k}" for k in ("propositions", "observations", "screenshots")]
    if counts.get("suggestions"):
        parts.append(f"{counts['suggestions']} suggestions")
    return ", ".join(parts)


@cli.command()
@click.option("--what", type=click.Choice(EXPORTABLE), default="propositions", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (created 0600) instead of standard output.")
@pass_app
def export(app: App, what: str, fmt: str, output: Path | None) -> None:
    """Write every proposition, observation or suggestion as JSON."""
    rows = app.service.export(what)
    if output is None:
        _write_rows(rows, fmt, sys.stdout)
        return
    if output.exists():
        raise click.ClickException(f"{output} already exists; choose a new file name")
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        n = _write_rows(rows, fmt, fh)
    click.echo(f"Wrote {n} {what} to {output}", err=True)


def _write_rows(rows: Any, fmt: str, fh: TextIO) -> int:
    n = 0
    if fmt == "json":
        fh.write("[")
    for row in rows:
        line = json.dumps(row, ensure_ascii=False)
        if fmt == "json":
            fh.write(("," if n else "") + "\n  " + line)
        else:
            fh.write(line + "\n")
        n += 1
    if fmt == "json":
        fh.write("\n]\n" if n else "]\n")
    return n


# -- database ------------------------------------------------------------------
