"""MLXBackend on a real (tiny, random-weight) mlx-lm model, plus its failure modes.

MLX is an optional engine (the `engines` extra, which .ci/run installs): without
it the tests that run a model skip and say so. They run in a child process
(`isolated`), so a crash inside the engine fails one test, not the run.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import propositions.backends
from propositions.backends.base import BackendConfig, BackendUnavailable, CallStats, MalformedOutput
from propositions.backends.mlx import (
    DEFAULT_TEXT_MODEL,
    REPAIR_INSTRUCTION,
    MLXBackend,
    plain_prompt,
    render_chat,
)

from .tiny_models import build_tiny_mlx_model

pytestmark = pytest.mark.isolated

# .ci/run says why, when its build of the engines failed or ran out of time
NO_ENGINE = "mlx-lm is not installed: " + (
    os.environ.get("CI_ENGINES_UNAVAILABLE") or "pip install -e '.[engines]' (.ci/run installs it)")

SCHEMA = {
    "type": "object",
    "properties": {"topic": {"type": "string"}},
    "required": ["topic"],
}
CHAT = [
    {"role": "system", "content": "You describe what the user is working on."},
    {"role": "user", "content": "Firefox: 'Sparse attention - arXiv'"},
]


@pytest.fixture(scope="module")
def mlx_lm() -> ModuleType:
    return pytest.importorskip("mlx_lm", reason=NO_ENGINE)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("tokenizers", "safetensors"):
        pytest.importorskip(module, reason=f"{module} is not installed: {NO_ENGINE}")
    return build_tiny_mlx_model(tmp_path_factory.mktemp("tiny-mlx"))


@pytest.fixture(scope="module")
def loaded(mlx_lm: ModuleType, tiny_model: Path) -> MLXBackend:
    backend = MLXBackend(BackendConfig(kind="mlx", model=str(tiny_model), max_tokens=12, temperature=0.0))
    backend.complete([{"role": "user", "content": "warm up"}])  # loads once for the module
    return backend


@pytest.fixture
def backend(loaded: MLXBackend) -> Iterator[MLXBackend]:
    loaded.stats = CallStats()
    yield loaded


def _spy_generations(backend: MLXBackend, monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, str]]]:
    """Record the messages of every generation the backend runs."""
    seen: list[list[dict[str, str]]] = []
    real = backend._generate

    def spy(messages: list[dict[str, str]], *args: Any, **kwargs: Any) -> str:
        seen.append(messages)
        return real(messages, *args, **kwargs)

    monkeypatch.setattr(backend, "_generate", spy)
    return seen


def test_text_completion_returns_text_and_records_tokens(backend: MLXBackend) -> None:
    answer = backend.complete(CHAT)

    assert isinstance(answer, str)
    assert backend.stats.calls == 1
    assert backend.stats.prompt_tokens > 10  # the chat template's markers plus both messages
    assert 0 < backend.stats.completion_tokens <= 12


def test_the_chat_template_frames_the_prompt(loaded: MLXBackend) -> None:
    _, tokenizer = loaded._load_text()

    prompt = render_chat(tokenizer, CHAT)

    assert prompt.startswith("<|im_start|>system\nYou describe")
    assert prompt.endswith("<|im_start|>assistant\n")


def test_without_a_template_roles_are_written_out() -> None:
    class NoTemplate:
        has_chat_template = False

    assert render_chat(NoTemplate(), CHAT) == plain_prompt(CHAT)
    assert plain_prompt(CHAT).endswith("\nuser: Firefox: 'Sparse attention - arXiv'\nassistant: ")


def test_garbage_for_a_schema_gets_one_repair_then_malformed_output(
    backend: MLXBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _spy_generations(backend, monkeypatch)

    with pytest.raises(MalformedOutput) as caught:
        backend.complete(CHAT, schema=SCHEMA)

    assert len(seen) == 2
    assert '"required":["topic"]' in seen[0][0]["content"]  # the schema is in the system prompt
    assert seen[1][-2]["role"] == "assistant" and seen[1][-2]["content"].startswith("{")
    assert seen[1][-1]["content"] == REPAIR_INSTRUCTION.format(schema=_compact(SCHEMA))
    assert "\n" not in str(caught.value) and "repair" in str(caught.value)
    assert caught.value.raw.startswith("{")
    assert backend.stats.calls == 2 and backend.stats.errors == 1


def test_json_is_read_after_the_prefill_and_stops_at_its_closing_brace(
    backend: MLXBackend, mlx_lm: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A random model cannot write JSON, so script the token stream (the rest is the real backend).
    replies = [['Sure', ' thing'], ['"topic": "sparse', ' attention"}', ' and then', ' more']]
    pulled: list[str] = []

    def scripted_stream(model: Any, tokenizer: Any, prompt: list[int], **kwargs: Any) -> Iterator[Any]:
        for n, piece in enumerate(replies.pop(0), start=1):
            pulled.append(piece)
            yield type("Response", (), {"text": piece, "generation_tokens": n})

    monkeypatch.setattr(mlx_lm, "stream_generate", scripted_stream)

    answer = backend.complete(CHAT, schema=SCHEMA)

    assert answer == {"topic": "sparse attention"}
    assert pulled[-1] == ' attention"}'  # generation stopped once the object closed
    assert backend.stats.calls == 2 and backend.stats.completion_tokens == 4


def test_a_missing_model_folder_is_unavailable(mlx_lm: ModuleType, tmp_path: Path) -> None:
    backend = MLXBackend(BackendConfig(kind="mlx", model=str(tmp_path / "no-such-model")))

    with pytest.raises(BackendUnavailable) as caught:
        backend.complete(CHAT)

    message = str(caught.value)
    assert "does not exist" in message and "huggingface-cli download" in message
    assert "\n" not in message
    assert backend.stats.errors == 1


def test_a_folder_that_is_not_a_model_is_unavailable(mlx_lm: ModuleType, tmp_path: Path) -> None:
    backend = MLXBackend(BackendConfig(kind="mlx", model=str(tmp_path)))

    with pytest.raises(BackendUnavailable, match="cannot load MLX model") as caught:
        backend.complete(CHAT)

    assert "\n" not in str(caught.value)


def test_the_default_model_is_the_documented_one() -> None:
    assert MLXBackend(BackendConfig(kind="mlx")).model == DEFAULT_TEXT_MODEL


def test_the_module_imports_without_mlx_and_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = {n for n in sys.modules if n.split(".")[0] in ("mlx", "mlx_lm", "mlx_vlm")}
    for name in hidden | {"mlx", "mlx_lm", "mlx_vlm"}:
        monkeypatch.setitem(sys.modules, name, None)  # a None entry makes `import name` fail
    monkeypatch.delitem(sys.modules, "propositions.backends.mlx")
    monkeypatch.setattr(propositions.backends, "mlx", propositions.backends.mlx)

    fresh = importlib.import_module("propositions.backends.mlx")
    backend = fresh.MLXBackend(BackendConfig(kind="mlx", model=str(tmp_path)))

    with pytest.raises(BackendUnavailable, match="mlx-lm") as caught:
        backend.complete(CHAT)
    assert fresh.install_hint() in str(caught.value)


def test_images_without_a_vision_model_are_refused(backend: MLXBackend) -> None:
    assert backend.supports_images is False
    with pytest.raises(BackendUnavailable, match="model.vision_name"):
        backend.complete(CHAT, images=[b"\x89PNG\r\n"])


def test_a_vision_model_without_mlx_vlm_says_how_to_install_it(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mlx_vlm", None)
    backend = MLXBackend(BackendConfig(kind="mlx", model=str(tiny_model),
                                       vision_model="mlx-community/Qwen2.5-VL-3B-Instruct-4bit"))

    assert backend.supports_images is True
    with pytest.raises(BackendUnavailable, match="pip install mlx-vlm"):
        backend.complete(CHAT, images=[b"\x89PNG\r\n"])


def _compact(schema: dict[str, Any]) -> str:
    return json.dumps(schema, separators=(",", ":"))
