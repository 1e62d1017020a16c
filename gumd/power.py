"""Where the computer draws power from: mains, battery, or unknown (read as mains)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

MAINS, BATTERY, UNKNOWN = "mains", "battery", "unknown"

#: answers MAINS, BATTERY or UNKNOWN; the daemon's seam, faked in tests
PowerSource = Callable[[], str]

SYS_POWER_SUPPLY = Path("/sys/class/power_supply")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def linux_power(root: Path = SYS_POWER_SUPPLY) -> str:
    """From ``/sys/class/power_supply``: an adapter online is mains; a battery discharging, or
    present while every adapter is offline, is battery; no battery at all (a desktop) is unknown."""
    try:
        supplies = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return UNKNOWN
    adapters = [s for s in supplies if _read(s / "type") in ("Mains", "USB", "USB_C", "USB_PD")]
    batteries = [s for s in supplies
                 if _read(s / "type") == "Battery" or s.name.startswith("BAT")]
    if any(_read(a / "online") == "1" for a in adapters):
        return MAINS
    if any(_read(b / "status") == "Discharging" for b in batteries):
        return BATTERY
    if batteries and adapters:  # every adapter offline: nothing else can be charging it
        return BATTERY
    return MAINS if batteries else UNKNOWN


def parse_pmset(output: str) -> str:
    """The source ``pmset -g batt`` names on its first line ("Now drawing from 'AC Power'")."""
    first = output.splitlines()[0] if output.strip() else ""
    if "AC Power" in first:
        return MAINS
    if "Battery Power" in first:
        return BATTERY
    return UNKNOWN


def macos_power(run: Callable[[list[str]], str] | None = None) -> str:
    """From ``pmset -g batt``; unknown when it cannot be run."""
    def pmset(cmd: list[str]) -> str:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=5, check=False).stdout

    try:
        return parse_pmset((run or pmset)(["pmset", "-g", "batt"]))
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN


def power_source() -> str:
    """This computer's power source now, by its OS's own report."""
    if sys.platform == "darwin":
        return macos_power()
    if sys.platform.startswith("linux"):
        return linux_power()
    return UNKNOWN
