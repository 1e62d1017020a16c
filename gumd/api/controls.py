"""What the API is handed by whoever runs it: the service, daemon controls, the observation sink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from propositions.models import Observation
from propositions.service import Service

#: opens the Service the API reads and writes; called once, and the API closes what it returns
ServiceFactory = Callable[[], Service]

#: the daemon's privacy filter then its queue: stores what it admits and returns those ids
ObservationSink = Callable[[list[Observation]], list[int]]

#: carries out a suggestion's action; handed unchanged to ``Service.accept_suggestion``
ActionRunner = Callable[..., Any]


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
