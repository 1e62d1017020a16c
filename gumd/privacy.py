"""The privacy filter every observation passes before it is stored or shown to a model."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from propositions.errors import InvalidInput
from propositions.models import Observation
from propositions.redact import redact_secrets

from . import paths
from .observers.base import Clock, WindowInfo
# What [privacy] says lives with the settings; the filter below applies it.
from .privacy_config import FILE_TYPE, GLOB_CHARS, PrivacySettings, check_name, compile_title_pattern

log = logging.getLogger(__name__)

PAUSE_FILE = "pause.json"

# ---- app matching ----------------------------------------------------------

# Platform suffixes that say nothing about which app it is.
_APP_SUFFIXES = (".app", ".exe", ".desktop")


def normalize(text: str, invisible: str = "") -> str:
    """``text`` as exclusions compare it: "Ｂｉｔ\u200bwarden" and "bitwarden" are the same.

    NFKC folds full-width and compatibility forms, format characters (zero-width spaces and
    joiners, soft hyphens, bidi marks) become ``invisible``, case is folded and spaces
    collapsed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(invisible if unicodedata.category(ch) == "Cf" else ch for ch in text)
    return " ".join(text.casefold().split())


def _squash(name: str) -> str:
    """"Keychain Access", "keychain-access" and "keychainaccess" name the same app."""
    return re.sub(r"[\s_-]+", "", name)


def _app_names(app: str) -> set[str]:
    """The forms of a reported app name that an exclusion may match."""
    name = normalize(app)
    for suffix in _APP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    names = {name, name.rsplit(".", 1)[-1]}  # bundle ids and reverse-DNS WM_CLASS
    return names | {_squash(n) for n in names}


@dataclass(frozen=True)
class _AppMatcher:
    exact: frozenset[str]
    globs: tuple[str, ...]

    @classmethod
    def build(cls, entries: Iterable[str]) -> "_AppMatcher":
        exact: set[str] = set()
        globs: list[str] = []
        for entry in entries:
            entry = normalize(entry)
            if not entry:
                continue
            if GLOB_CHARS & set(entry):
                globs.append(entry)
            else:
                exact |= {entry, _squash(entry)}
        return cls(frozenset(exact), tuple(globs))

    def matches(self, app: str) -> bool:
        names = _app_names(app)
        if names & self.exact:
            return True
        # fnmatchcase on lowercased text: case-insensitive on every OS (fnmatch is not on POSIX)
        return any(fnmatchcase(name, glob) for name in names for glob in self.globs)


# ---- names in titles and URLs ----------------------------------------------

# What may stand between the letters of a name: "Bit warden", "keepass-xc", "1 Password".
_NAME_GAP = r"[\s_-]*"
# Not inside a longer word or number: "Enpass" is not in "Enpassant".
_WORD_START, _WORD_END = r"(?<![^\W_])", r"(?![^\W_])"


