"""What `[privacy]` says: the apps, names and window titles never observed, and what is redacted.

Config only, so the settings can hold it without importing the filter (gumd/privacy.py),
which applies it to every observation.
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationInfo, field_validator

from .section import Section

DEFAULT_EXCLUDE_APPS: tuple[str, ...] = (
    # password managers
    "1Password", "Bitwarden", "KeePassXC", "KeePass", "Keychain Access", "LastPass",
    "Enpass", "Dashlane", "Proton Pass",
    # lock screens and screen savers
    "loginwindow", "ScreenSaverEngine", "gnome-screensaver", "xscreensaver", "i3lock",
    "light-locker", "xsecurelock", "kscreenlocker_greet",
)

# Password managers and vault files, excluded wherever they show: in the app's name, and in
# the window title or URL of any app (a web vault runs in the browser, a .kdbx file can be
# opened from a terminal). Names match as words; "*.ext" entries match a file type.
DEFAULT_EXCLUDE_NAMES: tuple[str, ...] = (
    "1Password", "Bitwarden", "Vaultwarden", "KeePassXC", "KeePassX", "KeePass", "KeeWeb",
    "Keychain", "LastPass", "Enpass", "Dashlane", "Proton Pass", "NordPass", "RoboForm",
    "pwsafe", "KWalletManager", "Passwords and Keys",
    # KeePass, 1Password exports and vaults, Password Safe, macOS keychains, KWallet
    "*.kdb", "*.kdbx", "*.1pif", "*.1pux", "*.opvault", "*.agilekeychain", "*.psafe3",
    "*.keychain", "*.keychain-db", "*.kwl",
)

DEFAULT_EXCLUDE_TITLE_PATTERNS: tuple[str, ...] = (
    # Chrome, Chromium and Brave: "New Tab - Google Chrome (Incognito)"
    r"\bincognito\b",
    # Firefox ("Mozilla Firefox Private Browsing") and Safari
    r"\bprivate browsing\b",
    # Edge: "New tab - [InPrivate] - Microsoft Edge"
    r"\binprivate\b",
    # Brave ("Private Window", "Private Window with Tor"), Firefox, Safari
    r"\bprivate window\b",
    # lock screens that report themselves as a window; anchored so pages *about* them still pass
    r"^\s*(?:lock ?screen|screen ?lock(?:ed)?|screen ?saver|screen ?shield)\s*$",
    # keyring unlock prompts, where a password is typed
    r"\bunlock\b.*\bkeyring\b",
)


def compile_title_pattern(pattern: str, error: type[Exception]) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        # re.error's text is one line ("missing ), unterminated subpattern at position 0")
        raise error(f"invalid title pattern {pattern!r}: {exc}") from None


GLOB_CHARS = frozenset("*?[")
FILE_TYPE = re.compile(r"\*\.[A-Za-z0-9][A-Za-z0-9-]*")


def check_name(entry: str, error: type[Exception]) -> None:
    if GLOB_CHARS & set(entry) and not FILE_TYPE.fullmatch(entry.strip()):
        raise error(f"{entry!r}: give a name or a file type like '*.kdbx' "
                    "(regexes go in exclude_title_patterns)")
    if not FILE_TYPE.fullmatch(entry.strip()) and not any(c.isalnum() for c in entry):
        raise error(f"{entry!r}: a name needs at least one letter or digit")


class PrivacySettings(Section):
    exclude_apps: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE_APPS))
    """Apps never observed (names or globs, any case, bundle ids too); replaces the defaults."""

    exclude_names: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE_NAMES))
    """Password managers and vault files: no window is observed whose app, title or URL names one (as a word, in any case, spacing or zero-width characters; '*.kdbx' is a file type); replaces the defaults."""

    extra_exclude_names: list[str] = Field(default_factory=list)
    """More names and file types to exclude, on top of exclude_names."""

    exclude_title_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE_TITLE_PATTERNS))
    """Window-title regexes (any case) never observed: private browsing, lock screens."""

    extra_exclude_apps: list[str] = Field(default_factory=list)
    """More apps to exclude, on top of exclude_apps."""

    extra_exclude_title_patterns: list[str] = Field(default_factory=list)
    """More window-title regexes to exclude, on top of exclude_title_patterns."""

    redact_emails: bool = False
    """Replace e-mail addresses with [REDACTED:email] before anything is stored."""

    redact_phones: bool = False
    """Replace phone numbers (9 or more digits) with [REDACTED:phone] before anything is stored."""

    @field_validator("exclude_title_patterns", "extra_exclude_title_patterns", "exclude_names",
                     "extra_exclude_names")
    @classmethod
    def _entries_valid(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # ValueError: settings.load() turns it into a one-line ConfigError naming the key
        check = compile_title_pattern if "title" in info.field_name else check_name
        for entry in value:
            check(entry, ValueError)
        return value

    def all_apps(self) -> list[str]:
        return [*self.exclude_apps, *self.extra_exclude_apps]

    def all_names(self) -> list[str]:
        return [*self.exclude_names, *self.extra_exclude_names]

    def all_title_patterns(self) -> list[str]:
        return [*self.exclude_title_patterns, *self.extra_exclude_title_patterns]
