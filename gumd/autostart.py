"""Run ``gumd run`` in the background: a launchd agent on macOS, a systemd user unit on Linux."""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import NoUserManager, ServiceError

LABEL = "com.gumd.daemon"
UNIT = "gumd.service"
TIMEOUT_S = 30.0

# What the committed templates in launchd/ are rendered with: obviously not a real path.
TEMPLATE_PYTHON = "/ABSOLUTE/PATH/TO/python3"
TEMPLATE_HOME = Path("/ABSOLUTE/PATH/TO/GUMD_HOME")
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "launchd"

# The seam for tests: called like subprocess.run(args, capture_output=True, text=True, ...).
Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class ServiceStatus:
    """What the service manager says about gumd."""

    manager: str     # "launchd" or "systemd"
    path: Path       # where the service file is (or would be)
    installed: bool  # the service file exists
    loaded: bool     # launchd has it loaded / systemd has it enabled
    running: bool    # the daemon process is up
    detail: str      # the manager's answer, one line

    def line(self) -> str:
        """One line for `gumd service status`."""
        if not self.installed and not self.loaded:
            return f"not installed ({self.path}); run `gumd service install`"
        return f"{'running' if self.running else 'not running'}: {self.detail} ({self.path})"


# ---------------------------------------------------------------- rendering


def service_log_dir(home: Path) -> Path:
    """Where launchd writes the daemon's output: inside the private home, not world-readable Logs."""
    return home / "logs"


def launchd_plist(python: str, home: Path, log_dir: Path, label: str = LABEL) -> bytes:
    """The LaunchAgent property list that runs ``python -m gumd run`` for this user."""
    job = {
        "Label": label,
        # The absolute interpreter, not `gumd` or `env python3`: macOS grants Screen
        # Recording and Accessibility to a binary, so it must stay the same one.
        "ProgramArguments": [python, "-m", "gumd", "run"],
        "EnvironmentVariables": {"GUMD_HOME": str(home), "PYTHONUNBUFFERED": "1"},
        "WorkingDirectory": str(home),
        "RunAtLoad": True,
        # Restart after a crash, but a clean exit (`gumd service stop`) stays stopped.
        "KeepAlive": {"SuccessfulExit": False},
        # A daemon that crashes at start-up is retried every 30 s, not in a tight loop.
        "ThrottleInterval": 30,
        # Yield CPU and disk to what the user is doing.
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "Nice": 10,
        "StandardOutPath": str(log_dir / "gumd.out.log"),
        "StandardErrorPath": str(log_dir / "gumd.err.log"),
    }
    return plistlib.dumps(job, fmt=plistlib.FMT_XML, sort_keys=True)


def _systemd_specifiers(value: str) -> str:
    """Escape ``%`` (``%h``, ``%u``... are specifiers in every unit setting); refuse line breaks."""
    if "\n" in value or "\r" in value:
        raise ServiceError(f"a path with a line break cannot go into a systemd unit: {value!r}")
    return value.replace("%", "%%")


def systemd_quote(word: str, *, exec_line: bool = False) -> str:
    """One word for ExecStart= or Environment=: escaped per systemd.syntax, double-quoted if needed."""
    word = _systemd_specifiers(word)
    if exec_line:
        word = word.replace("$", "$$")  # $VAR is expanded in ExecStart
    if word and not re.search(r"[\s\"'\\;]", word):
        return word
    # Inside double quotes systemd undoes C escapes, so only \ and " need a backslash.
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(python: str, home: Path) -> str:
    """The systemd user unit that runs ``python -m gumd run`` with the graphical session."""
    exec_start = " ".join(systemd_quote(w, exec_line=True) for w in (python, "-m", "gumd", "run"))
    return f"""\
# gumd: the on-device user-model daemon, as a systemd user service.
# Written by `gumd service install`; it is rewritten on every install.

[Unit]
Description=gumd on-device user model daemon
After=graphical-session.target
PartOf=graphical-session.target

[Service]
Type=simple
ExecStart={exec_start}
Environment={systemd_quote(f"GUMD_HOME={home}")}
Environment=PYTHONUNBUFFERED=1
# The home, not $HOME: `python -m` puts the working directory first on sys.path.
# (WorkingDirectory takes the rest of the line as the path: quotes would be part of it.)
WorkingDirectory={_systemd_specifiers(str(home))}
Restart=on-failure
RestartSec=10
# Yield CPU and disk to what the user is doing.
Nice=10
IOSchedulingClass=idle
CPUSchedulingPolicy=batch

[Install]
# Not default.target: the observers need the X display, which exists only once the
# graphical session is up (and goes away with it, hence PartOf above).
WantedBy=graphical-session.target
"""


