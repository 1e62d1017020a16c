"""How propositions name the person: a real name or "the user", never a login such as root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gumd.cli import running as cli_mod
from gumd import doctor, examples
from gumd import settings as settings_mod
from propositions import Observation, Store
from propositions.backends.scripted import ScriptedBackend
from propositions.infer import ModelInferrer
from propositions.eval import load_scenario, to_observations
from propositions.suggest import Suggester

from .test_cli import run


def account(login: str, gecos: str):
    return lambda: (login, gecos)


@pytest.mark.parametrize("login, gecos, name", [
    ("root", "root", ""),            # Debian's root: GECOS repeats the login
    ("root", "", ""),
    ("ubuntu", "Ubuntu", ""),        # cloud images
    ("admin", "Administrator", ""),
    ("dreyes", "", ""),              # a bare login is no name
    ("dreyes", "DReyes,,,", ""),
    ("dreyes", "Dana Reyes,Room 4,555-0100,", "Dana Reyes"),
    ("dana", "  Dana   Reyes ", "Dana Reyes"),
])
def test_account_name_is_a_real_name_or_nothing(monkeypatch: pytest.MonkeyPatch, login: str,
                                                gecos: str, name: str) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", account(login, gecos))
    assert settings_mod.load().inference.user_name == name


def test_no_account_database_means_no_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", lambda: None)
    monkeypatch.setenv("USER", "root")
    assert settings_mod.load().inference.user_name == ""


def test_a_configured_name_wins(monkeypatch: pytest.MonkeyPatch, gumd_home: Path) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", account("root", "root"))
    gumd_home.mkdir()
    (gumd_home / "config.toml").write_text('[inference]\nuser_name = "Dana Reyes"\n')
    assert settings_mod.load().inference.user_name == "Dana Reyes"


@pytest.mark.parametrize("mode", ["classic", "threads"])
def test_root_account_propositions_say_the_user(monkeypatch: pytest.MonkeyPatch, gumd_home: Path,
                                                mode: str) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", account("root", "root"))
    monkeypatch.setenv("GUMD_INFERENCE__STATISTICAL", mode)
    with Store(gumd_home / "gumd.db") as store:
        # what the daemon would have captured, as a root account in a container
        store.enqueue(to_observations(load_scenario(examples.path("teacher-sunday"))))
    code, out, err = run("queue", "process")
    assert code == 0, err
    code, out, _ = run("export")
    texts = [json.loads(line)["text"] for line in out.splitlines()]
    assert texts
    assert not [t for t in texts if "root" in t.casefold().split()[0] or "root is" in t]
    assert any(t.startswith("The user ") or t.startswith("The user's ") for t in texts), texts


def test_a_model_is_never_told_an_empty_name(store: Store) -> None:
    backend = ScriptedBackend([{"propositions": []}])
    seen = Observation(captured_at=store.clock(), observer="screen", app="Editor", id=1,
                       content="Planning a trip to Lisbon in May")
    ModelInferrer(backend, user=" ").propose([seen], store)
    system = backend.calls[0]["messages"][0]["content"]
    assert "model of the user, the person using this computer" in system


def test_suggestions_do_not_repeat_the_user(store: Store) -> None:
    nameless = Suggester(store, user="")
    assert nameless.user == "the user"
    assert nameless._without_user("The user has a call with Sam on Friday") == "a call with Sam on Friday"
    named = Suggester(store, user="Dana Reyes")
    assert named._without_user("Dana has a call with Sam on Friday") == "a call with Sam on Friday"


def test_doctor_warns_while_no_name_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", account("root", "root"))
    check = doctor._user_name(settings_mod.load())
    assert check.level == "warn"
    assert "propositions will say 'the user'" in check.message
    assert "[inference] user_name" in check.fix and "GUMD_INFERENCE__USER_NAME" in check.fix
    monkeypatch.setenv("GUMD_INFERENCE__USER_NAME", "Dana Reyes")
    assert doctor._user_name(settings_mod.load()).level == "ok"


def test_doctor_lists_the_user_name_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod, "_os_account", account("root", ""))
    # no X server or OCR engine is needed to list the name
    monkeypatch.setattr(doctor, "_display", lambda s: [])
    monkeypatch.setattr(doctor, "_ocr", lambda s: doctor.Check("ocr", "ok", "stub"))
    code, out, _ = run("doctor")
    assert code == 0
    assert "[warn] user_name: not set: propositions will say 'the user'" in out
    assert "config.toml ([inference] user_name" in out


class FakeDaemon:
    def __init__(self, settings: settings_mod.Settings, lock: object = None) -> None:
        if lock is not None:
            lock.release()  # type: ignore[attr-defined]  # what the daemon does when it stops

    def run_forever(self) -> int:
        return 0


def test_first_run_in_a_terminal_says_so_once(monkeypatch: pytest.MonkeyPatch, gumd_home: Path) -> None:
    import gumd.daemon

    monkeypatch.setattr(settings_mod, "_os_account", account("root", "root"))
    monkeypatch.setattr(gumd.daemon, "Daemon", FakeDaemon)
    monkeypatch.setattr(cli_mod, "_interactive", lambda: False)
    code, _, err = run("run")
    assert code == 0 and "user_name" not in err  # the service's log is not where to say it
    monkeypatch.setattr(cli_mod, "_interactive", lambda: True)
    code, _, err = run("run")
    assert code == 0
    assert err.count(settings_mod.USER_NAME_UNSET) == 1
    assert "propositions will say 'the user'" in err
    code, _, err = run("run")
    assert code == 0 and "user_name" not in err
    (gumd_home / cli_mod.NAME_HINT_MARKER).unlink()
    monkeypatch.setenv("GUMD_INFERENCE__USER_NAME", "Dana Reyes")
    code, _, err = run("run")
    assert code == 0 and "user_name" not in err
