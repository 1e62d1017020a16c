"""The daemon and its front ends: `gumd run`, `status`, `pause`, `resume`, `doctor`, `tui`."""

from __future__ import annotations

import sys
import time

import click

from propositions import serialize

from .. import paths
from .. import settings as settings_mod
from .common import App, _ago, _emit_json, cli, pass_app


@cli.command("run")
@click.option("--verbose", "-v", is_flag=True, help="Log at DEBUG (model calls, timings; never screen text).")
@pass_app
def run_cmd(app: App, verbose: bool) -> None:
    """Run the daemon in the foreground: observe, queue, infer, until Ctrl-C or SIGTERM."""
    import logging

    from .. import health

    home = app.settings.home
    paths.require_writable(home, "run the daemon (it writes its lock, status and data there)")
    lock = health.InstanceLock(home)
    # Before the daemon's imports, which take seconds on a busy machine: status says "starting".
    health.announce_starting(home, lock)

    from ..daemon import Daemon

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _name_hint(app.settings)
    sys.exit(Daemon(app.settings, lock=lock).run_forever())


#: in the home: the first `gumd run` in a terminal said that no name is set
NAME_HINT_MARKER = ".user_name_hint"


def _interactive() -> bool:
    return sys.stderr.isatty()


def _name_hint(settings: settings_mod.Settings) -> None:
    """Say once, on the first `gumd run` someone watches, that propositions will say "the user".

    Only once: the service's log would repeat it at every start, and `gumd doctor`
    keeps saying it for as long as it holds.
    """
    if settings.inference.user_name or not _interactive():
        return
    marker = settings.home / NAME_HINT_MARKER
    if marker.exists():
        return
    click.echo(f"gumd: {settings_mod.USER_NAME_UNSET}", err=True)
    paths.ensure_private_dir(settings.home)
    marker.touch()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Running or not, paused, last capture and inference, queue, backend, database size."""
    from .. import health
    from ..status import daemon_status

    s = app.settings
    out = daemon_status(s, app.service.store)
    queue = out["queue"]
    live = out["state"] not in ("stopped", "starting")
    if as_json:
        _emit_json(serialize.iso_times(out))
        return
    line = out["state"] + (f" (pid {out['pid']})" if out["pid"] else "")
    click.echo(f"gumd: {line}")
    for problem in out["problems"]:
        click.echo(f"  ! {problem}")
    if out["paused"]:
        # the clock on the wall, as `gumd pause` said it (--json keeps UTC ISO times)
        until = out["paused_until"]
        click.echo(f"  paused until {time.strftime('%H:%M', time.localtime(until)) if until else 'you resume'}")
    if out["capture_blocked"]:
        click.echo(f"  capture held back: {out['capture_blocked']}")
    if out["state"] == "starting":
        click.echo("  setting up the database, observers and scheduler")
    elif out["running"]:
        click.echo(f"  observers: {', '.join(out['observers']) or 'none'}"
                   + (" (you are idle)" if out["idle"] else ""))
        click.echo(f"  last capture: {_ago(out['last_capture_at'])}; "
                   f"frames {out['frames_captured']} captured, {out['frames_skipped']} unchanged")
        click.echo(f"  last inference: {_ago(out['last_inference_at'])}")
    if out["progress"]:
        click.echo(f"  now: {health.describe_progress(out['progress'], queue['pending'], time.time())}")
    if out["api"]:
        api = out["api"]
        click.echo(f"  API: {api['url']}, {api['workers']} worker processes"
                   + (" (resting after failures: the server answers itself)"
                      if api["workers_resting"] else ""))
    if out["model_usage"]:
        from ..usage import describe

        calls, per_observation = describe(out["model_usage"])
        click.echo(f"  model: {calls}")
        click.echo(f"  per observation: {per_observation}")
    elif live and s.model.kind == "statistical":
        click.echo("  model: none in use (the statistical inferrer)")
    if out["model_unavailable"]:
        click.echo(f"  model unavailable: {out['model_unavailable']}")
    if out["inference_waits"]:
        click.echo(f"  {out['inference_waits']}")
    click.echo(f"  queue: {queue['pending']} pending, {queue['processing']} processing, "
               f"{queue['failed']} failed, {queue['done']} done")
    click.echo(f"  backend: {s.model.kind}" + (f" ({s.model.name})" if s.model.name else ""))
    click.echo(f"  database: {s.db_path} ({out['db_bytes'] / 1e6:.1f} MB)")


@cli.command()
@click.option("--for", "duration", metavar="DURATION", default=None,
              help="Resume by itself after this long (30m, 2h); default: until `gumd resume`.")
@pass_app
def pause(app: App, duration: str | None) -> None:
    """Stop capturing at once (the daemon notices within a second)."""
    from propositions.timeparse import parse_duration

    from ..privacy import PauseState

    paths.require_writable(app.settings.home, "pause (the pause is a file there)")
    until = time.time() + parse_duration(duration) if duration else None
    PauseState.for_home(app.settings.home).pause(until)
    when = time.strftime("%H:%M", time.localtime(until)) if until else None
    click.echo(f"Paused until {when}." if when else "Paused until you run `gumd resume`.")


@cli.command()
@pass_app
def resume(app: App) -> None:
    """Start capturing again after `gumd pause`."""
    from ..privacy import PauseState

    paths.require_writable(app.settings.home, "resume (the pause is a file there)")
    PauseState.for_home(app.settings.home).resume()
    click.echo("Capturing again.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def doctor(app: App, as_json: bool) -> None:
    """Check display access, permissions, OCR, the model, disk and database; say what to fix."""
    from .. import doctor as doctor_mod

    results = doctor_mod.run_checks(app.settings)
    if as_json:
        _emit_json([r.to_dict() for r in results])
    else:
        marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
        for r in results:
            click.echo(f"[{marks[r.level]}] {r.name}: {r.message}")
            if r.fix and r.level != "ok":
                for line in r.fix.splitlines():
                    click.echo(f"         {line}")
    if any(r.level == "fail" for r in results):
        sys.exit(1)


@cli.command()
@pass_app
def tui(app: App) -> None:
    """The terminal dashboard: state, propositions, suggestions, timeline, privacy (? for keys)."""
    from tui import run_tui

    from ..controls import LocalControls
    from ..wiring import make_action_runner

    run_tui(app.service, LocalControls(app.settings, app.service),
            runner=make_action_runner(app.settings))
