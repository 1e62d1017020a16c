"""Suggestion actions: validation, refusals, notes, .ics reminders, notifications and the clipboard."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from propositions.actions import (
    ActionError,
    ActionRunner,
    CreateReminder,
    OpenUrl,
    WriteNote,
    parse_action,
)
from propositions.errors import GumdError

from .conftest import FakeClock
from .xserver import _end, _start_xvfb

NOW = datetime(2026, 9, 16, 10, 0, tzinfo=timezone.utc).timestamp()


class FakeRunner:
    """Stands in for subprocess.run: records each argv and its keyword arguments."""

    def __init__(self, returncode: int = 0, stderr: bytes = b"") -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []
        self.returncode = returncode
        self.stderr = stderr

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
        assert "shell" not in kwargs  # never a shell
        self.calls.append((argv, kwargs))
        if self.stderr and kwargs.get("stderr") not in (None, subprocess.DEVNULL):
            kwargs["stderr"].write(self.stderr)
        return subprocess.CompletedProcess(argv, self.returncode)


def runner_for(tmp_path: Path, **kwargs: Any) -> ActionRunner:
    kwargs.setdefault("clock", FakeClock(NOW))
    return ActionRunner(tmp_path / "notes", tmp_path / "reminders", **kwargs)


# -- validation and refusals ---------------------------------------------------------


@pytest.mark.parametrize("action, message", [
    ({"type": "open_url", "url": "javascript:alert(1)"}, "only http and https"),
    ({"type": "open_url", "url": "file:///etc/passwd"}, "only http and https"),
    ({"type": "open_url", "url": "data:text/html,<script>x</script>"}, "only http and https"),
    ({"type": "open_url", "url": "https://"}, "only http and https"),
    ({"type": "open_url", "url": "https://example.org/a b"}, "spaces or control characters"),
    ({"type": "open_file", "path": "/no/such/file.txt"}, "no such file"),
    ({"type": "open_file", "path": "relative/file.txt"}, "not absolute"),
    ({"type": "write_note", "title": "   "}, "title"),
    ({"type": "create_reminder", "title": "x", "at": "next week-ish"}, "at"),
    ({"type": "run_shell", "command": "rm -rf ~"}, "unknown action type 'run_shell'"),
    ({}, "no action given"),
])
def test_invalid_actions_are_refused_in_one_line(action: dict, message: str) -> None:
    with pytest.raises(ActionError) as err:
        parse_action(action)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, GumdError)


def test_actions_round_trip_through_json() -> None:
    action = parse_action({"type": "create_reminder", "title": "Call\nthe bank",
                           "at": "2026-09-17T14:00:00+02:00"})
    assert isinstance(action, CreateReminder)
    assert action.title == "Call the bank"  # one line: titles become file names
    assert action.at_utc() == datetime(2026, 9, 17, 12, 0, tzinfo=timezone.utc)
    assert parse_action(action.model_dump(mode="json")) == action


# -- opening ---------------------------------------------------------------------------


def test_open_url_goes_through_the_opener(tmp_path: Path) -> None:
    opened: list[str] = []
    runner = runner_for(tmp_path, opener=lambda target: opened.append(target))
    assert runner.run(OpenUrl(url="https://example.org/x?y=1")) == "opened https://example.org/x?y=1"
    assert opened == ["https://example.org/x?y=1"]
    with pytest.raises(ActionError, match="only http and https"):
        runner.run({"type": "open_url", "url": "javascript:alert(1)"})
    assert opened == ["https://example.org/x?y=1"]  # refused before anything ran
    no_browser = runner_for(tmp_path, opener=lambda target: False)
    with pytest.raises(ActionError, match="no web browser could open"):
        no_browser.run(OpenUrl(url="https://example.org"))


def test_open_file_checks_it_still_exists(tmp_path: Path) -> None:
    doc = tmp_path / "report.md"
    doc.write_text("x")
    fake = FakeRunner()
    runner = runner_for(tmp_path, runner=fake, platform="linux")
    assert runner.run({"type": "open_file", "path": str(doc)}) == f"opened {doc}"
    assert fake.calls[0][0] == ["xdg-open", str(doc)]
    mac = FakeRunner()
    runner_for(tmp_path, runner=mac, platform="darwin").run({"type": "open_file", "path": str(doc)})
    assert mac.calls[0][0] == ["open", "--", str(doc)]
    doc.unlink()  # gone between the suggestion and the click
    with pytest.raises(ActionError, match="no such file"):
        runner.run({"type": "open_file", "path": str(doc)})
    assert len(fake.calls) == 1


def test_a_missing_opener_program_is_a_clear_error(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("x")

    def missing(argv: list[str], **kwargs: Any) -> None:
        raise FileNotFoundError(argv[0])

    with pytest.raises(ActionError, match="xdg-open is not installed: install xdg-utils"):
        runner_for(tmp_path, runner=missing, platform="linux").run({"type": "open_file", "path": str(doc)})


# -- notes -----------------------------------------------------------------------------


def test_write_note_is_private_safe_named_and_never_overwrites(tmp_path: Path) -> None:
    runner = runner_for(tmp_path)
    title = "../../etc/passwd: Ünïcode / plan?"
    done = runner.run(WriteNote(title=title, body="- one\n- two"))
    path = Path(done.removeprefix("wrote note "))
    assert path.parent == tmp_path / "notes"
    assert path.name == "etc-passwd-unicode-plan.md"
    assert path.read_text() == f"# {title}\n\n- one\n- two\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "notes").stat().st_mode) == 0o700
    second = Path(runner.run(WriteNote(title=title, body="other")).removeprefix("wrote note "))
    assert second.name == "etc-passwd-unicode-plan-2.md"
    assert path.read_text().endswith("- two\n")  # the first one is untouched
    assert Path(runner.run(WriteNote(title="???")).removeprefix("wrote note ")).name == "untitled.md"


# -- reminders -------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    """RFC 5545 content lines: CRLF-separated, a leading space continues the previous line."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    raw = text[:-2].split("\r\n")
    for line in raw:
        assert len(line.encode("utf-8")) <= 75, line
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def parse_ics(text: str) -> list[dict[str, Any]]:
    """Each component as {"name", "props", "children"}; checks BEGIN/END nesting."""
    root: dict[str, Any] = {"name": None, "props": {}, "children": []}
    stack = [root]
    for line in unfold(text):
        name, _, value = line.partition(":")
        if name == "BEGIN":
            node = {"name": value, "props": {}, "children": []}
            stack[-1]["children"].append(node)
            stack.append(node)
        elif name == "END":
            assert stack.pop()["name"] == value
        else:
            stack[-1]["props"][name] = value
    assert len(stack) == 1
    return root["children"]


