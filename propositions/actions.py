"""Typed actions a suggestion offers, validated before anything runs, and the runner that performs them."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, Union
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, field_validator

from .errors import ActionError

#: how long a helper program (xclip, notify-send, xdg-open) may take
TOOL_TIMEOUT_S = 10.0
_MAX_NAME = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _single_line(value: Any) -> Any:
    return _one_line(value) if isinstance(value, str) else value


#: titles become file names and notification headings: one line, spaces collapsed
Title = Annotated[str, BeforeValidator(_single_line), Field(min_length=1, max_length=200)]


class OpenUrl(BaseModel):
    """Open a web page in the default browser."""

    type: Literal["open_url"] = "open_url"
    url: str = Field(min_length=1, max_length=2048)

    @field_validator("url")
    @classmethod
    def _web_only(cls, url: str) -> str:
        url = url.strip()
        # Only web pages: javascript:, file:, data: and custom schemes can run or read things.
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"only http and https addresses can be opened, not {url[:80]!r}")
        if _CONTROL.search(url) or " " in url:
            raise ValueError("the address contains spaces or control characters")
        return url


#: file types that run something when "opened", whatever their mode bits: scripts, programs,
#: installers and packages, launchers and shortcuts (which can point at a program), disk images
RUNNABLE_SUFFIXES = frozenset("""
    app appex appimage application appref-ms applescript action apk bat bash bin bundle cmd com
    command cpl crx csh deb desktop diagcab dll dmg dylib elf exe fileloc fish flatpak flatpakref
    framework gadget hta img inetloc inf ins iso jar jnlp js jse ksh kext lnk library-ms lua
    mdimporter mobileconfig mpkg msc msi msix msp osax php pif pkg pl plugin prefpane ps1 psm1 py
    pyc pyo pyw pyz pyzw qlgenerator rb reg rpm run saver scf scpt scptd scr searchconnector-ms
    service settingcontent-ms sh shortcut snap so tcl terminal tool url vb vbe vbs vhd vhdx wdgt
    webloc wflow workflow ws wsc wsf wsh xpc xpi zsh
""".split())
#: folders that macOS runs or installs rather than shows (an .app is a folder): never opened,
#: nor anything inside one
BUNDLE_SUFFIXES = frozenset("""
    app appex action bundle framework kext mdimporter mpkg osax pkg plugin prefpane qlgenerator
    saver scptd service wdgt workflow xpc
