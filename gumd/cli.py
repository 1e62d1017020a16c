"""The ``gumd`` command: thin adapters over ``propositions.service``."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

import click

from propositions import DatabaseReadOnly, GumdError, Observation, Store, serialize
from propositions.infer import DrainReport, Inferrer, Pipeline
from propositions.service import EXPORTABLE, ForgetRequest, Service
from propositions.store import file_size_bytes, translate_error
from propositions.timeparse import parse_time
from tui.timefmt import ago

from . import __version__, paths
from . import settings as settings_mod


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
        from .wiring import make_service, make_store

        store = make_store(self.settings)
        if store.started_empty:
            # It became a new database just now, so this is said once, on the open that did it.
            click.echo(f"gumd: warning: {store.path} was an empty (0-byte) file; it is now a new, "
                       "empty database (restore a backup over it if it should hold your data)",
                       err=True)
        return make_service(self.settings, store)

    def inferrer(self, user: str | None = None) -> Inferrer:
        from .wiring import make_inferrer

        return make_inferrer(self.settings, user)

    def pipeline(self, inferrer: Inferrer | None = None) -> Pipeline:
        from .wiring import make_pipeline

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


@cli.command()
@click.argument("text", required=False, default="")
@_time_option("--since", "Only propositions with evidence at or after WHEN (2h, 3d, yesterday, 2026-06-01).")
@_time_option("--until", "Only propositions that existed at WHEN.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="How many results.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, help="Drop propositions below this probability.")
@click.option("--observations", is_flag=True, help="Also list the raw observations that match.")
@click.option("--no-diversify", is_flag=True, help="Rank by score alone, without MMR.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output).")
@pass_app
def query(app: App, text: str, since: str | None, until: str | None, limit: int | None,
          min_confidence: float, observations: bool, no_diversify: bool, as_json: bool) -> None:
    """Search propositions by TEXT; with no TEXT, the most relevant recent ones."""
    result = app.service.query(
        text,
        since=_parse(since),
        until=_parse(until),
        limit=limit or app.settings.retrieval.default_limit,
        min_confidence=min_confidence,
        include_observations=observations,
        diversify=not no_diversify,
    )
    if as_json:
        out: dict[str, Any] = {
            "query": text,
            "results": [
                {**serialize.proposition(h.proposition), "score": round(h.score, 4),
                 "text_score": round(h.text_score, 4), "recency": round(h.recency, 4)}
                for h in result.hits
            ],
        }
        if observations:
            out["observations"] = [
                {**serialize.observation(o.observation), "score": round(o.score, 4)}
                for o in result.observations
            ]
        _emit_json(out)
        return
    if not result.hits:
        click.echo("No matching propositions.")
    for h in result.hits:
        click.echo(_prop_line(h.proposition))
    if observations:
        click.echo("\nObservations:" if result.observations else "\nNo matching observations.")
        for o in result.observations:
            ob = o.observation
            snippet = " ".join(ob.content.split())[:80]
            click.echo(f"{ob.id:>8}  {_ago(ob.captured_at):>9}  {ob.app or '-'}: {snippet}")


@cli.command()
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, help="How many propositions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def recent(app: App, limit: int, as_json: bool) -> None:
    """Active propositions, newest evidence first."""
    props = app.service.recent(limit)
    if as_json:
        _emit_json([serialize.proposition(p) for p in props])
        return
    if not props:
        click.echo("No propositions yet: gumd has not learnt anything about you.")
        return
    for p in props:
        click.echo(_prop_line(p))


@cli.command()
@click.argument("prop_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def show(app: App, prop_id: int, as_json: bool) -> None:
    """One proposition: text, reasoning, confidence, evidence and history."""
    detail = app.service.show(prop_id)
    if as_json:
        _emit_json(detail.to_dict())
        return
    p = detail.proposition
    click.echo(f"#{p.id}  {p.text}")
    click.echo(f"  confidence {p.confidence:.2f} · decay {p.decay} · {p.status} · source {p.source}"
               + (f" · you {p.user_feedback} it" if p.user_feedback else ""))
    click.echo(f"  created {_ago(p.created_at)} · last evidence {_ago(p.last_evidence_at)}")
    if p.reasoning:
        click.echo(f"  reasoning: {p.reasoning}")
    click.echo(f"  evidence ({len(detail.evidence)}):")
    for link in detail.evidence:
        o = link.observation
        assert o is not None
        snippet = " ".join(o.content.split())[:70]
        click.echo(f"    [{link.relation}] #{o.id} {_ago(o.captured_at)} {o.app or '-'} "
                   f"— {o.window_title or ''} {('· ' + snippet) if snippet else ''}".rstrip())
    if detail.history:
        click.echo("  history:")
        for h in detail.history:
            old = detail.versions.get(h.old_id)
            new = detail.versions.get(h.new_id)
            click.echo(f"    {_ago(h.created_at)} {h.kind}: #{h.old_id} "
                       f"\"{old.text if old else '?'}\" -> #{h.new_id} \"{new.text if new else '?'}\"")


@cli.command()
@click.argument("prop_id", metavar="ID", type=int)
@click.argument("action", type=click.Choice(["confirm", "reject", "edit"]))
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the resulting proposition as JSON.")
@pass_app
def feedback(app: App, prop_id: int, action: str, text: str | None, as_json: bool) -> None:
    """Confirm, reject or edit proposition ID.

    \b
    gumd feedback 12 confirm
    gumd feedback 12 reject
    gumd feedback 12 edit "Dana is giving a toast at the wedding"
    """
    if action == "edit":
        if not text:
            raise click.UsageError('edit needs the new text: gumd feedback ID edit "new text"')
        prop = app.service.edit(prop_id, text)
        message = f"#{prop_id} replaced by #{prop.id}: {prop.text}"
    else:
        if text:
            raise click.UsageError(f"{action} takes no text")
        prop = app.service.confirm(prop_id) if action == "confirm" else app.service.reject(prop_id)
        message = f"#{prop.id} {prop.user_feedback}: {prop.text}"
    if as_json:
        _emit_json(serialize.proposition(prop))
    else:
        click.echo(message)


# -- forgetting and export -----------------------------------------------------


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

IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                  ".webp": "image/webp"}
#: largest text file taken whole by `gumd ingest`
MAX_TEXT_BYTES = 1_000_000


def _print_drain(report: DrainReport) -> None:
    click.echo(f"Processed {report.observations} observations in {report.batches} batches: "
               f"{report.created} new, {report.reinforced} reinforced, {report.revised} revised, "
               f"{report.contradicted} contradicted propositions.")
    for error in report.errors:
        click.echo(f"A batch failed: {error} (see `gumd queue list`)", err=True)
    if report.unavailable:
        click.echo(f"Stopped: {report.unavailable}. The rest stays queued.", err=True)


def file_hash(data: bytes) -> str:
    """What identifies an ingested file: its content, whatever its name, folder or mtime."""
    return "file:" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _ingest_one(path: Path, data: bytes) -> Observation:
    """The file as an observation, refused if unusable; an image is not copied yet."""
    from propositions.redact import redact_secrets
    from propositions.screen import load_image

    captured = path.stat().st_mtime
    mime = IMAGE_SUFFIXES.get(path.suffix.lower())
    if mime:
        load_image(path)  # a corrupt image is refused here, before anything is stored
        return Observation(captured_at=captured, observer="ingest", window_title=path.name,
                           content_type=mime)
    if len(data) > MAX_TEXT_BYTES:
        raise GumdError(f"{path}: larger than {MAX_TEXT_BYTES // 1000} kB; split it first")
    if b"\x00" in data:
        raise GumdError(f"{path}: not a text file or a PNG/JPEG/WebP image")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GumdError(f"{path}: not UTF-8 text or a PNG/JPEG/WebP image") from None
    text, _ = redact_secrets(text)
    return Observation(captured_at=captured, observer="ingest", window_title=path.name,
                       content=text)


def _keep_image(obs: Observation, data: bytes, suffix: str, shots: Path) -> None:
    """A private copy of an ingested image, read by OCR and deleted like a screenshot."""
    paths.ensure_private_dir(shots)
    copy = shots / f"ingest-{time.time_ns()}{suffix.lower()}"
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError:
        copy.unlink(missing_ok=True)  # half a copy (a full disk) is no screenshot
        raise
    obs.image_path = str(copy)


@cli.command()
@click.argument("sources", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-process", is_flag=True, help="Only queue them; `gumd queue process` processes later.")
@pass_app
def ingest(app: App, sources: tuple[Path, ...], no_process: bool) -> None:
    """Add screenshots (PNG/JPEG/WebP) and text files as observations, then process them.

    Folders are read recursively. Unreadable, corrupt or binary files are
    reported and skipped; the rest go on. A file whose content is already
    stored (under any name) is reported and not stored again; once it
    changes, it is.
    """
    from .wiring import make_privacy

    files: list[Path] = []
    for p in sources:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file())
        else:
            files.append(p)
    shots = paths.screenshots_dir(app.settings.home)
    # A read-only home or a full disk is said once, before any file is copied.
    app.service.store.require_writable()
    privacy = make_privacy(app.settings)
    # Ingested files are few next to captured observations: one read finds them all.
    stored = app.service.store.observation_ids_by_hash("ingest")
    observations: list[Observation] = []
    skipped = excluded = again = 0
    for f in files:
        is_image = f.suffix.lower() in IMAGE_SUFFIXES
        try:
            data = f.read_bytes()
            obs = privacy.admit(_ingest_one(f, data), respect_pause=False)
            if obs is None:
                excluded += 1
                continue
            # Text is known by what is stored, after redaction: no hash of a removed secret.
            obs.content_hash = file_hash(data if is_image else
                                         obs.content.encode("utf-8", "surrogatepass"))
            if obs.content_hash in stored:
                again += 1
                first = stored[obs.content_hash]
                click.echo(f"already stored {f}: same content as "
                           + (f"observation #{first}" if first else "a file above"), err=True)
                continue
            if is_image:
                _keep_image(obs, data, f.suffix, shots)
            stored[obs.content_hash] = 0  # the same content twice in one run is stored once
            observations.append(obs)
        except (GumdError, OSError) as exc:
            skipped += 1
            reason = paths.os_reason(exc) if isinstance(exc, OSError) and exc.strerror else str(exc)
            click.echo(f"skipped {f}: {reason}", err=True)
    app.service.store.enqueue(observations)
    click.echo(f"Queued {len(observations)} observations; skipped {skipped}"
               + (f"; {again} already stored" if again else "")
               + (f"; {excluded} excluded by privacy settings." if excluded else "."))
    if observations and not no_process:
        _print_drain(app.pipeline().drain())


@cli.command()
@click.argument("scenarios", metavar="SCENARIO...", nargs=-1, required=True)
@pass_app
def replay(app: App, scenarios: tuple[str, ...]) -> None:
    """Feed scenario files' observations, with their timestamps, through the pipeline into this home.

    A SCENARIO is a scenario file or the name of a shipped example (see `gumd demo --list`).
    """
    from propositions.replay import replay as run_replay
    from propositions.scenario import load_scenario

    from . import examples
    from .privacy import admit_all
    from .wiring import make_privacy

    for path in [examples.resolve(s) for s in scenarios]:
        scenario = load_scenario(path)
        click.echo(f"{scenario.name}: {len(scenario.observations)} observations")
        # The simulated person's name, not the account's, goes into their propositions.
        pipeline = app.pipeline(app.inferrer(scenario.user))
        privacy = make_privacy(app.settings)
        _print_drain(run_replay(scenario, pipeline,
                                lambda obs: pipeline.store.enqueue(admit_all(privacy, obs))))


@cli.command("eval")
@click.argument("scenarios", metavar="[SCENARIO]...", nargs=-1)
@click.option("--examples", "with_examples", is_flag=True, help="Also every shipped example scenario.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def eval_cmd(app: App, scenarios: tuple[str, ...], with_examples: bool, as_json: bool) -> None:
    """Replay each scenario into a fresh temporary home and score it against its facts.

    A SCENARIO is a scenario file or the name of a shipped example.
    """
    from propositions.eval import evaluate

    from . import examples

    if not scenarios and not with_examples:
        raise click.UsageError("name scenario files or examples, or give --examples")
    paths = [examples.resolve(s) for s in scenarios]
    if with_examples:
        paths += [examples.path(name) for name in examples.names()]
    s = app.settings
    results, overall = evaluate(paths, app.inferrer, batch_size=s.inference.batch_size)
    if as_json:
        _emit_json({"backend": s.model.kind, "model": s.model.name or None,
                    "scenarios": [r.to_dict() for r in results], "overall": overall})
        return
    click.echo(f"{'scenario':<22} {'recall':>6} {'precision':>9} {'ECE':>6} {'Brier':>6} "
               f"{'AUC':>6} {'dups':>4} {'props':>5}")
    for r in results:
        sc = r.score
        click.echo(f"{r.scenario:<22} {sc.recall:6.2f} {sc.precision:9.2f} {sc.ece:6.3f} "
                   f"{sc.brier:6.3f} {_auc_cell(sc.auc)} {sc.duplicates:4d} "
                   f"{len(sc.propositions):5d}")
        if r.drain.unavailable:
            click.echo(f"  model unavailable: {r.drain.unavailable}", err=True)
    click.echo(f"{'overall':<22} {overall['recall_macro']:6.2f} {overall['precision_macro']:9.2f} "
               f"{overall['ece']:6.3f} {overall['brier']:6.3f} {_auc_cell(overall['auc'])} "
               f"{overall['duplicates']:4d} {overall['propositions']:5d}")


def _auc_cell(auc: float | None) -> str:
    """AUC in a 6-wide column; "-" when undefined (no grounded or no ungrounded propositions)."""
    return f"{'-':>6}" if auc is None else f"{auc:6.3f}"


@cli.command()
@click.argument("name", required=False)
@click.option("--no-tui", is_flag=True, help="Print what gumd learnt instead of opening the dashboard.")
@click.option("--keep", is_flag=True, help="Keep the demo's home afterwards (its path is printed).")
@click.option("--list", "list_examples", is_flag=True, help="List the example days and exit.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=15, show_default=True,
              help="Propositions printed with --no-tui.")
@pass_app
def demo(app: App, name: str | None, no_tui: bool, keep: bool, list_examples: bool, limit: int) -> None:
    """Replay an example day into a throwaway home, infer from it, and open the dashboard.

    Nothing touches your own home: the demo's home is a new temporary folder,
    removed afterwards unless --keep. NAME is one of `gumd demo --list`.
    """
    import shutil

    from propositions.scenario import load_scenario

    from . import demo as demo_mod
    from . import examples

    if list_examples:
        for example in examples.names():
            sc = load_scenario(examples.path(example))
            click.echo(f"{example:<22} {sc.user}, {len(sc.observations)} observations"
                       f"{'  (default)' if example == examples.DEFAULT else ''}")
        return
    name = name or examples.DEFAULT
    examples.path(name)  # an unknown name is an error before anything is created
    home = demo_mod.make_home()
    try:
        run = demo_mod.run(app.settings, name, home)
        try:
            sc = run.scenario
            first, last = (time.localtime(sc.captured_at(o)) for o in (sc.observations[0], sc.observations[-1]))
            click.echo(f"{sc.name}: {sc.user}'s computer use on {time.strftime('%A %d %B %Y', first)}, "
                       f"{len(sc.observations)} observations from {time.strftime('%H:%M', first)} "
                       f"to {time.strftime('%H:%M', last)}")
            _print_drain(run.report)
            if no_tui:
                hits = run.service.query(None, limit=limit).hits
                click.echo(f"\nWhat gumd learnt about {sc.user} (most relevant first):")
                for hit in hits:
                    p = hit.proposition
                    click.echo(f"{p.confidence:4.2f}  {p.text}  [{p.decay}]")
            else:
                from tui import run_tui

                from .controls import LocalControls
                from .wiring import make_action_runner

                run_tui(run.service, LocalControls(run.settings, run.service),
                        runner=make_action_runner(run.settings))
        finally:
            run.service.close()
    finally:
        if keep:
            click.echo(f"The demo's home is kept: GUMD_HOME={home} gumd recent")
        else:
            shutil.rmtree(home, ignore_errors=True)


@cli.group(cls=GumdGroup)
def queue() -> None:
    """The inference queue: what is waiting, what failed, retry or purge."""


@queue.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50)
@pass_app
def queue_list(app: App, as_json: bool, limit: int) -> None:
    """Counts per state, and the failed observations with their errors."""
    store = app.service.store
    counts = store.queue_counts()
    failed = store.failed_observations(limit)
    if as_json:
        _emit_json({"counts": counts, "failed": [serialize.observation(o, with_content=False)
                                                 for o in failed]})
        return
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))
    for o in failed:
        click.echo(f"{o.id:>8}  {_ago(o.captured_at):>9}  {o.app or o.observer}: {o.last_error}")


@queue.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="Only these observations (repeatable).")
@click.option("--process/--no-process", default=True, help="Process the queue right away.")
@pass_app
def queue_retry(app: App, ids: tuple[int, ...], process: bool) -> None:
    """Put failed observations back in the queue (all, or --id ones)."""
    n = app.service.store.retry_failed(list(ids) if ids else None)
    click.echo(f"{n} observations queued again.")
    if n and process:
        _print_drain(app.pipeline().drain())


@queue.command("process")
@pass_app
def queue_process(app: App) -> None:
    """Process everything waiting in the queue now."""
    _print_drain(app.pipeline().drain())


@queue.command("purge-failed")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@pass_app
def queue_purge(app: App, yes: bool) -> None:
    """Delete failed observations for good."""
    store = app.service.store
    n = store.queue_counts()["failed"]
    if not n:
        click.echo("No failed observations.")
        return
    if not yes:
        click.confirm(f"Permanently delete {n} failed observations?", abort=True)
    done = store.forget(observation_where="status = 'failed'")
    store.reclaim()
    click.echo(f"Deleted {done['observations']} observations.")


@cli.group(cls=GumdGroup)
def model() -> None:
    """The inferrer and model in use."""


@model.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def model_show(app: App, as_json: bool) -> None:
    """Print the backend, model and server in use (never the API key)."""
    m = app.settings.model
    info: dict[str, Any] = {"kind": m.kind, "model": m.name or None,
                            "user_name": app.settings.inference.user_name}
    if m.kind == "openai":
        info["base_url"] = m.base_url
        info["api_key_set"] = bool(m.api_key)
    if m.kind == "mlx" and m.vision_name:
        info["vision_model"] = m.vision_name
    if m.kind != "statistical":
        info["focus"] = m.focus
    if as_json:
        _emit_json(info)
        return
    if m.kind == "statistical":
        click.echo("statistical: the built-in inferrer (no model). Set [model] kind to use one.")
    for k, v in info.items():
        click.echo(f"{k}: {v}" if v or k != "user_name" else "user_name: (not set: propositions say 'the user')")


@model.command("test")
@pass_app
def model_test(app: App) -> None:
    """Run one real completion with the configured model and report its speed."""
    from .model_setup import check_model

    click.echo(check_model(app.settings.model))


@model.command("setup")
@click.option("--model", "model_id", metavar="ID", default=None,
              help="Use this model instead of the recommended one: an installed Ollama model, an MLX "
                   "repo (owner/name) or a GGUF file (owner/name/file.gguf).")
@click.option("--vision", is_flag=True, help="MLX: also fetch a vision model to read screenshots.")
@click.option("--ollama", "ollama_url", metavar="URL", default=None,
              help="Where to look for a running Ollama server (default http://127.0.0.1:11434).")
@click.option("--dry-run", is_flag=True, help="Only print the recommendation.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before downloading and writing the config.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (needs --yes or --dry-run).")
@pass_app
def model_setup(app: App, model_id: str | None, vision: bool, ollama_url: str | None, dry_run: bool,
                yes: bool, as_json: bool) -> None:
    """Recommend a model for this machine, download it, test it and write it into the config."""
    from . import model_setup as ms

    if as_json and not (yes or dry_run):
        raise click.UsageError("--json asks nothing: add --yes (or --dry-run)")
    settings = app.settings
    home = settings.home
    url = ollama_url or ms.OLLAMA_URL
    machine = ms.Machine.detect()
    ollama = ms.ollama_models(url)
    rec = (ms.override(model_id, machine, ollama, url, vision) if model_id
           else ms.recommend(machine, ollama, vision=vision, ollama_url=url))
    report: dict[str, Any] = {"machine": machine.describe(), "recommendation": rec.to_dict()}
    say = (lambda text: None) if as_json else click.echo  # noqa: E731
    say(f"This machine: {machine.describe()}.")
    say(f"Recommended: {_rec_label(rec)}\n  because {rec.reason}.")
    if dry_run or rec.kind == "statistical":
        report["written"] = False
        if as_json:
            _emit_json(report)
        return
    if rec.downloads:
        where = ", ".join(str(ms.local_folder(home, r)) for r, _ in rec.downloads)
        if not yes and not click.confirm(f"Download it into {where} and test it?", default=True):
            raise click.ClickException("nothing downloaded, the config is unchanged")
    for repo, filename in rec.downloads:
        folder = _download_with_bar(ms, repo, filename, home, quiet=as_json)
        local = str(folder / filename) if filename else str(folder)
        if repo == rec.repo:
            rec.name = local
        else:
            rec.vision_name = local
    values = ms.model_values(rec)
    candidate = settings.model.model_copy(update=values)
    try:
        tested = ms.check_model(candidate)
    except GumdError as exc:
        raise click.ClickException(f"the model test failed, so the config is unchanged: {exc}") from None
    say(tested)
    if not as_json:
        click.echo(f"Writing into {settings.config_path}, [model]:")
        for line in ms.toml_lines(values):
            click.echo(f"  {line}")
        if not yes and not click.confirm("Write it?", default=True):
            raise click.ClickException("the config is unchanged")
    file, backup = ms.write_config(home, values)
    report.update(written=True, config_file=str(file), backup=str(backup) if backup else None,
                  model=values, test=tested)
    if as_json:
        _emit_json(report)
        return
    click.echo(f"Done. {'The previous config is in ' + str(backup) + '; copy it back to undo.' if backup else 'To undo, delete the [model] table from ' + str(file) + '.'}")
    click.echo("Restart the daemon (gumd service stop && gumd service start, or gumd run) to use it.")


def _rec_label(rec: Any) -> str:
    if rec.kind == "statistical":
        return "the statistical inferrer (no model)"
    if rec.kind == "openai":
        return f"{rec.name} served by Ollama ({rec.base_url})"
    label = f"{rec.repo}/{rec.filename} with llama.cpp" if rec.filename else f"{rec.repo} with MLX"
    return label + (f", and {rec.vision_repo} for screenshots" if rec.vision_repo else "")


def _download_with_bar(ms: Any, repo: str, filename: str, home: Path, quiet: bool) -> Path:
    """Download with a progress bar on stderr (none with --json)."""
    bar: Any = None
    sizes: dict[str, int] = {}

    def total(n: int) -> None:
        nonlocal bar
        sizes["total"] = n
        if n and not quiet:
            bar = click.progressbar(length=n, label=f"Downloading {repo}", file=sys.stderr,
                                    show_pos=False, show_percent=True, show_eta=True)
            bar.__enter__()

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        return ms.download(repo, home, filename=filename, progress=progress, total=total)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


# -- suggestions -------------------------------------------------------------------


def _suggestion_line(sg: Any) -> str:
    from propositions.actions import escape_invisible

    mark = "*" if sg.status == "new" else " "
    eu = sg.scores.get("eu")
    score = f"{eu:.2f}" if isinstance(eu, (int, float)) else "  - "
    # The title is screen text: a terminal must not take any of it for a control sequence.
    return f"{mark}{sg.id:>5}  {score}  [{sg.kind}] {escape_invisible(sg.title)}  ({sg.status})"


#: near misses shown by --explain (the best first)
EXPLAIN_LIMIT = 20


@cli.command()
@click.option("--now", "force", is_flag=True, help="Ignore quiet hours, typing and the hourly limit.")
@click.option("--explain", is_flag=True,
              help="Also show the candidates not suggested, with their scores and why.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def suggest(app: App, force: bool, explain: bool, as_json: bool) -> None:
    """Look for suggestions now, from what gumd has seen and learnt."""
    from .wiring import make_suggester

    suggester = make_suggester(app.settings, app.service.store)
    verdicts = suggester.review(force=force, explain=explain)
    made = [v.suggestion for v in verdicts if v.outcome == "made" and v.suggestion is not None]
    missed = [v for v in verdicts if v.outcome != "made"]
    if as_json:
        if not explain:
            _emit_json([serialize.suggestion(sg) for sg in made])
            return
        _emit_json({"suggestions": [serialize.suggestion(sg) for sg in made],
                    "not_made": [_near_miss_json(v) for v in missed],
                    "skipped": suggester.skipped})
        return
    if not made:
        click.echo("No new suggestions.")
    for sg in made:
        click.echo(_suggestion_line(sg))
    if explain:
        _echo_near_misses(missed, suggester.skipped)


def _near_miss_json(v: Any) -> dict[str, Any]:
    return {"kind": v.candidate.kind, "title": v.candidate.title, "outcome": v.outcome,
            "scores": v.scores, "why": v.candidate.why,
            "suggestion_id": v.suggestion.id if v.suggestion else None,
            "suggestion_status": v.suggestion.status if v.suggestion else None}


def _echo_near_misses(missed: list[Any], skipped: list[str]) -> None:
    from propositions.actions import escape_invisible

    if not missed:
        click.echo("\nNo other candidates.")
    else:
        click.echo("\nNot suggested now (expected utility, threshold, why):")
    for v in missed[:EXPLAIN_LIMIT]:
        sc = v.scores
        sign = "<" if sc["eu"] < sc["threshold"] else "≥"
        click.echo(f"  {sc['eu']:5.2f} {sign} {sc['threshold']:.2f}  [{v.candidate.kind}] "
                   f"{escape_invisible(v.candidate.title)}")
        reason = v.outcome
        if v.outcome == "made before" and v.suggestion is not None:
            reason = f"made before as #{v.suggestion.id} ({v.suggestion.status})"
        p_why = f": {', '.join(v.candidate.why)}" if v.candidate.why else ""
        click.echo(f"               {reason} (p_useful {sc['p_useful']:.2f}{p_why}; "
                   f"benefit {sc['benefit']:.2f}; cost {sc['cost']:.2f})")
    if len(missed) > EXPLAIN_LIMIT:
        click.echo(f"  … and {len(missed) - EXPLAIN_LIMIT} more, all scored lower")
    for line in skipped:
        click.echo(f"  skipped: {line}")


@cli.group("suggestions", cls=GumdGroup)
def suggestions_group() -> None:
    """List, accept, dismiss or snooze suggestions."""


@suggestions_group.command("list")
@click.option("--status", type=click.Choice(["new", "shown", "accepted", "dismissed", "snoozed", "done"]),
              default=None, help="Only this status.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def suggestions_list(app: App, status: str | None, limit: int, as_json: bool) -> None:
    """Suggestions, newest first (new ones marked *)."""
    found = app.service.list_suggestions(status=status, limit=limit)
    if as_json:
        _emit_json([serialize.suggestion(sg) for sg in found])
        return
    if not found:
        click.echo("No suggestions.")
    for sg in found:
        click.echo(_suggestion_line(sg))
        if sg.body:
            click.echo(f"         {' '.join(sg.body.split())[:100]}")


@suggestions_group.command("accept")
@click.argument("sugg_id", metavar="ID", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask before running its action.")
@pass_app
def suggestions_accept(app: App, sugg_id: int, yes: bool) -> None:
    """Accept suggestion ID: only now is its action run (after you confirm)."""
    from propositions.actions import escape_invisible

    from .wiring import make_action_runner

    sg = app.service.get_suggestion(sugg_id)
    runner = make_action_runner(app.settings)
    # Checked and spelt out before asking: the answer is to exactly this, and an action
    # that may not run (a file that became a program) is refused before any question.
    what = runner.describe(sg.action)
    if not yes:
        click.echo(f"{escape_invisible(' '.join(sg.title.split()))}\nAccepting will {what}.")
        click.confirm("Run it?", abort=True)
    _, done = app.service.accept_suggestion(sugg_id, runner)
    click.echo(done)


@suggestions_group.command("dismiss")
@click.argument("sugg_id", metavar="ID", type=int)
@pass_app
def suggestions_dismiss(app: App, sugg_id: int) -> None:
    """Dismiss suggestion ID: it never comes back, and its kind gets rarer."""
    sg = app.service.dismiss_suggestion(sugg_id)
    click.echo(f"Dismissed: {sg.title}")


@suggestions_group.command("snooze")
@click.argument("sugg_id", metavar="ID", type=int)
@click.option("--for", "duration", metavar="DURATION", default="1h", show_default=True,
              help="When it comes back (30m, 2h, 1d).")
@pass_app
def suggestions_snooze(app: App, sugg_id: int, duration: str) -> None:
    """Snooze suggestion ID for a while."""
    from propositions.timeparse import parse_duration

    sg = app.service.snooze_suggestion(sugg_id, time.time() + parse_duration(duration))
    click.echo(f"Snoozed until {time.strftime('%H:%M', time.localtime(sg.snoozed_until))}: {sg.title}")


@cli.command()
@pass_app
def tui(app: App) -> None:
    """The terminal dashboard: state, propositions, suggestions, timeline, privacy (? for keys)."""
    from tui import run_tui

    from .controls import LocalControls
    from .wiring import make_action_runner

    run_tui(app.service, LocalControls(app.settings, app.service),
            runner=make_action_runner(app.settings))


@cli.group("api", cls=GumdGroup, invoke_without_command=True)
@click.option("--port", type=click.IntRange(1024, 65535), default=None, help="Port on 127.0.0.1 (default: api.port).")
@click.pass_context
def api_group(ctx: click.Context, port: int | None) -> None:
    """Serve the local HTTP API for assistants on 127.0.0.1 until Ctrl-C (MCP at /mcp)."""
    if ctx.invoked_subcommand is not None:
        return
    import logging

    from .api import bind, serve
    from .wiring import make_api_app, make_privacy

    s = ctx.ensure_object(App).settings
    paths.require_writable(s.home, "serve the API (its token lives there)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sock = bind("127.0.0.1", port or s.api.port)
    click.echo(f"gumd API on http://127.0.0.1:{sock.getsockname()[1]} (token: gumd api token)", err=True)
    serve(make_api_app(s, make_privacy(s), sock.getsockname()[1]), sock=sock)


@api_group.command("token")
@click.option("--rotate", is_flag=True, help="Make a new token; clients holding the old one get 401 once the API restarts.")
@pass_app
def api_token(app: App, rotate: bool) -> None:
    """Print the API's bearer token (made on first use, kept 0600 in the home as api_token)."""
    from .api import load_or_create_token, rotate_token
    from .api.token import token_path

    home = app.settings.home
    if rotate or not token_path(home).exists():  # reading a token writes nothing
        paths.require_writable(home, "write the API token")
    click.echo(rotate_token(app.settings.home) if rotate else load_or_create_token(app.settings.home))


