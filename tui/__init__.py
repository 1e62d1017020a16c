"""The Textual dashboard (`gumd tui`): talks to propositions.service and the daemon controls."""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use, so the CLI can borrow tui.timefmt's wording without importing Textual.
_EXPORTS = {"GumdApp": "app", "make_app": "app", "run_tui": "app",
            "ActionRunner": "controls", "DaemonControls": "controls", "DaemonStatus": "controls"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