def templates() -> dict[str, bytes]:
    """The committed examples in launchd/, rendered with placeholder paths."""
    return {
        f"{LABEL}.plist": launchd_plist(TEMPLATE_PYTHON, TEMPLATE_HOME, service_log_dir(TEMPLATE_HOME)),
        UNIT: systemd_unit(TEMPLATE_PYTHON, TEMPLATE_HOME).encode(),
    }


def write_templates(folder: Path = TEMPLATE_DIR) -> list[Path]:
    """Regenerate the launchd/ templates (``python -m gumd.autostart``)."""
    written = []
    for name, data in templates().items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


# ---------------------------------------------------------------- where and with what


def _manager(platform: str | None) -> str:
    p = platform or sys.platform
    if p == "darwin":
        return "launchd"
    if p.startswith("linux"):
        return "systemd"
    raise ServiceError(f"gumd service supports macOS (launchd) and Linux (systemd), not {p!r}")


def service_path(platform: str | None = None) -> Path:
    """Where the service file goes: the user's LaunchAgents, or the systemd user unit folder."""
    if _manager(platform) == "launchd":
        return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    config = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return config / "systemd" / "user" / UNIT


def _domain() -> str:
    return f"gui/{os.getuid()}"


def _target() -> str:
    return f"{_domain()}/{LABEL}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# systemctl --user with no user manager to talk to: a container, `su`/`sudo`, or ssh
# into a machine where the user has no session and no lingering.
_NO_USER_BUS = re.compile(r"Failed to connect to (?:user scope )?bus|\$DBUS_SESSION_BUS_ADDRESS|"
                          r"XDG_RUNTIME_DIR", re.IGNORECASE)
_NO_SYSTEMD = re.compile(r"not been booted with systemd|systemd as init system", re.IGNORECASE)


def _no_manager(cmd: Sequence[str], said: str) -> NoUserManager | None:
    """What to do instead, when systemctl failed because there is no user manager here."""
    if not cmd or cmd[0] != "systemctl":
        return None
    if _NO_SYSTEMD.search(said):
        return NoUserManager(f"this system does not run systemd ({said}): run `gumd run` in a "
                             "terminal instead")
    if _NO_USER_BUS.search(said):
        return NoUserManager(f"no systemd user session here ({said}): run `gumd run` in a "
                             "terminal, or enable lingering with `loginctl enable-linger $USER` "
                             "and log in again")
    return None


