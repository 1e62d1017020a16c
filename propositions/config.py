"""The library's configuration: plain dataclasses the application's settings fill in.

Config only, no feature code, so gumd/settings.py can build them without importing the
backends, the suggester or retrieval (each of which imports its config from here).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInput

HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class Weights:
    """Weights of the ranking formula (see the module docstring)."""

    text: float = 0.6
    recency: float = 0.25
    confidence: float = 0.15
    mmr_lambda: float = 0.7
    candidates: int = 200


@dataclass(frozen=True)
class BackendConfig:
    """What selects and configures a backend; built from the application's settings."""

    kind: str = "statistical"  # statistical | openai | mlx | llamacpp | scripted
    model: str = ""  # model id, GGUF path or served model name
    vision_model: str = ""  # mlx: a separate vision-language model id
    base_url: str = "http://127.0.0.1:11434/v1"  # openai: server root including /v1
    api_key: str = ""
    timeout_s: float = 120.0
    max_retries: int = 2
    # A full proposal (8 propositions with reasoning) is about 1,000 tokens: room to finish it.
    max_tokens: int = 2048
    temperature: float = 0.2
    context_tokens: int = 8192


@dataclass
class SuggestConfig:
    """How eagerly suggestions are made; the formulas are in propositions/suggest/__init__.py."""

    threshold: float = 0.5  # expected utility a suggestion needs, before feedback moves it
    max_per_hour: int = 3  # new suggestions in any rolling hour
    quiet_hours: tuple[int, int] | None = (22, 8)  # local [start, end) hours; may wrap midnight
    typing_burst_s: float = 20.0  # input this recent, at burst rate, is a typing burst
    burst_rate_per_min: float = 40.0  # input events per minute that count as a burst
    base_cost: float = 0.1  # interruption cost when the user is not busy
    horizon_days: float = 7.0  # reminders only for dates this close
    lookback_days: float = 3.0  # observations this recent are read
    max_observations: int = 2000  # at most this many of them
    resume_after_s: float = 1800.0  # work untouched this long counts as left
    resume_within_s: float = 2 * DAY  # ... and older than this is no longer "recent"
    follow_up_after_s: float = 900.0  # a request unanswered this long gets a follow-up
    reminder_lead_minutes: int = 30  # a timed reminder's alarm goes off this much earlier
    default_hour: int = 9  # a reminder for a date without a time is set for this hour
    threshold_step: float = 0.05  # how far one dismissal (acceptance) raises (lowers) the threshold
    threshold_min: float = 0.2
    threshold_max: float = 0.9
    feedback_window_days: float = 30.0  # older feedback no longer moves thresholds
    model_interval_s: float = HOUR  # the model is asked at most this often
    model_min_confidence: float = 0.6  # propositions shown to the model are at least this likely
    model_max_propositions: int = 30
    model_max_observations: int = 12

    def __post_init__(self) -> None:
        if self.quiet_hours is not None and not all(0 <= h <= 23 for h in self.quiet_hours):
            raise InvalidInput(f"quiet hours must be two hours 0-23, got {self.quiet_hours}")
        if not 0 <= self.threshold_min <= self.threshold_max <= 1:
            raise InvalidInput("suggestion thresholds need 0 <= min <= max <= 1")
        if self.max_per_hour < 0 or self.typing_burst_s <= 0 or self.burst_rate_per_min <= 0:
            raise InvalidInput("max_per_hour, typing_burst_s and burst_rate_per_min must be positive")
