"""The privacy filter: exclusions, redaction, and the pause shared through a file."""

from __future__ import annotations

import logging
import math
import os
import stat
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from gumd import settings as settings_mod
from gumd.observers.base import WindowInfo
from gumd.privacy import PauseState, PrivacyFilter, PrivacySettings, pause_file
from propositions.errors import InvalidInput
from propositions.models import Observation
from .conftest import FakeClock

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
CARD = "4111 1111 1111 1111"


def make_filter(home: Path, clock: FakeClock, **settings: object) -> PrivacyFilter:
    return PrivacyFilter(PrivacySettings(**settings), PauseState.for_home(home, clock), clock)


@pytest.fixture
def pf(gumd_home: Path, clock: FakeClock) -> PrivacyFilter:
    return make_filter(gumd_home, clock)


def obs(content: str = "", *, app: str = "Firefox", title: str = "Docs",
        url: str | None = None, content_hash: str | None = None) -> Observation:
    return Observation(captured_at=0.0, observer="test", content=content, app=app,
                       window_title=title, url=url, content_hash=content_hash)


# ---- exclusions --------------------------------------------------------------


@pytest.mark.parametrize("app", [
    "1Password", "Bitwarden", "KeePassXC", "KeePass", "Keychain Access", "LastPass", "Enpass",
    "Dashlane", "Proton Pass",
])
def test_password_managers_are_excluded(pf: PrivacyFilter, app: str) -> None:
    assert pf.is_excluded(app, "Vault")
    assert not pf.allows(WindowInfo(app=app, title="Vault"))


@pytest.mark.parametrize("app", [
    "loginwindow", "ScreenSaverEngine", "gnome-screensaver", "xscreensaver", "i3lock",
    "light-locker", "xsecurelock", "kscreenlocker_greet",
])
def test_lock_screens_are_excluded(pf: PrivacyFilter, app: str) -> None:
    assert not pf.allows(WindowInfo(app=app, title=""))


@pytest.mark.parametrize("app, title", [
    ("Google-chrome", "New Tab - Google Chrome (Incognito)"),
    ("Chromium", "Inbox - Chromium (Incognito)"),
    ("Firefox", "Bank — Mozilla Firefox Private Browsing"),
    ("Safari", "Private Browsing"),
    ("Microsoft-edge", "New tab - [InPrivate] - Microsoft Edge"),
    ("Brave-browser", "New Private Window - Brave"),
    ("Brave-browser", "Private Window with Tor - Brave"),
    ("Xfce4-screensaver", "Lock Screen"),
    ("gcr-prompter", "Unlock Login Keyring"),
])
def test_private_browsing_and_lock_screen_titles_are_excluded(
        pf: PrivacyFilter, app: str, title: str) -> None:
    assert pf.is_excluded(app, title)
    assert not pf.allows(WindowInfo(app=app, title=title))


@pytest.mark.parametrize("app, title", [
    ("Firefox", "Python docs — Mozilla Firefox"),
    ("Google-chrome", "Pull request #12 - GitHub - Google Chrome"),
    ("Code", "privacy.py - gumd - Visual Studio Code"),
    ("Terminal", "~/src/gumd"),
    ("Firefox", "Lock screen settings — Mozilla Firefox"),
])
def test_normal_windows_are_allowed(pf: PrivacyFilter, app: str, title: str) -> None:
    assert not pf.is_excluded(app, title)
    assert pf.allows(WindowInfo(app=app, title=title))


def test_no_window_is_allowed_unless_paused(pf: PrivacyFilter) -> None:
    assert pf.allows(None)
    pf.pause.pause()
    assert not pf.allows(None)


@pytest.mark.parametrize("app", [
    "1password", "KEEPASSXC", "org.keepassxc.KeePassXC", "com.1password.1password",
    "keychainaccess", "keychain-access", "proton-pass", "KeePass.exe", "Bitwarden.app",
])
def test_case_bundle_ids_and_spelling_variants_match(pf: PrivacyFilter, app: str) -> None:
    assert pf.is_excluded(app, "")


