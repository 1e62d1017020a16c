"""`gumd model setup`: pick a model that suits this machine, fetch it, test it, and configure it.

Three seams keep it testable without a Mac, a GPU or the network: the machine is a
``Machine`` value (``Machine.detect()`` reads the real one), Ollama is probed over
HTTP at a base URL, and downloads go to a Hugging Face Hub endpoint (``HF_ENDPOINT``).

Downloads use huggingface_hub for what the hub knows (the commit, each file's size,
sha256 and git blob id) and do the transfer themselves with httpx: huggingface_hub
deletes a partial file when a download fails, so a second run would start over,
and it checks sizes only. Here each file grows in ``<name>.part`` and a rerun asks
for the rest with a Range request; a finished file must match the hub's sha256
(LFS files) or git blob id (the others) before it counts, and the model folder
appears under ``models/`` only when every file has.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx


from . import paths
from .errors import ChecksumMismatch, SetupError
from .settings import ModelSettings

OLLAMA_URL = "http://127.0.0.1:11434"
#: how long the Ollama probe waits: a server on this machine answers in milliseconds
OLLAMA_TIMEOUT_S = 1.0
HF_DEFAULT_ENDPOINT = "https://huggingface.co"
#: bytes read per write while downloading
CHUNK = 1 << 20


# -- the machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    system: str  # platform.system(): Darwin, Linux, Windows
    arch: str  # platform.machine(): arm64, x86_64, aarch64
    memory_gb: float
    llamacpp: bool = False  # llama-cpp-python can be imported

    @property
    def apple_silicon(self) -> bool:
        return self.system == "Darwin" and self.arch == "arm64"

    def describe(self) -> str:
        chip = "Apple Silicon Mac" if self.apple_silicon else f"{self.system} {self.arch}"
        return f"{chip}, {self.memory_gb:.0f} GB memory"

    @classmethod
    def detect(cls) -> Machine:
        import importlib.util

        return cls(platform.system(), platform.machine(), total_memory_gb(),
                   importlib.util.find_spec("llama_cpp") is not None)


def total_memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


# -- what to recommend -----------------------------------------------------------------

# 4-bit MLX instruct models by unified memory. macOS, a browser and the daemon's own
# OCR want about 6 GB, and a model should leave the machine usable while it runs.
# Under 8 GB: Qwen2.5 1.5B (about 1 GB resident) is the largest that leaves room.
# 8 GB: Qwen2.5 3B (about 2 GB), gumd's default: the smallest that keeps to a JSON schema well.
# 16 GB: Qwen3 4B Instruct 2507 (about 2.5 GB), a newer 4B without the thinking preamble.
# 32 GB and more: Qwen2.5 7B (about 4.5 GB): markedly better propositions, still fast.
MLX_TEXT = [
    (7.5, "mlx-community/Qwen2.5-1.5B-Instruct-4bit"),
    (15.0, "mlx-community/Qwen2.5-3B-Instruct-4bit"),
    (30.0, "mlx-community/Qwen3-4B-Instruct-2507-4bit"),
    (float("inf"), "mlx-community/Qwen2.5-7B-Instruct-4bit"),
]
# A vision model takes as much memory again, so only from 16 GB; the 7B one from 32 GB.
MLX_VISION = [
    (15.0, ""),
    (30.0, "mlx-community/Qwen2.5-VL-3B-Instruct-4bit"),
    (float("inf"), "mlx-community/Qwen2.5-VL-7B-Instruct-4bit"),
]
# GGUF for llama.cpp on a CPU: a 3B model at Q4_K_M answers a batch in about a minute on
# four cores; a 7B one takes several, too slow to keep up, so 3B is the largest offered.
GGUF = [
    (7.5, ("bartowski/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")),
    (float("inf"), ("bartowski/Qwen2.5-3B-Instruct-GGUF", "Qwen2.5-3B-Instruct-Q4_K_M.gguf")),
]
OLLAMA_HOWTO = ("install Ollama (https://ollama.com), run `ollama serve` and `ollama pull qwen2.5:3b`, "
                "then run `gumd model setup` again")


def _by_memory(table: list[tuple[float, Any]], memory_gb: float) -> Any:
    return next(value for limit, value in table if memory_gb < limit + 0.5)


@dataclass
class Recommendation:
    kind: str  # statistical | openai | mlx | llamacpp
    reason: str
    name: str = ""  # the served name (openai); filled with the local path after a download
    repo: str = ""  # a Hugging Face repo to download (mlx, llamacpp)
    filename: str = ""  # llamacpp: the one GGUF file of the repo
    vision_repo: str = ""  # mlx: a vision model to download too
    vision_name: str = ""  # mlx: the vision model's local folder, after the download
    base_url: str = ""  # openai: the server's /v1 root

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def downloads(self) -> list[tuple[str, str]]:
        """(repo, filename or "" for the whole repo) to fetch."""
        out = [(self.repo, self.filename)] if self.repo else []
        if self.vision_repo:
            out.append((self.vision_repo, ""))
        return out


@dataclass(frozen=True)
class OllamaModel:
    name: str
    params_b: float  # billions of parameters, 0 when the server does not say
    size_bytes: int
    family: str

    @property
    def is_embedding(self) -> bool:
        text = f"{self.name} {self.family}".lower()
        return "embed" in text or "bert" in text

    @property
    def is_base(self) -> bool:
        # Ollama tags the models without chat tuning "-text" (llama3:text) or "base".
        tag = self.name.lower().partition(":")[2]
        return bool(re.search(r"(^|-)(text|base)($|-)", tag))


def ollama_models(base_url: str = OLLAMA_URL, timeout_s: float = OLLAMA_TIMEOUT_S) -> list[OllamaModel] | None:
    """The models an Ollama server at ``base_url`` has installed; None when none answers there."""
    url = base_url.rstrip("/").removesuffix("/v1") + "/api/tags"
    try:
        with httpx.Client(timeout=timeout_s, trust_env=False) as client:
            reply = client.get(url)
        if reply.status_code != 200:
            return None
        listed = reply.json().get("models") or []
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    out = []
    for entry in listed:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        details = entry.get("details") or {}
        out.append(OllamaModel(str(entry["name"]), parse_params(str(details.get("parameter_size", ""))),
                               int(entry.get("size") or 0), str(details.get("family", ""))))
    return out


def parse_params(text: str) -> float:
    """Billions of parameters from Ollama's "3.1B", "494.03M", "70B"; 0 for anything else."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMBT])\s*", text.upper())
    if not match:
        return 0.0
    scale = {"K": 1e-6, "M": 1e-3, "B": 1.0, "T": 1e3}[match.group(2)]
    return float(match.group(1)) * scale