def ics_unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def test_create_reminder_writes_a_valid_ics(tmp_path: Path) -> None:
    at = datetime(2026, 9, 17, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    body = "Bring: laptop, ID; notes\nRoom 4 — “Ålesund” " + "long text " * 20
    done = runner_for(tmp_path).run(CreateReminder(title="Interview, round 2; remote", at=at, body=body))
    path = Path(done.split(" for ")[0].removeprefix("saved reminder "))
    assert path.parent == tmp_path / "reminders" and path.suffix == ".ics"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_bytes().decode("utf-8")
    [calendar] = parse_ics(text)
    assert calendar["name"] == "VCALENDAR"
    assert calendar["props"]["VERSION"] == "2.0" and calendar["props"]["PRODID"]
    [event] = calendar["children"]
    assert event["name"] == "VEVENT"
    props = event["props"]
    assert props["UID"].endswith("@gumd") and len(props["UID"]) > 30
    assert props["DTSTAMP"] == "20260916T100000Z"
    assert props["DTSTART"] == "20260917T120000Z"  # 14:00 at +02:00, in UTC
    assert ics_unescape(props["SUMMARY"]) == "Interview, round 2; remote"
    assert "\\," in props["SUMMARY"] and "\\;" in props["SUMMARY"]
    assert ics_unescape(props["DESCRIPTION"]) == body
    [alarm] = event["children"]
    assert alarm["name"] == "VALARM"
    assert alarm["props"]["ACTION"] == "DISPLAY" and alarm["props"]["TRIGGER"] == "-PT15M"
    assert alarm["props"]["DESCRIPTION"]


def test_a_reminder_in_the_past_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ActionError, match="has passed"):
        runner_for(tmp_path).run({"type": "create_reminder", "title": "x", "at": "2026-09-16T09:00:00+00:00"})
    assert not (tmp_path / "reminders").exists()


