"""Suggestions: `gumd suggest` runs the suggester now, `gumd suggestions` lists and acts on them."""

from __future__ import annotations

import time
from typing import Any

import click

from propositions import serialize

from .common import App, GumdGroup, _emit_json, cli, pass_app


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
    from ..wiring import make_suggester

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

    from ..wiring import make_action_runner

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
