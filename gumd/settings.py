"""The typed settings object: defaults < ``config.toml`` in the home < ``GUMD_*`` environment."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from propositions.config import BackendConfig, SuggestConfig, Weights

from . import paths
from .errors import ConfigError
from .privacy_config import PrivacySettings
from .section import Section

ENV_PREFIX = "GUMD_"
ENV_NESTED = "__"


class StoreSettings(Section):
    path: Path | None = None
    """Database file. Empty means ``gumd.db`` in the home folder."""

    @field_validator("path", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        return None if value == "" else value

    busy_timeout_s: float = Field(10.0, gt=0)
    """How long a write waits for another process's lock before giving up."""

    claim_timeout_s: float = Field(600.0, gt=0)
    """A batch claimed for inference longer ago than this is taken to be abandoned and retried."""

    max_attempts: int = Field(3, ge=1)
    """Attempts at processing an observation before it is marked failed."""

    mmap_mb: int = Field(256, ge=0, le=65536)
    """How much of the database file reads map into memory: faster ranked queries; the mapped pages are the OS's file cache (they count in RSS, are shared between gumd's processes and freed under memory pressure). 0 turns it off."""


class RetrievalSettings(Section):
    w_text: float = Field(0.6, ge=0)
    """Weight of BM25 text relevance in the ranking score."""

    w_recency: float = Field(0.25, ge=0)
    """Weight of recency (half-life set by each proposition's decay class)."""

    w_confidence: float = Field(0.15, ge=0)
    """Weight of the proposition's confidence."""

    mmr_lambda: float = Field(0.7, ge=0, le=1)
    """Relevance versus diversity in MMR: 1 ignores diversity, 0 only seeks it."""

    candidates: int = Field(200, ge=1, le=5000)
    """How many BM25 matches are re-ranked per query."""

    default_limit: int = Field(10, ge=1)
    """Results per query when no --limit is given."""

    def weights(self) -> Weights:
        return Weights(
            text=self.w_text,
            recency=self.w_recency,
            confidence=self.w_confidence,
            mmr_lambda=self.mmr_lambda,
            candidates=self.candidates,
        )


# Logins that name a machine's role or its image, not a person: "root is writing a toast" is
# no sentence about anyone, so these are never taken for the user's name.
SERVICE_ACCOUNTS = frozenset({
    "root", "admin", "administrator", "user", "users", "guest", "nobody", "daemon", "operator",
    "ubuntu", "debian", "fedora", "centos", "rocky", "alma", "alpine", "arch", "kali", "pi",
    "ec2-user", "opc", "azureuser", "vagrant", "docker", "runner", "jenkins", "build", "builder",
    "ci", "test", "tester", "dev", "developer", "default", "owner", "student", "vscode",
    "codespace", "codespaces", "gitpod", "node", "app", "www-data", "postgres", "ansible",
})

#: how to name yourself, as `gumd doctor` and the first `gumd run` say it
USER_NAME_FIX = ('set it in config.toml ([inference] user_name = "Your Name"; `gumd config path` '
                 'shows where) or with GUMD_INFERENCE__USER_NAME')
USER_NAME_UNSET = f"user_name is not set: propositions will say 'the user'; {USER_NAME_FIX}"


def _os_account() -> tuple[str, str] | None:
    """(login, GECOS field) of this process's account; None where there is no pwd."""
    try:
        import pwd

        entry = pwd.getpwuid(os.getuid())
    except (ImportError, KeyError):
        return None
    return entry.pw_name, entry.pw_gecos


def _account_name() -> str:
    """The full name of the OS account, or "" when none is known.

    A login alone is no name ("dreyes is ...", "root is ..."), and a full
    name that only repeats the login or a role account ("Ubuntu") is none either;
    with "" the inferrers say "The user", which reads as a true sentence.
    """
    account = _os_account()
    if account is None:
        return ""
    login, gecos = account
    full = " ".join(gecos.split(",")[0].split())  # "Dana Reyes,Room 4,,": the name comes first
    folded = full.casefold()
    if not full or folded == login.casefold() or folded in SERVICE_ACCOUNTS:
        return ""
    return full