def test_names_that_merely_contain_an_excluded_name_pass(pf: PrivacyFilter) -> None:
    assert not pf.is_excluded("Enpassant Chess", "")
    assert not pf.is_excluded("ClassPass", "")
    assert not pf.is_excluded("passwords.txt - Notepad", "")


# A password manager, or one of its vault files, is excluded wherever it shows: a web vault has
# the browser's app name, a vault file can be opened from a terminal or an editor.
@pytest.mark.parametrize("app, title", [
    ("XTerm", "KeePassXC - Passwords.kdbx"),
    ("Firefox-esr", "Bitwarden Web Vault — Mozilla Firefox"),
    ("Firefox-esr", "1Password — Mozilla Firefox"),
    ("Google-chrome", "LastPass: Free Password Manager - Google Chrome"),
    ("Mousepad", "*export.1pif - Mousepad"),
    ("Mousepad", "1PasswordExport.1pux - Mousepad"),
    ("XTerm", "vim ~/Dropbox/Vault.opvault/default/profile.js"),
    ("XTerm", "ls 1Password.agilekeychain"),
    ("XTerm", "pwsafe home.psafe3"),
    ("Finder", "login.keychain-db"),
    ("XTerm", "cp Old.kdb /tmp"),
    ("Safari", "Keychain"),
    ("Firefox", "Dashlane - Mozilla Firefox"),
    ("Firefox", "Proton Pass — Mozilla Firefox"),
    ("Firefox", "vault.bitwarden.com/#/vault"),
])
def test_password_managers_and_vault_files_are_excluded_by_title(
        pf: PrivacyFilter, app: str, title: str) -> None:
    assert pf.is_excluded(app, title)
    assert not pf.allows(WindowInfo(app=app, title=title))  # so no screenshot is taken either
    assert pf.admit(obs("master password hunter2", app=app, title=title)) is None


@pytest.mark.parametrize("url", [
    "https://vault.bitwarden.com/#/login",
    "https://my.1password.com/signin",
    "https://lastpass.com/?ac=1&lpnorefresh=1",
    "file:///home/dana/Passwords.kdbx",
])
def test_password_managers_and_vault_files_are_excluded_by_url(pf: PrivacyFilter, url: str) -> None:
    assert pf.is_excluded("Firefox", "Sign in", url)
    assert not pf.allows(WindowInfo(app="Firefox", title="Sign in", url=url))
    assert pf.admit(obs("master password hunter2", title="Sign in", url=url)) is None


@pytest.mark.parametrize("app, title", [
    ("Bit\u200bwarden", ""),                      # zero-width space inside the name
    ("Bitwarden Desktop", "Vault"),
    ("BITWARDEN", ""),
    ("Firefox", "Bit warden — Mozilla Firefox"),
    ("Firefox", "bit-warden"),
    ("Firefox", "KeePass\u00adXC"),               # soft hyphen
    ("Firefox", "Kee\u200dPass\u2060XC"),          # zero-width joiner, word joiner
    ("Firefox", "\uff2b\uff45\uff45\uff30\uff41\uff53\uff53"),  # full-width KeePass
    ("XTerm", "Passwords.KDBX"),
    ("XTerm", "Passwords.kd\u200bbx"),
    ("Firefox", "Private\u200bBrowsing"),
    ("Chromium", "New Tab - Chromium (Incog\u200bnito)"),
    ("Firefox", "Mozilla Firefox Private   Browsing"),
])
def test_exclusions_ignore_case_spacing_and_invisible_characters(
        pf: PrivacyFilter, app: str, title: str) -> None:
    assert pf.is_excluded(app, title)


