"""One status builder: `gumd status --json`, the API's controls and `gumd doctor` say the same."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gumd import doctor
from gumd import settings as settings_mod
from gumd.cli import cli
from gumd.controls import LocalControls
from gumd.status import daemon_status
from gumd.wiring import make_service
from propositions import serialize


def test_cli_api_and_doctor_share_one_status(gumd_home: Path) -> None:
    settings = settings_mod.load()
    svc = make_service(settings)
    try:
        built = daemon_status(settings, svc.store)
        assert LocalControls(settings, svc).status().keys() == built.keys()
        assert {"model_usage", "progress", "api", "inference_waits", "captures_per_hour"} <= built.keys()
        result = CliRunner().invoke(cli, ["status", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == serialize.iso_times(built)
    finally:
        svc.close()
    assert daemon_status(settings, None)["state"] == built["state"] == "stopped"
    check = doctor._daemon(settings)
    assert (check.level, check.message) == ("warn", "not running")


def test_iso_times_converts_nested_epochs() -> None:
    out = serialize.iso_times({"paused_until": None, "last_capture_at": 0, "idle": True,
                               "progress": {"step_started_at": 1_780_000_000.0}})
    assert out == {"paused_until": None, "last_capture_at": None, "idle": True,
                   "progress": {"step_started_at": "2026-05-28T20:26:40Z"}}


def test_last_inference_is_what_the_database_says_ran_not_only_this_daemon(gumd_home: Path) -> None:
    from propositions import Observation

    settings = settings_mod.load()
    svc = make_service(settings)
    try:
        assert daemon_status(settings, svc.store)["last_inference_at"] is None
        ids = svc.store.enqueue([Observation(captured_at=1_800_000_000.0, observer="screen", app="A",
                                             content="x")])
        svc.store.mark_done(ids)  # what `gumd queue process` or a daemon before a restart did
        ran = daemon_status(settings, svc.store)["last_inference_at"]
        assert ran is not None and abs(ran - svc.store.clock()) < 60
    finally:
        svc.close()


def test_pause_and_status_say_the_same_wall_clock_time(gumd_home: Path) -> None:
    runner = CliRunner()
    paused = runner.invoke(cli, ["pause", "--for", "30m"])
    assert paused.exit_code == 0, paused.output
    when = paused.output.strip().removeprefix("Paused until ").rstrip(".")
    shown = runner.invoke(cli, ["status"])
    assert f"paused until {when}" in shown.output, shown.output
    runner.invoke(cli, ["resume"])