def _name_regex(entries: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of ``entries`` (names, or "*.ext" file types) in normalized text."""
    alternatives: list[str] = []
    for entry in entries:
        check_name(entry, InvalidInput)  # settings built with model_construct() skip the validator
        entry = normalize(entry)
        letters = _NAME_GAP.join(re.escape(ch) for ch in entry if ch.isalnum())
        if FILE_TYPE.fullmatch(entry):
            alternatives.append(r"\." + letters + _WORD_END)
        else:
            alternatives.append(_WORD_START + letters + _WORD_END)
    if not alternatives:
        return None
    # Longest first, so that "keepassxc" is tried before "keepass" (either way it matches).
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


# ---- e-mail and phone redaction --------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\b")

# Candidates only; _is_phone decides. Not glued to a word, a number, a price, a path, a version
# or an issue number on the left; not followed by more digits, a time or a decimal on the right.
_PHONE = re.compile(
    r"(?:(?<=tel:)|(?<![\w+$€£¥.,:/#-]))"
    r"(?:\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,6}"
    r"|(?:\(\d{2,5}\)|\d{2,5})(?:[ .-]?(?:\(\d{1,4}\)|\d{2,5})){1,5})"
    r"(?!\w|[.,:/-]\d)")
_DATE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d{2})(?!\d)")
# The dotted forms phones really take (555.123.4567, 06.12.34.56.78); other dotted runs are
# IP addresses and version numbers.
_DOTTED_PHONE = re.compile(r"\d{3}\.\d{3}\.\d{4}|\d{2}(?:\.\d{2}){4}")
_CURRENCY = re.compile(r"[$€£¥]|\b(?:usd|eur|gbp|jpy|chf|cad|aud|sek|nok|dkk|kr)\b", re.IGNORECASE)


def _is_phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 9 <= digits <= 15:  # 15: the longest number E.164 allows
        return False
    international = text.startswith("+")
    if not international and text.isdigit() and not text.startswith("0"):
        return False  # a bare run: an id or a Unix time, unless it has a trunk prefix
    if not international and "." in text and not _DOTTED_PHONE.fullmatch(text):
        return False
    if _DATE.search(text):
        return False
    around = match.string[max(0, match.start() - 4):match.start()] + " " + \
        match.string[match.end():match.end() + 4]
    return not _CURRENCY.search(around)


def _redact_phones(text: str) -> tuple[str, int]:
    count = 0

    def sub(match: re.Match[str]) -> str:
        nonlocal count
        if not _is_phone(match):
            return match.group(0)
        count += 1
        return "[REDACTED:phone]"

    return _PHONE.sub(sub, text), count


# ---- pause -----------------------------------------------------------------


def pause_file(home: Path) -> Path:
    return home / PAUSE_FILE


_StatKey = tuple[int, int, int, int]


class PauseState:
    """Whether capture is paused, shared through a file so the CLI can pause the daemon.

    Checking is one ``stat``: the file is parsed again only when its identity, size or
    mtime changed. No file means not paused.
    """

    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._key: _StatKey | None = None
        self._until: float | None = None  # the end of the pause in the file; inf: until resumed
        self._paused = False
        self._warned: tuple[_StatKey | None, str] | None = None

    @classmethod
    def for_home(cls, home: Path, clock: Clock = time.time) -> "PauseState":
        return cls(pause_file(home), clock)

    def pause(self, until: float | None = None) -> None:
        """Pause capture until the time ``until`` (seconds since the epoch), or until resumed."""
        if until is not None and not math.isfinite(until):
            raise InvalidInput(f"pause until {until}: not a finite time")
        self._write({"paused": True, "until": until, "since": self.clock()})

    def resume(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise InvalidInput(f"{self.path}: cannot remove the pause file: {paths.os_reason(exc)}") from None
        with self._lock:
            self._key, self._paused, self._until = None, False, None

    def paused(self, now: float | None = None) -> bool:
        return self.paused_until(now) is not None

    def paused_until(self, now: float | None = None) -> float | None:
        """When the current pause ends: None if not paused, ``math.inf`` if until resumed."""
        now = self.clock() if now is None else now
        with self._lock:
            self._refresh()
            if not self._paused or self._until is None or now >= self._until:
                return None
            return self._until

    def _write(self, data: dict[str, Any]) -> None:
        paths.ensure_private_dir(self.path.parent)
        # mkstemp creates the file 0600; os.replace makes the new state appear all at once,
        # so a daemon polling every second never reads half a file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".pause.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise InvalidInput(f"{self.path}: cannot write the pause file: {paths.os_reason(exc)}") from None

    def _refresh(self) -> None:
        """Re-read the file if it changed since the last look (caller holds the lock)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._key, self._paused, self._until = None, False, None
            return
        except OSError as exc:
            self._fail(None, f"cannot stat: {exc.strerror}")
            return
        # inode too: os.replace swaps in a new file, which may keep the size and, on coarse
        # clocks, the mtime of the old one
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if key == self._key:
            return
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._key, self._paused, self._until = None, False, None
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(key, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
            return
        try:
            self._paused, self._until = _parse_pause(raw)
        except ValueError as exc:
            self._fail(key, str(exc))
            return
        self._key = key

    def _fail(self, key: _StatKey | None, why: str) -> None:
        # A broken pause file must not stop observation or crash the daemon; warn once per
        # version of the file and reason, not once a second.
        if (key, why) != self._warned:
            log.warning("%s: %s; treating capture as not paused", self.path, why)
            self._warned = (key, why)
        self._key, self._paused, self._until = key, False, None


def _parse_pause(raw: str) -> tuple[bool, float]:
    """(paused, until) from the file's text; until is ``math.inf`` for an open-ended pause."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("paused"), bool):
        raise ValueError("not a pause record")
    until = data.get("until")
    if until is None:
        return data["paused"], math.inf
    if isinstance(until, bool) or not isinstance(until, (int, float)) or not math.isfinite(until):
        raise ValueError(f"until: {until!r} is not a time")
    return data["paused"], float(until)


# ---- the filter ------------------------------------------------------------


class PrivacyFilter:
    """The daemon's gate and sink filter: pause, excluded apps and titles, redaction."""

    def __init__(self, settings: PrivacySettings, pause: PauseState,
                 clock: Clock = time.time) -> None:
        self.settings = settings
        self.pause = pause
        self.clock = clock
        self._apps = _AppMatcher.build(settings.all_apps())
        self._names = _name_regex(settings.all_names())
        # Compiled here too: settings built with model_construct() skip the validator.
        self._titles = [compile_title_pattern(p, InvalidInput)
                        for p in settings.all_title_patterns()]

    def is_excluded(self, app: str | None, title: str | None, url: str | None = None) -> bool:
        """Whether a window must not be observed: by its app, its title or its URL."""
        if app and self._apps.matches(app):
            return True
        names = self._names
        # Names allow gaps, so an invisible character may as well be one.
        if names is not None and any(
                text and names.search(normalize(text, " ")) for text in (app, title, url)):
            return True
        if not title:
            return False
        # A zero-width character may hide a letter's neighbour ("incog\u200bnito") or a space
        # ("Private\u200bBrowsing"); the raw title too, for patterns that rely on what
        # normalizing folds away.
        forms = {normalize(title), normalize(title, " "), title}
        return any(p.search(form) for p in self._titles for form in forms)

    def allows(self, window: WindowInfo | None) -> bool:
        """False while paused or while an excluded window is active."""
        if self.pause.paused(self.clock()):
            return False
        return window is None or not self.is_excluded(window.app, window.title, window.url)

    def admit(self, obs: Observation, *, respect_pause: bool = True) -> Observation | None:
        """``obs`` made safe to store, or None when it must not be kept at all.

        ``respect_pause=False`` is for what the user hands over on purpose
        (`gumd ingest`, `gumd replay`): a pause stops capture, not those.
        """
        if respect_pause and self.pause.paused(self.clock()):
            log.debug("dropped an observation from %s: capture is paused", obs.observer)
            return None
        if self.is_excluded(obs.app, obs.window_title, obs.url):
            log.debug("dropped an observation from %s: excluded window", obs.observer)
            return None
        kinds: list[str] = []
        content = self._redact(obs.content, kinds)
        app = self._redact(obs.app, kinds)
        title = self._redact(obs.window_title, kinds)
        url = self._redact(obs.url, kinds)
        if not kinds:
            return obs
        # Only the kinds are logged, never the text around them.
        log.debug("redacted %s in an observation from %s", ", ".join(sorted(set(kinds))),
                  obs.observer)
        # A hash taken before redaction was derived from the secret; the store recomputes it.
        return replace(obs, content=content or "", app=app, window_title=title, url=url,
                       content_hash=None)

    def redact(self, text: str) -> str:
        """``text`` as it may be stored or shown to a model: the same redaction as ``admit``.

        For text made after admission: OCR, a model's reading of a screenshot, propositions.
        """
        kinds: list[str] = []
        clean = self._redact(text, kinds)
        if kinds:
            log.debug("redacted %s", ", ".join(sorted(set(kinds))))
        return clean or ""

    def _redact(self, text: str | None, kinds: list[str]) -> str | None:
        if not text:
            return text
        text, found = redact_secrets(text)
        kinds += found
        if self.settings.redact_emails:
            text, n = _EMAIL.subn("[REDACTED:email]", text)
            kinds += ["email"] * n
        if self.settings.redact_phones:
            text, n = _redact_phones(text)
            kinds += ["phone"] * n
        return text


def admit_all(privacy: PrivacyFilter, observations: list[Observation]) -> list[Observation]:
    """What the user handed over on purpose, through exclusions and redaction (not the pause)."""
    admitted = (privacy.admit(o, respect_pause=False) for o in observations)
    return [o for o in admitted if o is not None]
