"""The one protocol every model backend implements, its errors, and JSON repair."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..config import BackendConfig  # noqa: F401 - the backends take it from here
from ..errors import BackendError, BackendUnavailable, MalformedOutput  # noqa: F401 - their old home

log = logging.getLogger("propositions.backends")

#: a chat message: {"role": "system" | "user" | "assistant", "content": str}
Message = dict[str, str]
#: an image handed to a vision model: a file path or encoded bytes (PNG/JPEG/WebP)
Image = Path | bytes


#: how many recent calls a backend's CallStats keeps in its history
HISTORY_CALLS = 256
#: told of each call as it ends: {"at", "prompt_tokens", "completion_tokens", "seconds"}, or
#: {"at", "error": 1} for a call that failed
CallListener = Callable[[dict[str, float]], None]


@dataclass
class CallStats:
    """Counters for one backend instance (logged per call at DEBUG, without text).

    ``history`` holds the most recent calls only, so a backend that lives as long as the
    daemon does not grow with it; whoever wants a longer view (the daemon's rolling
    hour) listens with ``watch``.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    errors: int = 0
    history: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=HISTORY_CALLS))
    listeners: list[CallListener] = field(default_factory=list)

    def record(self, prompt_tokens: int, completion_tokens: int, seconds: float, backend: str) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.seconds += seconds
        entry = {"at": time.time(), "prompt_tokens": prompt_tokens,
                 "completion_tokens": completion_tokens, "seconds": seconds}
        self.history.append(entry)
        log.debug(
            "model call backend=%s prompt_tokens=%d completion_tokens=%d latency_ms=%.0f",
            backend, prompt_tokens, completion_tokens, seconds * 1000,
        )
        self._tell(entry)

    def failed(self, backend: str) -> None:
        """A call that raised a BackendError (unreachable, malformed answer)."""
        self.errors += 1
        log.debug("model call failed backend=%s", backend)
        self._tell({"at": time.time(), "error": 1})

    def watch(self, listener: CallListener) -> None:
        if listener not in self.listeners:
            self.listeners.append(listener)

    def _tell(self, entry: dict[str, float]) -> None:
        for listener in self.listeners:
            try:
                listener(dict(entry))
            except Exception:  # counting must never fail a model call
                log.debug("call listener failed", exc_info=True)


@runtime_checkable
class Backend(Protocol):
    """A text (and maybe vision) model.

    ``complete`` returns the model's text, or, when ``schema`` (a JSON Schema
    object) is given, the parsed JSON object it produced; backends that can
    constrain decoding to the schema do so. Raise ``BackendUnavailable`` when
    the model cannot be reached or loaded and ``MalformedOutput`` when the
    answer is not JSON although a schema was given.
    """

    name: str
    model: str
    supports_images: bool
    stats: CallStats

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]: ...


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S | re.I)


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer, tolerating code fences and chatter around it.

    Raises MalformedOutput when there is none.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        candidate = candidate.strip()
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            value = _first_object(candidate)
        if isinstance(value, dict):
            return value
    snippet = " ".join(text.split())[:80]
    raise MalformedOutput(f"the model's answer is not a JSON object (starts: {snippet!r})", text)


def _first_object(text: str) -> Any:
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch == "{":
            try:
                value, _ = decoder.raw_decode(text, i)
                return value
            except json.JSONDecodeError:
                continue
    return None


def estimate_tokens(text: str) -> int:
    """A rough token count (about 4 characters a token) for servers that report none."""
    return max(1, len(text) // 4)
