"""The commands that replay scenarios on purpose: `gumd replay`, `gumd eval` and `gumd demo`."""

from __future__ import annotations

import time

import click

from .common import App, _emit_json, _print_drain, cli, pass_app


@cli.command()
@click.argument("scenarios", metavar="SCENARIO...", nargs=-1, required=True)
@pass_app
def replay(app: App, scenarios: tuple[str, ...]) -> None:
    """Feed scenario files' observations, with their timestamps, through the pipeline into this home.

    A SCENARIO is a scenario file or the name of a shipped example (see `gumd demo --list`).
    """
    from propositions.replay import replay as run_replay
    from propositions.scenario import load_scenario

    from .. import examples
    from ..privacy import admit_all
    from ..wiring import make_privacy

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

    from .. import examples

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

    from .. import demo as demo_mod
    from .. import examples

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

                from ..controls import LocalControls
                from ..wiring import make_action_runner

                run_tui(run.service, LocalControls(run.settings, run.service),
                        runner=make_action_runner(run.settings))
        finally:
            run.service.close()
    finally:
        if keep:
            click.echo(f"The demo's home is kept: GUMD_HOME={home} gumd recent")
        else:
            shutil.rmtree(home, ignore_errors=True)
