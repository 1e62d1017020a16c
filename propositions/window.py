"""The recent window of activity both statistical inferrers read: observations with their active time.

Each batch is read beside what came before it (up to two weeks by default): a thread, a habit or
a project shows over days, not in twenty observations.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from .infer import Candidate
from .models import UNKNOWN_USER, Observation
from .store import Store

T = TypeVar("T")

DAY = 86400.0
#: an observation counts as active for at most this long (a window left open overnight is not
#: ten hours of work)
MAX_SPAN_S = 600.0


@dataclass
class Activity:
    """The recent window of observations, with per-observation active time."""

    observations: list[Observation]
    active_s: dict[int, float] = field(default_factory=dict)


def first_name(user: str) -> str:
    return (user or "").split()[0] if (user or "").strip() else UNKNOWN_USER.capitalize()


def earlier(batch: list[Observation], store: Store, window_days: float, max_window: int) -> list[Observation]:
    """The processed observations of the window ``batch`` closes (``window_days`` back from its
    last, at most ``max_window``), without the batch's own."""
    end = max(o.captured_at for o in batch)
    batch_ids = {o.id for o in batch}
    return [o for o in store.recent_done(end - window_days * DAY, end, max_window) if o.id not in batch_ids]


def active_window(observations: list[Observation]) -> Activity:
    """``observations`` (in time order) with the time each was active: until the next one, at
    most MAX_SPAN_S, at least its own duration; an idle period is no active time."""
    activity = Activity(observations)
    for cur, nxt in zip(observations, observations[1:] + [None]):
        if cur.observer == "input":
            activity.active_s[cur.id] = 0.0
            continue
        gap = (nxt.captured_at - cur.captured_at) if nxt else 60.0
        activity.active_s[cur.id] = max(cur.duration, min(max(gap, 0.0), MAX_SPAN_S))
    return activity


#: days of activity before a habit is named: a working week
MIN_SCHEDULE_DAYS = 5


def schedule(act: Activity, user: str) -> Candidate | None:
    """When the person is usually at the computer: the median first and last active hour over
    a working week of days or more (a few days say nothing about habits)."""
    days: dict[date, list[Observation]] = defaultdict(list)
    for o in act.observations:
        if act.active_s.get(o.id):
            days[datetime.fromtimestamp(o.captured_at).date()].append(o)
    if len(days) < MIN_SCHEDULE_DAYS:
        return None
    starts = sorted(datetime.fromtimestamp(min(o.captured_at for o in obs)).hour for obs in days.values())
    ends = sorted(datetime.fromtimestamp(max(o.captured_at for o in obs)).hour for obs in days.values())
    start, end = starts[len(starts) // 2], ends[len(ends) // 2]
    obs = [o for obs in days.values() for o in obs]
    return Candidate(
        text=f"{user} is usually at the computer from about {start}:00 to {end + 1}:00",
        confidence=min(0.85, 0.4 + 0.05 * len(days)),
        reasoning=f"median first and last activity over {len(days)} days",
        decay="months", evidence=sorted({o.id for o in obs if o.id is not None})[-20:],
        topic_key="schedule")


class PerObservation(Generic[T]):
    """What ``read`` makes of an observation, kept for the ``size`` most recently used: the text
    analysis is the costly part and never changes once an observation is processed, so it is
    done once, not once per batch (an edited observation, longer or shorter, is read again)."""

    def __init__(self, read: Callable[[Observation], T], size: int) -> None:
        self.read = read
        self.size = size
        self._kept: OrderedDict[tuple[int | None, int, int], T] = OrderedDict()

    def __call__(self, o: Observation) -> T:
        key = (o.id, len(o.content or ""), len(o.window_title or ""))
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = self.read(o)
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return found
