"""The daemon's controls as the dashboard and the API see them: status from its health file, pause by file."""

from __future__ import annotations

from typing import Any

from propositions.service import Service

from .privacy import PauseState
from .settings import Settings
from .status import daemon_status


class LocalControls:
    """Works whether or not the daemon runs: both sides read and write the same files."""

    def __init__(self, settings: Settings, service: Service) -> None:
        self.settings = settings
        self.service = service
        self.pause_state = PauseState.for_home(settings.home)

    def status(self) -> dict[str, Any]:
        return daemon_status(self.settings, self.service.store)

    def pause(self, until: float | None) -> None:
        self.pause_state.pause(until)

    def resume(self) -> None:
        self.pause_state.resume()

    def exclusions(self) -> dict[str, list[str] | str]:
        p = self.settings.privacy
        return {"apps": p.all_apps(), "names in apps, titles and URLs": p.all_names(),
                "window titles": p.all_title_patterns(),
                "redaction": "secrets always; e-mails " + ("on" if p.redact_emails else "off")
                             + ", phones " + ("on" if p.redact_phones else "off")}

