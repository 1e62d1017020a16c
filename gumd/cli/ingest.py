"""`gumd ingest`: files handed over on purpose, through the privacy filter into the queue."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import click

from propositions import GumdError, Observation

from .. import paths
from .common import App, _print_drain, cli, pass_app


IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                  ".webp": "image/webp"}
#: largest text file taken whole by `gumd ingest`
MAX_TEXT_BYTES = 1_000_000



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
    from ..wiring import make_privacy

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
