"""`gumd questions` and `gumd answer`: what gumd would like to ask you, and your answers."""

from __future__ import annotations

import click

from propositions import serialize

from .common import App, _emit_json, cli


@click.command("questions")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
              help="Up to N questions, past the daily cap.")
@click.option("--all", "everything", is_flag=True, help="Every question worth asking now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def questions_cmd(ctx: click.Context, limit: int | None, everything: bool, as_json: bool) -> None:
    """What gumd would like to ask you, best first.

    It asks about what it is least sure of and what matters most: propositions
    near 50%, ones suggestions rest on, sensitive ones, and contradictions. At
    most a few new ones a day ([questions] per_day) unless you ask for more.
    Answer with `gumd answer QID yes|no|skip` or `gumd answer QID --edit "TEXT"`.
    """
    app = ctx.ensure_object(App)
    found = app.service.questions(limit=limit, everything=everything)
    if as_json:
        _emit_json([q.to_dict() for q in found])
        return
    if not found:
        click.echo("No questions for now.")
        return
    for q in found:
        click.echo(f"{q.id:>5}  {q.question}")
        click.echo(f"       why: {q.why}")


@click.command("answer")
@click.argument("qid", metavar="QID", type=int)
@click.argument("reply", metavar="yes|no|skip", required=False,
                type=click.Choice(["yes", "no", "skip"], case_sensitive=False))
@click.option("--edit", "text", metavar="TEXT", default=None,
              help="Reword the proposition instead: what is true.")
@click.option("--json", "as_json", is_flag=True, help="Print the question and proposition as JSON.")
@click.pass_context
def answer_cmd(ctx: click.Context, qid: int, reply: str | None, text: str | None,
               as_json: bool) -> None:
    """Answer question QID: yes (it is true), no (it is not), skip (ask later), or --edit.

    \b
    gumd answer 4 yes
    gumd answer 4 no
    gumd answer 4 --edit "Dana is moving to Evanston"
    """
    if text is not None and reply:
        raise click.UsageError("give yes, no or skip, or --edit TEXT, not both")
    if text is None and not reply:
        raise click.UsageError("give yes, no or skip, or --edit TEXT")
    app = ctx.ensure_object(App)
    question, prop = app.service.answer_question(qid, "edit" if text is not None else reply or "",
                                                 text)
    if as_json:
        _emit_json({"question": question.to_dict(), "proposition": serialize.proposition(prop)})
        return
    said = {"yes": f"Confirmed #{prop.id}: {prop.text}",
            "no": f"Rejected #{prop.id}: {prop.text}",
            "skip": f"Skipped; asked again in {app.service.question_policy.skip_days:g} days.",
            "edit": f"#{question.proposition_id} replaced by #{prop.id}: {prop.text}"}
    click.echo(said[question.answer or ""])


cli.add_command(questions_cmd)
cli.add_command(answer_cmd)
