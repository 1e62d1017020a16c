"""Reading request values: bounded integers, times and durations, with one-line errors naming the field."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from propositions.errors import InvalidInput
# The one parser of times and durations, the CLI's and the dashboard's too.
from propositions.timeparse import TIME_HELP, parse_duration, parse_time  # noqa: F401

def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


class Query:
    """Typed access to query-string parameters; every value is checked and its bounds enforced."""

    def __init__(self, params: Mapping[str, str], now: float) -> None:
        self.params = params
        self.now = now

    def text(self, name: str, max_len: int = 2000) -> str | None:
        value = self.params.get(name)
        if value is None:
            return None
        if len(value) > max_len:
            raise InvalidInput(f"{name}: at most {max_len} characters")
        return value

    def integer(self, name: str, default: int, lo: int, hi: int) -> int:
        return int(self._bounded(name, default, lo, hi, int, "a whole number"))

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        return self._bounded(name, default, lo, hi, float, "a number")

    def _bounded(self, name: str, default: float, lo: float, hi: float,
                 convert: Callable[[str], float], what: str) -> float:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = convert(raw.strip())
        except ValueError:
            raise InvalidInput(f"{name}: expected {what}, got {_show(raw)}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise InvalidInput(f"{name}: must be between {lo} and {hi}, got {_show(raw)}")
        return value

    def time(self, name: str) -> float | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        return parse_time(raw, self.now, name)

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        if raw not in choices:
            raise InvalidInput(f"{name}: must be one of {', '.join(choices)}, got {_show(raw)}")
        return raw


def body_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


def optional_str(data: Mapping[str, Any], key: str, max_len: int = 10_000) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key}: expected a string")
    if len(value) > max_len:
        raise InvalidInput(f"{key}: at most {max_len} characters")
    return value


def required_str(data: Mapping[str, Any], key: str, max_len: int = 10_000) -> str:
    value = optional_str(data, key, max_len)
    if value is None or not value.strip():
        raise InvalidInput(f"{key}: required, a non-empty string")
    return value