def test_reminder_notifies_through_notify_send(tmp_path: Path) -> None:
    fake = FakeRunner()
    runner = runner_for(tmp_path, notify=True, runner=fake, platform="linux",
                        which=lambda name: f"/usr/bin/{name}")
    done = runner.run({"type": "create_reminder", "title": "Dentist; bring $card",
                       "at": "2026-09-17T11:00:00+00:00"})
    assert done.endswith("; notified")
    [(argv, kwargs)] = fake.calls
    assert argv[:3] == ["notify-send", "--app-name=gumd", "--"]
    assert argv[3] == "Dentist; bring $card"  # an argument, never parsed by a shell
    assert kwargs["timeout"] > 0


def test_reminder_notifies_through_osascript_with_arguments(tmp_path: Path) -> None:
    fake = FakeRunner()
    runner = runner_for(tmp_path, notify=True, runner=fake, platform="darwin",
                        which=lambda name: f"/usr/bin/{name}")
    title = 'Say "hi" & quit'
    runner.run({"type": "create_reminder", "title": title, "at": "2026-09-17T11:00:00+00:00"})
    [(argv, _)] = fake.calls
    assert argv[0] == "osascript"
    assert title not in " ".join(argv[:-2])  # the text is passed as an argument, not in the script
    assert argv[-2] == title


def test_reminder_without_a_notifier_is_still_saved(tmp_path: Path) -> None:
    fake = FakeRunner()
    runner = runner_for(tmp_path, notify=True, runner=fake, platform="linux", which=lambda name: None)
    done = runner.run({"type": "create_reminder", "title": "x", "at": "2026-09-17T11:00:00+00:00"})
    assert "(no desktop notification: notify-send is not installed)" in done
    assert fake.calls == [] and len(list((tmp_path / "reminders").iterdir())) == 1
    failing = FakeRunner(returncode=1, stderr=b"cannot connect\nto the bus")
    done = runner_for(tmp_path, notify=True, runner=failing, platform="linux",
                      which=lambda name: name).run(
        {"type": "create_reminder", "title": "x", "at": "2026-09-17T11:00:00+00:00"})
    assert "notify-send failed (exit 1): cannot connect to the bus" in done


# -- the clipboard -------------------------------------------------------------------------


def test_copy_text_uses_xclip_or_xsel_with_a_display(tmp_path: Path) -> None:
    fake = FakeRunner()
    runner = runner_for(tmp_path, runner=fake, platform="linux", environ={"DISPLAY": ":9"},
                        which=lambda name: f"/usr/bin/{name}")
    assert runner.run({"type": "copy_text", "text": "héllo"}) == "copied 5 characters to the clipboard"
    [(argv, kwargs)] = fake.calls
    assert argv == ["xclip", "-selection", "clipboard"] and kwargs["input"] == "héllo".encode()
    # xclip leaves a child serving the selection: no pipe may wait for it.
    assert kwargs["stdout"] is subprocess.DEVNULL and kwargs["stderr"] is not subprocess.PIPE
    xsel = FakeRunner()
    runner_for(tmp_path, runner=xsel, platform="linux", environ={"DISPLAY": ":9"},
               which=lambda name: name if name == "xsel" else None).run({"type": "copy_text", "text": "x"})
    assert xsel.calls[0][0] == ["xsel", "--clipboard", "--input"]
    mac = FakeRunner()
    runner_for(tmp_path, runner=mac, platform="darwin").run({"type": "copy_text", "text": "x"})
    assert mac.calls[0][0] == ["pbcopy"]


