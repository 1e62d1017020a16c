"""The detectors: each turns one run's observations and propositions into candidates of its kind.

They live on a base class of Suggester so they read its store, config and user
as the orchestrator does; each guards every observation it reads, since screen
text is hostile input and one it cannot read may cost only its own candidate.
The parsers they call (events, terminal, requests, work) are looked up here.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..actions import CopyText, CreateReminder, OpenUrl
from ..backends.base import Backend
from ..infer import ModelInferrer
from ..models import TEXT_OBSERVERS, Observation, Proposition
from ..retrieve import jaccard
from ..store import Store
from .candidate import Candidate
from .config import DAY, SuggestConfig
from .events import _Event, _events, _mail_subject, _quoted, _reminder_odds, _what
from .model import SUGGEST_SCHEMA, SuggestionProposal, suggest_messages
from .requests import _Conversations, _is_messaging, _requests
from .terminal import _is_terminal, _run_result, _RunResult, _terminal_place
from .text import (_ago, _clip, _clock, _content_words, _day, _first_name, _first_sightings, _normalise,
                   _title_core, _where_seen)
from .work import _UNFINISHED, _is_file, _local_path, _open_action, _open_file_action, _project

log = logging.getLogger(__name__)

#: observers whose content is text that was on screen
_TEXT_OBSERVERS = TEXT_OBSERVERS


@dataclass
class _Context:
    """What one run looks at: recent observations (oldest first) and their grounding."""

    now: float
    observations: list[Observation]
    grounding: dict[int, list[int]]  # observation id -> active propositions it supports

    def props_for(self, observations: Iterable[Observation]) -> list[int]:
        return sorted({p for o in observations for p in self.grounding.get(o.id or 0, [])})


def _keep_best(slots: dict[str, Candidate], cand: Candidate) -> None:
    """One reminder per slot: the likelier one, grounded in everything both rest on."""
    held = slots.get(cand.identity)
    if held is None:
        slots[cand.identity] = cand
        return
    merged_props = sorted(set(held.proposition_ids) | set(cand.proposition_ids))
    merged_obs = sorted(set(held.observation_ids) | set(cand.observation_ids))
    if cand.p_useful * cand.benefit > held.p_useful * held.benefit:
        slots[cand.identity] = held = cand
    held.proposition_ids, held.observation_ids = merged_props, merged_obs


class Detectors:
    """The candidate detectors and their guards; Suggester runs them."""

    store: Store
    config: SuggestConfig
    backend: Backend | None
    user: str
    skipped: list[str]
    _parsed: OrderedDict[tuple[str, int | None, int], Any]

    def _guarded(self, detector: str, what: str, make: Callable[[], Any], default: Any) -> Any:
        """``make()``, or ``default`` when it fails: screen text is hostile input, and one
        observation a detector cannot read may cost only what would have come from it."""
        try:
            return make()
        except Exception as exc:  # noqa: BLE001 - whatever the text provoked, the rest goes on
            self._failed(detector, what, exc)
            return default

    def _failed(self, detector: str, what: str, exc: BaseException) -> None:
        """Log where a detector failed, never the message: it may quote the screen."""
        frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
        where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        log.warning("suggestions: the %s detector skipped %s (%s%s)", detector, what,
                    type(exc).__name__, where)
        self.skipped.append(f"the {detector} detector skipped {what} ({type(exc).__name__}{where})")

    def _parse(self, what: str, o: Observation, parse: Callable[[], Any], default: Any = None) -> Any:
        """``parse()`` of one observation's text, once (a failure is remembered as ``default``)."""
        key = (what, o.id, len(o.content or ""))
        if o.id is None:
            return self._guarded(what, f"observation {o.id}", parse, default)
        if key in self._parsed:
            self._parsed.move_to_end(key)
            return self._parsed[key]
        found = self._parsed[key] = self._guarded(what, f"observation {o.id}", parse, default)
        if len(self._parsed) > 4 * self.config.max_observations:
            self._parsed.popitem(last=False)
        return found

    # -- reminders ------------------------------------------------------------------------

    def _reminders(self, ctx: _Context) -> list[Candidate]:
        """Upcoming dates seen on screen, then in propositions; one per time slot."""
        slots: dict[str, Candidate] = {}
        sightings: dict[str, int] = defaultdict(int)
        for o in _first_sightings(ctx.observations):
            if o.observer not in _TEXT_OBSERVERS or not o.content or _is_terminal(o):
                continue
            for cand in self._guarded("reminder", f"observation {o.id}",
                                      lambda: self._reminders_seen(ctx, o), []):
                sightings[cand.identity] += 1
                _keep_best(slots, cand)
        for prop in self._dated_propositions(ctx.now):
            for cand in self._guarded("reminder", f"proposition {prop.id}",
                                      lambda: self._reminders_believed(ctx, prop), []):
                same_day = [c for c in slots.values() if c.identity.split("|")[0] == cand.identity.split("|")[0]]
                if same_day:  # already reminded from the screen: the proposition only grounds it
                    for c in same_day:
                        c.proposition_ids = sorted(set(c.proposition_ids) | {prop.id})
                    continue
                cand.p_useful = min(0.95, cand.p_useful + 0.1 * prop.confidence)
                _keep_best(slots, cand)
        for key, cand in slots.items():  # seen again and again: more likely to matter
            cand.p_useful = min(0.95, cand.p_useful + 0.1 * min(1.0, (sightings[key] - 1) / 2))
        return list(slots.values())

    def _reminders_seen(self, ctx: _Context, o: Observation) -> list[Candidate]:
        subject = _mail_subject(o.content or "")
        events = self._parse("reminder", o, lambda: _events(
            o.content or "", datetime.fromtimestamp(o.captured_at), self.config), [])
        found = (self._reminder(ctx, event, subject, [o], ctx.props_for([o]), where=_where_seen(o))
                 for event in events)
        return [c for c in found if c is not None]

    def _reminders_believed(self, ctx: _Context, prop: Proposition) -> list[Candidate]:
        text = _quoted(prop.text) or self._without_user(prop.text)
        found = (self._reminder(ctx, event, None, [], [prop.id], where="a proposition")
                 for event in _events(text, datetime.fromtimestamp(prop.created_at), self.config))
        return [c for c in found if c is not None]

    def _reminder(self, ctx: _Context, event: "_Event", subject: str | None,
                  seen: list[Observation], prop_ids: list[int], where: str) -> Candidate | None:
        due = event.due.timestamp()
        if not ctx.now < due <= ctx.now + self.config.horizon_days * DAY:
            return None
        what = event.what
        named = _what(subject, [], False) if subject else ""
        if not event.deadline and (not _content_words(what) or _content_words(named) & _content_words(what)):
            what = named  # the mail's subject names the event better than the sentence
        if not _content_words(what):
            return None  # a bare date ("Today" over a list of mail) is no event
        what = _clip(what, 90)
        day = f"{event.due:%a} {event.due.day} {event.due:%b}"
        when = f"{day}, {event.clock}" if event.clock else day
        title = f"{what} by {when}" if event.deadline else f"{what} — {when}"
        body = f"“{_clip(event.sentence, 240)}” — seen in {where}"
        slot = f"{event.due:%Y-%m-%d}|{event.due:%H:%M}" if event.timed else f"{event.due:%Y-%m-%d}|day"
        p_useful, why = _reminder_odds(event, seen, bool(subject), bool(prop_ids))
        urgency = 1.0 - min(1.0, (due - ctx.now) / (self.config.horizon_days * DAY))
        return Candidate(
            kind="reminder", title=title, body=body,
            action=CreateReminder(title=what, at=event.due.astimezone(), body=body,
                                  lead_minutes=self.config.reminder_lead_minutes if event.timed else 0),
            identity=slot,
            benefit=min(0.95, 0.65 + 0.1 * (event.timed or event.deadline) + 0.15 * urgency),
            p_useful=p_useful, why=why,
            proposition_ids=prop_ids, observation_ids=[o.id for o in seen if o.id], due_at=due,
        )

    def _dated_propositions(self, now: float) -> list[Proposition]:
        ids = self.store.active_proposition_ids(200, min_confidence=0.5,
                                                evidence_since=now - self.config.lookback_days * DAY)
        found = self.store.get_propositions(ids)
        return [found[i] for i in ids]

    def _without_user(self, text: str) -> str:
        """"Sam has a call on Friday" -> "a call on Friday": the user needs no naming to themself."""
        first = _first_name(self.user)
        # With no name known, propositions open with "The user".
        name = re.escape(first) if first else r"the\s+user"
        return re.sub(rf"^\s*{name}(?:'s|’s)?\s+(?:has|is|will(?:\s+be)?|was|had)?\s*", "", text, flags=re.I)

    # -- resume work ----------------------------------------------------------------------

    def _edited_files(self, ctx: _Context) -> list[Candidate]:
        """Files changed several times (or named as unfinished) and then left."""
        by_path: dict[str, list[Observation]] = defaultdict(list)
        for o in ctx.observations:
            if o.observer == "files" and o.window_title:
                by_path[o.window_title].append(o)
        # A project is left when none of its files changed for a while, not just this one.
        project_last: dict[str, float] = defaultdict(float)
        for shown, events in by_path.items():
            key = _project(shown) or shown
            project_last[key] = max(project_last[key], events[-1].captured_at)
        best: dict[str, Candidate] = {}
        for shown, events in by_path.items():
            cand = self._guarded("edited-file", f"observation {events[-1].id}",
                                 lambda: self._edited_file(ctx, shown, events, project_last), None)
            # One per project: the file most worth going back to.
            key = _project(shown) or shown
            if cand is not None and (key not in best or
                                     cand.benefit * cand.p_useful > best[key].benefit * best[key].p_useful):
                best[key] = cand
        return list(best.values())

    def _edited_file(self, ctx: _Context, shown: str, events: list[Observation],
                     project_last: dict[str, float]) -> Candidate | None:
        last = events[-1]
        left_for = ctx.now - last.captured_at
        if (last.content or "").startswith(("deleted", "moved")) or not (
            self.config.resume_after_s <= left_for <= self.config.resume_within_s
        ) or ctx.now - project_last[_project(shown) or shown] < self.config.resume_after_s:
            return None
        path = _local_path(shown)
        if path is None or not _is_file(path):
            return None
        marked = bool(_UNFINISHED.search(path.name)) or any(
            _UNFINISHED.search(o.window_title or "") and path.name in (o.window_title or "")
            for o in ctx.observations if o.observer != "files")
        if len(events) < 2 and not marked:
            return None
        action = _open_file_action(path)
        if action is None:  # not a document gumd may open
            return None
        project = _project(shown)
        edits = min(1.0, len(events) / 10)
        return Candidate(
            kind="resume_work",
            title=f"Pick up {path.name}" + (f" in {project}" if project else ""),
            body=(f"Changed {len(events)} time(s), last at {_clock(last.captured_at)} "
                  f"({_ago(left_for)} ago)" + ("; it looks unfinished" if marked else "") + "."),
            action=action,
            identity=f"file|{shown}|{_day(last.captured_at)}",
            benefit=0.4 + 0.3 * edits + 0.2 * marked, p_useful=0.45 + 0.1 * edits + 0.3 * marked,
            proposition_ids=ctx.props_for(events), observation_ids=[o.id for o in events if o.id],
        )

    def _unfinished_windows(self, ctx: _Context) -> list[Candidate]:
        """A window whose title marks unfinished work, not seen for a while."""
        last_seen: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in ctx.observations:
            if o.observer in ("screen", "window", "api") and o.window_title and _UNFINISHED.search(o.window_title):
                last_seen[(o.app or "", _title_core(o.window_title))].append(o)
        out = []
        for (app, core), seen in last_seen.items():
            cand = self._guarded("unfinished-window", f"observation {seen[-1].id}",
                                 lambda: self._unfinished_window(ctx, app, core, seen), None)
            if cand is not None:
                out.append(cand)
        return out

    def _unfinished_window(self, ctx: _Context, app: str, core: str,
                           seen: list[Observation]) -> Candidate | None:
        last = seen[-1]
        left_for = ctx.now - last.captured_at
        if not self.config.resume_after_s <= left_for <= self.config.resume_within_s:
            return None
        action = _open_action(last)
        if action is None:  # nothing to take the user back to
            return None
        return Candidate(
            kind="resume_work",
            title=f"Finish “{_clip(core, 70)}”" + (f" in {app}" if app else ""),
            body=f"Left unfinished at {_clock(last.captured_at)} ({_ago(left_for)} ago).",
            action=action, identity=f"window|{app}|{core}|{_day(last.captured_at)}",
            benefit=0.65, p_useful=0.7 + 0.1 * min(1.0, (len(seen) - 1) / 3),
            proposition_ids=ctx.props_for(seen), observation_ids=[o.id for o in seen if o.id],
        )

    def _failing_runs(self, ctx: _Context) -> list[Candidate]:
        """A failing test or build run in a terminal with no passing run after it."""
        runs = [(o, r, (o.app or "", _terminal_place(o))) for o in ctx.observations
                if o.observer in _TEXT_OBSERVERS and o.content
                and (r := self._parse("failing-run", o, lambda: _is_terminal(o) and _run_result(o.content or "")))]
        times_seen = Counter(r.failure for _, r, _ in runs if not r.passed)
        passed_in: set[tuple[str, str]] = set()
        passed_commands: set[str] = set()
        judged: set[tuple[str, str, str]] = set()
        out = []
        for o, result, terminal in reversed(runs):  # newest first: what came after is known
            if result.passed:
                passed_in.add(terminal)
                passed_commands.add(result.command or "")
                continue
            if (*terminal, result.failure) in judged:
                continue  # the same failure seen again later was judged from that sighting
            judged.add((*terminal, result.failure))
            if terminal in passed_in or (result.command and result.command in passed_commands):
                continue  # fixed since
            cand = self._guarded("failing-run", f"observation {o.id}",
                                 lambda: self._failing_run(ctx, o, result, terminal, times_seen), None)
            if cand is not None:
                out.append(cand)
        return out

    def _failing_run(self, ctx: _Context, o: Observation, result: "_RunResult", terminal: tuple[str, str],
                     times_seen: Counter[str]) -> Candidate | None:
        left_for = ctx.now - o.captured_at
        if not self.config.resume_after_s <= left_for <= self.config.resume_within_s:
            return None
        where = terminal[1]
        return Candidate(
            kind="resume_work",
            title=f"Failing run left in {where}: {_clip(result.failure, 80)}",
            body=(f"`{_clip(result.command or 'a command', 120)}` failed at {_clock(o.captured_at)} "
                  f"({_ago(left_for)} ago) and has not passed since. Accepting copies the command "
                  "to rerun it."),
            action=CopyText(text=result.rerun or result.failure),
            identity=f"run|{where}|{result.failure}",
            benefit=0.75,
            p_useful=min(0.95, 0.7 + 0.1 * (times_seen[result.failure] > 1) + 0.05 * bool(result.rerun)),
            proposition_ids=ctx.props_for([o]), observation_ids=[o.id] if o.id else [],
        )

    # -- follow-ups -----------------------------------------------------------------------

    def _follow_ups(self, ctx: _Context) -> list[Candidate]:
        """Requests addressed to the user in mail and chat, with no reply seen after them."""
        me = _first_name(self.user)
        out: dict[str, Candidate] = {}
        judged: set[str] = set()  # a request is judged at its first sighting, answered or not
        talks = _Conversations(ctx.observations)
        for o in _first_sightings(ctx.observations):
            if o.observer not in _TEXT_OBSERVERS or not o.content or not _is_messaging(o):
                continue
            asked_for = ctx.now - o.captured_at
            if not self.config.follow_up_after_s <= asked_for <= self.config.resume_within_s:
                continue
            self._guarded("follow-up", f"observation {o.id}",
                          lambda: self._follow_ups_seen(ctx, o, me, talks, judged, out), None)
        return list(out.values())

    def _follow_ups_seen(self, ctx: _Context, o: Observation, me: str | None, talks: "_Conversations",
                         judged: set[str], out: dict[str, Candidate]) -> None:
        asked_for = ctx.now - o.captured_at
        subject = _mail_subject(o.content or "")
        for request in self._parse("follow-up", o, lambda: _requests(o.content or "", me), []):
            key = f"{request.speaker}|{_normalise(request.text)}"
            if key in judged:
                continue
            judged.add(key)
            if talks.replied(request, subject, o, me):
                continue
            question = _clip(request.text, 100)
            who = _first_name(request.speaker) if request.speaker else None
            direct = "?" in request.text
            named = bool(me and re.search(rf"\b{re.escape(me)}\b", request.raw, re.I))
            url = o.url if o.url and urlsplit(o.url).scheme in ("http", "https") else None
            out[key] = Candidate(
                kind="follow_up",
                title=f"Reply to {who}: “{question}”" if who else f"Reply: “{question}”",
                body=(f"Asked in {_where_seen(o)} at {_clock(o.captured_at)} ({_ago(asked_for)} ago); "
                      "no reply seen since."),
                action=OpenUrl(url=url) if url else CopyText(text=f"> {request.text}\n\n"),
                identity=f"ask|{request.speaker or ''}|{request.text}",
                benefit=0.6 + 0.1 * direct + 0.1 * (named or "you" in request.text.casefold()),
                p_useful=0.55 + 0.1 * direct + 0.1 * bool(request.speaker) + 0.1 * named,
                proposition_ids=ctx.props_for([o]), observation_ids=[o.id] if o.id else [],
            )

    # -- the model ------------------------------------------------------------------------

    def _model_candidates(self, ctx: _Context) -> list[Candidate]:
        props = self._confident_propositions()
        if not props:
            return []
        recent = [o for o in ctx.observations if o.content or o.window_title][-self.config.model_max_observations:]
        messages = suggest_messages(self.user, props, recent, ctx.now)
        asker = ModelInferrer(self.backend, self.user)  # type: ignore[arg-type]
        answer = asker._ask(messages, SUGGEST_SCHEMA, SuggestionProposal)
        by_id = {p.id: p for p in props}
        made = [_content_words(title) for title in self.store.suggestion_titles(
            "model", ctx.now - self.config.feedback_window_days * DAY)]
        out = []
        for item in answer.suggestions:
            cited = [i for i in dict.fromkeys(item.propositions) if i in by_id]
            if not cited:
                continue  # a suggestion must rest on something known about the user
            words = _content_words(item.title)
            if any(jaccard(words, old) >= 0.6 for old in made):
                continue  # made (or dismissed) before in other words
            made.append(words)
            action = item.action
            due = action.at_utc().timestamp() if isinstance(action, CreateReminder) else None
            out.append(Candidate(
                kind="model", title=item.title, body=item.body, action=action,
                identity=f"model|{action.type}|{' '.join(sorted(_content_words(item.title)))}",
                benefit=item.benefit,
                p_useful=item.p_useful * max(by_id[i].confidence for i in cited),
                proposition_ids=sorted(cited), due_at=due,
            ))
        return out

    def _confident_propositions(self) -> list[Proposition]:
        ids = self.store.active_proposition_ids(self.config.model_max_propositions,
                                                min_confidence=self.config.model_min_confidence)
        found = self.store.get_propositions(ids)
        return [found[i] for i in ids]