def _run(runner: Runner, cmd: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a manager command; anything but success (when ``check``) is a one-line ServiceError."""
    shown = " ".join(cmd)
    try:
        done = runner(list(cmd), capture_output=True, text=True, check=False, timeout=TIMEOUT_S)
    except FileNotFoundError:
        raise ServiceError(f"`{shown}` failed: {cmd[0]} not found (is this a {cmd[0]} system?)") from None
    except subprocess.TimeoutExpired:
        raise ServiceError(f"`{shown}` did not answer within {TIMEOUT_S:.0f} s") from None
    except OSError as err:
        raise ServiceError(f"`{shown}` failed: {_one_line(str(err))}") from None
    if check and done.returncode != 0:
        said = _one_line(done.stderr or "") or _one_line(done.stdout or "") or "no output"
        first = next((ln.strip() for ln in (done.stderr or "").splitlines() if ln.strip()), said)
        raise _no_manager(cmd, first) or ServiceError(f"`{shown}` failed (exit {done.returncode}): {said}")
    return done


def _make_private_dirs(folder: Path) -> None:
    """Create the missing part of ``folder`` as 0700; folders that already exist are left as they are."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700)
        d.chmod(0o700)  # mkdir's mode is filtered by the umask


def _write_private(path: Path, data: bytes) -> None:
    """Write ``path`` as 0600 atomically, so the manager never reads half a file."""
    _make_private_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- launchd


def _launchd_state(runner: Runner) -> tuple[bool, bool, str]:
    """(loaded, running, one-line detail) from `launchctl print`."""
    done = _run(runner, ["launchctl", "print", _target()], check=False)
    if done.returncode != 0:
        return False, False, "not loaded"
    # Top-level properties are the lines indented by exactly one tab.
    props = dict(re.findall(r"^\t(\w[\w ]*?) = (.*)$", done.stdout or "", flags=re.MULTILINE))
    state = props.get("state", "unknown")
    parts = [f"state = {state}"]
    if "pid" in props:
        parts.append(f"pid = {props['pid']}")
    if "last exit code" in props:
        parts.append(f"last exit code = {props['last exit code']}")
    return True, state == "running", ", ".join(parts)


# ---------------------------------------------------------------- systemd


def _systemctl(*args: str) -> list[str]:
    return ["systemctl", "--user", *args]


def _systemd_state(runner: Runner) -> tuple[bool, bool, str]:
    """(enabled, active, one-line detail) from `systemctl --user show`."""
    done = _run(runner, _systemctl("show", UNIT, "--property=LoadState,ActiveState,SubState,"
                                   "UnitFileState,MainPID"))
    props = dict(line.split("=", 1) for line in (done.stdout or "").splitlines() if "=" in line)
    active, sub = props.get("ActiveState", "unknown"), props.get("SubState", "unknown")
    enabled = props.get("UnitFileState", "") or "not installed"
    parts = [f"{active} ({sub})", enabled]
    if props.get("MainPID", "0") not in ("", "0"):
        parts.append(f"pid {props['MainPID']}")
    return enabled == "enabled", active == "active", ", ".join(parts)


# ---------------------------------------------------------------- operations


def install(home: Path, python: str | None = None, runner: Runner = subprocess.run,
            platform: str | None = None) -> Path:
    """Write the service file (0600) for ``home`` and load and start the daemon; returns the file.

    Installing again rewrites the file and restarts a running daemon with it.
    ``python`` defaults to this interpreter (sys.executable).
    """
    manager = _manager(platform)
    python = python or sys.executable
    if not python or not Path(python).is_file():
        raise ServiceError(f"no Python interpreter at {python!r} to run the service with")
    # abspath, not resolve(): a venv's python is a symlink, and resolving it would leave the venv.
    python = os.path.abspath(python)
    home = Path(os.path.abspath(home.expanduser()))
    paths.ensure_private_dir(home)
    path = service_path(platform)
    if manager == "launchd":
        logs = paths.ensure_private_dir(service_log_dir(home))
        _write_private(path, launchd_plist(python, home, logs))
        # bootstrap refuses a label that is already loaded: unload the old one first.
        if _launchd_state(runner)[0]:
            _run(runner, ["launchctl", "bootout", _target()])
        _run(runner, ["launchctl", "bootstrap", _domain(), str(path)])
    else:
        existed = path.exists()
        _write_private(path, systemd_unit(python, home).encode())
        try:
            _run(runner, _systemctl("daemon-reload"))
        except NoUserManager:
            # Nothing could load it: a unit left behind would look installed to `status`.
            if not existed:
                path.unlink(missing_ok=True)
            raise
        # enable --now leaves a running daemon on the old unit; try-restart only touches a running one.
        _run(runner, _systemctl("try-restart", UNIT))
        _run(runner, _systemctl("enable", "--now", UNIT))
    return path


def uninstall(runner: Runner = subprocess.run, platform: str | None = None) -> bool:
    """Stop and unload the daemon and delete the service file; False if nothing was installed."""
    manager = _manager(platform)
    path = service_path(platform)
    if manager == "launchd":
        loaded = _launchd_state(runner)[0]
        if loaded:
            _run(runner, ["launchctl", "bootout", _target()])
        existed = path.exists()
        path.unlink(missing_ok=True)
        return loaded or existed
    if not path.exists():
        return False
    _run(runner, _systemctl("disable", "--now", UNIT))
    path.unlink()
    _run(runner, _systemctl("daemon-reload"))  # so systemd forgets the deleted unit
    return True


def _require_installed(platform: str | None) -> Path:
    path = service_path(platform)
    if not path.exists():
        raise ServiceError(f"the gumd service is not installed ({path}); run `gumd service install`")
    return path


def start(runner: Runner = subprocess.run, platform: str | None = None) -> None:
    """Start the daemon (on macOS a running one is restarted, e.g. to pick up new permissions)."""
    path = _require_installed(platform)
    if _manager(platform) == "launchd":
        if _launchd_state(runner)[0]:
            _run(runner, ["launchctl", "kickstart", "-k", _target()])
        else:  # installed but unloaded (someone ran bootout): loading it starts it (RunAtLoad)
            _run(runner, ["launchctl", "bootstrap", _domain(), str(path)])
    else:
        _run(runner, _systemctl("start", UNIT))


def stop(runner: Runner = subprocess.run, platform: str | None = None) -> None:
    """Stop the daemon until the next login or `start`; stopping a stopped daemon does nothing."""
    _require_installed(platform)
    if _manager(platform) == "launchd":
        # SIGTERM lets `gumd run` finish its batch and exit 0, which KeepAlive does not restart.
        if _launchd_state(runner)[1]:
            _run(runner, ["launchctl", "kill", "SIGTERM", _target()])
    else:
        _run(runner, _systemctl("stop", UNIT))


def status(runner: Runner = subprocess.run, platform: str | None = None) -> ServiceStatus:
    """Whether the service file exists, whether the manager has it, and whether it runs."""
    manager = _manager(platform)
    path = service_path(platform)
    state = _launchd_state(runner) if manager == "launchd" else _systemd_state(runner)
    loaded, running, detail = state
    return ServiceStatus(manager=manager, path=path, installed=path.exists(), loaded=loaded,
                         running=running, detail=detail)


if __name__ == "__main__":
    for written in write_templates():
        print(written)
