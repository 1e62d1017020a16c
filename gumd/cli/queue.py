"""`gumd queue`: what waits for inference, what failed; retry, process, purge."""

from __future__ import annotations

import click

from propositions import serialize

from .common import App, GumdGroup, _ago, _emit_json, _print_drain, cli, pass_app


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
    where, params = store.status_condition("failed")
    done = store.forget(observation_where=where, observation_params=params)
    store.reclaim()
    click.echo(f"Deleted {done['observations']} observations.")