def best_ollama_model(models: list[OllamaModel], memory_gb: float) -> OllamaModel | None:
    """The largest installed chat model that fits in half the memory; else the smallest one."""
    chat = [m for m in models if not m.is_embedding and not m.is_base]
    if not chat:
        return None
    fits = [m for m in chat if not memory_gb or not m.size_bytes or m.size_bytes <= memory_gb * 2**30 / 2]
    if fits:
        return max(fits, key=lambda m: (m.params_b, m.size_bytes))
    return min(chat, key=lambda m: m.size_bytes)


def recommend(machine: Machine, ollama: list[OllamaModel] | None, *, vision: bool = False,
              ollama_url: str = OLLAMA_URL) -> Recommendation:
    """What suits this machine: an installed Ollama model first (nothing to download),
    then MLX on Apple Silicon, a GGUF with llama.cpp, or the statistical inferrer."""
    if ollama:
        best = best_ollama_model(ollama, machine.memory_gb)
        if best is not None:
            size = f"{best.params_b:g}B parameters" if best.params_b else "its size unknown"
            return Recommendation(
                "openai", f"Ollama is running at {ollama_url} with {best.name} installed "
                f"({size}), the largest chat model there that fits in memory: nothing to download",
                name=best.name, base_url=ollama_url.rstrip("/").removesuffix("/v1") + "/v1")
    if machine.apple_silicon:
        repo = _by_memory(MLX_TEXT, machine.memory_gb)
        vision_repo = _by_memory(MLX_VISION, machine.memory_gb) if vision else ""
        reason = (f"an Apple Silicon Mac with {machine.memory_gb:.0f} GB: MLX runs {repo.split('/')[1]} "
                  "on the GPU, the largest 4-bit instruct model that leaves the Mac room to work")
        if vision and vision_repo:
            reason += f"; {vision_repo.split('/')[1]} reads screenshots"
        elif vision:
            reason += "; no vision model: with this memory it would crowd out the text model"
        return Recommendation("mlx", reason, repo=repo, vision_repo=vision_repo)
    waiting = "no Ollama server answers" if ollama is None else "Ollama has no chat model installed"
    if machine.llamacpp:
        repo, filename = _by_memory(GGUF, machine.memory_gb)
        return Recommendation(
            "llamacpp", f"{waiting} at {ollama_url}, and on this {machine.describe()} llama.cpp runs "
            f"{filename} on the CPU, small enough to keep up", repo=repo, filename=filename)
    return Recommendation(
        "statistical", f"{waiting} at {ollama_url} and llama-cpp-python is not installed, so on this "
        f"{machine.describe()} the statistical inferrer stays; to use a model, {OLLAMA_HOWTO} "
        "(or pip install 'gumd[llamacpp]')")


