"""What the HTTP endpoints and MCP tools do, over ``Service``: plain functions returning JSON-ready dicts."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import propositions.serialize as serialize
from propositions.errors import InvalidInput, NotFound
from propositions.models import SUGGESTION_STATUSES, EvidenceLink, Observation, Proposition
from propositions.service import ForgetRequest, Service

from .controls import ActionRunner, DaemonControls, ObservationSink
from .errors import Forbidden, NotConfigured

#: tokens are estimated as characters / 4, which holds for English text in common tokenizers
CHARS_PER_TOKEN = 4
CONTEXT_LIMIT = 20
CONTEXT_MAX_TOKENS = 2000
SEARCH_LIMIT = 10
MAX_LIMIT = 100
#: per observation, so one pasted page cannot fill an assistant's context
OBSERVATION_CONTENT_CHARS = 2000
#: places (apps, window titles) named in a summary, and the longest title kept
SUMMARY_PLACES = 5
TITLE_CHARS = 120
FEEDBACK_ACTIONS = ("confirm", "reject")
OBSERVER = "api"


def estimate_tokens(item: Any) -> int:
    """Tokens an item costs in a prompt: its compact JSON, 4 characters a token, rounded up."""
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return math.ceil(len(text) / CHARS_PER_TOKEN)


# -- reading --------------------------------------------------------------------------


def context(
    svc: Service,
    query: str | None,
    *,
    since: float | None = None,
    until: float | None = None,
    limit: int = CONTEXT_LIMIT,
    max_tokens: int = CONTEXT_MAX_TOKENS,
    share_sensitive: bool = False,
) -> dict[str, Any]:
    """The best-ranked propositions for ``query`` that fit in ``max_tokens``, rank order kept.

    An item too big for what is left is skipped and smaller, lower-ranked ones
    still go in; ``omitted`` counts what did not fit. Evidence is summarised as
    the apps and window titles it was seen in and when, never as screen text.
    What the privacy audit flagged sensitive is left out unless ``share_sensitive``.
    What is handed out is counted as assistants' use, which makes it worth a question.
    """
    result = svc.query(query or None, since=since, until=until, limit=limit,
                       include_sensitive=share_sensitive)
    items: list[dict[str, Any]] = []
    used = omitted = 0
    for hit in result.hits:
        item = context_item(hit.proposition, hit.score)
        cost = estimate_tokens(item)
        if used + cost > max_tokens:
            omitted += 1
            continue
        items.append(item)
        used += cost
    svc.note_served(item["id"] for item in items)
    return {"query": query or "", "propositions": items, "tokens": used,
            "max_tokens": max_tokens, "omitted": omitted}


def context_item(p: Proposition, score: float) -> dict[str, Any]:
    # The digest is the apps and titles of the newest supporting observations, kept on the
    # row by the store: a summary with no extra query per proposition.
    seen_in = [part for part in p.evidence_digest.split(" | ") if part][:SUMMARY_PLACES]
    return {
        "id": p.id,
        "text": p.text,
        "confidence": round(p.confidence, 4),
        "decay": p.decay,
        "user_feedback": p.user_feedback,
        "sensitive": [c for c in p.sensitive.split(",") if c],
        "provenance": p.provenance or None,
        "score": round(score, 4),
        "evidence": {"seen_in": [_clip(s) for s in seen_in],
                     "last_seen_at": serialize.iso(p.last_evidence_at or None)},
    }


def search(
    svc: Service,
    query: str | None,
    *,
    since: float | None = None,
    until: float | None = None,
    limit: int = SEARCH_LIMIT,
    min_confidence: float = 0.0,
    share_sensitive: bool = False,
) -> dict[str, Any]:
    """Ranked search; the same shape as `gumd query --json` (sensitive ones as in ``context``)."""
    result = svc.query(query or None, since=since, until=until, limit=limit,
                       min_confidence=min_confidence, include_sensitive=share_sensitive)
    svc.note_served(h.proposition.id for h in result.hits)
    return {
        "query": query or "",
        "results": [
            {**serialize.proposition(h.proposition), "score": round(h.score, 4),
             "text_score": round(h.text_score, 4), "recency": round(h.recency, 4)}
            for h in result.hits
        ],
    }


def proposition(svc: Service, prop_id: int, share_sensitive: bool = False) -> dict[str, Any]:
    """One proposition, any status, with an evidence summary and every version's history.

    One the privacy audit flagged sensitive is, unless ``share_sensitive``, answered as if it
    did not exist: an assistant learns nothing from its id.
    """
    detail = svc.show(prop_id)
    if detail.proposition.sensitive and not share_sensitive:
        raise NotFound(f"no proposition with id {prop_id}")
    full = detail.to_dict()
    out = serialize.proposition(detail.proposition)
    out["evidence_summary"] = evidence_summary(detail.evidence)
    out["history"] = full["history"]
    out["superseded_by"] = full["superseded_by"]
    if not share_sensitive:  # a flagged earlier or later version keeps its words to itself
        flagged = {pid for pid, p in detail.versions.items() if p.sensitive}
        for entry in out["history"]:
            for side in ("old", "new"):
                if entry[f"{side}_id"] in flagged:
                    entry[f"{side}_text"] = None
    return out


def _shareable(svc: Service, prop_id: int, share_sensitive: bool) -> None:
    """NotFound for a proposition flagged sensitive, as if it did not exist, unless shared."""
    if not share_sensitive and svc.show(prop_id).proposition.sensitive:
        raise NotFound(f"no proposition with id {prop_id}")


def evidence_summary(links: Sequence[EvidenceLink]) -> dict[str, Any]:
    """Counts, apps, window titles and the time span of the evidence; no observation content."""
    observations = [link.observation for link in links if link.observation is not None]
    apps = Counter(o.app for o in observations if o.app)
    titles: list[str] = []
    for o in sorted(observations, key=lambda o: -o.captured_at):
        title = _clip(o.window_title or "")
        if title and title not in titles:
            titles.append(title)
    times = [o.captured_at for o in observations]
    return {
        "observations": len(links),
        "supports": sum(link.relation == "supports" for link in links),
        "contradicts": sum(link.relation == "contradicts" for link in links),
        "apps": [{"app": app, "observations": n} for app, n in apps.most_common(SUMMARY_PLACES)],
        "titles": titles[:SUMMARY_PLACES],
        "first_seen_at": serialize.iso(min(times)) if times else None,
        "last_seen_at": serialize.iso(max(times)) if times else None,
        "observation_ids": [link.observation_id for link in links],
    }


def recent_observations(svc: Service, allowed: bool, *, limit: int = 20,
                        since: float | None = None) -> dict[str, Any]:
    """The newest raw observations, content clipped; only where the user turned this on."""
    if not allowed:
        raise Forbidden("recent observations are off; set api.allow_recent_observations = true "
                        "in config.toml to let assistants read raw activity")
    result = svc.query(None, since=since, limit=limit, include_observations=True)
    out = []
    for hit in result.observations:
        row = serialize.observation(hit.observation)
        content = row.get("content") or ""
        row["content_truncated"] = len(content) > OBSERVATION_CONTENT_CHARS
        row["content"] = content[:OBSERVATION_CONTENT_CHARS]
        out.append(row)
    return {"observations": out}


# -- correcting -----------------------------------------------------------------------


def feedback(svc: Service, prop_id: int, action: Any, share_sensitive: bool = False) -> dict[str, Any]:
    if action not in FEEDBACK_ACTIONS:
        raise InvalidInput(f"action: must be one of {', '.join(FEEDBACK_ACTIONS)}, got {action!r}")
    _shareable(svc, prop_id, share_sensitive)
    prop = svc.confirm(prop_id) if action == "confirm" else svc.reject(prop_id)
    return serialize.proposition(prop)


def edit(svc: Service, prop_id: int, text: str, share_sensitive: bool = False) -> dict[str, Any]:
    """The new version; the old one stays, superseded, in its history."""
    _shareable(svc, prop_id, share_sensitive)
    return serialize.proposition(svc.edit(prop_id, text))


def forget(svc: Service, prop_id: int) -> dict[str, Any]:
    """Delete the proposition and every version of it for good; what was deleted, counted."""
    forgotten = svc.forget(ForgetRequest(ids=[prop_id]))
    return {"forgotten": forgotten, "wipe_pending": svc.wipe_pending}


# -- suggestions ----------------------------------------------------------------------


def suggestions(svc: Service, status: str | None = None, limit: int = 50,
                runner: ActionRunner | None = None) -> dict[str, Any]:
    """Each with ``action_description``: what accepting runs, with its exact target."""
    if status is not None and status not in SUGGESTION_STATUSES:
        raise InvalidInput(f"status: must be one of {', '.join(SUGGESTION_STATUSES)}")
    describe = _describer(runner)
    return {"suggestions": [serialize.suggestion(s, describe)
                            for s in svc.list_suggestions(status=status, limit=limit)]}


def accept_suggestion(svc: Service, sugg_id: int, runner: ActionRunner | None) -> dict[str, Any]:
    if runner is None:
        raise NotConfigured("accepting a suggestion runs its action, and this gumd has no action "
                            "runner configured; act on it yourself, then dismiss it")
    sugg, outcome = svc.accept_suggestion(sugg_id, runner)
    return {"suggestion": serialize.suggestion(sugg, _describer(runner)), "result": outcome}


def _describer(runner: ActionRunner | None) -> Callable[[Mapping[str, Any]], str] | None:
    """The runner's own description (it knows the folders it saves into), when it has one."""
    describe = getattr(runner, "describe", None)
    if not callable(describe):
        return None
    return lambda action: Service.describe_action(dict(action), runner, strict=False)


