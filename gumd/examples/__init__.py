"""Example scenarios that ship with gumd: each a day of one invented person's computer use.

They are package data, so `gumd demo`, `gumd replay NAME` and `gumd eval
--examples` work after a plain `pip install .`, without a checkout.
"""

from __future__ import annotations

from pathlib import Path

from propositions.errors import ScenarioError

FOLDER = Path(__file__).resolve().parent
#: what `gumd demo` replays without a name
DEFAULT = "on-call-week"


def names() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.json"))


def path(name: str) -> Path:
    """The file of the example called ``name``; a one-line error naming the examples otherwise."""
    if name in names():
        return FOLDER / f"{name}.json"
    raise ScenarioError(f"no example called {name!r} (examples: {', '.join(names())})")


def resolve(argument: str) -> Path:
    """A scenario file given on the command line, or the name of an example.

    A file that exists wins, so a scenario file that happens to share an
    example's name is still read from where the user said.
    """
    given = Path(argument).expanduser()
    if given.exists() or given.suffix == ".json" or len(given.parts) > 1:
        return given  # load_scenario says clearly what is wrong with a file
    if argument in names():
        return FOLDER / f"{argument}.json"
    raise ScenarioError(f"{argument}: no such scenario file, nor an example of that name "
                        f"(examples: {', '.join(names())})")