@cli.command("mcp")
@pass_app
def mcp_cmd(app: App) -> None:
    """Serve MCP over stdin/stdout for an assistant (Claude Desktop and others); see README."""
    import logging

    from .api import run_stdio

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)  # stdout is the protocol's
    run_stdio(lambda: app.service, allow_recent_observations=app.settings.api.allow_recent_observations,
              share_sensitive=app.settings.api.share_sensitive)


# -- the daemon --------------------------------------------------------------------


@cli.command("run")
@click.option("--verbose", "-v", is_flag=True, help="Log at DEBUG (model calls, timings; never screen text).")
@pass_app
def run_cmd(app: App, verbose: bool) -> None:
    """Run the daemon in the foreground: observe, queue, infer, until Ctrl-C or SIGTERM."""
    import logging

    from . import health

    home = app.settings.home
    paths.require_writable(home, "run the daemon (it writes its lock, status and data there)")
    lock = health.InstanceLock(home)
    # Before the daemon's imports, which take seconds on a busy machine: status says "starting".
    health.announce_starting(home, lock)

    from .daemon import Daemon

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
    from . import health
    from .status import daemon_status

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
        click.echo(f"  paused until {serialize.iso(out['paused_until']) or 'you resume'}")
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
        from .usage import describe

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

    from .privacy import PauseState

    paths.require_writable(app.settings.home, "pause (the pause is a file there)")
    until = time.time() + parse_duration(duration) if duration else None
    PauseState.for_home(app.settings.home).pause(until)
    when = time.strftime("%H:%M", time.localtime(until)) if until else None
    click.echo(f"Paused until {when}." if when else "Paused until you run `gumd resume`.")


