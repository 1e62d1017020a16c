"""`gumd model`: the inferrer and model in use; `setup` picks, downloads and tests one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from propositions import GumdError

from .common import App, GumdGroup, _emit_json, cli, pass_app


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
        if k == "user_name" and not v:
            click.echo("user_name: (not set: propositions say 'the user')")
        elif v is not None:  # "model: None" says nothing: the line above says there is none
            click.echo(f"{k}: {v}")


@model.command("test")
@pass_app
def model_test(app: App) -> None:
    """Run one real completion with the configured model and report its speed."""
    from ..model_setup import check_model

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
    from .. import model_setup as ms

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