""".split())


def _suffix(name: str) -> str:
    # Windows ignores trailing dots and spaces: "setup.exe. " runs as setup.exe.
    stem = name.rstrip(". ")
    return stem.rsplit(".", 1)[1].casefold() if "." in stem.lstrip(".") else ""


def _named(path: str) -> str:
    """A path in an error message: escaped, and clipped so the message stays one short line."""
    shown = escape_invisible(path)
    return shown if len(shown) <= 160 else shown[:80] + "…" + shown[-79:]


def document_problem(path: str) -> str | None:
    """Why ``path`` may not be opened, or None for a document (or a plain folder) that may.

    Opening hands the path to the desktop's default handler (``open``, ``xdg-open``), which
    runs programs, scripts, installers and app bundles. The path comes from screen text, so
    only documents pass: an absolute, existing regular file without an execute bit whose
    type is not runnable, or a folder that is not an application bundle; a symbolic link is
    judged by both its own name and what it points to.
    """
    try:
        found = Path(path).expanduser()
    except (RuntimeError, KeyError):  # "~nosuchuser/…"
        return f"the home folder in {_named(path)} does not exist"
    if not found.is_absolute():
        return f"the path {_named(path)} is not absolute"
    try:
        info = found.stat()
        real = Path(os.path.realpath(found))
    except (FileNotFoundError, NotADirectoryError):
        return f"no such file: {_named(path)}"
    except (OSError, ValueError) as exc:
        return f"cannot look up {_named(path)}: {getattr(exc, 'strerror', None) or exc}"
    for name in (found, real):
        if any(_suffix(part) in BUNDLE_SUFFIXES for part in name.parts):
            return f"{_named(path)} is or lies inside an application bundle; only documents are opened"
        if _suffix(name.name) in RUNNABLE_SUFFIXES:
            return (f"{_named(path)} is a runnable file type (.{_suffix(name.name)}); "
                    "only documents are opened")
    if stat.S_ISDIR(info.st_mode):
        if (real / "Contents" / "Info.plist").exists() or (real / "Contents" / "MacOS").exists():
            return f"{_named(path)} is an application bundle; only documents are opened"
        return None
    if not stat.S_ISREG(info.st_mode):
        return f"{_named(path)} is not a regular file"
    if info.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
        return f"{_named(path)} is executable; only documents are opened"
    return None


class OpenFile(BaseModel):
    """Open an existing document (or a plain folder) with its default application; never a
    program, a script, an installer or an app (see ``document_problem``)."""

    type: Literal["open_file"] = "open_file"
    path: str = Field(min_length=1, max_length=4096)

    @field_validator("path")
    @classmethod
    def _document(cls, path: str) -> str:
        problem = document_problem(path)
        if problem:
            raise ValueError(problem)
        return path


class WriteNote(BaseModel):
    """Save a Markdown note in the notes folder."""

    type: Literal["write_note"] = "write_note"
    title: Title
    body: str = Field(default="", max_length=100_000)


class CreateReminder(BaseModel):
    """Save a calendar reminder (.ics) and, where enabled, show a desktop notification."""

    type: Literal["create_reminder"] = "create_reminder"
    title: Title
    at: datetime  # ISO 8601; a time without a zone is local time
    body: str = Field(default="", max_length=20_000)
    lead_minutes: int = Field(default=15, ge=0, le=10_080)  # the alarm goes off this much earlier

    def at_utc(self) -> datetime:
        at = self.at if self.at.tzinfo else self.at.astimezone()  # naive: local time
        return at.astimezone(timezone.utc)


class CopyText(BaseModel):
    """Put text on the clipboard."""

    type: Literal["copy_text"] = "copy_text"
    text: str = Field(min_length=1, max_length=100_000)


Action = Annotated[
    Union[OpenUrl, OpenFile, WriteNote, CreateReminder, CopyText], Field(discriminator="type")
]
ACTION_TYPES = ("open_url", "open_file", "write_note", "create_reminder", "copy_text")
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)


def parse_action(value: Mapping[str, Any] | BaseModel) -> Action:
    """A validated action from a stored dict (or a model); ActionError says what is wrong."""
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)
    if not data:
        raise ActionError("no action given")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            raise ActionError(f"unknown action type {data.get('type')!r}; "
                              f"expected one of {', '.join(ACTION_TYPES)}") from None
        where = ".".join(str(p) for p in first["loc"] if p != data.get("type"))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ActionError(_one_line(f"invalid {data.get('type', 'action')}: "
                                    f"{where + ': ' if where else ''}{message}")) from None


def describe_action(
    action: Mapping[str, Any] | BaseModel | None,
    *,
    notes_dir: str | Path | None = None,
    reminders_dir: str | Path | None = None,
    notify: bool = False,
    strict: bool = True,
) -> str:
    """What accepting runs, with its exact target: the address, the path, the note's or the
    reminder's title and file (with the folders, the file it would be saved as now).

    One line; control and invisible characters are shown escaped, so what is shown is what
    runs. An action that may not run raises ActionError, or with ``strict=False`` is
    described as "cannot run: why".
    """
    if not action:
        return "nothing to run (accepting only records that it helped)"
    try:
        checked = parse_action(action)
    except ActionError as exc:
        if strict:
            raise
        return f"cannot run: {exc}"
    if isinstance(checked, OpenUrl):
        return f"open {escape_invisible(checked.url)} in the web browser"
    if isinstance(checked, OpenFile):
        found = Path(checked.path).expanduser()
        return f"open the {'folder' if found.is_dir() else 'file'} {escape_invisible(str(found))}"
    if isinstance(checked, WriteNote):
        name = f"{_safe_name(checked.title)}.md"
        where = (escape_invisible(str(_free_path(Path(notes_dir).expanduser(), _safe_name(checked.title), ".md")))
                 if notes_dir else f"{name} in the notes folder")
        return f"save the note “{escape_invisible(checked.title)}” as {where}"
    if isinstance(checked, CreateReminder):
        local = checked.at_utc().astimezone()
        stem = f"{local:%Y%m%d-%H%M}-{_safe_name(checked.title)}"
        where = (escape_invisible(str(_free_path(Path(reminders_dir).expanduser(), stem, ".ics")))
                 if reminders_dir else f"{stem}.ics in the reminders folder")
        alarm = f", alarm {checked.lead_minutes} min before" if checked.lead_minutes else ""
        return (f"save the reminder “{escape_invisible(checked.title)}” for {local:%a %d %b %Y %H:%M}{alarm}, "
                f"as {where}" + (", and show a desktop notification" if notify else ""))
    text = escape_invisible(checked.text)
    clipped = text if len(text) <= 300 else text[:299] + "…"
    return f"copy {len(checked.text)} characters to the clipboard: “{clipped}”"


def escape_invisible(text: str) -> str:
    """``text`` on one line, exactly: control, invisible and direction-changing characters
    escaped ("report\u202efdp.exe" cannot pass for "reportexe.pdf")."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))