@pytest.mark.parametrize("platform, environ, which, message", [
    ("linux", {"DISPLAY": ":0"}, lambda name: None, "no clipboard tool: install xclip (or xsel)"),
    ("linux", {}, lambda name: name, "no X display for the clipboard: DISPLAY is not set"),
    ("sunos5", {}, lambda name: name, "copying to the clipboard is not supported on sunos5"),
])
def test_copy_text_refusals(tmp_path: Path, platform: str, environ: dict, which: Any, message: str) -> None:
    with pytest.raises(ActionError) as err:
        runner_for(tmp_path, platform=platform, environ=environ, which=which,
                   runner=FakeRunner()).run({"type": "copy_text", "text": "x"})
    assert str(err.value) == message


def test_a_failing_clipboard_tool_says_why_in_one_line(tmp_path: Path) -> None:
    fake = FakeRunner(returncode=1, stderr=b"Error: Can't open display: :9\n")
    runner = runner_for(tmp_path, runner=fake, platform="linux", environ={"DISPLAY": ":9"},
                        which=lambda name: name)
    with pytest.raises(ActionError, match=r"^xclip failed \(exit 1\): Error: Can't open display: :9$"):
        runner.run({"type": "copy_text", "text": "x"})


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A bare Xvfb on a free display: all the clipboard needs."""
    if shutil.which("Xvfb") is None or shutil.which("xclip") is None:
        pytest.skip("needs Xvfb and xclip (Debian: apt install xvfb xclip)")
    process, name = _start_xvfb()
    try:
        yield name
    finally:
        _end(process)  # xclip's clipboard-serving child exits with its X server


def test_copy_text_reaches_the_real_clipboard(tmp_path: Path, display: str) -> None:
    env = {**os.environ, "DISPLAY": display}
    text = "python -m pytest tests/test_parser.py::test_parse_amount — ✓"
    runner = ActionRunner(tmp_path / "n", tmp_path / "r", environ=env)
    assert runner.run({"type": "copy_text", "text": text}).startswith("copied ")
    pasted = subprocess.run(["xclip", "-selection", "clipboard", "-o"], env=env, capture_output=True,
                            timeout=10, check=True)
    assert pasted.stdout.decode("utf-8") == text


# -- only documents are opened -------------------------------------------------------------


def _runnable_things(tmp_path: Path) -> dict[str, Path]:
    """Files and folders that run something when handed to `open` or `xdg-open`."""
    made: dict[str, Path] = {}

    def file(name: str, text: str = "echo hi\n", mode: int = 0o644) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        return path

    made["executable bit"] = file("tool", "#!/bin/sh\necho hi\n", 0o755)
    made["group execute bit"] = file("notes.txt", "x", 0o610)
    for suffix in ("command", "sh", "desktop", "exe", "jar", "py", "bat", "scpt", "pkg", "dmg",
                   "appimage", "terminal", "webloc", "lnk", "ps1", "vbs", "msi", "deb"):
        made[f".{suffix}"] = file(f"thing.{suffix}")
    made["upper-case suffix"] = file("Setup.EXE")
    made["trailing dot"] = file("setup.exe.")
    made["reversed text"] = file("report\u202efdp.exe")
    app = tmp_path / "Calculator.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "Info.plist").write_text("<plist/>")
    made[".app bundle"] = app
    made["file inside an .app"] = file("Calculator.app/Contents/Resources/readme.txt")
    workflow = tmp_path / "Rename.workflow"
    workflow.mkdir()
    made[".workflow bundle"] = workflow
    unnamed = tmp_path / "Looks Harmless"
    (unnamed / "Contents").mkdir(parents=True)
    (unnamed / "Contents" / "Info.plist").write_text("<plist/>")
    made["bundle without a suffix"] = unnamed
    link = tmp_path / "report.pdf"
    link.symlink_to(made[".sh"])
    made["document-named link to a script"] = link
    made["/bin/sh"] = Path("/bin/sh")
    return made


def test_open_file_refuses_anything_that_runs(tmp_path: Path) -> None:
    for why, path in _runnable_things(tmp_path).items():
        with pytest.raises(ActionError, match="only documents are opened") as err:
            parse_action({"type": "open_file", "path": str(path)})
        assert "\n" not in str(err.value), why


def test_open_file_opens_documents_and_plain_folders(tmp_path: Path) -> None:
    doc = tmp_path / "Trip plan.pdf"
    doc.write_bytes(b"%PDF-1.4")
    plain = tmp_path / "photos"
    plain.mkdir()
    link = tmp_path / "latest.pdf"
    link.symlink_to(doc)
    fake = FakeRunner()
    runner = runner_for(tmp_path, runner=fake, platform="linux")
    for target in (doc, plain, link):
        assert runner.run({"type": "open_file", "path": str(target)}) == f"opened {target}"
    assert [argv for argv, _ in fake.calls] == [["xdg-open", str(t)] for t in (doc, plain, link)]


def test_open_file_is_checked_again_when_it_runs(tmp_path: Path) -> None:
    """A document when suggested, a program by the time it is accepted: nothing runs."""
    doc = tmp_path / "plan.txt"
    doc.write_text("#!/bin/sh\n")
    action = parse_action({"type": "open_file", "path": str(doc)}).model_dump(mode="json")
    doc.chmod(0o755)
    fake = FakeRunner()
    with pytest.raises(ActionError, match="is executable"):
        runner_for(tmp_path, runner=fake, platform="darwin").run(action)
    assert fake.calls == []


def test_paths_no_one_can_look_up_are_refused_in_one_line(tmp_path: Path) -> None:
    for path, message in (("~nosuchuser/plan.txt", "home folder in ~nosuchuser/plan.txt does not exist"),
                          (f"/{'a' * 300}/b.txt", "File name too long")):
        with pytest.raises(ActionError, match=message) as err:
            parse_action({"type": "open_file", "path": path})
        assert len(str(err.value)) < 300


# -- saying exactly what an action does ----------------------------------------------------


def test_describe_names_the_exact_target(tmp_path: Path) -> None:
    doc = tmp_path / "Q3 plan.odt"
    doc.write_text("x")
    runner = runner_for(tmp_path, notify=True)
    assert runner.describe({"type": "open_file", "path": str(doc)}) == f"open the file {doc}"
    assert runner.describe({"type": "open_url", "url": "https://example.org/a?b=1"}) == (
        "open https://example.org/a?b=1 in the web browser")
    note = {"type": "write_note", "title": "Packing list", "body": "- passport"}
    assert runner.describe(note) == f"save the note “Packing list” as {tmp_path / 'notes' / 'packing-list.md'}"
    runner.run(note)
    # The name it would get now: the first is taken.
    assert runner.describe(note).endswith(f"as {tmp_path / 'notes' / 'packing-list-2.md'}")
    at = datetime(2026, 9, 17, 10, 0).astimezone()
    reminder = {"type": "create_reminder", "title": "Bike service", "at": at.isoformat(), "lead_minutes": 30}
    assert runner.describe(reminder) == (
        "save the reminder “Bike service” for Thu 17 Sep 2026 10:00, alarm 30 min before, as "
        f"{tmp_path / 'reminders' / '20260917-1000-bike-service.ics'}, and show a desktop notification")
    assert runner.describe({"type": "copy_text", "text": "line one\nline two"}) == (
        "copy 17 characters to the clipboard: “line one\\nline two”")
    assert runner.describe({}) == "nothing to run (accepting only records that it helped)"
    hidden = tmp_path / "notes\u202etxt.md"
    hidden.write_text("x")
    assert runner.describe({"type": "open_file", "path": str(hidden)}).endswith("notes\\u202etxt.md")
    with pytest.raises(ActionError, match="is executable"):
        runner.describe({"type": "open_file", "path": "/bin/sh"})
    assert runner.describe({"type": "open_file", "path": "/bin/sh"}, strict=False).startswith(
        "cannot run: invalid open_file: path: /bin/sh is executable")
    with pytest.raises(ActionError, match="has passed"):
        runner.describe({"type": "create_reminder", "title": "x", "at": "2026-09-16T09:00:00+00:00"})
