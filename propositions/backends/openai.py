"""OpenAIBackend: any OpenAI-compatible chat server (Ollama, LM Studio, llama.cpp server, vLLM, SGLang)."""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import InvalidInput
from .base import (
    BackendConfig,
    BackendError,
    BackendUnavailable,
    CallStats,
    Image,
    Message,
    MalformedOutput,
    estimate_tokens,
    parse_json_object,
)

log = logging.getLogger(__name__)

#: structured-output modes, strongest first; a server that rejects one gets the next
MODES = ("json_schema", "json_object", "prompt")

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}
# Words in a 400/422 body that mean "I do not understand response_format", as
# worded by vLLM, llama.cpp, LM Studio, SGLang and older Ollama releases.
_MODE_REJECTION = re.compile(
    r"response_format|json_schema|json_object|json schema|structured output|grammar", re.I
)
_MODE_REJECTION_STATUS = {400, 422, 501}
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.S)
_SNIPPET_CHARS = 120


@dataclass(frozen=True)
class _Reply:
    """One HTTP answer, read in full."""

    status: int
    headers: httpx.Headers
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _DeadlineExceeded(httpx.TimeoutException):
    """The whole exchange (not just one read) took longer than timeout_s."""


class OpenAIBackend:
    """Talks to ``{base_url}/chat/completions``; retries what is transient and explains what is not.

    Structured output starts with ``response_format: json_schema`` and steps
    down to ``json_object`` and then to a JSON-only instruction in the system
    prompt when the server rejects a mode; the mode that works is kept for
    later calls. Every error message is one line naming the setting to change.
    """

    name = "openai"
    supports_images = True
    #: backoff before retry n (0-based) is about backoff_base_s * 2**n, jittered, capped
    backoff_base_s = 0.5
    backoff_max_s = 8.0
    #: a Retry-After longer than this is not waited out: the call fails instead
    retry_after_max_s = 10.0

    def __init__(self, config: BackendConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.model = config.model
        self.base_url = config.base_url.rstrip("/")
        self.stats = CallStats()
        self.json_mode: str = MODES[0]
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._client = httpx.Client(
            transport=transport,
            headers=headers,
            timeout=httpx.Timeout(config.timeout_s),
            # A model server on this machine is never behind the user's HTTP proxy,
            # and sending local prompts through one would leak them.
            trust_env=not _is_loopback(self.base_url),
        )

    # -- public --------------------------------------------------------------

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]:
        if not self.model:
            raise BackendUnavailable(
                "no model name is set for the openai backend; "
                "set model.name (GUMD_MODEL__NAME), e.g. qwen2.5:3b"
            )
        chat = _attach_images(messages, images or [])
        started = time.monotonic()
        try:
            body = self._chat(chat, schema)
            text, finish = _completion_text(body, self.base_url)
            result = text if schema is None else _parse_structured(text, finish)
        except BackendError:
            self.stats.failed(self.name)
            raise
        prompt_tokens, completion_tokens = _usage(body, chat, text)
        self.stats.record(prompt_tokens, completion_tokens, time.monotonic() - started, self.name)
        return result

    def list_models(self) -> list[str]:
        """The model ids the server offers (GET /models), sorted."""
        reply = self._request("GET", "/models")
        body = self._json_body(reply)
        data = body.get("data")
        if not isinstance(data, list):
            raise MalformedOutput(
                f"the model server at {self.base_url} answered /models without a 'data' list; "
                "check that model.base_url points at an OpenAI-compatible API (it usually ends in /v1)",
                reply.text(),
            )
        return sorted(str(item["id"]) for item in data if isinstance(item, dict) and "id" in item)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- chat and structured-output fallback ---------------------------------

    def _chat(self, messages: list[dict[str, Any]], schema: dict[str, Any] | None) -> dict[str, Any]:
        while True:
            mode = self.json_mode if schema is not None else None
            reply = self._request("POST", "/chat/completions", self._payload(messages, schema, mode))
            if mode is not None and mode != MODES[-1] and _rejects_mode(reply):
                self._step_down(mode, reply.status)
                continue
            return self._json_body(reply)

    def _step_down(self, mode: str, status: int) -> None:
        self.json_mode = MODES[MODES.index(mode) + 1]
        log.info(
            "model server at %s rejected response_format %s (HTTP %d); using %s from now on",
            self.base_url, mode, status, self.json_mode,
        )

    def _payload(
        self, messages: list[dict[str, Any]], schema: dict[str, Any] | None, mode: str | None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
            "stream": False,
        }
        if schema is None or mode is None:
            return payload
        if mode == "json_schema":
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": _schema_name(schema), "schema": schema, "strict": True},
            }
            return payload
        # Without json_schema the model never sees the schema unless the prompt
        # carries it; OpenAI also refuses json_object unless the prompt says "JSON".
        payload["messages"] = _with_json_instruction(messages, schema)
        if mode == "json_object":
            payload["response_format"] = {"type": "json_object"}
        return payload

    # -- HTTP with retries ---------------------------------------------------

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> _Reply:
        """One logical request: retries transient failures, returns any other reply as is."""
        attempts = max(0, self.config.max_retries) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                reply = self._exchange(method, path, payload)
            except httpx.TransportError as exc:
                if last:
                    raise BackendUnavailable(self._transport_message(exc)) from exc
                self._pause(attempt, type(exc).__name__, None)
                continue
            if not _retryable(reply.status):
                return self._check_status(reply)
            wait = _retry_after(reply.headers)
            if last or (wait is not None and wait > self.retry_after_max_s):
                raise BackendUnavailable(self._status_message(reply))
            self._pause(attempt, f"HTTP {reply.status}", wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _exchange(self, method: str, path: str, payload: dict[str, Any] | None) -> _Reply:
        """One HTTP exchange bounded by timeout_s in total, not only per read."""
        deadline = time.monotonic() + self.config.timeout_s
        url = self.base_url + path
        with self._client.stream(method, url, json=payload) as response:
            chunks: list[bytes] = []
            # httpx's read timeout restarts with every chunk, so a server that
            # dribbles bytes would otherwise hold the call forever.
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _DeadlineExceeded(f"no complete answer within {self.config.timeout_s:g}s")
            return _Reply(response.status_code, response.headers, b"".join(chunks))

    def _pause(self, attempt: int, reason: str, retry_after: float | None) -> None:
        if retry_after is None:
            delay = min(self.backoff_max_s, self.backoff_base_s * 2**attempt)
            delay *= 0.5 + random.random()  # jitter: many workers must not retry in step
        else:
            delay = retry_after
        log.debug("model call failed (%s); retry %d in %.2fs", reason, attempt + 1, delay)
        time.sleep(delay)

    def _check_status(self, reply: _Reply) -> _Reply:
        status = reply.status
        if status < 400:
            return reply
        if status in (401, 403):
            raise BackendUnavailable(self._auth_message(status))
        if status == 404:
            raise BackendUnavailable(self._not_found_message(reply))
        if _rejects_mode(reply):
            return reply  # the structured-output fallback decides what to do with it
        raise self._refused(reply)

    def _json_body(self, reply: _Reply) -> dict[str, Any]:
        if reply.status >= 400:
            raise self._refused(reply)
        try:
            body = json.loads(reply.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise MalformedOutput(
                f"the model server at {self.base_url} answered with something that is not a JSON object "
                f"(starts: {_snippet(reply.text(), 60)!r}); check that model.base_url points at an "
                "OpenAI-compatible API (it usually ends in /v1)",
                reply.text(),
            )
        return body

    # -- one-line messages that say how to fix it ----------------------------

    def _transport_message(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"the model server at {self.base_url} did not answer within {self.config.timeout_s:g}s "
                "(the model may still be loading or be too slow); "
                "raise model.timeout_s or use a smaller model"
            )
        if isinstance(exc, httpx.ConnectError):
            return (
                f"cannot reach the model server at {self.base_url} ({_reason(exc)}); "
                "start it (ollama serve) or set model.base_url (GUMD_MODEL__BASE_URL)"
            )
        return (
            f"the connection to the model server at {self.base_url} failed ({_reason(exc)}); "
            "check that it is running and that model.base_url is right"
        )

    def _status_message(self, reply: _Reply) -> str:
        if reply.status == 429:
            return (
                f"the model server at {self.base_url} is rate limiting requests (HTTP 429); "
                "wait and try again, or lower the load on it"
            )
        return (
            f"the model server at {self.base_url} failed (HTTP {reply.status}: {_snippet(reply.text())}); "
            "check its log (the model may not fit in memory)"
        )

    def _refused(self, reply: _Reply) -> BackendError:
        # Not BackendUnavailable: the same request would be refused again later.
        return BackendError(
            f"the model server at {self.base_url} refused the request "
            f"(HTTP {reply.status}: {_snippet(reply.text())})"
        )

    def _auth_message(self, status: int) -> str:
        problem = "rejected the API key" if self.config.api_key else "requires an API key"
        return (
            f"the model server at {self.base_url} {problem} (HTTP {status}); "
            "set model.api_key (GUMD_MODEL__API_KEY)"
        )

    def _not_found_message(self, reply: _Reply) -> str:
        # Servers say "model ... not found / does not exist"; a bare 404 means a wrong path.
        if "model" in reply.text().lower():
            return (
                f"model {self.model!r} is not on the model server at {self.base_url}; "
                f"pull it (ollama pull {self.model}) "
                "or set model.name (GUMD_MODEL__NAME) to a model it serves"
            )
        return (
            f"the model server at {self.base_url} has no OpenAI-compatible API there (HTTP 404); "
            "set model.base_url to its API root, which usually ends in /v1"
        )


# -- helpers ------------------------------------------------------------------


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOOPBACK or host.startswith("127.")


def _retryable(status: int) -> bool:
    # 501 means "not implemented": asking again will not help.
    return status == 429 or (status >= 500 and status != 501)


def _rejects_mode(reply: _Reply) -> bool:
    return reply.status in _MODE_REJECTION_STATUS and bool(_MODE_REJECTION.search(reply.text()))


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _reason(exc: Exception) -> str:
    """A short lower-case cause: '[Errno 111] Connection refused' -> 'connection refused'."""
    text = re.sub(r"\[Errno -?\d+\]\s*", "", str(exc)).strip()
    return _snippet(text, 80).lower() or type(exc).__name__


def _snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    """Text squeezed onto one line and cut short, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _schema_name(schema: dict[str, Any]) -> str:
    # OpenAI requires ^[a-zA-Z0-9_-]{1,64}$ for the name.
    name = re.sub(r"[^a-zA-Z0-9_-]+", "_", str(schema.get("title") or "answer")).strip("_")
    return name[:64] or "answer"


def _with_json_instruction(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    instruction = (
        "Answer with one JSON object only: no prose, no code fences. "
        f"It must match this JSON Schema: {json.dumps(schema, separators=(',', ':'))}"
    )
    out = [dict(m) for m in messages]
    for message in out:
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            message["content"] = f"{message['content']}\n\n{instruction}"
            return out
    return [{"role": "system", "content": instruction}, *out]


def _attach_images(messages: list[Message], images: list[Image]) -> list[dict[str, Any]]:
    """The messages with images added to the last user message as OpenAI content parts."""
    out: list[dict[str, Any]] = [dict(m) for m in messages]
    if not images:
        return out
    parts = [{"type": "image_url", "image_url": {"url": _data_url(image)}} for image in images]
    for message in reversed(out):
        if message.get("role") == "user":
            message["content"] = [{"type": "text", "text": message.get("content", "")}, *parts]
            return out
    out.append({"role": "user", "content": parts})
    return out


def _data_url(image: Image) -> str:
    if isinstance(image, bytes):
        data, label = image, "image bytes"
    else:
        path = Path(image)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read image {path} ({exc.strerror or exc})") from exc
        label = str(path)
    return f"data:{_image_mime(data, label)};base64,{base64.b64encode(data).decode('ascii')}"


def _image_mime(data: bytes, label: str) -> str:
    """The mime type from the file's magic bytes; the name or extension may lie."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    raise InvalidInput(f"{label} is not a PNG, JPEG, WebP or GIF image")


def _completion_text(body: dict[str, Any], base_url: str) -> tuple[str, str]:
    """The first choice's text and finish reason, with any leading <think> block removed."""
    try:
        choice = body["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise MalformedOutput(
            f"the model server at {base_url} answered without choices[0].message.content "
            f"(got: {_snippet(json.dumps(body), 80)!r})",
            json.dumps(body),
        ) from None
    if not isinstance(content, str):
        raise MalformedOutput("the model returned no text content (refusal or tool call)", json.dumps(body))
    # Reasoning models (qwen3, deepseek-r1) served by Ollama put their thoughts
    # first; those may contain braces that would be mistaken for the answer.
    return _THINK.sub("", content), str(choice.get("finish_reason") or "")


def _parse_structured(text: str, finish_reason: str) -> dict[str, Any]:
    try:
        return parse_json_object(text)
    except MalformedOutput as exc:
        if finish_reason == "length":
            raise MalformedOutput(
                "the model's JSON answer was cut off at the token limit; raise model.max_tokens", text,
                truncated=True,
            ) from exc
        raise


def _usage(body: dict[str, Any], messages: list[dict[str, Any]], text: str) -> tuple[int, int]:
    """Token counts the server reported, else estimates (some servers report none)."""
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    if not isinstance(prompt, int):
        prompt = estimate_tokens("".join(_message_text(m) for m in messages))
    if not isinstance(completion, int):
        completion = estimate_tokens(text)
    return prompt, completion


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))
