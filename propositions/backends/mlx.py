"""MLXBackend: local models through mlx-lm (text) and mlx-vlm (screenshots), loaded lazily."""

from __future__ import annotations

import importlib
import json
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .base import (BackendConfig, BackendError, BackendUnavailable, CallStats, Image, MalformedOutput,
                   Message, estimate_tokens, log, parse_json_object)

#: text model used when BackendConfig.model is empty: good JSON discipline at ~2 GB of memory
DEFAULT_TEXT_MODEL = "mlx-community/Qwen2.5-3B-Instruct-4bit"
#: a vision-language model to put in BackendConfig.vision_model to let screenshots be read
DEFAULT_VISION_MODEL = "mlx-community/Qwen2.5-VL-3B-Instruct-4bit"

SCHEMA_INSTRUCTION = (
    "Answer with only a JSON object that matches this JSON Schema, with no text before or after it:\n{schema}"
)
REPAIR_INSTRUCTION = (
    "Your previous answer was not valid JSON for the schema {schema}; "
    "answer with only the JSON object."
)

# Owner/name as on the Hugging Face Hub: anything else that does not exist is a missing folder.
_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class MLXBackend:
    """A text model on mlx-lm and, when ``config.vision_model`` is set, a vision model on mlx-vlm.

    Models load on the first call that needs them and stay loaded. With a
    schema the answer is prefilled with "{", parsed, and repaired once.
    """

    name = "mlx"

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.model = config.model or DEFAULT_TEXT_MODEL
        self.vision_model = config.vision_model
        self.supports_images = bool(config.vision_model)
        self.stats = CallStats()
        self._text: tuple[Any, Any] | None = None  # (model, tokenizer)
        self._vision: tuple[Any, Any] | None = None  # (model, processor)
        # MLX models are not safe to drive from two threads at once, and loading twice wastes GBs.
        self._lock = threading.RLock()

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]:
        try:
            if images and not self.vision_model:
                raise BackendUnavailable(
                    "images were passed but no MLX vision model is configured: set model.vision_name "
                    f"(e.g. {DEFAULT_VISION_MODEL})"
                )
            if schema is None:
                return self._generate(messages, images or [], prefill="")
            return self._complete_json(messages, images or [], schema)
        except BackendError:
            self.stats.failed(self.name)
            raise

    # -- JSON -----------------------------------------------------------------------------

    def _complete_json(self, messages: list[Message], images: list[Image],
                       schema: dict[str, Any]) -> dict[str, Any]:
        schema_text = json.dumps(schema, separators=(",", ":"))
        asked = with_schema_instruction(messages, schema_text)
        # Prefilling "{" skips the preamble ("Sure! Here is...") small models like to write.
        answer = "{" + self._generate(asked, images, prefill="{", stop_at_object=True)
        try:
            return _parse_for_schema(answer, schema)
        except MalformedOutput as exc:
            log.debug("mlx: answer not valid for the schema (%s); one repair attempt", exc)
        repair = asked + [
            {"role": "assistant", "content": answer},
            {"role": "user", "content": REPAIR_INSTRUCTION.format(schema=schema_text)},
        ]
        answer = "{" + self._generate(repair, images, prefill="{", stop_at_object=True)
        try:
            return _parse_for_schema(answer, schema)
        except MalformedOutput as exc:
            raise MalformedOutput(
                f"MLX model {self._current_model(images)} gave no valid JSON for the schema, "
                f"even after a repair attempt: {exc}",
                answer,
            ) from None

    # -- generation ----------------------------------------------------------------------

    def _generate(self, messages: list[Message], images: list[Image], prefill: str,
                  stop_at_object: bool = False) -> str:
        """The model's continuation of the chat (after ``prefill``); records tokens and time."""
        started = time.perf_counter()
        with self._lock:
            if images:
                text, prompt_tokens, completion_tokens = self._generate_vision(messages, images, prefill)
            else:
                text, prompt_tokens, completion_tokens = self._generate_text(
                    messages, prefill, stop_at_object
                )
        self.stats.record(prompt_tokens, completion_tokens, time.perf_counter() - started, self.name)
        return text

    def _generate_text(self, messages: list[Message], prefill: str,
                       stop_at_object: bool) -> tuple[str, int, int]:
        mlx_lm = _require("mlx_lm")
        sample_utils = _require("mlx_lm.sample_utils")
        model, tokenizer = self._load_text()
        prompt_ids = _encode(tokenizer, render_chat(tokenizer, messages) + prefill)
        sampler = sample_utils.make_sampler(temp=self.config.temperature)
        pieces: list[str] = []
        completion_tokens = 0
        try:
            # stream_generate is the loop inside mlx_lm.generate; streaming gives the token
            # count and lets a JSON answer stop at its closing brace instead of at max_tokens.
            for response in mlx_lm.stream_generate(model, tokenizer, prompt_ids,
                                                   max_tokens=self.config.max_tokens, sampler=sampler):
                pieces.append(response.text)
                completion_tokens = response.generation_tokens
                if stop_at_object and "}" in response.text and _closes_object(prefill + "".join(pieces)):
                    break
        except Exception as exc:  # noqa: BLE001 - mlx raises plain RuntimeError/ValueError
            raise BackendError(f"MLX generation with {self.model} failed: {_one_line(exc)}") from exc
        return "".join(pieces), len(prompt_ids), completion_tokens

    def _generate_vision(self, messages: list[Message], images: list[Image],
                         prefill: str) -> tuple[str, int, int]:
        mlx_vlm = _require("mlx_vlm", 'pip install mlx-vlm (Apple Silicon) to read screenshots with MLX')
        prompt_utils = _require("mlx_vlm.prompt_utils", "pip install mlx-vlm")
        model, processor = self._load_vision()
        config = getattr(model, "config", None) or _require("mlx_vlm.utils").load_config(self.vision_model)
        try:
            prompt = prompt_utils.apply_chat_template(processor, config, messages, num_images=len(images))
            with _image_files(images) as paths:
                result = mlx_vlm.generate(model, processor, prompt + prefill, image=paths,
                                          max_tokens=self.config.max_tokens,
                                          temperature=self.config.temperature, verbose=False)
        except Exception as exc:  # noqa: BLE001 - mlx-vlm raises whatever its model code raises
            raise BackendError(f"MLX vision generation with {self.vision_model} failed: {_one_line(exc)}") from exc
        # mlx-vlm before 0.1.13 returned a bare string without token counts
        text = result if isinstance(result, str) else result.text
        prompt_tokens = getattr(result, "prompt_tokens", 0) or estimate_tokens(prompt)
        completion_tokens = getattr(result, "generation_tokens", 0) or estimate_tokens(text)
        return text, prompt_tokens, completion_tokens

    def _current_model(self, images: list[Image]) -> str:
        return self.vision_model if images else self.model

    # -- loading -------------------------------------------------------------------------

    def _load_text(self) -> tuple[Any, Any]:
        if self._text is None:
            mlx_lm = _require("mlx_lm")
            self._text = _load_with(mlx_lm.load, _resolve(self.model), "mlx-lm")
            log.debug("mlx: loaded text model %s", self.model)
        return self._text

    def _load_vision(self) -> tuple[Any, Any]:
        if self._vision is None:
            mlx_vlm = _require("mlx_vlm", "pip install mlx-vlm (Apple Silicon) to read screenshots with MLX")
            self._vision = _load_with(mlx_vlm.load, _resolve(self.vision_model), "mlx-vlm")
            log.debug("mlx: loaded vision model %s", self.vision_model)
        return self._vision


