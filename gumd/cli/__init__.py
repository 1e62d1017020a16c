"""The ``gumd`` command: thin adapters over ``propositions.service``, one module per command group.

``common`` holds the root group and what every command shares; each module in
``COMMAND_GROUPS`` adds its commands to that group when imported. A new group of
commands is a new module here, named in ``COMMAND_GROUPS``.
"""

from __future__ import annotations

import importlib
import os

from .common import App, cli

#: the modules that register commands on ``cli``, in the order `gumd --help` has no say in
COMMAND_GROUPS = ("reading", "forget", "db", "ingest", "eval", "queue", "model", "suggest", "api",
                  "running", "autostart", "questions")

for _name in COMMAND_GROUPS:
    importlib.import_module(f"{__name__}.{_name}")


def main() -> None:
    # Everything gumd writes (exports, backups, the database) is private to the user.
    os.umask(0o077)
    cli(prog_name="gumd")


__all__ = ["App", "COMMAND_GROUPS", "cli", "main"]
