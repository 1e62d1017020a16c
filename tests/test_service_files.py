"""The background service: rendered files, and the exact launchctl/systemctl commands, via a fake runner."""

from __future__ import annotations

import os
import plistlib
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gumd import autostart
from gumd.autostart import LABEL, UNIT, ServiceError

ROOT = Path(__file__).resolve().parent.parent
UID = os.getuid()
TARGET = f"gui/{UID}/{LABEL}"


def launchctl_print(state: str, pid: str, code: str) -> str:
    """What `launchctl print gui/UID/LABEL` answers (abridged; nested blocks have their own `state`)."""
    return (f"gui/{UID}/{LABEL} = {{\n"
            f"\tactive count = 1\n"
            f"\tpath = /Users/dana/Library/LaunchAgents/{LABEL}.plist\n"
            f"\ttype = LaunchAgent\n"
            f"\tstate = {state}\n"
            f"\tprogram = /opt/venv/bin/python3\n"
            f"\targuments = {{\n\t\t/opt/venv/bin/python3\n\t\t-m\n\t\tgumd\n\t\trun\n\t}}\n"
            f"\tendpoints = {{\n\t\tstate = active\n\t}}\n"
            f"{pid}"
            f"\tlast exit code = {code}\n"
            f"}}\n")


class FakeLaunchctl:
    """Records commands and answers like launchctl, keeping loaded/running state between calls."""

    def __init__(self, loaded: bool = False, running: bool = False) -> None:
        self.loaded, self.running = loaded, running
        self.calls: list[list[str]] = []
        self.kwargs: list[dict] = []

    def __call__(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        self.kwargs.append(kwargs)
        verb = args[1]
        if verb == "print":
            if not self.loaded:
                return self._done(args, 113, stderr=f'Could not find service "{LABEL}" in domain\n')
            pid = "\tpid = 4242\n" if self.running else ""
            text = launchctl_print("running" if self.running else "not running", pid,
                                   "(never exited)" if self.running else "0")
            return self._done(args, 0, stdout=text)
        if verb == "bootstrap":
            assert not self.loaded, "bootstrap of a loaded label fails with error 5 on a real Mac"
            self.loaded = self.running = True
        elif verb == "bootout":
            self.loaded = self.running = False
        elif verb == "kickstart":
            self.running = True
        elif verb == "kill":
            self.running = False
        return self._done(args, 0)

    @staticmethod
    def _done(args: list[str], rc: int, stdout: str = "", stderr: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, rc, stdout, stderr)


class FakeSystemctl:
    """Records commands; `show` answers with the given properties, everything else succeeds."""

    def __init__(self, show: str = "") -> None:
        self.show = show
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        return subprocess.CompletedProcess(args, 0, self.show if "show" in args else "", "")


def failing(rc: int, stderr: str):
    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, rc, "", stderr)
    return run