@pytest.mark.parametrize("app, title", [
    ("Firefox", "Change your password - Google Account — Mozilla Firefox"),
    ("Firefox", "kdb+ tutorial — Mozilla Firefox"),
    ("XTerm", "make keychains"),
    ("Firefox", "Bitwardens of the galaxy"),
])
def test_windows_that_only_mention_passwords_pass(pf: PrivacyFilter, app: str, title: str) -> None:
    assert not pf.is_excluded(app, title)


def test_excluded_names_can_be_replaced_and_extended(gumd_home: Path, clock: FakeClock) -> None:
    f = make_filter(gumd_home, clock, exclude_names=["Signal"], extra_exclude_names=["*.vault"])
    assert f.is_excluded("Firefox", "Signal — Mozilla Firefox")
    assert f.is_excluded("XTerm", "less home.vault")
    assert not f.is_excluded("XTerm", "KeePassXC - Passwords.kdbx")


@pytest.mark.parametrize("entry", ["*kdbx*", "Bit?arden", "[ab]", "---"])
def test_an_unusable_excluded_name_is_one_line(entry: str) -> None:
    with pytest.raises(ValidationError) as info:
        PrivacySettings(extra_exclude_names=[entry])
    line = settings_mod._describe(info.value, Path("config.toml"))
    assert "\n" not in line and "extra_exclude_names" in line and repr(entry) in line


def test_globs_match_names_and_bundle_ids(gumd_home: Path, clock: FakeClock) -> None:
    f = make_filter(gumd_home, clock, extra_exclude_apps=["*banking*", "com.example.*", "Sig?al"])
    assert f.is_excluded("MyBanking App", "")
    assert f.is_excluded("com.example.Wallet", "")
    assert f.is_excluded("signal", "")
    assert not f.is_excluded("Firefox", "")


def test_user_extras_add_to_the_defaults(gumd_home: Path, clock: FakeClock) -> None:
    f = make_filter(gumd_home, clock, extra_exclude_apps=["Signal"],
                    extra_exclude_title_patterns=[r"\bpayroll\b"])
    assert f.is_excluded("Signal", "")
    assert f.is_excluded("Firefox", "Payroll — Mozilla Firefox")
    assert f.is_excluded("1Password", "")  # the defaults still hold
    assert f.is_excluded("Firefox", "Mozilla Firefox Private Browsing")


def test_setting_the_main_lists_replaces_the_defaults(gumd_home: Path, clock: FakeClock) -> None:
    f = make_filter(gumd_home, clock, exclude_apps=["Signal"], exclude_names=[],
                    exclude_title_patterns=[])
    assert f.is_excluded("Signal", "")
    assert not f.is_excluded("1Password", "Mozilla Firefox Private Browsing")


# ---- invalid patterns --------------------------------------------------------


def test_invalid_regex_is_one_line_naming_the_pattern() -> None:
    with pytest.raises(ValidationError) as info:
        PrivacySettings(extra_exclude_title_patterns=["ok", "(unclosed"])
    line = settings_mod._describe(info.value, Path("config.toml"))
    assert "\n" not in line
    assert "extra_exclude_title_patterns" in line and "'(unclosed'" in line


def test_invalid_regex_reaching_the_filter_raises_invalid_input(
        gumd_home: Path, clock: FakeClock) -> None:
    unchecked = PrivacySettings.model_construct(exclude_title_patterns=["[a-"])
    with pytest.raises(InvalidInput) as info:
        PrivacyFilter(unchecked, PauseState.for_home(gumd_home, clock), clock)
    assert "\n" not in str(info.value)
    assert "'[a-'" in str(info.value)


# ---- admit and redaction -----------------------------------------------------


