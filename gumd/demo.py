"""`gumd demo`: an example day replayed into a throwaway home, to see what gumd learns before capturing."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from propositions.eval import Scenario, load_scenario, replay
from propositions.infer import DrainReport
from propositions.service import Service

from . import examples
from .privacy import admit_all
from .settings import Settings
from .wiring import make_inferrer, make_pipeline, make_privacy, make_service, make_store


@dataclass
class Demo:
    home: Path
    settings: Settings
    service: Service
    scenario: Scenario
    report: DrainReport


def make_home() -> Path:
    """A new private folder in the temporary directory (mkdtemp makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix="gumd-demo-"))


def demo_settings(settings: Settings, home: Path) -> Settings:
    """The user's settings (their model, privacy rules) with every file kept inside ``home``.

    A configured database path or notes folder would otherwise send the demo's
    invented person into the user's own model or notes.
    """
    out = settings.model_copy(deep=True)
    out.store = out.store.model_copy(update={"path": None})
    out.suggestions = out.suggestions.model_copy(update={"notes_dir": None, "reminders_dir": None})
    out._home = home
    return out


def scenario_end(scenario: Scenario) -> float:
    """Epoch seconds when the scenario's last observation (an idle period included) ends."""
    if not scenario.observations:
        return scenario.start.timestamp()
    last = scenario.observations[-1]
    return scenario.captured_at(last) + (last.seconds or 0)


def clock_on_the_day(scenario: Scenario, now: Callable[[], float] = time.time) -> Callable[[], float]:
    """A clock that starts a minute after the scenario ends and runs on from there.

    Its texts speak of dates relative to that day ("due Friday", "Sat 22 Aug"),
    so the demo lives on that day: "2h ago" and the dashboard's "today" mean it.
    """
    offset = now() - (scenario_end(scenario) + 60)
    return lambda: now() - offset


def run(settings: Settings, name: str, home: Path) -> Demo:
    """Replay the example ``name`` into ``home`` through the privacy filter and infer from it."""
    scenario = load_scenario(examples.path(name))
    local = demo_settings(settings, home)
    store = make_store(local, clock=clock_on_the_day(scenario))
    service = make_service(local, store)
    try:
        pipeline = make_pipeline(local, store, make_inferrer(local, scenario.user))
        privacy = make_privacy(local)
        report = replay(scenario, pipeline, lambda obs: store.enqueue(admit_all(privacy, obs)))
    except BaseException:
        store.close()
        raise
    return Demo(home, local, service, scenario, report)
