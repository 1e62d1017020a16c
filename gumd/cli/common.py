"""What every `gumd` command shares: the App (settings and service, built on first use), the root
group that turns expected failures into one line, and the small helpers the command groups use."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from functools import cached_property
from pathlib import Path
from typing import Any

import click

from propositions import DatabaseReadOnly, GumdError
from propositions.infer import DrainReport, Inferrer, Pipeline
from propositions.service import Service
from propositions.store import translate_error
from propositions.timeparse import parse_time
from tui.timefmt import ago

from .. import __version__, paths
from .. import settings as settings_mod


class App:
    """What a command needs, built on first use so `--help` and `config path` never open the DB."""

    def __init__(self) -> None:
        self._settings: settings_mod.Settings | None = None

    @property
    def settings(self) -> settings_mod.Settings:
        if self._settings is None:
            self._settings = settings_mod.load()
        return self._settings

    @cached_property
    def service(self) -> Service:
        from ..wiring import make_service, make_store

        store = make_store(self.settings)
        if store.started_empty:
            # It became a new database just now, so this is said once, on the open that did it.
            click.echo(f"gumd: warning: {store.path} was an empty (0-byte) file; it is now a new, "
                       "empty database (restore a backup over it if it should hold your data)",
                       err=True)
        return make_service(self.settings, store)

    def inferrer(self, user: str | None = None) -> Inferrer:
        from ..wiring import make_inferrer

        return make_inferrer(self.settings, user)

    def pipeline(self, inferrer: Inferrer | None = None) -> Pipeline:
        from ..wiring import make_pipeline

        return make_pipeline(self.settings, self.service.store, inferrer)


class GumdGroup(click.Group):
    """Turns every expected failure into a one-line error and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DatabaseReadOnly as exc:
            home = _home(ctx)
            if (home is not None and exc.path and Path(exc.path).parent == home
                    and not os.access(home, os.W_OK)):
                db = Path(exc.path)
                doing = (f"change the database {db} (reading still works)"
                         if db.exists() and db.stat().st_size else f"create the database {db}")
                raise click.ClickException(paths.read_only_message(home, doing)) from None
            raise click.ClickException(str(exc)) from None
        except GumdError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            # A write into the home that no command checked for first: still one line.
            home = _home(ctx)
            refusal = paths.refusal(home, exc) if home is not None else None
            if refusal is None:
                raise
            raise click.ClickException(str(refusal)) from None
        except sqlite3.Error as exc:
            app = ctx.find_object(App)
            where = app.settings.db_path if app and app._settings else "database"
            raise click.ClickException(str(translate_error(exc, where))) from None


pass_app = click.make_pass_decorator(App, ensure=True)


def _home(ctx: click.Context) -> Path | None:
    app = ctx.find_object(App)
    if app is not None and app._settings is not None:
        return app._settings.home
    try:
        return paths.home_dir()
    except OSError:
        return None


def _now() -> float:
    return time.time()


def _time_option(name: str, help_text: str) -> Any:
    return click.option(name, metavar="WHEN", default=None, help=help_text)


def _parse(value: str | None) -> float | None:
    return None if value is None else parse_time(value, _now())


def _ago(ts: float | None) -> str:
    return ago(ts, _now())


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _prop_line(p: Any) -> str:
    flag = {"confirmed": " ✓", "edited": " ✎"}.get(p.user_feedback or "", "")
    return f"{p.id:>6}  {p.confidence:4.2f}  {p.text}{flag}  [{p.decay}, {_ago(p.last_evidence_at)}]"


@click.group(cls=GumdGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gumd")
def cli() -> None:
    """gumd: a general user model that lives on this computer.

    It keeps natural-language propositions about you, with confidence and
    evidence, in a private SQLite file. Data home: $GUMD_HOME, or the
    platform's user data folder (see `gumd config path`).
    """


# -- reading ------------------------------------------------------------------


def _print_drain(report: DrainReport) -> None:
    click.echo(f"Processed {report.observations} observations in {report.batches} batches: "
               f"{report.created} new, {report.reinforced} reinforced, {report.revised} revised, "
               f"{report.contradicted} contradicted propositions.")
    for error in report.errors:
        click.echo(f"A batch failed: {error} (see `gumd queue list`)", err=True)
    if report.unavailable:
        click.echo(f"Stopped: {report.unavailable}. The rest stays queued.", err=True)

