"""Proactive suggestions: grounded candidates, scored by expected utility, rate-limited and tuned by feedback.

One room per concern: ``config`` (settings), ``scoring`` (the formulas below),
``suggester`` (the orchestrator), ``detectors`` (one per kind of candidate),
``events``, ``terminal``, ``requests`` and ``work`` (what the detectors read
out of screen text), ``model`` (the prompt and schema), ``candidate`` and ``text``.

Candidates come from what was seen, without a model:

- ``reminder``: a date (and time) mentioned on screen or in a proposition that
  is still ahead, within ``horizon_days``; the action saves a calendar reminder;
- ``resume_work``: a file edited several times and then left, a window whose
  title marks unfinished work (draft, TODO, unsaved), or a test/build run that
  failed in a terminal and was not followed by a passing run;
- ``follow_up``: a request addressed to the user in a mail or chat window
  ("can you ...?", "please ...", "let me know ...") with no reply seen;

and, with a model backend, ``model`` candidates the model proposes from recent
confident propositions and activity (each must cite a proposition it rests on;
its ``p`` is the model's estimate times the highest confidence among them).
A suggestion's ``proposition_ids`` are the active propositions inferred from
the observations it comes from, so forgetting those forgets it too.

Scoring. Each candidate has a benefit ``b`` (how much acting on it helps,
0-1), a probability ``p`` that the user finds it useful now (0-1), and the
interruption cost ``c`` (0-1) of showing anything at this moment:

    EU = p * b - (1 - p) * c

A useful suggestion earns its benefit; a useless one costs the interruption.
``c = base_cost + (1 - base_cost) * intensity`` where
``intensity = min(1, input_rate / burst_rate_per_min) * exp(-last_input_s_ago / typing_burst_s)``:
busy, recent input makes interrupting dearer. During a typing burst (input in
the last ``typing_burst_s`` at ``burst_rate_per_min`` or faster) nothing is
suggested at all, nor during quiet hours (local time, wrapping midnight), and
at most ``max_per_hour`` new suggestions are made in any rolling hour.

A candidate is stored when ``EU >= threshold(kind)``, where

    threshold(kind) = clamp(threshold + step * (dismissed - accepted), min, max)

counts the user's dismissals and acceptances of suggestions of that kind made
in the last ``feedback_window_days`` (snoozes count neither way: "not now" is
not "never"). The counts come from the suggestions table's feedback column,
so the adjustment persists with no other state. Every candidate has a stable
dedupe key (a reminder's is its time slot, so one event seen in a mail, a chat
and a proposition is one reminder), so the same suggestion is never made
twice, and a dismissed one never comes back.
"""

from __future__ import annotations

from .candidate import (
    BELOW_THRESHOLD,
    HOURLY_LIMIT,
    MADE,
    MADE_BEFORE,
    QUIET_HOURS,
    TYPING,
    UNREADABLE,
    Candidate,
    Verdict,
)
from .config import DAY, FEEDBACK, HOUR, KINDS, FocusState, SuggestConfig
from .model import SUGGEST_SCHEMA, SUGGEST_SYSTEM, ProposedSuggestion, SuggestionProposal, suggest_messages
from .scoring import expected_utility, in_quiet_hours, in_typing_burst, interruption_cost, record_feedback
from .suggester import Suggester

__all__ = [
    "BELOW_THRESHOLD", "DAY", "FEEDBACK", "HOUR", "HOURLY_LIMIT", "KINDS", "MADE", "MADE_BEFORE",
    "QUIET_HOURS", "SUGGEST_SCHEMA", "SUGGEST_SYSTEM", "TYPING", "UNREADABLE", "Candidate", "FocusState",
    "ProposedSuggestion", "SuggestConfig", "Suggester", "SuggestionProposal", "Verdict", "expected_utility",
    "in_quiet_hours", "in_typing_burst", "interruption_cost", "record_feedback", "suggest_messages",
]
