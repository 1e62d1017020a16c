"""What the API is handed by whoever runs it: the service, daemon controls, the observation sink."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from propositions.models import Observation
from propositions.service import Service

#: opens the Service the API reads and writes; called once, and the API closes what it returns
ServiceFactory = Callable[[], Service]

#: the daemon's privacy filter then its queue: stores what it admits and returns those ids
ObservationSink = Callable[[list[Observation]], list[int]]


class ActionRunner(Protocol):
    """Carries out a suggestion's typed action (propositions.actions.ActionRunner is one)."""

    def run(self, action: Mapping[str, Any]) -> str:
        """Do it; a one-line account of what was done. Raises a GumdError when it cannot."""
        ...


@runtime_checkable
class DaemonControls(Protocol):
    """The daemon as the API sees it. Methods are called from worker threads and may block briefly."""

    def status(self) -> dict[str, Any]:
        """The daemon's state now; works while it is stopped. Times are epoch seconds."""
        ...

    def pause(self, until: float | None) -> None:
        """Stop capturing until ``until`` (epoch seconds), or until ``resume()`` when None."""
        ...

    def resume(self) -> None:
        """Capture again."""
        ...