def test_admit_redacts_secrets_in_content_title_and_url(pf: PrivacyFilter) -> None:
    got = pf.admit(obs(
        f"aws {AWS_KEY} and card {CARD}",
        title=f"key {AWS_KEY}",
        url="https://alice:hunter2secret@example.com/admin",
        content_hash="hash-of-raw-text",
    ))
    assert got is not None
    assert AWS_KEY not in got.content and "[REDACTED:aws-key]" in got.content
    assert CARD not in got.content and "[REDACTED:card]" in got.content
    assert got.window_title == "key [REDACTED:aws-key]"
    assert got.url == "https://alice:[REDACTED:password]@example.com/admin"
    assert got.content_hash is None  # recomputed by the store from the redacted text


def test_admit_redacts_the_app_field(pf: PrivacyFilter) -> None:
    got = pf.admit(obs("build log", app=f"deploy-{AWS_KEY}", title="deploy"))
    assert got is not None
    assert AWS_KEY not in got.app and got.app == "deploy-[REDACTED:aws-key]"


def test_admit_passes_clean_observations_unchanged(pf: PrivacyFilter) -> None:
    o = obs("reading about sqlite", url="https://sqlite.org", content_hash="h")
    assert pf.admit(o) is o


def test_admit_drops_excluded_windows(pf: PrivacyFilter) -> None:
    assert pf.admit(obs("master password", app="org.keepassxc.KeePassXC")) is None
    assert pf.admit(obs("x", title="New Tab - Google Chrome (Incognito)")) is None


def test_admit_never_logs_the_text(pf: PrivacyFilter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="gumd.privacy")
    pf.admit(obs(f"secret {AWS_KEY} in Project Falcon", title="Project Falcon"))
    pf.admit(obs("Project Falcon vault", app="1Password"))
    assert caplog.records  # it does say what happened
    assert "Falcon" not in caplog.text and AWS_KEY not in caplog.text


TEXT_WITH_CONTACTS = "Mail bob.smith+work@mail.example.co.uk or call +1 (415) 555-2671."


def test_emails_and_phones_are_kept_by_default(pf: PrivacyFilter) -> None:
    got = pf.admit(obs(TEXT_WITH_CONTACTS))
    assert got is not None and got.content == TEXT_WITH_CONTACTS


def test_email_redaction(gumd_home: Path, clock: FakeClock) -> None:
    f = make_filter(gumd_home, clock, redact_emails=True)
    got = f.admit(obs(TEXT_WITH_CONTACTS, title="Re: alice@example.org"))
    assert got is not None
    assert got.content == "Mail [REDACTED:email] or call +1 (415) 555-2671."
    assert got.window_title == "Re: [REDACTED:email]"


@pytest.mark.parametrize("phone", [
    "+1 (415) 555-2671", "+44 20 7946 0958", "+49 30 12345678", "+33 6 12 34 56 78",
    "+14155552671", "(415) 555-2671", "415-555-2671", "415.555.2671", "020 7946 0958",
    "06 12 34 56 78", "06.12.34.56.78", "0612345678", "030-1234567",
])
def test_phone_redaction(gumd_home: Path, clock: FakeClock, phone: str) -> None:
    f = make_filter(gumd_home, clock, redact_phones=True)
    got = f.admit(obs(f"Call me at {phone} tomorrow.", url=f"tel:{phone.replace(' ', '')}"))
    assert got is not None
    assert got.content == "Call me at [REDACTED:phone] tomorrow.", phone
    assert got.url == "tel:[REDACTED:phone]"


@pytest.mark.parametrize("text", [
    "Due 2026-06-13 14:30, moved to 2026-06-20 09:15:00",
    "am 13.06.2026 um 14:30 Uhr",
    "meeting 06/13/2026 at 14:30",
    "Python 3.11.7 on Windows 10.0.19041.1234",
    "server 192.168.100.200 port 8080",
    "total $1,234,567.89 or 1 234 567,89 € or EUR 123 456 789",
    "epoch 1780000000 and order #123456789",
    "ISBN 978-3-16-148410-0",
    "between 2026-06-13 and 2026-06-20",
])
def test_phone_redaction_leaves_dates_times_versions_and_prices(
        gumd_home: Path, clock: FakeClock, text: str) -> None:
    f = make_filter(gumd_home, clock, redact_phones=True, redact_emails=True)
    got = f.admit(obs(text))
    assert got is not None and got.content == text