def dismiss_suggestion(svc: Service, sugg_id: int) -> dict[str, Any]:
    return serialize.suggestion(svc.dismiss_suggestion(sugg_id))


def snooze_suggestion(svc: Service, sugg_id: int, until: float) -> dict[str, Any]:
    return serialize.suggestion(svc.snooze_suggestion(sugg_id, until))


# -- the daemon -----------------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What this API instance may do, reported in /v1/status so a client can adapt."""

    recent_observations: bool
    actions: bool
    sensitive_propositions: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"version": "v1", "recent_observations": self.recent_observations,
                "actions": self.actions, "sensitive_propositions": self.sensitive_propositions}


def status(svc: Service, controls: DaemonControls, caps: Capabilities) -> dict[str, Any]:
    return {"daemon": serialize.iso_times(controls.status()), "database": svc.stats(), "api": caps.to_dict()}


def pause(controls: DaemonControls, until: float | None) -> dict[str, Any]:
    controls.pause(until)
    return {"paused": True, "paused_until": serialize.iso(until)}


def resume(controls: DaemonControls) -> dict[str, Any]:
    controls.resume()
    return {"paused": False, "paused_until": None}


def add_observations(sink: ObservationSink, observations: list[Observation]) -> dict[str, Any]:
    """Hand observations to the daemon's privacy filter and queue; excluded ones are dropped."""
    ids = sink(observations)
    return {"accepted": len(ids), "ids": ids}


