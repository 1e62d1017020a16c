"""Power: a model waits for mains power (or an idle person) on battery; the readers of the power source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gumd import health, power
from gumd import settings as settings_mod
from gumd.cli import cli
from gumd.daemon import Daemon
from propositions.backends.scripted import ScriptedBackend
from propositions.infer import ModelInferrer, Pipeline
from propositions.statistical import StatisticalInferrer

from .test_daemon import ScriptedObserver, settings  # noqa: F401 (fixture)

# -- the readers ---------------------------------------------------------------------------


def supply(root: Path, name: str, **files: str) -> None:
    (root / name).mkdir(parents=True)
    for key, value in files.items():
        (root / name / key).write_text(value + "\n")


@pytest.mark.parametrize("supplies, expected", [
    ({"AC": {"type": "Mains", "online": "1"},
      "BAT0": {"type": "Battery", "status": "Charging"}}, power.MAINS),
    ({"AC": {"type": "Mains", "online": "0"},
      "BAT0": {"type": "Battery", "status": "Discharging"}}, power.BATTERY),
    # every adapter offline, the battery reporting "Unknown" as some firmware does
    ({"ADP1": {"type": "Mains", "online": "0"},
      "BAT1": {"type": "Battery", "status": "Unknown"}}, power.BATTERY),
    ({"ucsi-source-psy-USBC000:001": {"type": "USB", "online": "1"},
      "BAT0": {"type": "Battery", "status": "Discharging"}}, power.MAINS),
    ({"BAT0": {"type": "Battery", "status": "Full"}}, power.MAINS),
    ({"BAT0": {"type": "Battery", "status": "Discharging"}}, power.BATTERY),
    ({}, power.UNKNOWN),  # a desktop: no battery at all
])
def test_linux_reads_sys_class_power_supply(tmp_path: Path, supplies: dict, expected: str) -> None:
    root = tmp_path / "power_supply"
    root.mkdir()
    for name, files in supplies.items():
        supply(root, name, **files)
    assert power.linux_power(root) == expected


def test_linux_without_the_folder_is_unknown(tmp_path: Path) -> None:
    assert power.linux_power(tmp_path / "missing") == power.UNKNOWN


@pytest.mark.parametrize("output, expected", [
    ("Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t100%; charged; 0:00 remaining",
     power.MAINS),
    ("Now drawing from 'Battery Power'\n -InternalBattery-0 (id=1)\t80%; discharging; 4:01",
     power.BATTERY),
    ("", power.UNKNOWN),
    ("Now drawing from 'UPS Power'", power.UNKNOWN),
])
def test_macos_reads_pmset(output: str, expected: str) -> None:
    assert power.macos_power(lambda cmd: output) == expected


def test_macos_without_pmset_is_unknown() -> None:
    def missing(cmd: list[str]) -> str:
        raise FileNotFoundError(cmd[0])

    def hung(cmd: list[str]) -> str:
        raise subprocess.TimeoutExpired(cmd, 5)

    assert power.macos_power(missing) == power.macos_power(hung) == power.UNKNOWN


# -- the daemon -----------------------------------------------------------------------------

PROPOSAL = {"propositions": [{"text": "Dana is planning a toast", "confidence": 0.7,
                              "decay": "weeks", "evidence": [1], "reasoning": "seen"}]}


def start(settings: settings_mod.Settings, source: str, *, model: bool = True):  # type: ignore[no-untyped-def]
    inferrer = (ModelInferrer(ScriptedBackend([PROPOSAL]), user="Dana") if model
                else StatisticalInferrer("Dana"))
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs],
               pipeline_factory=lambda store: Pipeline(store, inferrer, batch_size=3))
    d.power_source = lambda: source
    d.start()
    for i in range(3):
        obs.see("Google Docs", "Toast", f"Toast draft, part {i}")
    d.state.note_input(1, at=d.clock())  # the person is at the keyboard
    return d


def test_on_battery_a_model_waits_and_status_says_so(settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    d = start(settings, power.BATTERY)
    try:
        d.run_inference_now()
        assert d.store.queue_counts()["pending"] == 3  # the queue keeps them
        d._health_job()
        assert health.read_status(settings.home).waiting_for_power
        out = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
        assert out["inference_waits"] == "inference waits for mains power"
        assert out["problems"] == []
        status = health.read_status(settings.home)
        hours_ago = d.clock() - 3 * 3600
        status.started_at = hours_ago  # on battery since the daemon started, hours ago
        assert health.judge(settings.home, status, d.store.queue_counts(), hours_ago)[
            "problems"] == []  # a queue waiting on battery for hours is no stall
        assert "inference waits for mains power" in CliRunner().invoke(cli, ["status"]).output
        d.power_source = lambda: power.MAINS  # plugged in
        d.run_inference_now()
        assert d.store.queue_counts()["done"] == 3
        d._health_job()
        out = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
        assert out["inference_waits"] is None
    finally:
        d.stop()


def test_on_battery_a_model_runs_while_the_person_is_idle(settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    d = start(settings, power.BATTERY)
    try:
        d.state.note_input(0, at=d.clock() - settings.capture.idle_after_s - 1)
        d.run_inference_now()
        assert d.store.queue_counts()["done"] == 3
    finally:
        d.stop()


@pytest.mark.parametrize("source, model, on_battery", [
    (power.UNKNOWN, True, False),  # unknown is read as mains
    (power.MAINS, True, False),
    (power.BATTERY, False, False),  # the statistical inferrer never waits
    (power.BATTERY, True, True),  # the setting allows a model on battery
])
def test_what_never_waits(settings, source: str, model: bool, on_battery: bool) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.inference.model_on_battery = on_battery
    d = start(settings, source, model=model)
    try:
        d.run_inference_now()
        assert d.store.queue_counts()["done"] == 3
        assert not d.status.waiting_for_power
    finally:
        d.stop()


def test_the_setting_defaults_to_waiting(gumd_home: Path) -> None:
    gumd_home.mkdir(parents=True, exist_ok=True)
    assert settings_mod.load(gumd_home).inference.model_on_battery is False
    (gumd_home / "config.toml").write_text("[inference]\nmodel_on_battery = true\n")
    assert settings_mod.load(gumd_home).inference.model_on_battery is True