# ---- pause -------------------------------------------------------------------


def test_pause_and_resume_across_processes(gumd_home: Path, clock: FakeClock) -> None:
    cli = PauseState.for_home(gumd_home, clock)
    daemon = PauseState.for_home(gumd_home, clock)
    f = PrivacyFilter(PrivacySettings(), daemon, clock)
    assert not daemon.paused() and f.allows(WindowInfo("Firefox", "Docs"))
    cli.pause()
    assert daemon.paused()
    assert daemon.paused_until() == math.inf
    assert not f.allows(WindowInfo("Firefox", "Docs"))
    assert f.admit(obs("anything")) is None
    cli.resume()
    assert not daemon.paused() and daemon.paused_until() is None
    assert f.admit(obs("anything")) is not None
    cli.resume()  # resuming twice is fine


def test_pause_with_expiry(gumd_home: Path, clock: FakeClock) -> None:
    cli = PauseState.for_home(gumd_home, clock)
    daemon = PauseState.for_home(gumd_home, clock)
    cli.pause(until=clock() + 600)
    assert daemon.paused() and daemon.paused_until() == clock() + 600
    clock.advance(599)
    assert daemon.paused()
    clock.advance(1)
    assert not daemon.paused() and daemon.paused_until() is None
    assert daemon.paused(now=clock() - 10)  # an explicit now wins over the clock


def test_a_new_pause_replaces_the_old_one(gumd_home: Path, clock: FakeClock) -> None:
    cli = PauseState.for_home(gumd_home, clock)
    daemon = PauseState.for_home(gumd_home, clock)
    cli.pause(until=clock() + 60)
    assert daemon.paused_until() == clock() + 60
    # same size JSON, written within the same clock tick: the cache must still notice
    cli.pause(until=clock() + 70)
    assert daemon.paused_until() == clock() + 70


def test_pause_rejects_a_time_that_is_not_finite(gumd_home: Path, clock: FakeClock) -> None:
    with pytest.raises(InvalidInput):
        PauseState.for_home(gumd_home, clock).pause(until=math.nan)


def test_checks_read_the_file_only_when_it_changed(
        gumd_home: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    state = PauseState.for_home(gumd_home, clock)
    state.pause()
    reads = 0
    real = Path.read_text

    def counting(self: Path, *args: object, **kwargs: object) -> str:
        nonlocal reads
        reads += 1
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counting)
    for _ in range(50):
        assert state.paused()
    assert reads == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_pause_file_is_private_and_no_temp_files_remain(gumd_home: Path, clock: FakeClock) -> None:
    PauseState.for_home(gumd_home, clock).pause(until=clock() + 60)
    path = pause_file(gumd_home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(gumd_home.stat().st_mode) == 0o700
    assert sorted(os.listdir(gumd_home)) == ["pause.json"]


@pytest.mark.parametrize("junk", [
    "{not json", '["paused"]', '{"paused": "yes"}', '{"paused": true, "until": "soon"}', "\xff",
])
def test_corrupt_pause_file_means_not_paused_and_warns_once(
        gumd_home: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture, junk: str) -> None:
    gumd_home.mkdir(parents=True)
    pause_file(gumd_home).write_bytes(junk.encode("latin-1"))
    state = PauseState.for_home(gumd_home, clock)
    f = PrivacyFilter(PrivacySettings(), state, clock)
    with caplog.at_level(logging.WARNING, logger="gumd.privacy"):
        for _ in range(5):
            assert not state.paused()
            assert f.allows(WindowInfo("Firefox", "Docs"))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "pause.json" in warnings[0].getMessage()
    # a good write afterwards is picked up
    PauseState.for_home(gumd_home, clock).pause()
    assert state.paused()