def missing_binary(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    raise FileNotFoundError(2, "No such file or directory", args[0])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no LaunchAgents or .config yet; XDG_CONFIG_HOME unset."""
    home = tmp_path / "dana"
    home.mkdir(mode=0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


@pytest.fixture
def python(tmp_path: Path) -> str:
    """A stand-in interpreter file in a folder whose name has a space (as in many venv paths)."""
    exe = tmp_path / "my venv" / "bin" / "python3"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    exe.chmod(0o755)
    return str(exe)


@pytest.fixture
def gumd_home_dir(tmp_path: Path) -> Path:
    return tmp_path / "Application Support" / "gumd"


# ---------------------------------------------------------------- launchd plist


def test_plist_has_every_key_with_the_absolute_interpreter(tmp_path: Path) -> None:
    home = tmp_path / "gumd home"
    job = plistlib.loads(autostart.launchd_plist("/opt/venv/bin/python3", home, home / "logs"))
    assert job["Label"] == "com.gumd.daemon"
    assert job["ProgramArguments"] == ["/opt/venv/bin/python3", "-m", "gumd", "run"]
    assert job["EnvironmentVariables"]["GUMD_HOME"] == str(home)
    assert job["RunAtLoad"] is True
    assert job["KeepAlive"] == {"SuccessfulExit": False}
    assert job["ThrottleInterval"] == 30
    assert job["ProcessType"] == "Background"
    assert job["LowPriorityIO"] is True
    assert job["Nice"] == 10
    assert Path(job["StandardOutPath"]).parent == home / "logs"
    assert Path(job["StandardErrorPath"]).parent == home / "logs"
    assert job["WorkingDirectory"] == str(home)


def test_plist_label_is_a_parameter(tmp_path: Path) -> None:
    job = plistlib.loads(autostart.launchd_plist("/usr/bin/python3", tmp_path, tmp_path, label="org.example.gumd"))
    assert job["Label"] == "org.example.gumd"


def test_installed_plist_names_the_absolute_interpreter(user: Path, gumd_home_dir: Path, python: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(python).parent)
    path = autostart.install(gumd_home_dir, python="python3", runner=FakeLaunchctl(), platform="darwin")
    job = plistlib.loads(path.read_bytes())
    assert job["ProgramArguments"][0] == python
    assert Path(job["ProgramArguments"][0]).is_absolute()
    assert job["EnvironmentVariables"]["GUMD_HOME"] == str(gumd_home_dir)


def test_a_venv_interpreter_symlink_is_kept_not_resolved(user: Path, gumd_home_dir: Path, python: str,
                                                         tmp_path: Path) -> None:
    """Resolving the venv's python symlink would run the base interpreter, outside the venv."""
    venv_python = tmp_path / "venv" / "bin" / "python3"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(python)
    path = autostart.install(gumd_home_dir, python=str(venv_python), runner=FakeLaunchctl(), platform="darwin")
    assert plistlib.loads(path.read_bytes())["ProgramArguments"][0] == str(venv_python)


# ---------------------------------------------------------------- systemd unit


def test_unit_has_each_line() -> None:
    unit = autostart.systemd_unit("/usr/bin/python3", Path("/home/dana/.local/share/gumd"))
    lines = unit.splitlines()
    for expected in (
        "[Unit]",
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        "[Service]",
        "Type=simple",
        "ExecStart=/usr/bin/python3 -m gumd run",
        "Environment=GUMD_HOME=/home/dana/.local/share/gumd",
        "Restart=on-failure",
        "RestartSec=10",
        "Nice=10",
        "IOSchedulingClass=idle",
        "CPUSchedulingPolicy=batch",
        "[Install]",
        "WantedBy=graphical-session.target",
    ):
        assert expected in lines, expected
    assert any(line.startswith("Description=") for line in lines)
    # The reason for graphical-session.target is written next to it.
    install_section = unit.split("[Install]")[1]
    assert "display" in install_section


def test_unit_quotes_paths_with_spaces() -> None:
    unit = autostart.systemd_unit("/Users/Dana Reyes/venv/bin/python3", Path("/home/dana/my gumd"))
    lines = unit.splitlines()
    assert 'ExecStart="/Users/Dana Reyes/venv/bin/python3" -m gumd run' in lines
    assert 'Environment="GUMD_HOME=/home/dana/my gumd"' in lines
    # WorkingDirectory= takes the rest of the line verbatim: quotes would become part of the path.
    assert "WorkingDirectory=/home/dana/my gumd" in lines


def test_unit_escapes_specifiers_variables_quotes_and_backslashes() -> None:
    unit = autostart.systemd_unit('/opt/100% "py"/$bin\\python3', Path("/home/d/50%"))
    lines = unit.splitlines()
    assert 'ExecStart="/opt/100%% \\"py\\"/$$bin\\\\python3" -m gumd run' in lines
    assert "Environment=GUMD_HOME=/home/d/50%%" in lines
    assert "WorkingDirectory=/home/d/50%%" in lines


def test_unit_refuses_a_line_break() -> None:
    with pytest.raises(ServiceError, match="line break"):
        autostart.systemd_unit("/usr/bin/python3", Path("/home/d/a\nExecStartPre=/bin/evil"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_itself_parses_the_quoted_unit(tmp_path: Path, python: str) -> None:
    """systemd-analyze verify fails when ExecStart's executable is not found, so this checks quoting."""
    home = tmp_path / "gumd 100% home"
    home.mkdir()
    unit = tmp_path / UNIT
    unit.write_text(autostart.systemd_unit(python, home))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- committed templates


@pytest.mark.parametrize("name", sorted(autostart.templates()))
def test_committed_templates_match_the_renderers(name: str) -> None:
    committed = ROOT / "launchd" / name
    assert committed.read_bytes() == autostart.templates()[name], (
        f"launchd/{name} is stale: run `python -m gumd.autostart`")


def test_templates_use_obvious_placeholders() -> None:
    for data in autostart.templates().values():
        assert b"/ABSOLUTE/PATH/TO/python3" in data and b"/ABSOLUTE/PATH/TO/GUMD_HOME" in data


# ---------------------------------------------------------------- where the file goes


def test_service_path_macos(user: Path) -> None:
    assert autostart.service_path("darwin") == user / "Library" / "LaunchAgents" / "com.gumd.daemon.plist"


def test_service_path_linux(user: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert autostart.service_path("linux") == user / ".config" / "systemd" / "user" / "gumd.service"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert autostart.service_path("linux") == tmp_path / "xdg" / "systemd" / "user" / "gumd.service"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")  # invalid per the XDG spec: ignored
    assert autostart.service_path("linux") == user / ".config" / "systemd" / "user" / "gumd.service"


@pytest.mark.parametrize("call", [
    lambda r: autostart.service_path("win32"),
    lambda r: autostart.install(Path("/tmp/x"), runner=r, platform="win32"),
    lambda r: autostart.uninstall(runner=r, platform="win32"),
    lambda r: autostart.start(runner=r, platform="win32"),
    lambda r: autostart.stop(runner=r, platform="win32"),
    lambda r: autostart.status(runner=r, platform="win32"),
])
def test_unsupported_os(call, user: Path) -> None:
    runner = FakeSystemctl()
    with pytest.raises(ServiceError, match="macOS.*Linux.*'win32'"):
        call(runner)
    assert runner.calls == []


# ---------------------------------------------------------------- macOS commands


def test_install_macos(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeLaunchctl()
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")
    assert path == user / "Library" / "LaunchAgents" / "com.gumd.daemon.plist"
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(path)],
    ]
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700  # created by install
    assert mode(gumd_home_dir) == 0o700 and mode(gumd_home_dir / "logs") == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind
    assert all(kw["capture_output"] and kw["text"] and kw["timeout"] for kw in runner.kwargs)


def test_install_leaves_existing_user_folders_alone(user: Path, gumd_home_dir: Path, python: str) -> None:
    agents = user / "Library" / "LaunchAgents"
    agents.mkdir(parents=True)
    agents.chmod(0o755)
    path = autostart.install(gumd_home_dir, python=python, runner=FakeLaunchctl(), platform="darwin")
    assert mode(agents) == 0o755
    assert mode(path) == 0o600


def test_reinstall_macos_unloads_the_old_job_first(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeLaunchctl(loaded=True, running=True)
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(path)],
    ]


def test_uninstall_macos(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeLaunchctl()
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")
    runner.calls.clear()
    assert autostart.uninstall(runner=runner, platform="darwin") is True
    assert runner.calls == [["launchctl", "print", TARGET], ["launchctl", "bootout", TARGET]]
    assert not path.exists()
    runner.calls.clear()
    assert autostart.uninstall(runner=runner, platform="darwin") is False  # nothing left: no bootout
    assert runner.calls == [["launchctl", "print", TARGET]]


def test_start_stop_macos(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeLaunchctl()
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")
    runner.calls.clear()
    autostart.stop(runner=runner, platform="darwin")
    autostart.stop(runner=runner, platform="darwin")  # already stopped: no second kill
    autostart.start(runner=runner, platform="darwin")
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "kill", "SIGTERM", TARGET],
        ["launchctl", "print", TARGET],
        ["launchctl", "print", TARGET],
        ["launchctl", "kickstart", "-k", TARGET],
    ]
    runner = FakeLaunchctl(loaded=False)  # installed, but someone ran bootout
    autostart.start(runner=runner, platform="darwin")
    assert runner.calls == [["launchctl", "print", TARGET], ["launchctl", "bootstrap", f"gui/{UID}", str(path)]]


def test_status_macos(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeLaunchctl()
    st = autostart.status(runner=runner, platform="darwin")
    assert (st.manager, st.installed, st.loaded, st.running) == ("launchd", False, False, False)
    assert "gumd service install" in st.line()
    autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")
    runner.calls.clear()
    st = autostart.status(runner=runner, platform="darwin")
    assert runner.calls == [["launchctl", "print", TARGET]]
    assert (st.installed, st.loaded, st.running) == (True, True, True)
    assert st.detail == "state = running, pid = 4242, last exit code = (never exited)"
    assert "\n" not in st.line() and st.line().startswith("running: ")
    runner.running = False
    st = autostart.status(runner=runner, platform="darwin")
    assert (st.loaded, st.running, st.detail) == (True, False, "state = not running, last exit code = 0")


# ---------------------------------------------------------------- Linux commands


def test_install_linux(user: Path, gumd_home_dir: Path, python: str, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    runner = FakeSystemctl()
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")
    assert path == tmp_path / "xdg" / "systemd" / "user" / "gumd.service"
    assert runner.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "try-restart", "gumd.service"],
        ["systemctl", "--user", "enable", "--now", "gumd.service"],
    ]
    assert mode(path) == 0o600
    for created in (path.parent, path.parent.parent, tmp_path / "xdg"):
        assert mode(created) == 0o700
    assert f'ExecStart="{python}" -m gumd run' in path.read_text().splitlines()
    assert mode(gumd_home_dir) == 0o700


def test_install_linux_leaves_existing_config_alone(user: Path, gumd_home_dir: Path, python: str) -> None:
    config = user / ".config"
    config.mkdir(mode=0o755)
    config.chmod(0o755)
    path = autostart.install(gumd_home_dir, python=python, runner=FakeSystemctl(), platform="linux")
    assert path == config / "systemd" / "user" / "gumd.service"
    assert mode(config) == 0o755
    assert mode(config / "systemd") == 0o700


def test_uninstall_linux(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeSystemctl()
    path = autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")
    runner.calls.clear()
    assert autostart.uninstall(runner=runner, platform="linux") is True
    assert runner.calls == [
        ["systemctl", "--user", "disable", "--now", "gumd.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert not path.exists()
    runner.calls.clear()
    assert autostart.uninstall(runner=runner, platform="linux") is False
    assert runner.calls == []


def test_start_stop_linux(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeSystemctl()
    autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")
    runner.calls.clear()
    autostart.start(runner=runner, platform="linux")
    autostart.stop(runner=runner, platform="linux")
    assert runner.calls == [
        ["systemctl", "--user", "start", "gumd.service"],
        ["systemctl", "--user", "stop", "gumd.service"],
    ]


def test_status_linux(user: Path, gumd_home_dir: Path, python: str) -> None:
    runner = FakeSystemctl("LoadState=loaded\nActiveState=active\nSubState=running\n"
                           "UnitFileState=enabled\nMainPID=777\n")
    autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")
    runner.calls.clear()
    st = autostart.status(runner=runner, platform="linux")
    assert runner.calls == [["systemctl", "--user", "show", "gumd.service",
                             "--property=LoadState,ActiveState,SubState,UnitFileState,MainPID"]]
    assert (st.manager, st.installed, st.loaded, st.running) == ("systemd", True, True, True)
    assert st.detail == "active (running), enabled, pid 777"
    runner.show = "LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nMainPID=0\n"
    autostart.uninstall(runner=runner, platform="linux")
    st = autostart.status(runner=runner, platform="linux")
    assert (st.installed, st.loaded, st.running) == (False, False, False)
    assert st.detail == "inactive (dead), not installed"


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize("platform", ["darwin", "linux"])
def test_start_and_stop_need_an_install(user: Path, platform: str) -> None:
    runner = FakeSystemctl()
    for call in (autostart.start, autostart.stop):
        with pytest.raises(ServiceError, match="not installed.*gumd service install"):
            call(runner=runner, platform=platform)
    assert runner.calls == []


def test_failing_systemctl_is_one_line_with_command_and_stderr(user: Path, gumd_home_dir: Path,
                                                                python: str) -> None:
    runner = failing(1, "Failed to reload daemon: Access denied\n\nsecond line\n")
    with pytest.raises(ServiceError) as err:
        autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")
    msg = str(err.value)
    assert msg == ("`systemctl --user daemon-reload` failed (exit 1): "
                   "Failed to reload daemon: Access denied second line")
    assert "\n" not in msg


BUS_ERRORS = [
    "Failed to connect to bus: No medium found",
    "Failed to connect to bus: $DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR not defined "
    "(consider using --machine=<user>@.host --user to connect to bus of other user)",
    "Failed to connect to user scope bus via local transport: No such file or directory",
]


@pytest.mark.parametrize("said", BUS_ERRORS)
def test_no_user_bus_says_what_to_do(user: Path, gumd_home_dir: Path, python: str, said: str) -> None:
    runner = failing(1, said + "\n")
    calls = [lambda: autostart.status(runner=runner, platform="linux"),
             lambda: autostart.install(gumd_home_dir, python=python, runner=runner, platform="linux")]
    for call in calls:
        with pytest.raises(autostart.NoUserManager) as err:
            call()
        msg = str(err.value)
        assert msg.startswith("no systemd user session here (Failed to connect to ")
        assert "`gumd run` in a terminal" in msg and "loginctl enable-linger $USER" in msg
        assert "\n" not in msg
    # nothing could load the unit, so none is left to look installed
    assert not autostart.service_path("linux").exists()


def test_no_systemd_at_all(user: Path) -> None:
    runner = failing(1, "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
                        "Failed to connect to bus: Host is down\n")
    with pytest.raises(autostart.NoUserManager, match=r"^this system does not run systemd \(System has "
                                                    r"not been booted.*\): run `gumd run` in a terminal"):
        autostart.status(runner=runner, platform="linux")


def test_reinstall_without_a_bus_keeps_the_unit_that_was_there(user: Path, gumd_home_dir: Path,
                                                               python: str) -> None:
    autostart.install(gumd_home_dir, python=python, runner=FakeSystemctl(), platform="linux")
    with pytest.raises(autostart.NoUserManager):
        autostart.install(gumd_home_dir, python=python, runner=failing(1, BUS_ERRORS[0]), platform="linux")
    assert autostart.service_path("linux").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="systemd user units are Linux's")
def test_gumd_service_commands_without_a_user_bus(user: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A real `systemctl` on PATH that cannot reach the bus, as in a container: one line, exit 1."""
    from click.testing import CliRunner

    from gumd.cli import cli

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text("#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    def gumd(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["service", *args], prog_name="gumd")
        assert not result.exception or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout + result.stderr

    expected = ("Error: no systemd user session here (Failed to connect to bus: No medium found): "
                "run `gumd run` in a terminal, or enable lingering with "
                "`loginctl enable-linger $USER` and log in again\n")
    for args in (("status",), ("install",)):
        assert gumd(*args) == (1, expected), args
    assert not autostart.service_path("linux").exists()
    # start, stop and uninstall reach systemctl only for an installed unit
    unit = autostart.service_path("linux")
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(autostart.systemd_unit(sys.executable, tmp_path / "home"))
    for args in (("start",), ("stop",), ("uninstall",)):
        assert gumd(*args) == (1, expected), args


def test_failing_launchctl_bootstrap(user: Path, gumd_home_dir: Path, python: str) -> None:
    def runner(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        if args[1] == "print":
            return subprocess.CompletedProcess(args, 113, "", "Could not find service\n")
        return subprocess.CompletedProcess(args, 125, "", "Bootstrap failed: 125: Domain does not support "
                                           "specified action\n")
    with pytest.raises(ServiceError, match=r"^`launchctl bootstrap gui/\d+ .*com\.gumd\.daemon\.plist` "
                                           r"failed \(exit 125\): Bootstrap failed: 125: Domain"):
        autostart.install(gumd_home_dir, python=python, runner=runner, platform="darwin")


@pytest.mark.parametrize("platform, binary", [("darwin", "launchctl"), ("linux", "systemctl")])
def test_missing_manager_binary(user: Path, gumd_home_dir: Path, python: str, platform: str,
                                binary: str) -> None:
    for call in (lambda: autostart.install(gumd_home_dir, python=python, runner=missing_binary, platform=platform),
                 lambda: autostart.status(runner=missing_binary, platform=platform)):
        with pytest.raises(ServiceError, match=f"{binary} not found") as err:
            call()
        assert "\n" not in str(err.value) and f"`{binary} " in str(err.value)


def test_timeout_is_a_service_error(user: Path) -> None:
    def hangs(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(args, kwargs["timeout"])
    with pytest.raises(ServiceError, match="did not answer"):
        autostart.status(runner=hangs, platform="linux")


def test_missing_interpreter(user: Path, gumd_home_dir: Path, tmp_path: Path) -> None:
    runner = FakeLaunchctl()
    with pytest.raises(ServiceError, match="no Python interpreter"):
        autostart.install(gumd_home_dir, python=str(tmp_path / "nope" / "python3"), runner=runner, platform="darwin")
    assert runner.calls == []
    assert not autostart.service_path("darwin").exists()


def test_service_error_is_a_gumd_error() -> None:
    from propositions.errors import GumdError

    assert issubclass(ServiceError, GumdError)
