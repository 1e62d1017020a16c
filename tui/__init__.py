"""The Textual dashboard (`gumd tui`): talks to propositions.service and the daemon controls."""

from .app import GumdApp, make_app, run_tui
from .controls import ActionRunner, DaemonControls, DaemonStatus

__all__ = ["ActionRunner", "DaemonControls", "DaemonStatus", "GumdApp", "make_app", "run_tui"]
