"""`gumd model setup`: the recommender, Ollama detection, downloads through a fake hub, the config."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gumd import doctor, model_setup as ms, settings as settings_mod

from .conftest import Tmpfs
from .fake_hub import FakeHub
from .test_cli import run

GB = 2**30


def mac(memory: float) -> ms.Machine:
    return ms.Machine("Darwin", "arm64", memory)


# -- the recommender ---------------------------------------------------------------


@pytest.mark.parametrize(("machine", "vision", "kind", "repo", "vision_repo"), [
    (mac(8), False, "mlx", "mlx-community/Qwen2.5-3B-Instruct-4bit", ""),
    (mac(8), True, "mlx", "mlx-community/Qwen2.5-3B-Instruct-4bit", ""),
    (mac(16), False, "mlx", "mlx-community/Qwen3-4B-Instruct-2507-4bit", ""),
    (mac(16), True, "mlx", "mlx-community/Qwen3-4B-Instruct-2507-4bit",
     "mlx-community/Qwen2.5-VL-3B-Instruct-4bit"),
    (mac(36), True, "mlx", "mlx-community/Qwen2.5-7B-Instruct-4bit",
     "mlx-community/Qwen2.5-VL-7B-Instruct-4bit"),
    (mac(4), False, "mlx", "mlx-community/Qwen2.5-1.5B-Instruct-4bit", ""),
    (ms.Machine("Linux", "x86_64", 16, llamacpp=True), True, "llamacpp",
     "bartowski/Qwen2.5-3B-Instruct-GGUF", ""),
    (ms.Machine("Linux", "x86_64", 4, llamacpp=True), False, "llamacpp",
     "bartowski/Qwen2.5-1.5B-Instruct-GGUF", ""),
    (ms.Machine("Linux", "x86_64", 64), False, "statistical", "", ""),
    (ms.Machine("Darwin", "x86_64", 16), False, "statistical", "", ""),  # an Intel Mac: no MLX
])
def test_recommendation_suits_the_machine(machine: ms.Machine, vision: bool, kind: str, repo: str,
                                          vision_repo: str) -> None:
    rec = ms.recommend(machine, None, vision=vision)
    assert (rec.kind, rec.repo, rec.vision_repo) == (kind, repo, vision_repo)
    assert rec.reason and "\n" not in rec.reason
    if kind == "llamacpp":
        assert rec.filename.endswith("Q4_K_M.gguf") and rec.filename.split("-Instruct")[0] in repo
    if kind == "statistical":
        assert "ollama serve" in rec.reason and "statistical inferrer stays" in rec.reason
    if vision and not vision_repo and kind == "mlx":
        assert "no vision model" in rec.reason


def tags(*models: tuple[str, str, float, str]) -> list[ms.OllamaModel]:
    return [ms.OllamaModel(name, ms.parse_params(params), int(size * GB), family)
            for name, params, size, family in models]


def test_an_installed_ollama_model_comes_first_and_the_best_chat_model_is_chosen() -> None:
    installed = tags(("nomic-embed-text:latest", "137M", 0.3, "nomic-bert"),
                     ("llama3.1:8b-text-q4_0", "8.0B", 4.7, "llama"),
                     ("qwen2.5:3b", "3.1B", 1.9, "qwen2"),
                     ("qwen2.5:7b", "7.6B", 4.7, "qwen2"),
                     ("llama3.3:70b", "70.6B", 43.0, "llama"))
    rec = ms.recommend(mac(16), installed)
    # 70B does not fit in half of 16 GB; the 8B one is a base model; the embedder writes no text
    assert (rec.kind, rec.name, rec.base_url) == ("openai", "qwen2.5:7b", "http://127.0.0.1:11434/v1")
    assert "nothing to download" in rec.reason and not rec.downloads
    assert ms.recommend(mac(128), installed).name == "llama3.3:70b"
    assert ms.recommend(mac(4), installed).name == "qwen2.5:3b"  # none fits: the smallest
    only_embeddings = tags(("mxbai-embed-large", "334M", 0.6, "bert"))
    rec = ms.recommend(mac(16), only_embeddings)
    assert rec.kind == "mlx" and "Ollama has no chat model" not in rec.reason
    rec = ms.recommend(ms.Machine("Linux", "x86_64", 16), only_embeddings)
    assert rec.kind == "statistical" and "Ollama has no chat model installed" in rec.reason


@pytest.mark.parametrize(("text", "billions"), [("3.1B", 3.1), ("494.03M", 0.49403), ("70B", 70.0),
                                                ("", 0.0), ("big", 0.0)])
def test_parameter_sizes_as_ollama_writes_them(text: str, billions: float) -> None:
    assert ms.parse_params(text) == pytest.approx(billions)


def test_a_model_named_with_model_picks_its_backend() -> None:
    installed = tags(("qwen2.5:3b", "3.1B", 1.9, "qwen2"))
    assert ms.override("qwen2.5:3b", mac(16), installed).kind == "openai"
    gguf = ms.override("org/repo/sub/m.gguf", mac(16), None)
    assert (gguf.kind, gguf.repo, gguf.filename) == ("llamacpp", "org/repo", "sub/m.gguf")
    mlx = ms.override("mlx-community/X-4bit", mac(16), None, vision=True)
    assert (mlx.kind, mlx.repo, mlx.vision_repo) == ("mlx", "mlx-community/X-4bit",
                                                     "mlx-community/Qwen2.5-VL-3B-Instruct-4bit")
    with pytest.raises(ms.SetupError, match="no Ollama server answers"):
        ms.override("llama3", mac(16), None)


# -- Ollama over HTTP ---------------------------------------------------------------------


class FakeOllama:
    """/api/tags as Ollama answers it, and a chat completion that says {"ok": true}."""

    def __init__(self, models: list[dict[str, Any]], tags_status: int = 200) -> None:
        self.models = models
        self.tags_status = tags_status
        self.chats = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    self._send(fake.tags_status, {"models": fake.models})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/v1/chat/completions":
                    fake.chats += 1
                    self._send(200, {"choices": [{"message": {"role": "assistant", "content": '{"ok": true}'},
                                                  "finish_reason": "stop"}],
                                     "usage": {"prompt_tokens": 20, "completion_tokens": 5}})
                else:
                    self._send(404, {"error": "not found"})

            def _send(self, status: int, obj: Any) -> None:
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


OLLAMA_TAGS = [
    {"name": "nomic-embed-text:latest", "size": 274302450,
     "details": {"family": "nomic-bert", "parameter_size": "137M"}},
    {"name": "qwen2.5:3b", "size": 1929912432, "details": {"family": "qwen2", "parameter_size": "3.1B"}},
    {"name": "qwen2.5:7b", "size": 4683087332, "details": {"family": "qwen2", "parameter_size": "7.6B"}},
]


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    server = FakeOllama(OLLAMA_TAGS)
    yield server
    server.close()


def test_ollama_is_found_over_http_and_its_tags_read(ollama: FakeOllama) -> None:
    models = ms.ollama_models(ollama.url)
    assert [m.name for m in models] == [t["name"] for t in OLLAMA_TAGS]
    assert models[2].params_b == pytest.approx(7.6) and models[0].is_embedding
    assert ms.ollama_models(ollama.url + "/v1") == models  # the base_url form works too
    ollama.tags_status = 404  # something else on that port
    assert ms.ollama_models(ollama.url) is None


def test_no_ollama_server_is_none_quickly() -> None:
    server = FakeOllama([])
    url = server.url
    server.close()  # nothing listens there now
    assert ms.ollama_models(url, timeout_s=0.5) is None


# -- downloads through a fake hub ------------------------------------------------------------

WEIGHTS = bytes(range(256)) * 1200  # 300 KB, stored in LFS
FILES = {"config.json": b'{"model_type": "tiny"}', "tokenizer/tokenizer.json": b'{"vocab": {}}',
         "model.safetensors": WEIGHTS}


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub("org/tiny", dict(FILES), lfs={"model.safetensors"})
    yield server
    server.close()


def test_a_download_fetches_every_file_into_a_private_folder(hub: FakeHub, gumd_home: Path) -> None:
    got: list[int] = []
    folder = ms.download("org/tiny", gumd_home, endpoint=hub.url, progress=got.append)
    assert folder == gumd_home / "models" / "org--tiny"
    for name, data in FILES.items():
        assert (folder / name).read_bytes() == data
    assert sum(got) == sum(len(d) for d in FILES.values())
    assert not list((gumd_home / "models" / ".partial").iterdir())  # nothing half-done remains
    assert stat.S_IMODE((gumd_home / "models").stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "model.safetensors").stat().st_mode) == 0o600
    # the second time nothing is fetched again
    before = len(hub.requests)
    assert ms.download("org/tiny", gumd_home, endpoint=hub.url) == folder
    assert all("/resolve/" not in path for _, path, _ in hub.requests[before:])


def test_a_broken_off_download_resumes_where_it_stopped(hub: FakeHub, gumd_home: Path) -> None:
    hub.cut_after["model.safetensors"] = 100_000
    with pytest.raises(ms.SetupError) as info:
        ms.download("org/tiny", gumd_home, endpoint=hub.url)
    assert "run gumd model setup again to continue" in str(info.value) and "\n" not in str(info.value)
    part = gumd_home / "models" / ".partial" / "org--tiny" / "model.safetensors.part"
    kept = part.stat().st_size
    assert 0 < kept <= 100_000
    assert not (gumd_home / "models" / "org--tiny").exists()  # no model until it is whole
    hub.down = False
    folder = ms.download("org/tiny", gumd_home, endpoint=hub.url)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    ranges = [r for method, path, r in hub.requests if path.endswith("/model.safetensors") and r]
    assert ranges == [f"bytes={kept}-"]  # only the rest was asked for


@pytest.mark.parametrize("name", ["model.safetensors", "config.json"])
def test_a_file_that_fails_its_checksum_is_deleted_and_no_model_is_left(
        hub: FakeHub, gumd_home: Path, name: str) -> None:
    good = FILES[name]
    hub.tampered[name] = good[:-1] + bytes([good[-1] ^ 1])  # same size: only a checksum tells
    with pytest.raises(ms.ChecksumMismatch) as info:
        ms.download("org/tiny", gumd_home, endpoint=hub.url)
    message = str(info.value)
    assert message.startswith(f"{name}: checksum mismatch") and "\n" not in message
    assert ("sha256" in message) == (name == "model.safetensors")
    assert not (gumd_home / "models" / "org--tiny").exists()
    partial = gumd_home / "models" / ".partial" / "org--tiny"
    assert not list(partial.rglob(f"{Path(name).name}*"))  # the bad bytes are gone
    del hub.tampered[name]
    folder = ms.download("org/tiny", gumd_home, endpoint=hub.url)
    assert (folder / name).read_bytes() == good


def test_a_hub_that_is_down_or_lacks_the_repo_is_one_line(hub: FakeHub, gumd_home: Path) -> None:
    with pytest.raises(ms.SetupError, match=r"^no model org/missing on the hub at http://127\.0\.0\.1"):
        ms.download("org/missing", gumd_home, endpoint=hub.url)
    with pytest.raises(ms.SetupError, match="has no file nope.gguf"):
        ms.download("org/tiny", gumd_home, filename="nope.gguf", endpoint=hub.url)
    hub.down = True
    with pytest.raises(ms.SetupError, match=r"^the model hub at .* answered HTTP 500: try again later$"):
        ms.download("org/tiny", gumd_home, endpoint=hub.url)
    nowhere = FakeHub("org/tiny", {})
    url = nowhere.url
    nowhere.close()  # nothing listens there now
    with pytest.raises(ms.SetupError, match=r"^cannot reach the model hub at .*check the network") as info:
        ms.download("org/tiny", gumd_home, endpoint=url)
    assert "\n" not in str(info.value)


def test_one_file_of_a_repo_is_fetched_alone_and_another_joins_it(hub: FakeHub, gumd_home: Path) -> None:
    folder = ms.download("org/tiny", gumd_home, filename="model.safetensors", endpoint=hub.url)
    assert [p.name for p in folder.iterdir()] == ["model.safetensors"]
    assert ms.download("org/tiny", gumd_home, filename="config.json", endpoint=hub.url) == folder
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert not (gumd_home / "models" / ".partial" / "org--tiny").exists()


def test_a_listing_that_points_outside_the_repo_is_refused(hub: FakeHub, gumd_home: Path) -> None:
    hub.files["../../escape.txt"] = b"x"
    with pytest.raises(ms.SetupError, match="listed a file outside org/tiny"):
        ms.download("org/tiny", gumd_home, endpoint=hub.url)
    assert not (gumd_home / "escape.txt").exists() and not (gumd_home.parent / "escape.txt").exists()


def test_too_little_disk_space_is_said_before_downloading(tmpfs: Tmpfs) -> None:
    big = FakeHub("org/big", {"model.safetensors": b"\1" * (30 * 2**20)}, lfs={"model.safetensors"})
    try:
        with pytest.raises(ms.SetupError, match=r"^disk full: org/big needs 31 MB more and .* has \d+ MB free; free some"):
            ms.download("org/big", tmpfs.path / "home", endpoint=big.url)
        assert not any(m == "GET" and "/resolve/" in p for m, p, _ in big.requests)
    finally:
        big.close()


# -- the config ------------------------------------------------------------------------------


def test_the_model_table_is_updated_and_the_rest_kept() -> None:
    text = ('# my settings\n[inference]\nuser_name = "Dana"\n\n[model]\nkind = "statistical"  # old\n'
            'timeout_s = 60.0\n\n[capture]\ninterval_s = 30.0\n')
    out = ms.updated_config(text, {"kind": "mlx", "name": "/m/q", "vision_name": ""}, Path("c.toml"))
    assert out.startswith('# my settings\n[inference]\nuser_name = "Dana"\n')
    assert 'kind = "mlx"\n' in out and "timeout_s = 60.0" in out and "interval_s = 30.0" in out
    section = out.split("[model]")[1].split("[capture]")[0]
    assert 'name = "/m/q"' in section and 'vision_name = ""' in section
    fresh = ms.updated_config("", {"kind": "openai", "name": "qwen2.5:7b"}, Path("c.toml"))
    assert fresh == '[model]\nkind = "openai"\nname = "qwen2.5:7b"\n'
    with pytest.raises(ms.SetupError, match="outside a \\[model\\] table"):
        ms.updated_config('model.kind = "mlx"\n', {"kind": "openai"}, Path("c.toml"))
    with pytest.raises(ms.SetupError, match="not valid TOML"):
        ms.updated_config("[model\n", {"kind": "openai"}, Path("c.toml"))


def test_the_config_is_written_private_with_a_backup(gumd_home: Path) -> None:
    file, backup = ms.write_config(gumd_home, {"kind": "openai", "name": "qwen2.5:7b",
                                               "base_url": "http://127.0.0.1:11434/v1"})
    assert backup is None and stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(gumd_home.stat().st_mode) == 0o700
    first = file.read_text()
    file2, backup = ms.write_config(gumd_home, {"kind": "mlx", "name": "/x", "vision_name": ""})
    assert backup is not None and backup.read_text() == first
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    loaded = settings_mod.load(gumd_home).model
    assert (loaded.kind, loaded.name, loaded.base_url) == ("mlx", "/x", "http://127.0.0.1:11434/v1")


def test_doctor_suggests_setup_while_the_statistical_inferrer_is_in_use(gumd_home: Path,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        ollama: FakeOllama) -> None:
    check = doctor._model(settings_mod.load(gumd_home))
    assert check.level == "ok" and "gumd model setup" in check.message and "\n" not in check.message
    monkeypatch.setenv("GUMD_MODEL__KIND", "openai")
    monkeypatch.setenv("GUMD_MODEL__NAME", "qwen2.5:7b")
    monkeypatch.setenv("GUMD_MODEL__BASE_URL", ollama.url + "/v1")
    check = doctor._model(settings_mod.load(gumd_home))
    assert check.level == "ok" and "gumd model setup" not in check.message


# -- the command --------------------------------------------------------------------------------


def test_setup_with_ollama_tests_the_model_and_writes_the_config(gumd_home: Path,
                                                                  ollama: FakeOllama) -> None:
    code, out, _ = run("model", "setup", "--ollama", ollama.url, "--dry-run", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["written"] is False and shown["recommendation"]["name"] == "qwen2.5:7b"
    assert not (gumd_home / "config.toml").exists() and ollama.chats == 0
    code, out, err = run("model", "setup", "--ollama", ollama.url, input="n\n")
    assert code == 1 and "the config is unchanged" in err and not (gumd_home / "config.toml").exists()
    assert ollama.chats == 1  # tested, then not written: nothing to download, so one question
    code, out, err = run("model", "setup", "--ollama", ollama.url, input="y\n")
    assert code == 0, err
    assert "qwen2.5:7b served by Ollama" in out and 'answered {"ok": true}' in out
    assert 'kind = "openai"' in out and f'base_url = "{ollama.url}/v1"' in out  # shown before writing
    config = gumd_home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and ollama.chats == 2
    code, out, _ = run("model", "show", "--json")
    assert json.loads(out) | {"user_name": None} == {"kind": "openai", "model": "qwen2.5:7b", "user_name": None,
                                                     "base_url": f"{ollama.url}/v1", "api_key_set": False,
                                                     "focus": "threads"}
    # again, now with --yes: the earlier config is kept as the backup
    before = config.read_text()
    code, out, _ = run("model", "setup", "--ollama", ollama.url, "--model", "qwen2.5:3b", "--yes", "--json")
    report = json.loads(out)
    assert code == 0 and report["written"] and report["model"]["name"] == "qwen2.5:3b"
    assert Path(report["backup"]).read_text() == before


def test_setup_asks_before_downloading(gumd_home: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    dead = FakeOllama([])
    url = dead.url
    dead.close()
    code, out, err = run("model", "setup", "--ollama", url, "--model", "org/tiny", input="n\n")
    assert code == 1 and "Download it into" in out and f"{gumd_home / 'models' / 'org--tiny'}" in out
    assert "nothing downloaded" in err and not (gumd_home / "models").exists()
    assert not any("/resolve/" in path for _, path, _ in hub.requests)


def test_json_needs_yes_or_dry_run() -> None:
    code, _, err = run("model", "setup", "--json")
    assert code == 2 and "--yes" in err


def test_model_test_still_runs_the_configured_model(ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUMD_MODEL__KIND", "openai")
    monkeypatch.setenv("GUMD_MODEL__NAME", "qwen2.5:7b")
    monkeypatch.setenv("GUMD_MODEL__BASE_URL", ollama.url + "/v1")
    code, out, _ = run("model", "test")
    assert code == 0 and out.startswith('openai qwen2.5:7b: answered {"ok": true} in ') and ollama.chats == 1


def test_without_huggingface_hub_setup_says_what_to_install_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_hub(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("huggingface_hub"):
            raise ImportError("No module named 'huggingface_hub'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_hub)
    with pytest.raises(ms.SetupError, match="pip install 'huggingface_hub"):
        ms.list_repo("org/tiny", endpoint="http://127.0.0.1:9")