class ModelSettings(Section):
    kind: Literal["statistical", "openai", "mlx", "llamacpp"] = "statistical"
    """Which inferrer: the built-in statistical one (no model), or a model backend."""

    name: str = ""
    """Model: an id or local path (mlx), a GGUF file (llamacpp), a served model name (openai)."""

    vision_name: str = ""
    """mlx only: a vision-language model for screenshots (empty: OCR text only)."""

    base_url: str = "http://127.0.0.1:11434/v1"
    """openai only: the server's OpenAI-compatible root, including /v1."""

    api_key: str = ""
    """openai only: bearer token, if the server wants one."""

    timeout_s: float = Field(120.0, gt=0)
    """Longest a single model call may take."""

    max_retries: int = Field(2, ge=0, le=10)
    """Retries (with backoff) when the server is unreachable or busy."""

    max_tokens: int = Field(2048, ge=16)
    """Most tokens a model may write per call (a full answer of 8 propositions is about 1,000)."""

    temperature: float = Field(0.2, ge=0, le=2)
    """Sampling temperature; low keeps propositions factual."""

    context_tokens: int = Field(8192, ge=512)
    """llamacpp only: the context window to allocate."""

    # threads by default: every backend's default is a small model on this machine (Ollama on
    # localhost, mlx, llama.cpp), and a 3-8B model writes better sentences from one thread with
    # its names and dates read out than from twenty raw screens; a capable server can take a batch.
    focus: Literal["threads", "batch"] = "threads"
    """What one model call proposes from: threads (one call per thread of related activity, its people, places and dates read out first; for small local models) or batch (the whole batch in one call; for capable servers)."""

    def backend_config(self) -> BackendConfig:
        return BackendConfig(
            kind=self.kind, model=self.name, vision_model=self.vision_name,
            base_url=self.base_url, api_key=self.api_key, timeout_s=self.timeout_s,
            max_retries=self.max_retries, max_tokens=self.max_tokens,
            temperature=self.temperature, context_tokens=self.context_tokens,
        )


class InferenceSettings(Section):
    user_name: str = Field(default_factory=_account_name)
    """How propositions name you (default: your OS account's full name; empty: "the user")."""

    @field_validator("user_name", mode="after")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return " ".join(value.split())

    batch_size: int = Field(20, ge=1, le=500)
    """Observations per inference batch."""

    ocr: Literal["auto", "rapidocr", "tesseract", "vision"] = "auto"
    """OCR engine for screenshots: auto picks Apple Vision on macOS, else RapidOCR, else tesseract."""

    ocr_child: bool = True
    """Run OCR in a child process: its libraries and working memory (150-250 MB with RapidOCR) stay out of the daemon."""

    ocr_child_idle_s: float = Field(60.0, gt=0)
    """The OCR child exits after this long without a screenshot, giving all of that memory back."""

    screen_reader: Literal["ocr", "model", "both"] = "ocr"
    """How screenshots become text: OCR, the (vision-capable) model, or both."""

    statistical: Literal["classic", "threads"] = "threads"
    """Without a model: threads (sentences per activity thread, no keyword lists) or classic (activity statistics and salient terms)."""

    model_on_battery: bool = False
    """Run model inference on battery power; false: a model waits for mains power or for you to be idle, the queue keeping what comes meanwhile (the statistical inferrer always runs)."""

    output_language: str = Field("auto", min_length=1, max_length=40)
    """The language a model writes propositions in: auto (the language of the screen text) or one such as "en" or "German"."""

    @field_validator("output_language", mode="after")
    @classmethod
    def _one_word(cls, value: str) -> str:
        return " ".join(value.split()) or "auto"


class CaptureSettings(Section):
    observers: list[Literal["window", "screen", "input", "files"]] = [
        "window", "screen", "input", "files"]
    """Which observers run."""

    interval_s: float = Field(60.0, ge=5)
    """While you are active, a screenshot at least this often (if the screen changed)."""

    idle_after_s: float = Field(300.0, ge=30)
    """No keyboard or mouse input for this long counts as idle: nothing is captured."""

    change_threshold: float = Field(0.25, ge=0, le=255)
    """Mean per-pixel difference (0-255, small grey thumbnail) under which a frame is unchanged; 0.25 is about a short word typed."""

    max_width: int = Field(1600, ge=320)
    """Screenshots are downscaled to this width before they are stored."""

    folders: list[Path] = []
    """Folders whose file changes are observed (none by default: opt in)."""

    ignore: list[str] = []
    """Extra glob patterns of files to ignore, besides .git, node_modules, caches and the like."""