# -- prompts ---------------------------------------------------------------------------------


def with_schema_instruction(messages: list[Message], schema_text: str) -> list[Message]:
    """The messages with the schema instruction appended to the system message (added if none)."""
    instruction = SCHEMA_INSTRUCTION.format(schema=schema_text)
    if messages and messages[0]["role"] == "system":
        first = {"role": "system", "content": messages[0]["content"].rstrip() + "\n\n" + instruction}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def render_chat(tokenizer: Any, messages: list[Message]) -> str:
    """The prompt text for ``messages``, up to where the assistant's answer begins."""
    has_template = getattr(tokenizer, "has_chat_template", None)
    if has_template is None:
        has_template = bool(getattr(tokenizer, "chat_template", None))
    if not has_template:
        return plain_prompt(messages)
    try:
        return _apply_template(tokenizer, messages)
    except Exception:
        # Some templates (Gemma, Mistral) reject a system role: fold it into the first user turn.
        merged = _merge_system(messages)
        if merged == messages:
            raise
        return _apply_template(tokenizer, merged)


def plain_prompt(messages: list[Message]) -> str:
    """A "role: content" transcript for tokenizers without a chat template."""
    lines = [f"{m['role']}: {m['content']}" for m in messages]
    return "\n".join(lines) + "\nassistant: "