def action_json_schema() -> dict[str, Any]:
    """The JSON Schema of an action, for prompts that ask a model to choose one."""
    return _ADAPTER.json_schema()


#: opens a URL or a file path; returns False (or raises) when it could not
Opener = Callable[[str], object]
Runner = Callable[..., "subprocess.CompletedProcess[Any]"]


class SupportsRun(Protocol):
    """Anything that performs a stored action: ActionRunner, or a test's or an adapter's stand-in."""

    def run(self, action: Mapping[str, Any]) -> str: ...


def describe_for(runner: object | None, action: Mapping[str, Any] | BaseModel | None, *,
                 strict: bool = True) -> str:
    """``runner.describe(action)`` where the runner can say where it saves; else describe_action."""
    describe = getattr(runner, "describe", None)
    if callable(describe) and action:
        return str(describe(action, strict=strict))
    return describe_action(action, strict=strict)


class ActionRunner:
    """Performs validated actions. Never runs a shell: every program gets a fixed argv."""

    def __init__(
        self,
        notes_dir: str | Path,
        reminders_dir: str | Path,
        notify: bool = False,
        opener: Opener | None = None,
        runner: Runner = subprocess.run,
        *,
        platform: str | None = None,
        which: Callable[[str], str | None] = shutil.which,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.notes_dir = Path(notes_dir).expanduser()
        self.reminders_dir = Path(reminders_dir).expanduser()
        self.notify = notify
        self.opener = opener
        self.runner = runner
        self.platform = platform or sys.platform
        self.which = which
        self.environ = environ
        self.clock = clock

    def describe(self, action: Mapping[str, Any] | BaseModel | None, *, strict: bool = True) -> str:
        """What running ``action`` would do now, with its exact target (see describe_action)."""
        if strict and action:
            self._check_time(parse_action(action))
        return describe_action(action, notes_dir=self.notes_dir, reminders_dir=self.reminders_dir,
                               notify=self.notify, strict=strict)

    def run(self, action: Mapping[str, Any] | BaseModel) -> str:
        """Validate ``action`` again (files come and go, a document can become a program),
        perform it, and say what was done."""
        checked = parse_action(action)
        handler = getattr(self, f"_{checked.type}")
        return handler(checked)

    # -- the actions ------------------------------------------------------------

    def _open_url(self, action: OpenUrl) -> str:
        opened = (self.opener or webbrowser.open)(action.url)
        if opened is False:
            raise ActionError(f"no web browser could open {action.url}")
        return f"opened {action.url}"

    def _open_file(self, action: OpenFile) -> str:
        path = str(Path(action.path).expanduser())
        if self.opener is not None:
            if self.opener(path) is False:
                raise ActionError(f"could not open {action.path}")
        elif self.platform == "darwin":
            self._call(["open", "--", path], tool="open")
        elif self.platform.startswith("win"):
            os.startfile(path)  # type: ignore[attr-defined]  # only exists on Windows
        else:
            self._call(["xdg-open", path], tool="xdg-open", package="xdg-utils")
        return f"opened {action.path}"

    def _write_note(self, action: WriteNote) -> str:
        folder = _private_dir(self.notes_dir)
        text = f"# {action.title}\n\n{action.body.rstrip()}\n"
        path = _create_new(folder, _safe_name(action.title), ".md", text)
        return f"wrote note {path}"

    def _check_time(self, action: Action) -> None:
        if isinstance(action, CreateReminder) and action.at_utc().timestamp() <= self.clock():
            raise ActionError(f"the reminder time {action.at.isoformat(timespec='minutes')} has passed")

    def _create_reminder(self, action: CreateReminder) -> str:
        start = action.at_utc()
        self._check_time(action)
        folder = _private_dir(self.reminders_dir)
        local = start.astimezone()
        name = f"{local:%Y%m%d-%H%M}-{_safe_name(action.title)}"
        ics = ics_event(action, stamp=datetime.fromtimestamp(self.clock(), timezone.utc))
        path = _create_new(folder, name, ".ics", ics, newline="")
        done = f"saved reminder {path} for {local:%a %d %b %Y %H:%M}"
        if self.notify:
            done += self._notify(action.title, f"Reminder for {local:%a %d %b %H:%M}")
        return done

    def _copy_text(self, action: CopyText) -> str:
        data = action.text.encode("utf-8")
        if self.platform == "darwin":
            argv = ["pbcopy"]
        elif self.platform.startswith("linux") or "bsd" in self.platform:
            env = os.environ if self.environ is None else self.environ
            if not env.get("DISPLAY"):
                raise ActionError("no X display for the clipboard: DISPLAY is not set")
            tool = next((t for t in ("xclip", "xsel") if self.which(t)), None)
            if tool is None:
                raise ActionError("no clipboard tool: install xclip (or xsel)")
            argv = ["xclip", "-selection", "clipboard"] if tool == "xclip" else [
                "xsel", "--clipboard", "--input"]
        else:
            raise ActionError(f"copying to the clipboard is not supported on {self.platform}")
        self._call(argv, tool=argv[0], data=data)
        return f"copied {len(action.text)} characters to the clipboard"

    # -- helpers ---------------------------------------------------------------

    def _notify(self, title: str, body: str) -> str:
        """A desktop notification; its absence or failure never undoes the reminder."""
        if self.platform == "darwin":
            tool = "osascript"
            # The texts travel as arguments, never spliced into the script.
            argv = ["osascript", "-e", "on run argv", "-e",
                    "display notification (item 2 of argv) with title (item 1 of argv)",
                    "-e", "end run", title, body]
        else:
            tool = "notify-send"
            argv = ["notify-send", "--app-name=gumd", "--", title, body]
        if not self.which(tool):
            return f" (no desktop notification: {tool} is not installed)"
        try:
            self._call(argv, tool=tool)
        except ActionError as exc:
            return f" (no desktop notification: {exc})"
        return "; notified"

    def _env(self) -> dict[str, str] | None:
        """The environment given to this runner (e.g. the session's DISPLAY), else the process's."""
        return None if self.environ is None else dict(self.environ)

    def _call(self, argv: list[str], *, tool: str, package: str | None = None,
              data: bytes | None = None) -> None:
        """Run one helper program; any way it fails becomes one ActionError line.

        Its output goes to /dev/null and a temporary file, not pipes: xclip and
        xsel leave a child serving the clipboard that would hold a pipe open
        and make this wait until the selection changes hands.
        """
        with tempfile.TemporaryFile() as errors:
            try:
                done = self.runner(argv, input=data, stdout=subprocess.DEVNULL, stderr=errors,
                                   timeout=TOOL_TIMEOUT_S, check=False, env=self._env())
            except FileNotFoundError:
                raise ActionError(f"{tool} is not installed: install {package or tool}") from None
            except subprocess.TimeoutExpired:
                raise ActionError(f"{tool} did not finish within {TOOL_TIMEOUT_S:.0f} s") from None
            except OSError as exc:
                raise ActionError(f"cannot run {tool}: {exc.strerror or exc}") from None
            if done.returncode != 0:
                errors.seek(0)
                said = _one_line(errors.read(500).decode("utf-8", "replace"))
                raise ActionError(f"{tool} failed (exit {done.returncode})" + (f": {said}" if said else ""))


# -- files -----------------------------------------------------------------------


def _private_dir(path: Path) -> Path:
    """The folder, created 0700 when it is new (an existing folder keeps its mode)."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ActionError(f"cannot create {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ActionError(f"{path} is not a folder")
    return path


def _safe_name(title: str) -> str:
    """A file name stem from a title: ASCII letters, digits and dashes only."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return stem[:_MAX_NAME].rstrip("-") or "untitled"


def _candidate_names(folder: Path, stem: str, suffix: str) -> Iterator[Path]:
    for n in range(1, 1000):
        yield folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    """The file _create_new would write now."""
    return next((p for p in _candidate_names(folder, stem, suffix) if not os.path.lexists(p)),
                folder / f"{stem}{suffix}")


def _create_new(folder: Path, stem: str, suffix: str, text: str, newline: str | None = None) -> Path:
    """Write ``text`` to a new 0600 file; an existing name gets -2, -3, ... (never overwritten)."""
    for path in _candidate_names(folder, stem, suffix):
        try:
            # O_EXCL: another process making the same name at once cannot be overwritten either.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ActionError(f"cannot write {path}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            f.write(text)
        return path
    raise ActionError(f"too many files named {stem}{suffix} in {folder}")


# -- iCalendar (RFC 5545) ----------------------------------------------------------


def ics_event(action: CreateReminder, stamp: datetime) -> str:
    """One VEVENT with a display alarm, CRLF line ends, long lines folded at 75 octets."""
    start = action.at_utc()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//gumd//suggestions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uuid.uuid4()}@gumd",
        f"DTSTAMP:{_ics_time(stamp)}",
        f"DTSTART:{_ics_time(start)}",
        f"SUMMARY:{_ics_text(action.title)}",
    ]
    if action.body:
        lines.append(f"DESCRIPTION:{_ics_text(action.body)}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_ics_text(action.title)}",
        f"TRIGGER:-PT{action.lead_minutes}M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ics_time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _ics_text(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not parts else 74  # a continuation line starts with one space
        if size + n > limit:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)