class RetentionSettings(Section):
    screenshots_hours: float = Field(0.0, ge=0)
    """Keep screenshots this long after their text is read (0: delete at once)."""

    unread_screenshot_max_s: float = Field(180.0, ge=10)
    """Longest a captured screenshot may wait on disk unread: the daemon reads new screenshots within seconds, ahead of inference, and deletes one still unread after this long (its observation is marked failed)."""

    observations_days: float = Field(30.0, gt=0)
    """Processed observations older than this are deleted; propositions stay."""

    max_db_mb: float = Field(2048.0, gt=1)
    """At this database size the oldest processed observations go, and capture pauses if that is not enough."""

    min_free_disk_mb: float = Field(1024.0, ge=0)
    """Capture pauses while the disk holding the home has less free space than this."""


class DaemonSettings(Section):
    nice: int = Field(10, ge=0, le=19)
    """Scheduling niceness: capture and OCR run at low priority."""

    inference_interval_s: float = Field(10.0, ge=1)
    """How often the daemon checks whether a batch is due (two indexed counts: cheap)."""

    max_wait_s: float = Field(300.0, ge=0)
    """A batch is due when the queue holds a full batch, or its oldest observation waited this long."""

    first_batch_min: int = Field(3, ge=1)
    """While there are no propositions yet, a batch is due once this many observations wait, so a new user sees results within a minute, not after a full batch."""