def make_observation(text: str, *, app: str | None, title: str | None, url: str | None,
                     captured_at: float) -> Observation:
    return Observation(captured_at=captured_at, observer=OBSERVER, content=text, app=app,
                       window_title=title, url=url)


def _clip(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


# -- questions: what gumd would ask the user ---------------------------------------------

ANSWERS = ("yes", "no", "skip", "edit")


def questions(svc: Service, limit: int | None = None, everything: bool = False,
              share_sensitive: bool = False) -> dict[str, Any]:
    """The questions to ask the user now, best first (a few new ones a day unless ``limit``
    or ``everything``); ones about sensitive propositions only with ``share_sensitive``."""
    found = svc.questions(limit=limit, everything=everything, include_sensitive=share_sensitive)
    return {"questions": [q.to_dict() for q in found]}


def answer_question(svc: Service, qid: int, answer: Any, text: str | None = None,
                    share_sensitive: bool = False) -> dict[str, Any]:
    """Record the user's answer; the question as answered and the proposition as it now stands."""
    if answer not in ANSWERS:
        raise InvalidInput(f"answer: must be one of {', '.join(ANSWERS)}, got {answer!r}")
    q = svc.question(qid)
    if q.proposition is not None and q.proposition.sensitive and not share_sensitive:
        raise NotFound(f"no question with id {qid}")
    question, prop = svc.answer_question(qid, answer, text)
    return {"question": question.to_dict(), "proposition": serialize.proposition(prop)}