def override(model_id: str, machine: Machine, ollama: list[OllamaModel] | None,
             ollama_url: str = OLLAMA_URL, vision: bool = False) -> Recommendation:
    """The recommendation for a model the user named with --model."""
    if ollama and any(m.name == model_id or m.name == f"{model_id}:latest" for m in ollama):
        return Recommendation("openai", f"{model_id} is installed in Ollama at {ollama_url}",
                              name=model_id, base_url=ollama_url.rstrip("/").removesuffix("/v1") + "/v1")
    parts = model_id.split("/")
    if model_id.endswith(".gguf") and len(parts) >= 3:
        return Recommendation("llamacpp", f"{parts[-1]} (GGUF) from {'/'.join(parts[:2])}, as asked",
                              repo="/".join(parts[:2]), filename="/".join(parts[2:]))
    if len(parts) == 2 and all(parts):
        vision_repo = _by_memory(MLX_VISION, machine.memory_gb) if vision else ""
        return Recommendation("mlx", f"{model_id} with MLX, as asked", repo=model_id,
                              vision_repo=vision_repo)
    where = "Ollama has no such model" if ollama else f"no Ollama server answers at {ollama_url}"
    raise SetupError(f"--model {model_id}: {where}; give an installed Ollama model, an MLX repo "
                     "(owner/name) or a GGUF file (owner/name/file.gguf)")


# -- downloading --------------------------------------------------------------------


@dataclass
class RemoteFile:
    path: str
    size: int
    sha256: str = ""  # LFS files
    blob_id: str = ""  # git's sha1 of the blob, for the others


@dataclass
class Listing:
    repo: str
    commit: str
    files: list[RemoteFile] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


Progress = Callable[[int], None]


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or HF_DEFAULT_ENDPOINT).rstrip("/")


def list_repo(repo: str, filename: str = "", endpoint: str | None = None) -> Listing:
    """The files of ``repo`` at its current commit (just ``filename`` when given), with checksums."""
    try:
        from huggingface_hub import HfApi
    except ImportError as exc:  # a dependency; an install that lost it says so in one line
        raise SetupError("huggingface_hub is not installed, and model setup reads the hub with it: "
                         "pip install 'huggingface_hub>=0.26'") from exc
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.hf_api import RepoFile

    endpoint = endpoint or hub_endpoint()
    api = HfApi(endpoint=endpoint)
    try:
        commit = api.repo_info(repo).sha or "main"
        entries = list(api.list_repo_tree(repo, revision=commit, recursive=True))
    except GatedRepoError:
        raise SetupError(f"{repo} is gated on the hub: accept its terms there and log in "
                         "(hf auth login), or choose another model with --model") from None
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError):
        raise SetupError(f"no model {repo} on the hub at {endpoint}: check the name") from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        raise SetupError(f"the model hub at {endpoint} answered HTTP {status}: try again later") from None
    except Exception as exc:  # noqa: BLE001 - network, proxy, TLS and HTTP errors of two HTTP stacks
        raise SetupError(f"cannot reach the model hub at {endpoint} ({_one_line(exc)}): check the "
                         "network connection, or set HF_ENDPOINT to a mirror") from None
    files = [RemoteFile(e.path, int(e.size or 0), e.lfs.sha256 if e.lfs else "", e.blob_id or "")
             for e in entries if isinstance(e, RepoFile)]
    if any(Path(f.path).is_absolute() or ".." in Path(f.path).parts for f in files):
        raise SetupError(f"the model hub at {endpoint} listed a file outside {repo}: refusing it")
    if filename:
        files = [f for f in files if f.path == filename]
        if not files:
            raise SetupError(f"{repo} on the hub has no file {filename}: check the name")
    if not files:
        raise SetupError(f"{repo} on the hub holds no files")
    return Listing(repo, commit, files)


