"""OpenAIBackend against a real HTTP server on 127.0.0.1 that plays scripted answers."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from propositions.backends.base import BackendConfig, BackendError, BackendUnavailable, MalformedOutput
from propositions.backends.openai import OpenAIBackend
from propositions.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
SCHEMA = {
    "title": "Proposition list",
    "type": "object",
    "properties": {"propositions": {"type": "array", "items": {"type": "string"}}},
    "required": ["propositions"],
    "additionalProperties": False,
}
SECRET_PROMPT = "the user is secretly planning a surprise party"


@dataclass
class Step:
    """One scripted answer: a status, a body, and how slowly to deliver it."""

    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line
    dribble_s: float = 0.0  # between body bytes, after the headers


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def chat(content: str, usage: dict[str, int] | None = None, finish: str = "stop") -> Step:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return Step(body=body)


class FakeServer:
    """Answers requests from a script (the last step repeats) and records what it got."""

    def __init__(self) -> None:
        self.steps: list[Step] = [Step(status=500, body="no script")]
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval: shutdown() otherwise waits up to 0.5 s per test.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *steps: Step) -> None:
        self.steps = list(steps)

    def next_step(self) -> Step:
        return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]

    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(json.loads(self.rfile.read(length) or b"null"))

            def _answer(self, body: Any) -> None:
                server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                step = server.next_step()
                if step.delay_s and server.stopping.wait(step.delay_s):
                    return
                payload = step.body if isinstance(step.body, bytes) else (
                    step.body.encode() if isinstance(step.body, str) else json.dumps(step.body).encode()
                )
                try:
                    self.send_response(step.status)
                    for key, value in step.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.flush()
                    for i in range(len(payload)):
                        if step.dribble_s and server.stopping.wait(step.dribble_s):
                            return
                        self.wfile.write(payload[i : i + 1] if step.dribble_s else payload[i:])
                        self.wfile.flush()
                        if not step.dribble_s:
                            break
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first, which is what timeout tests expect

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    s = FakeServer()
    s.start()
    yield s
    s.stop()


def make_backend(url: str, **overrides: Any) -> OpenAIBackend:
    settings: dict[str, Any] = {"kind": "openai", "model": "qwen2.5:3b", "base_url": url,
                                "timeout_s": 2.0, "max_retries": 2}
    settings.update(overrides)
    backend = OpenAIBackend(BackendConfig(**settings))
    backend.backoff_base_s = 0.01  # keep retry tests fast
    return backend


MESSAGES = [{"role": "system", "content": "You infer facts."}, {"role": "user", "content": SECRET_PROMPT}]


def assert_one_line(err: BaseException) -> str:
    message = str(err)
    assert "\n" not in message and message.strip() == message and message
    return message


# -- happy paths ----------------------------------------------------------------


def test_text_completion_posts_model_messages_and_sampling(server: FakeServer) -> None:
    server.script(chat("Hello there."))
    backend = make_backend(server.url, temperature=0.1, max_tokens=77)

    assert backend.complete(MESSAGES) == "Hello there."

    (seen,) = server.posts()
    assert seen.path == "/v1/chat/completions"
    assert seen.body["model"] == "qwen2.5:3b"
    assert seen.body["messages"] == MESSAGES
    assert seen.body["temperature"] == 0.1 and seen.body["max_tokens"] == 77
    assert "response_format" not in seen.body
    assert "authorization" not in {k.lower() for k in seen.headers}


def test_schema_returns_dict_and_asks_for_json_schema(server: FakeServer) -> None:
    server.script(chat('{"propositions": ["likes tea"]}'))
    backend = make_backend(server.url)

    assert backend.complete(MESSAGES, schema=SCHEMA) == {"propositions": ["likes tea"]}

    fmt = server.posts()[0].body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == SCHEMA
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Proposition_list"


def test_fenced_json_is_parsed(server: FakeServer) -> None:
    server.script(chat('Sure!\n```json\n{"propositions": ["reads at night"]}\n```\n'))
    assert make_backend(server.url).complete(MESSAGES, schema=SCHEMA) == {"propositions": ["reads at night"]}


def test_leading_think_block_is_ignored(server: FakeServer) -> None:
    server.script(chat('<think>maybe {"x": 1}?</think>{"propositions": []}'))
    assert make_backend(server.url).complete(MESSAGES, schema=SCHEMA) == {"propositions": []}


def test_api_key_is_sent_as_bearer_token(server: FakeServer) -> None:
    server.script(chat("ok"))
    make_backend(server.url, api_key="sk-test").complete(MESSAGES)
    assert server.posts()[0].headers["Authorization"] == "Bearer sk-test"


# -- structured-output fallback ---------------------------------------------------


def test_rejected_json_schema_falls_back_and_is_remembered(server: FakeServer) -> None:
    rejected = Step(400, {"error": {"message": "response_format type json_schema is not supported"}})
    server.script(rejected, chat('{"propositions": ["a"]}'), chat('{"propositions": ["b"]}'))
    backend = make_backend(server.url)

    assert backend.complete(MESSAGES, schema=SCHEMA) == {"propositions": ["a"]}
    assert backend.complete(MESSAGES, schema=SCHEMA) == {"propositions": ["b"]}

    first, second, third = server.posts()
    assert first.body["response_format"]["type"] == "json_schema"
    assert second.body["response_format"] == {"type": "json_object"}
    assert third.body["response_format"] == {"type": "json_object"}  # no second failed attempt
    system = second.body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("You infer facts.")
    assert "JSON" in system["content"] and '"propositions"' in system["content"]


def test_falls_back_to_prompt_only_when_json_object_is_rejected_too(server: FakeServer) -> None:
    server.script(
        Step(400, {"error": "unknown field response_format.json_schema"}),
        Step(422, {"detail": [{"loc": ["body", "response_format"], "msg": "json_object unsupported"}]}),
        chat('{"propositions": []}'),
    )
    backend = make_backend(server.url)

    assert backend.complete([{"role": "user", "content": "hi"}], schema=SCHEMA) == {"propositions": []}

    last = server.posts()[-1].body
    assert "response_format" not in last
    assert last["messages"][0]["role"] == "system" and "JSON" in last["messages"][0]["content"]
    assert backend.json_mode == "prompt"


def test_unrelated_400_is_not_a_fallback(server: FakeServer) -> None:
    server.script(Step(400, {"error": "context length exceeded"}))
    backend = make_backend(server.url)
    with pytest.raises(BackendError) as info:
        backend.complete(MESSAGES, schema=SCHEMA)
    assert not isinstance(info.value, BackendUnavailable)  # retrying later would not help
    assert "HTTP 400" in assert_one_line(info.value) and "context length" in str(info.value)
    assert backend.json_mode == "json_schema" and len(server.posts()) == 1


# -- malformed answers --------------------------------------------------------------


def test_malformed_json_content_raises_malformed_output(server: FakeServer) -> None:
    server.script(chat("I think the user likes tea, but I cannot say more."))
    with pytest.raises(MalformedOutput) as info:
        make_backend(server.url).complete(MESSAGES, schema=SCHEMA)
    assert_one_line(info.value)
    assert info.value.raw.startswith("I think")


def test_truncated_json_names_max_tokens(server: FakeServer) -> None:
    server.script(chat('{"propositions": ["lik', finish="length"))
    with pytest.raises(MalformedOutput, match="model.max_tokens"):
        make_backend(server.url).complete(MESSAGES, schema=SCHEMA)


def test_non_json_http_body_raises_malformed_output(server: FakeServer) -> None:
    server.script(Step(200, "<!doctype html><html>Open WebUI</html>", {"Content-Type": "text/html"}))
    backend = make_backend(server.url)
    with pytest.raises(MalformedOutput) as info:
        backend.complete(MESSAGES)
    assert "model.base_url" in assert_one_line(info.value)
    assert backend.stats.errors == 1


# -- retries and timeouts -------------------------------------------------------------


def test_500_then_200_is_retried(server: FakeServer) -> None:
    server.script(Step(500, "loading model"), chat("fine"))
    assert make_backend(server.url).complete(MESSAGES) == "fine"
    assert len(server.posts()) == 2


def test_429_honours_small_retry_after(server: FakeServer) -> None:
    server.script(Step(429, "slow down", {"Retry-After": "0"}), chat("fine"))
    assert make_backend(server.url).complete(MESSAGES) == "fine"
    assert len(server.posts()) == 2


def test_429_with_long_retry_after_gives_up_at_once(server: FakeServer) -> None:
    server.script(Step(429, "slow down", {"Retry-After": "3600"}))
    with pytest.raises(BackendUnavailable, match="HTTP 429"):
        make_backend(server.url).complete(MESSAGES)
    assert len(server.posts()) == 1


def test_persistent_500_gives_up_after_max_retries(server: FakeServer) -> None:
    server.script(Step(500, {"error": "model failed to load\nout of memory"}))
    backend = make_backend(server.url, max_retries=2)
    with pytest.raises(BackendUnavailable) as info:
        backend.complete(MESSAGES)
    message = assert_one_line(info.value)
    assert "HTTP 500" in message and server.url in message and "out of memory" in message
    assert len(server.posts()) == 3
    assert backend.stats.errors == 1 and backend.stats.calls == 0


def test_slow_response_times_out(server: FakeServer) -> None:
    server.script(Step(delay_s=2.0, body=chat("too late").body))
    backend = make_backend(server.url, timeout_s=0.3, max_retries=0)
    with pytest.raises(BackendUnavailable) as info:
        backend.complete(MESSAGES)
    message = assert_one_line(info.value)
    assert "0.3s" in message and "model.timeout_s" in message and server.url in message


def test_slow_streaming_body_times_out(server: FakeServer) -> None:
    # Each byte arrives well within the read timeout; only the total is too slow.
    server.script(Step(body=chat("a long answer dribbled out").body, dribble_s=0.05))
    backend = make_backend(server.url, timeout_s=0.3, max_retries=0)
    with pytest.raises(BackendUnavailable, match="did not answer within 0.3s"):
        backend.complete(MESSAGES)


def test_server_down_names_the_url(unused_port: int) -> None:
    url = f"http://127.0.0.1:{unused_port}/v1"
    backend = make_backend(url, max_retries=1)
    with pytest.raises(BackendUnavailable) as info:
        backend.complete(MESSAGES)
    message = assert_one_line(info.value)
    assert url in message and "refused" in message and "model.base_url" in message


# -- errors that retrying cannot fix ----------------------------------------------------


@pytest.mark.parametrize(("status", "key", "wording"), [(401, "", "requires"), (403, "sk-x", "rejected")])
def test_auth_failure_names_api_key_setting(server: FakeServer, status: int, key: str, wording: str) -> None:
    server.script(Step(status, {"error": "Unauthorized"}))
    with pytest.raises(BackendUnavailable) as info:
        make_backend(server.url, api_key=key).complete(MESSAGES)
    message = assert_one_line(info.value)
    assert "model.api_key" in message and wording in message and f"HTTP {status}" in message
    assert len(server.posts()) == 1


def test_missing_model_says_pull_it(server: FakeServer) -> None:
    server.script(Step(404, {"error": {"message": 'model "qwen2.5:3b" not found, try pulling it first'}}))
    with pytest.raises(BackendUnavailable) as info:
        make_backend(server.url).complete(MESSAGES)
    message = assert_one_line(info.value)
    assert "ollama pull qwen2.5:3b" in message and "model.name" in message


def test_wrong_path_404_points_at_base_url(server: FakeServer) -> None:
    server.script(Step(404, "404 page not found"))
    with pytest.raises(BackendUnavailable, match="model.base_url"):
        make_backend(server.url).complete(MESSAGES)


def test_missing_model_name_is_explained_without_a_request(server: FakeServer) -> None:
    with pytest.raises(BackendUnavailable, match="model.name"):
        make_backend(server.url, model="").complete(MESSAGES)
    assert server.seen == []


# -- images, usage, logging ----------------------------------------------------------------


def test_images_become_data_urls_on_the_last_user_message(server: FakeServer, tmp_path: Path) -> None:
    server.script(chat("a screenshot of an editor"))
    jpeg_file = tmp_path / "shot.png"  # the extension lies: magic bytes decide
    jpeg_file.write_bytes(JPEG)
    messages = [*MESSAGES, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "describe"}]

    make_backend(server.url).complete(messages, images=[PNG, jpeg_file, WEBP])

    sent = server.posts()[0].body["messages"]
    assert sent[1]["content"] == SECRET_PROMPT  # earlier user turns stay plain text
    text, *images = sent[-1]["content"]
    assert text == {"type": "text", "text": "describe"}
    urls = [part["image_url"]["url"] for part in images]
    assert [u.split(";")[0] for u in urls] == ["data:image/png", "data:image/jpeg", "data:image/webp"]
    assert base64.b64decode(urls[1].split(",", 1)[1]) == JPEG


def test_unknown_image_format_is_invalid_input(server: FakeServer) -> None:
    with pytest.raises(InvalidInput, match="not a PNG"):
        make_backend(server.url).complete(MESSAGES, images=[b"plain text"])
    assert server.seen == []


def test_usage_from_server_is_recorded(server: FakeServer) -> None:
    server.script(chat("ok", usage={"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333}))
    backend = make_backend(server.url)
    backend.complete(MESSAGES)
    assert (backend.stats.calls, backend.stats.prompt_tokens, backend.stats.completion_tokens) == (1, 321, 12)


def test_usage_is_estimated_when_server_reports_none(server: FakeServer) -> None:
    server.script(chat("x" * 40))
    backend = make_backend(server.url)
    backend.complete(MESSAGES)
    assert backend.stats.completion_tokens == 10 and backend.stats.prompt_tokens > 0


def test_prompt_and_completion_text_are_never_logged(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer = '{"propositions": ["plans a surprise party for Sam"]}'
    server.script(
        Step(400, {"error": "response_format json_schema unsupported"}), Step(500, "busy"), chat(answer)
    )
    caplog.set_level(logging.DEBUG)

    make_backend(server.url).complete(MESSAGES, schema=SCHEMA)

    assert any(r.levelno == logging.INFO for r in caplog.records)  # the fallback was logged...
    assert any("prompt_tokens=" in r.getMessage() for r in caplog.records)  # ...and the call stats
    for record in caplog.records:
        assert SECRET_PROMPT not in record.getMessage()
        assert "surprise party for Sam" not in record.getMessage()


# -- list_models ---------------------------------------------------------------------------


def test_list_models(server: FakeServer) -> None:
    server.script(Step(body={"object": "list", "data": [{"id": "qwen2.5:3b"}, {"id": "llama3.2:1b"}]}))
    assert make_backend(server.url).list_models() == ["llama3.2:1b", "qwen2.5:3b"]
    assert server.seen[0].method == "GET" and server.seen[0].path == "/v1/models"


def test_list_models_server_down(unused_port: int) -> None:
    with pytest.raises(BackendUnavailable, match="cannot reach the model server"):
        make_backend(f"http://127.0.0.1:{unused_port}/v1", max_retries=0).list_models()


@pytest.fixture
def unused_port() -> int:
    # Bind then release: nothing listens there afterwards, so connects are refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
