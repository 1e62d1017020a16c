"""The Textual dashboard (`gumd tui`): talks to propositions.service and the daemon controls."""

from __future__ import annotations

from propositions.lazy import lazy_attributes

# Loaded on first use, so the CLI can borrow tui.timefmt's wording without importing Textual.
_EXPORTS = {"GumdApp": "app", "make_app": "app", "run_tui": "app",
            "ActionRunner": "controls", "DaemonControls": "controls", "DaemonStatus": "controls"}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_attributes(__name__, _EXPORTS)
