"""Reading request values: bounded integers, times and durations, with one-line errors naming the field."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from propositions.errors import InvalidInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
#: the largest epoch time accepted (year 5138): beyond it datetime cannot represent the value
_MAX_EPOCH = 1e11
TIME_HELP = "epoch seconds, an ISO 8601 time (2026-06-01T09:30:00Z) or a duration back from now (2h, 3d)"


def parse_duration(text: str, field: str = "duration") -> float:
    """Seconds in ``30s``, ``30m``, ``2h``, ``1.5d`` or ``1w``."""
    m = _DURATION.match(text or "") if isinstance(text, str) else None
    if not m:
        raise InvalidInput(f"{field}: cannot read {_show(text)} as a duration; use e.g. 30m, 2h, 3d, 1w")
    seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not 0 < seconds <= 10 * 365 * 86400:
        raise InvalidInput(f"{field}: a duration must be more than 0 and at most 10 years")
    return seconds


def parse_time(value: Any, now: float, field: str = "time") -> float:
    """Epoch seconds for a number, an ISO 8601 time (naive means local) or a duration back from now."""
    if isinstance(value, bool):
        raise InvalidInput(f"{field}: expected {TIME_HELP}")
    if isinstance(value, (int, float)):
        return _epoch(float(value), field)
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected {TIME_HELP}")
    raw = value.strip()
    if _NUMBER.match(raw):
        return _epoch(float(raw), field)
    if _DURATION.match(raw):
        return now - parse_duration(raw, field)
    try:
        return _epoch(datetime.fromisoformat(raw).timestamp(), field)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(f"{field}: cannot read {_show(value)}; use {TIME_HELP}") from None


def _epoch(value: float, field: str) -> float:
    if not math.isfinite(value) or not 0 <= value <= _MAX_EPOCH:
        raise InvalidInput(f"{field}: {value!r} is not a time in epoch seconds")
    return value


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
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise InvalidInput(f"{name}: expected a whole number, got {_show(raw)}") from None
        if not lo <= value <= hi:
            raise InvalidInput(f"{name}: must be between {lo} and {hi}, got {value}")
        return value

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw.strip())
        except ValueError:
            raise InvalidInput(f"{name}: expected a number, got {_show(raw)}") from None
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