@cli.command()
@pass_app
def resume(app: App) -> None:
    """Start capturing again after `gumd pause`."""
    from .privacy import PauseState

    paths.require_writable(app.settings.home, "resume (the pause is a file there)")
    PauseState.for_home(app.settings.home).resume()
    click.echo("Capturing again.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def doctor(app: App, as_json: bool) -> None:
    """Check display access, permissions, OCR, the model, disk and database; say what to fix."""
    from . import doctor as doctor_mod

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


@cli.group("service", cls=GumdGroup)
def service_group() -> None:
    """The background service: a launchd agent (macOS) or a systemd user unit (Linux)."""


@service_group.command("install")
@pass_app
def service_install(app: App) -> None:
    """Write the service file for this home and this Python, and start it."""
    from . import autostart

    path = autostart.install(app.settings.home)
    click.echo(f"Installed and started: {path}")


@service_group.command("uninstall")
def service_uninstall() -> None:
    """Stop the service and delete its file."""
    from . import autostart

    click.echo("Removed." if autostart.uninstall() else "Not installed; nothing to do.")


@service_group.command("start")
def service_start() -> None:
    """Start the installed service (on macOS this restarts a running daemon)."""
    from . import autostart

    autostart.start()
    click.echo("Started.")


@service_group.command("stop")
def service_stop() -> None:
    """Stop the service until the next login or `gumd service start`."""
    from . import autostart

    autostart.stop()
    click.echo("Stopped.")


@service_group.command("status")
def service_status() -> None:
    """Installed? loaded? running?"""
    from . import autostart

    click.echo(autostart.status().line())


def main() -> None:
    # Everything gumd writes (exports, backups, the database) is private to the user.
    os.umask(0o077)
    cli(prog_name="gumd")
