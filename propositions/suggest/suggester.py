"""The orchestrator: one run gathers the detectors' candidates, scores them, holds back or makes them."""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

from .. import bait
from ..actions import CopyText
from ..backends.base import Backend
from ..errors import BackendError
from ..models import UNKNOWN_USER, Suggestion
from ..redact import redact_secrets
from ..store import Store
from .candidate import (BELOW_THRESHOLD, HOURLY_LIMIT, MADE, MADE_BEFORE, QUIET_HOURS, TYPING, UNREADABLE,
                        Candidate, Verdict)
from .config import DAY, HOUR, KINDS, FocusState, SuggestConfig
from .detectors import Detectors, _Context
from .scoring import expected_utility, in_quiet_hours, in_typing_burst, interruption_cost, record_feedback

log = logging.getLogger(__name__)



class Suggester(Detectors):
    """Makes suggestions from the store's recent observations and propositions."""

    def __init__(
        self,
        store: Store,
        config: SuggestConfig | None = None,
        clock: Callable[[], float] = time.time,
        backend: Backend | None = None,
        user: str = UNKNOWN_USER,
    ) -> None:
        self.store = store
        self.config = config or SuggestConfig()
        self.clock = clock
        self.backend = backend
        self.user = " ".join((user or "").split()) or UNKNOWN_USER
        self.last_error: str | None = None
        #: what the detectors could not read in the last run, without the text (see _failed)
        self.skipped: list[str] = []
        self._model_asked_at: float | None = None
        # What an observation's text says never changes once stored, and runs repeat every few
        # minutes over mostly the same observations: parse each once.
        self._parsed: OrderedDict[tuple[str, int | None, int], Any] = OrderedDict()

    # -- running ------------------------------------------------------------------

    def run(self, now: float | None = None, focus: FocusState | None = None, *,
            force: bool = False) -> list[Suggestion]:
        """Store and return the new suggestions worth making now.

        ``force`` (the user asked) skips quiet hours, typing bursts and the
        hourly limit; thresholds and dedupe still apply.
        """
        return [v.suggestion for v in self.review(now, focus, force=force, explain=False)
                if v.outcome == MADE and v.suggestion is not None]

    def review(self, now: float | None = None, focus: FocusState | None = None, *,
               force: bool = False, explain: bool = True) -> list[Verdict]:
        """Make the suggestions worth making now (as ``run``) and say what became of every
        candidate, best first: made, below its threshold, held back (quiet hours, typing, the
        hourly limit) or made before. Without ``explain``, a moment when nothing may be
        suggested is not even looked at.
        """
        now = self.clock() if now is None else now
        held = None if force else self._held_back(now, focus)
        made_lately = 0 if force else sum(self.store.suggestion_counts(now - HOUR).values())
        budget = math.inf if force else self.config.max_per_hour - made_lately
        if not explain and (held or budget <= 0):
            return []
        cost = interruption_cost(None if force else focus, self.config)
        thresholds = self.thresholds(now)
        verdicts = []
        for cand in self.candidates(now):
            eu = expected_utility(cand.p_useful, cand.benefit, cost)
            verdicts.append(Verdict(cand, {
                "benefit": round(cand.benefit, 3), "p_useful": round(cand.p_useful, 3),
                "cost": round(cost, 3), "eu": round(eu, 3), "threshold": round(thresholds[cand.kind], 3),
            }, BELOW_THRESHOLD))
        verdicts.sort(key=lambda v: -v.scores["eu"])
        made = 0
        for v in verdicts:
            if v.scores["eu"] < v.scores["threshold"]:
                continue
            if held:
                v.outcome = held
            elif made >= budget:
                v.outcome = HOURLY_LIMIT
            else:
                sugg = self._guarded("suggestion", "one candidate",
                                     lambda: self._suggestion(v.candidate, now, v.scores), None)
                if sugg is None:
                    v.outcome = UNREADABLE
                elif self.store.add_suggestion(sugg) is None:  # made before (maybe dismissed)
                    v.outcome, v.suggestion = MADE_BEFORE, self.store.find_suggestion(sugg.dedupe_key or "")
                else:
                    v.outcome, v.suggestion = MADE, sugg
                    made += 1
        return verdicts

    def _held_back(self, now: float, focus: FocusState | None) -> str | None:
        if in_quiet_hours(now, self.config.quiet_hours):
            return QUIET_HOURS
        if in_typing_burst(focus, self.config):
            return TYPING
        return None

    def _suggestion(self, cand: Candidate, now: float, scores: dict[str, float]) -> Suggestion:
        action = cand.action.model_dump(mode="json")
        if isinstance(cand.action, CopyText):
            action["text"] = redact_secrets(action["text"])[0]
        return Suggestion(
            title=redact_secrets(cand.title)[0], body=redact_secrets(cand.body)[0],
            action=action, scores=scores, kind=cand.kind, created_at=now,
            dedupe_key=cand.dedupe_key, proposition_ids=cand.proposition_ids, due_at=cand.due_at,
            observation_ids=cand.observation_ids,
        )

    # -- feedback and thresholds --------------------------------------------------------

    def record_feedback(self, sugg_id: int, feedback: str, *, until: float | None = None) -> Suggestion:
        return record_feedback(self.store, sugg_id, feedback, until=until)

    def thresholds(self, now: float | None = None) -> dict[str, float]:
        """The expected utility each kind needs now, after the user's feedback."""
        now = self.clock() if now is None else now
        since = now - self.config.feedback_window_days * DAY
        net: dict[str, int] = defaultdict(int)
        for (kind, feedback), n in self.store.feedback_counts(since).items():
            net[kind] += n if feedback == "dismissed" else -n
        c = self.config
        return defaultdict(lambda: c.threshold, {
            kind: min(c.threshold_max, max(c.threshold_min, c.threshold + c.threshold_step * net[kind]))
            for kind in set(KINDS) | set(net)
        })

    # -- candidates ---------------------------------------------------------------------

    def candidates(self, now: float) -> list[Candidate]:
        """Every candidate for this moment, unscored; grounded ones first, then the model's."""
        ctx = self._context(now)
        self.skipped = []
        out: list[Candidate] = []
        for detector, find in (("reminder", self._reminders), ("edited-file", self._edited_files),
                               ("unfinished-window", self._unfinished_windows),
                               ("failing-run", self._failing_runs), ("follow-up", self._follow_ups)):
            # Each detector guards its observations one by one; this only catches its own slips.
            out += self._guarded(detector, "this run", lambda: find(ctx), [])
        if self.backend is not None and (
            self._model_asked_at is None or now - self._model_asked_at >= self.config.model_interval_s
        ):
            self._model_asked_at = now
            try:
                out += self._model_candidates(ctx)
                self.last_error = None
            except BackendError as exc:  # the grounded candidates stand without the model
                self.last_error = str(exc)
                log.warning("suggestions: the model gave none: %s", exc)
            except Exception as exc:  # noqa: BLE001 - nor does anything else the model says stop them
                self._failed("model", "this run", exc)
        return out

    def _context(self, now: float) -> _Context:
        start = now - self.config.lookback_days * DAY
        rows = self.store.observations_between(start, now, self.config.max_observations)
        # bait (a prize mail's "claim before Friday") is no reminder and no request to follow up
        observations = [kept for o in reversed(rows) if (kept := bait.without_bait(o)) is not None]
        return _Context(now, observations, self._grounding([o.id for o in observations if o.id]))

    def _grounding(self, obs_ids: list[int]) -> dict[int, list[int]]:
        return defaultdict(list, self.store.supporting_propositions(obs_ids))
