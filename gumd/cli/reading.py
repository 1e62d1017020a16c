"""Reading the model: `gumd query`, `recent`, `show` and `feedback`."""

from __future__ import annotations

from typing import Any

import click

from propositions import serialize

from .common import App, _ago, _emit_json, _parse, _prop_line, _time_option, cli, pass_app


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