def _apply_template(tokenizer: Any, messages: list[Message]) -> str:
    # enable_thinking=False: a reasoning model's <think> block would break the "{" prefill;
    # templates without that variable ignore it.
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False,
                                         enable_thinking=False)


def _merge_system(messages: list[Message]) -> list[Message]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if not system:
        return messages
    for m in rest:
        if m["role"] == "user":
            m["content"] = system + "\n\n" + m["content"]
            return rest
    return [{"role": "user", "content": system}, *rest]


def _encode(tokenizer: Any, prompt: str) -> list[int]:
    # As mlx_lm does for a string prompt: add BOS unless the chat template already wrote it.
    bos = getattr(tokenizer, "bos_token", None)
    add_special = bos is None or not prompt.startswith(bos)
    return list(tokenizer.encode(prompt, add_special_tokens=add_special))


# -- JSON -----------------------------------------------------------------------------------


def _closes_object(text: str) -> bool:
    """Whether ``text`` (starting with "{") already holds one complete JSON object."""
    try:
        json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return False
    return True


def _parse_for_schema(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    value = parse_json_object(text)
    missing = [key for key in schema.get("required", []) if key not in value]
    if missing:
        raise MalformedOutput(f"the JSON object lacks required keys {missing}", text)
    return value


# -- modules and files ------------------------------------------------------------------------


def install_hint() -> str:
    """The pip command that installs MLX text generation on this platform."""
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "pip install mlx-lm"
    if sys.platform == "linux":
        return 'pip install "mlx[cpu]" mlx-lm'
    return "MLX runs only on Apple Silicon macOS and Linux; use the llamacpp or openai backend here"


def _require(module: str, hint: str = "") -> ModuleType:
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as exc:  # OSError: mlx's shared library fails to load
        raise BackendUnavailable(
            f"the MLX backend needs {module.split('.')[0]}, which cannot be imported "
            f"({_one_line(exc)}): {hint or install_hint()}"
        ) from None


def _resolve(ref: str) -> str:
    """A local model folder as an absolute path, or a Hub id left for mlx to find in its cache."""
    path = Path(ref).expanduser()
    if path.exists():
        return str(path.resolve())
    if not _HUB_ID.match(ref):
        raise BackendUnavailable(
            f"MLX model folder {path} does not exist: set model.name to a local MLX model folder "
            "or an mlx-community id already downloaded (fetch one on a machine with network with: "
            f"huggingface-cli download {DEFAULT_TEXT_MODEL} --local-dir {path})"
        )
    return ref


def _load_with(loader: Any, ref: str, library: str) -> tuple[Any, Any]:
    try:
        loaded = loader(ref)
    except Exception as exc:  # noqa: BLE001 - hub, file-format and architecture errors all land here
        raise BackendUnavailable(
            f"cannot load MLX model {ref} with {library} ({_one_line(exc)}): set model.name to a local "
            "MLX model folder or an mlx-community id already downloaded (fetch one on a machine with "
            f"network with: huggingface-cli download {ref if _HUB_ID.match(ref) else DEFAULT_TEXT_MODEL})"
        ) from exc
    return loaded[0], loaded[1]


@contextmanager
def _image_files(images: list[Image]) -> Iterator[list[str]]:
    """File paths for the images: mlx-vlm takes paths, so encoded bytes go to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="gumd-mlx-") as tmp:
        paths = []
        for i, image in enumerate(images):
            if isinstance(image, bytes):
                file = Path(tmp) / f"image{i}{_suffix(image)}"
                file.write_bytes(image)
                paths.append(str(file))
            else:
                paths.append(str(Path(image).expanduser()))
        yield paths


def _suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
