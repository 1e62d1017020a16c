"""ScriptedBackend: a fake model at the backend seam that answers from a script, for tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .base import BackendError, CallStats, Image, Message, parse_json_object

Reply = str | dict[str, Any] | Exception | Callable[[list[Message]], str | dict[str, Any]]


class ScriptedBackend:
    """Returns the scripted replies in order (the last one repeats); records every call.

    A reply may be text, a dict (returned as JSON), an exception (raised), or a
    function of the messages. Text given with a schema goes through the same
    JSON extraction as a real backend, so malformed replies behave realistically.
    """

    name = "scripted"
    supports_images = True

    def __init__(self, replies: list[Reply] | None = None, model: str = "scripted-model") -> None:
        self.replies = list(replies or [])
        self.model = model
        self.calls: list[dict[str, Any]] = []
        self.stats = CallStats()

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]:
        self.calls.append({"messages": messages, "images": images or [], "schema": schema})
        if not self.replies:
            raise AssertionError("ScriptedBackend ran out of replies")
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if callable(reply) and not isinstance(reply, Exception):
            reply = reply(messages)
        if isinstance(reply, Exception):
            if isinstance(reply, BackendError):  # counted as a real backend counts it
                self.stats.failed(self.name)
            raise reply
        text = reply if isinstance(reply, str) else json.dumps(reply)
        prompt = sum(len(m["content"]) for m in messages) // 4
        if schema is None:
            self.stats.record(prompt, len(text) // 4, 0.0, self.name)
            return text
        try:
            answer = parse_json_object(text)
        except BackendError:
            self.stats.failed(self.name)
            raise
        self.stats.record(prompt, len(text) // 4, 0.0, self.name)
        return answer