class SuggestionSettings(Section):
    enabled: bool = True
    """Make proactive suggestions: reminders for dates seen on screen, unfinished work, replies owed."""

    interval_s: float = Field(300.0, ge=30)
    """How often the daemon looks for new suggestions."""

    threshold: float = Field(0.5, ge=0, le=1)
    """Expected utility a suggestion needs (p_useful x benefit - (1 - p_useful) x interruption cost); your accepts and dismissals move it per kind."""

    max_per_hour: int = Field(3, ge=0)
    """At most this many new suggestions in any rolling hour (0: none)."""

    quiet_hours: list[int] = [22, 8]
    """Local hours [start, end) with no suggestions; may wrap midnight; [] for none."""

    typing_burst_s: float = Field(20.0, gt=0)
    """Typing this recent, at burst_rate_per_min or faster, is never interrupted."""

    burst_rate_per_min: float = Field(40.0, gt=0)
    """Key presses per minute that count as a burst of typing."""

    horizon_days: float = Field(7.0, gt=0)
    """Reminders only for dates at most this far ahead."""

    use_model: bool = True
    """With a model backend, also ask the model for suggestions."""

    model_interval_s: float = Field(3600.0, ge=60)
    """How often the model is asked for suggestions."""

    notes_dir: Path | None = None
    """Where accepted notes are saved as Markdown (empty: notes/ in the home)."""

    reminders_dir: Path | None = None
    """Where accepted reminders are saved as .ics files (empty: reminders/ in the home)."""

    notify: bool = False
    """Show a desktop notification when a reminder is saved (notify-send / osascript)."""

    @field_validator("notes_dir", "reminders_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("quiet_hours")
    @classmethod
    def _two_hours(cls, value: list[int]) -> list[int]:
        if value and (len(value) != 2 or not all(0 <= h <= 23 for h in value)):
            raise ValueError("give two hours 0-23, like [22, 8], or [] for none")
        return value

    def config(self) -> SuggestConfig:
        return SuggestConfig(
            threshold=self.threshold, max_per_hour=self.max_per_hour,
            quiet_hours=(self.quiet_hours[0], self.quiet_hours[1]) if self.quiet_hours else None,
            typing_burst_s=self.typing_burst_s, burst_rate_per_min=self.burst_rate_per_min,
            horizon_days=self.horizon_days, model_interval_s=self.model_interval_s,
        )


class QuestionSettings(Section):
    per_day: int = Field(3, ge=0)
    """New questions put to you a day when you do not ask for more (`gumd questions --limit N` or `--all` do)."""

    skip_days: float = Field(7.0, gt=0)
    """A question you skip comes back after this many days."""


class ApiSettings(Section):
    enabled: bool = False
    """Run the local HTTP API for assistants (and MCP at /mcp) inside the daemon, on 127.0.0.1 only."""

    port: int = Field(8765, ge=1024, le=65535)
    """The API's port on 127.0.0.1."""

    allow_recent_observations: bool = False
    """Let assistants read raw recent observations (screen text): /v1/observations/recent and the MCP recent_activity tool."""

    allow_actions: bool = False
    """Let assistants accept suggestions through the API, which runs their actions (open a page, write a note, add a reminder)."""

    max_body_kb: int = Field(1024, ge=1, le=65536)
    """Largest request body accepted, in KiB; larger ones get 413."""

    mcp_http: bool = True
    """Also serve MCP over streamable HTTP at /mcp on the API (same token)."""

    share_sensitive: bool = False
    """Give assistants (HTTP API and MCP) propositions the privacy audit flagged sensitive (health, finances, and the like). Off, they are left out of context and search, and asking for one by id is 404; the dashboard and the CLI still show them to you."""

    workers: int = Field(2, ge=0, le=32)
    """Processes that rank context and search requests, so the API uses more than one core; started on the first such request. 0 ranks them in the server process."""


class Settings(BaseSettings):
    """Everything gumd can be told. Each field can be set in config.toml or as an env var."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED,
        extra="forbid",
        use_attribute_docstrings=True,
    )

    store: StoreSettings = StoreSettings()
    """The SQLite database."""

    retrieval: RetrievalSettings = RetrievalSettings()
    """Ranking of `gumd query` results."""

    model: ModelSettings = ModelSettings()
    """The inferrer and its model backend."""

    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    """The propose -> revise pipeline."""

    capture: CaptureSettings = CaptureSettings()
    """What the daemon observes and how often."""

    retention: RetentionSettings = RetentionSettings()
    """How long raw data is kept, and disk guards."""

    daemon: DaemonSettings = DaemonSettings()
    """The background process."""

    suggestions: SuggestionSettings = SuggestionSettings()
    """Proactive suggestions and what accepting them may do."""

    api: ApiSettings = ApiSettings()
    """The local HTTP API and MCP server for assistants."""

    questions: QuestionSettings = QuestionSettings()
    """What gumd asks you about, to learn from your answers."""

    privacy: PrivacySettings = PrivacySettings()
    """What is never observed, and what is redacted before anything is stored."""

    # Not a setting: the home this object was loaded for, filled by load().
    _home: Path = PrivateAttr(default_factory=paths.home_dir)

    @property
    def home(self) -> Path:
        return self._home

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file (passed as init values).
        return (env_settings, init_settings)

    @property
    def db_path(self) -> Path:
        return self.store.path.expanduser() if self.store.path else paths.default_db(self.home)

    @property
    def config_path(self) -> Path:
        return paths.config_file(self.home)


def load(home: Path | None = None) -> Settings:
    """Read the home's config.toml and the environment into one validated Settings.

    Errors come out as one line naming the key and where it was set.
    """
    home = home or paths.home_dir()
    file = paths.config_file(home)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    if "home" in data:
        raise ConfigError(f"{file}: home: set the home with the GUMD_HOME variable, not in the file")
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file)) from None
    settings._home = home
    return settings


def _describe(exc: ValidationError, file: Path) -> str:
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"]]
    key = ".".join(loc)
    env_name = ENV_PREFIX + ENV_NESTED.join(loc).upper()
    if env_name in os.environ:
        where = f"environment variable {env_name}"
    else:
        where = f"{file}"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown setting"
    return f"{where}: {key}: {msg}"


def describe_fields(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, docstring) for every setting, for `gumd config show`."""
    out: list[tuple[str, str]] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += describe_fields(ann, f"{prefix}{name}.")
        else:
            out.append((prefix + name, info.description or ""))
    return out