def models_dir(home: Path) -> Path:
    return home / "models"


def local_folder(home: Path, repo: str) -> Path:
    """Where a downloaded repo lives: ``models/owner--name`` in the home."""
    return models_dir(home) / repo.replace("/", "--")


def download(repo: str, home: Path, *, filename: str = "", endpoint: str | None = None,
             progress: Progress | None = None, total: Callable[[int], None] | None = None,
             client: httpx.Client | None = None) -> Path:
    """Fetch ``repo`` (or its one ``filename``) into the home's models folder; return the folder.

    Resumable: an interrupted run leaves ``models/.partial/owner--name/<file>.part``
    and the next one asks only for the rest. Every file is checked against the hub's
    checksum; the folder moves to ``models/owner--name`` only when all of them pass.
    """
    endpoint = endpoint or hub_endpoint()
    target = local_folder(home, repo)
    listing = list_repo(repo, filename, endpoint)
    if target.is_dir() and all(_complete(target / f.path, f) for f in listing.files):
        if total:
            total(0)
        return target
    partial = models_dir(home) / ".partial" / target.name
    paths.ensure_private_dir(models_dir(home))
    paths.ensure_private_dir(partial)
    todo = [f for f in listing.files if not _complete(partial / f.path, f)]
    have = sum(_part_size(partial / f.path) for f in todo)
    need = sum(f.size for f in todo) - have
    free = shutil.disk_usage(partial).free
    if need > free:
        raise SetupError(f"disk full: {repo} needs {size_text(need)} more and {partial.parent} has "
                         f"{size_text(free)} free; free some space, then run gumd model setup again")
    if total:
        total(need)
    from huggingface_hub.utils import build_hf_headers

    headers = build_hf_headers()
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, connect=10.0))
    try:
        for f in todo:
            url = f"{endpoint}/{repo}/resolve/{listing.commit}/{f.path}"
            _fetch(client, url, partial / f.path, f, headers, progress)
    finally:
        if own:
            client.close()
    if target.is_dir():  # another file of the same repo is there already: keep it, add these
        for f in listing.files:
            (target / f.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(partial / f.path, target / f.path)
        shutil.rmtree(partial)
    else:
        os.replace(partial, target)
    return target


def size_text(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _complete(file: Path, remote: RemoteFile) -> bool:
    try:
        return file.is_file() and file.stat().st_size == remote.size
    except OSError:
        return False


def _part_size(file: Path) -> int:
    part = file.with_name(file.name + ".part")
    try:
        return part.stat().st_size
    except OSError:
        return 0


def _fetch(client: httpx.Client, url: str, dest: Path, remote: RemoteFile, headers: dict[str, str],
           progress: Progress | None) -> None:
    """Append the rest of one file to ``dest``.part, verify it, and rename it to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = dest.with_name(dest.name + ".part")
    start = _part_size(dest)
    if start > remote.size:  # not a prefix of this file: start over
        part.unlink()
        start = 0
    if start < remote.size:
        asked = {**headers, "Accept-Encoding": "identity"}
        if start:
            asked["Range"] = f"bytes={start}-"
        try:
            with client.stream("GET", url, headers=asked) as reply:
                if reply.status_code >= 400:
                    raise SetupError(f"the model hub refused {remote.path} (HTTP {reply.status_code}): "
                                     "try again later")
                mode = "ab" if start and reply.status_code == 206 else "wb"
                fd = os.open(part, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "ab" else os.O_TRUNC),
                             0o600)
                with os.fdopen(fd, mode) as out:
                    if progress and mode == "wb" and start:
                        progress(-start)  # the server ignored the Range: these bytes come again
                    for chunk in reply.iter_bytes():  # as it comes: a break-off keeps all received
                        out.write(chunk)
                        if progress:
                            progress(len(chunk))
        except httpx.HTTPError as exc:
            raise SetupError(f"download of {remote.path} broke off ({_one_line(exc)}): check the network; "
                             "run gumd model setup again to continue where it stopped") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise SetupError(f"disk full while downloading {remote.path}: free some space, then run "
                                 "gumd model setup again to continue") from None
            raise
    got = part.stat().st_size
    if got != remote.size:
        raise SetupError(f"download of {remote.path} stopped at {got} of {remote.size} bytes: run "
                         "gumd model setup again to continue")
    _verify(part, remote)
    os.replace(part, dest)


def _verify(part: Path, remote: RemoteFile) -> None:
    if remote.sha256:
        digest, expected, what = hashlib.sha256(), remote.sha256, "sha256"
    elif remote.blob_id:
        digest, expected, what = hashlib.sha1(b"blob %d\0" % remote.size), remote.blob_id, "git blob id"
    else:
        return
    with part.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        part.unlink()
        raise ChecksumMismatch(f"{remote.path}: checksum mismatch ({what} {digest.hexdigest()[:12]}…, the hub "
                               f"lists {expected[:12]}…): the download was corrupt and is deleted; run "
                               "gumd model setup again")


# -- testing the model and writing the config ---------------------------------------------


def check_model(m: ModelSettings) -> str:
    """One real completion with the model ``m`` describes: what `gumd model test` prints."""
    from propositions import Observation, Store
    from propositions.statistical import StatisticalInferrer

    if m.kind == "statistical":
        probe = Observation(captured_at=time.time(), observer="screen", app="Editor", id=1,
                            window_title="notes.md", content="Planning a trip to Lisbon in May")
        with tempfile.TemporaryDirectory(prefix="gumd-test-") as tmp, Store(Path(tmp) / "t.db") as scratch:
            props = StatisticalInferrer("You").propose([probe], scratch)
        return f"statistical inferrer works ({len(props)} propositions from a test observation)."
    from .wiring import make_model_backend

    backend = make_model_backend(m)
    start = time.perf_counter()
    answer = backend.complete(
        [{"role": "system", "content": "You answer with JSON only."},
         {"role": "user", "content": 'Reply with {"ok": true}.'}],
        schema={"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]},
    )
    seconds = time.perf_counter() - start
    st = backend.stats
    return (f"{m.kind} {m.name}: answered {json.dumps(answer)} in {seconds:.2f} s "
            f"({st.prompt_tokens} prompt + {st.completion_tokens} completion tokens)")


def model_values(rec: Recommendation) -> dict[str, str]:
    """The [model] keys setup writes for a (downloaded) recommendation."""
    values = {"kind": rec.kind, "name": rec.name, "vision_name": rec.vision_name}
    if rec.kind == "openai":
        values["base_url"] = rec.base_url
    return values


def toml_lines(values: dict[str, str]) -> list[str]:
    return [f"{key} = {json.dumps(value)}" for key, value in values.items()]


def updated_config(text: str, values: dict[str, str], file: Path) -> str:
    """``text`` (a config.toml) with ``values`` set in its [model] table, the rest kept as written."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"{file}: not valid TOML ({exc}): fix it first, then run gumd model setup again") from None
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if re.fullmatch(r"\s*\[\s*model\s*\]\s*(#.*)?", line)), None)
    if header is None and "model" in data:
        raise SetupError(f"{file} sets model keys outside a [model] table: set these there by hand: "
                         + "; ".join(toml_lines(values)))
    if header is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines += ["[model]", *toml_lines(values)]
    else:
        end = next((i for i in range(header + 1, len(lines)) if re.match(r"\s*\[", lines[i])), len(lines))
        left = dict(values)
        for i in range(header + 1, end):
            match = re.match(r"\s*([A-Za-z_][\w-]*)\s*=", lines[i])
            if match and match.group(1) in left:
                key = match.group(1)
                lines[i] = f"{key} = {json.dumps(left.pop(key))}"
        lines[header + 1:header + 1] = toml_lines(left)
    out = "\n".join(lines) + "\n"
    tomllib.loads(out)  # what we wrote must read back
    return out


def write_config(home: Path, values: dict[str, str]) -> tuple[Path, Path | None]:
    """Set ``values`` in [model] of the home's config.toml (0600, home 0700); keep the old file as
    config.toml.bak. Returns (config file, backup or None)."""
    paths.require_writable(home, "write the config file")
    file = paths.config_file(home)
    old = file.read_text(encoding="utf-8") if file.exists() else ""
    new = updated_config(old, values, file)
    backup = None
    if file.exists():
        backup = file.with_name(file.name + ".bak")
        _write_private(backup, old)
    _write_private(file, new)
    return file, backup


def _write_private(file: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
