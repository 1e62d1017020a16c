"""The one facade over the store that the CLI, the dashboard and the API call."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import confidence as conf
from . import questions as questions_mod
from . import retrieve, serialize
from .actions import SupportsRun, describe_for
from .errors import InvalidInput
from .models import EvidenceLink, HistoryEntry, Proposition, Suggestion
from .config import Weights  # the front ends take the ranking weights from the facade
from .questions import Question, QuestionPolicy
from .store import CheckReport, Clock, Store, guarded
from .suggest import record_feedback
from .use import UseTally

#: an edit states what the user says is true, so it is held at least this likely
USER_EDIT_CONFIDENCE = 0.95
#: most of the old wording an edit's reasoning quotes
EDIT_QUOTE_CHARS = 200
EXPORTABLE = ("propositions", "observations", "suggestions")


@dataclass
class PropositionDetail:
    """A proposition with the observations behind it and every version of it."""

    proposition: Proposition
    evidence: list[EvidenceLink]
    history: list[HistoryEntry]
    versions: dict[int, Proposition] = field(default_factory=dict)

    @property
    def superseded_by(self) -> list[int]:
        return [h.new_id for h in self.history if h.old_id == self.proposition.id]

    @property
    def replaces(self) -> list[int]:
        return [h.old_id for h in self.history if h.new_id == self.proposition.id]

    def to_dict(self) -> dict[str, Any]:
        out = serialize.proposition(self.proposition)
        out["evidence"] = [serialize.evidence(e) for e in self.evidence]
        out["history"] = [
            {
                **serialize.history(h),
                "old_text": self.versions[h.old_id].text if h.old_id in self.versions else None,
                "new_text": self.versions[h.new_id].text if h.new_id in self.versions else None,
            }
            for h in self.history
        ]
        out["superseded_by"] = self.superseded_by
        return out


@dataclass
class ForgetRequest:
    """What to forget; filters combine with AND. ``everything`` ignores the rest."""

    ids: list[int] = field(default_factory=list)
    query: str | None = None
    since: float | None = None
    until: float | None = None
    app: str | None = None
    everything: bool = False

    def is_empty(self) -> bool:
        return not (
            self.ids or self.query or self.since is not None or self.until is not None
            or self.app or self.everything
        )


class Service:
    """Query, inspect, correct and forget the user model kept in one Store."""

    def __init__(
        self,
        store: Store,
        *,
        weights: Weights = Weights(),
        clock: Clock | None = None,
        questions: QuestionPolicy | None = None,
    ) -> None:
        self.store = store
        self.weights = weights
        self.clock = clock or store.clock
        #: how often and about what questions are asked (the application sets it from settings)
        self.question_policy = questions or QuestionPolicy()
        #: how often assistants were given each proposition (questions weigh it)
        self.use = UseTally(store, self.clock)

    @classmethod
    def open(cls, path: str | Path, *, weights: Weights | None = None,
             questions: QuestionPolicy | None = None, **store_options: Any) -> "Service":
        """A Service over the database at ``path``; ``store_options`` go to the Store."""
        return cls(Store(path, **store_options), weights=weights or Weights(), questions=questions)

    def close(self) -> None:
        self.use.close()
        self.store.close()

    def note_served(self, ids: Iterable[int | None]) -> None:
        """These propositions were just given to an assistant (the API's and MCP's context
        and search): what assistants rely on is worth asking the person about."""
        self.use.note(ids)

    # -- reading ---------------------------------------------------------------

    def query(
        self,
        text: str | None = None,
        *,
        since: float | None = None,
        until: float | None = None,
        limit: int = 10,
        min_confidence: float = 0.0,
        include_observations: bool = False,
        diversify: bool = True,
        prefix: bool = False,
        include_sensitive: bool = True,
    ) -> retrieve.QueryResult:
        return retrieve.query(
            self.store,
            text,
            since=since,
            until=until,
            limit=limit,
            min_confidence=min_confidence,
            include_sensitive=include_sensitive,
            include_observations=include_observations,
            diversify=diversify,
            prefix=prefix,
            weights=self.weights,
            now=self.clock(),
        )

    def recent(self, limit: int = 20) -> list[Proposition]:
        """Active propositions with the newest evidence first."""
        ids = self.store.active_proposition_ids(limit)
        found = self.store.get_propositions(ids)
        return [found[i] for i in ids]

    def flagged(self, limit: int = 200) -> list[Proposition]:
        """Active propositions the audit flagged as sensitive, newest evidence first, for review."""
        ids = self.store.active_proposition_ids(limit, flagged_only=True)
        found = self.store.get_propositions(ids)
        return [found[i] for i in ids if i in found]

    def show(self, prop_id: int) -> PropositionDetail:
        prop = self.store.get_proposition(prop_id)
        history = self.store.history(prop_id)
        related = {h.old_id for h in history} | {h.new_id for h in history}
        return PropositionDetail(
            proposition=prop,
            evidence=self.store.evidence(prop_id),
            history=history,
            versions=self.store.get_propositions(sorted(related)),
        )

    # -- feedback --------------------------------------------------------------

    def confirm(self, prop_id: int) -> Proposition:
        self.store.set_feedback(prop_id, "confirmed")
        return self.store.get_proposition(prop_id)

    def reject(self, prop_id: int) -> Proposition:
        """A rejected proposition leaves the active set; its row and history remain."""
        self.store.set_feedback(prop_id, "rejected")
        return self.store.get_proposition(prop_id)

    def edit(self, prop_id: int, text: str) -> Proposition:
        """Replace the wording; the old version is superseded with a ``user_edit`` record."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the new text is empty")
        old = self.store.get_proposition(prop_id)
        # The inferrer's reasoning explained the old wording, not this one: say who wrote it.
        was = old.text if len(old.text) <= EDIT_QUOTE_CHARS else old.text[:EDIT_QUOTE_CHARS - 1] + "…"
        day = time.strftime("%Y-%m-%d", time.localtime(self.clock()))
        new = Proposition(
            text=text,
            reasoning=f"edited by you on {day}; was: {was}",
            confidence=max(old.confidence, USER_EDIT_CONFIDENCE),
            decay=old.decay,
            half_life_s=old.half_life_s,
            source="user",
            user_feedback="edited",
            last_evidence_at=old.last_evidence_at,
            # Rewording does not make it less sensitive: the audit's flags carry over.
            sensitive=old.sensitive,
            # Still about the same thing: the inferrer's next restatement of it finds this
            # version (and adds its evidence) instead of bringing the old wording back.
            topic_key=old.topic_key,
            provenance=old.provenance,
        )
        new_id = self.store.supersede([prop_id], new, "user_edit", note="edited by the user")
        return self.store.get_proposition(new_id)

    # -- forgetting --------------------------------------------------------------

    def forget(self, request: ForgetRequest, *, dry_run: bool = False) -> dict[str, int]:
        """Delete what ``request`` selects for good and reclaim the space.

        Observations: those matching every given filter (query text, time
        window on capture time, app). Propositions: the given ids; those
        whose text matches the query, were created in the window and (with
        ``app``) have evidence from that app; and those left with no
        evidence. Every version of a selected proposition goes with it.
        """
        if request.is_empty():
            raise InvalidInput("say what to forget: --id, --query, --since/--until, --app or --all")
        if request.since is not None and request.until is not None and request.since > request.until:
            raise InvalidInput("since is after until")
        if request.everything:
            counts = self.store.forget(everything=True, dry_run=dry_run)
        else:
            where, params = self._observation_filter(request)
            prop_ids = list(request.ids)
            if request.query or request.since is not None or request.until is not None:
                prop_ids += self._matching_propositions(request)
            for pid in request.ids:
                self.store.get_proposition(pid)  # a wrong id is an error, not a silent no-op
            counts = self.store.forget(
                proposition_ids=prop_ids,
                observation_where=where,
                observation_params=params,
                dry_run=dry_run,
            )
        if not dry_run:
            self.store.reclaim()
        return counts

    @property
    def wipe_pending(self) -> bool:
        """Forgotten text may still be in the database's files: another process was reading
        them when it was deleted. The next open (or the daemon, within a minute) finishes it."""
        return self.store.wipe_pending

    def _observation_filter(self, request: ForgetRequest) -> tuple[str | None, list[Any]]:
        match = None
        if request.query:
            match = retrieve.fts_query(request.query)
            if match is None:
                raise InvalidInput(f"the query {request.query!r} has no words to match")
        return self.store.observation_condition(
            match=match, url_words=" ".join(retrieve.terms(request.query)) if request.query else "",
            since=request.since, until=request.until, app=request.app)

    def _matching_propositions(self, request: ForgetRequest) -> list[int]:
        return self.store.propositions_matching(
            match=retrieve.fts_query(request.query) if request.query else None,
            since=request.since, until=request.until, app=request.app)

    # -- export ----------------------------------------------------------------

    def export(self, what: str) -> Iterator[dict[str, Any]]:
        """Every row of one kind as its stable JSON shape, streamed in id order."""
        if what not in EXPORTABLE:
            raise InvalidInput(f"can export {', '.join(EXPORTABLE)}, not {what!r}")
        with guarded(self.store.path):
            if what == "propositions":
                for chunk in self.store.all_ids("propositions"):
                    props = self.store.get_propositions(chunk)
                    ev = self._evidence_ids(chunk)
                    for pid in chunk:
                        row = serialize.proposition(props[pid])
                        row["evidence"] = ev.get(pid, [])
                        yield row
            elif what == "observations":
                for chunk in self.store.all_ids("observations"):
                    for oid in chunk:
                        yield serialize.observation(self.store.get_observation(oid))
            else:
                for row in self.store.all_suggestion_rows():
                    yield serialize.suggestion(Suggestion.from_row(row))

    def _evidence_ids(self, prop_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        return {pid: [{"observation_id": oid, "relation": rel} for oid, rel in links]
                for pid, links in self.store.evidence_links(prop_ids).items()}

    # -- database --------------------------------------------------------------

    def check(self) -> CheckReport:
        return Store.check_file(self.store.path)

    def backup(self, dest: str | Path) -> Path:
        return self.store.backup(dest)

    def vacuum(self) -> tuple[int, int]:
        return self.store.vacuum()

    def stats(self) -> dict[str, Any]:
        return {
            **self.store.counts(),
            "queue": self.store.queue_counts(),
            "db_bytes": self.store.size_bytes(),
        }

    # == suggestions (proactive) ====================================================
    # Made by propositions.suggest.Suggester; the user's answers here move each
    # kind's threshold (record_feedback), and only accepting runs an action.

    def list_suggestions(self, status: str | None = None, limit: int = 50) -> list[Suggestion]:
        """Newest first; snoozed ones whose time has come are listed as new again."""
        return self.store.list_suggestions([status] if status else None, limit=limit)

    def get_suggestion(self, sugg_id: int) -> Suggestion:
        return self.store.get_suggestion(sugg_id)

    @staticmethod
    def describe_action(action: dict[str, Any] | None, runner: SupportsRun | None = None, *,
                        strict: bool = True) -> str:
        """What accepting runs, with its exact target: the address, the path, the note's or
        reminder's title and file (the runner, where it has folders, names the very file).
        ``strict``: an action that may not run raises ActionError instead of saying why."""
        return describe_for(runner, action, strict=strict)

    def accept_suggestion(self, sugg_id: int, runner: SupportsRun) -> tuple[Suggestion, str]:
        """Run the suggestion's action now, then mark it accepted; a failing action
        (ActionError) leaves it as it was."""
        sugg = self.store.get_suggestion(sugg_id)
        if sugg.status in ("accepted", "done"):
            raise InvalidInput(f"suggestion {sugg_id} was already accepted")
        done = runner.run(sugg.action) if sugg.action else "nothing to run"
        return record_feedback(self.store, sugg_id, "accepted"), done

    def dismiss_suggestion(self, sugg_id: int) -> Suggestion:
        """It will not be suggested again, and suggestions of its kind get rarer."""
        return record_feedback(self.store, sugg_id, "dismissed")

    def snooze_suggestion(self, sugg_id: int, until: float) -> Suggestion:
        """Hidden until ``until`` (epoch seconds), then listed as new again."""
        return record_feedback(self.store, sugg_id, "snoozed", until=until)

    def mark_shown(self, ids: list[int]) -> int:
        """Note that new suggestions were put in front of the user; returns how many."""
        if self.store.read_only is not None:
            return 0  # bookkeeping, not something the user asked for: not worth an error
        shown = 0
        for sugg_id in ids:
            if self.store.get_suggestion(sugg_id).status == "new":
                self.store.update_suggestion(sugg_id, "shown")
                shown += 1
        return shown

    # == end of suggestions ==========================================================

    # == questions ====================================================================
    # What gumd is least sure of and what matters most, asked in plain words
    # (propositions.questions); every answer is feedback that calibration learns from.

    ANSWERS = ("yes", "no", "skip", "edit")

    def calibrations(self) -> conf.Calibrations:
        """The confidence maps fitted to every confirmation and rejection so far."""
        return conf.fit_calibrations(self.store.feedback_rows())

    def calibrated(self, prop: Proposition,
                   calibrations: conf.Calibrations | None = None) -> float:
        """``prop``'s confidence rescaled by what the user said about its source and kind."""
        cal = calibrations or self.calibrations()
        return cal(prop.confidence, prop.source, prop.topic_key)

    def questions(self, *, limit: int | None = None, everything: bool = False,
                  include_sensitive: bool = True) -> list[Question]:
        """The questions to ask now, best first (at most a few new ones a day unless
        ``limit`` or ``everything``); they are recorded as asked."""
        if self.use.pending():
            self.use.flush()  # what this process handed assistants counts at once
        return questions_mod.choose(self.store, self.question_policy, limit=limit,
                                    everything=everything, include_sensitive=include_sensitive)

    def question(self, qid: int) -> Question:
        row = self.store.get_question(qid)
        prop = self.store.get_proposition(row["proposition_id"])
        return questions_mod.from_row(row, prop, self.calibrated(prop))

    def answer_question(self, qid: int, answer: str, text: str | None = None
                        ) -> tuple[Question, Proposition]:
        """Answer question ``qid``: yes confirms its proposition, no rejects it (and the same
        evidence will not bring it back), skip puts it off for ``skip_days``, edit rewords it
        (with ``text``). Returns the question as answered and the proposition as it now stands
        (for an edit, the new version)."""
        answer = (answer or "").strip().lower()
        if answer not in self.ANSWERS:
            raise InvalidInput(f"answer yes, no, skip or edit (with text), not {answer!r}")
        if answer == "edit" and not (text or "").strip():
            raise InvalidInput("an edit needs the corrected text")
        if answer != "edit" and text:
            raise InvalidInput(f"{answer} takes no text; to reword, answer edit with the text")
        row = self.store.get_question(qid)
        if row["status"] == "answered":
            raise InvalidInput(f"question {qid} was already answered ({row['answer']})")
        pid = row["proposition_id"]
        prop = self.store.get_proposition(pid)
        if prop.status != "active":
            raise InvalidInput(f"question {qid} is about proposition {pid}, which is "
                               f"{prop.status} now; list the questions again")
        with self.store.write():  # the answer and its effect land together
            new_id = None
            if answer == "yes":
                prop = self.confirm(pid)
            elif answer == "no":
                prop = self.reject(pid)
            elif answer == "edit":
                prop = self.edit(pid, text or "")
                new_id = prop.id
            until = (self.clock() + self.question_policy.skip_days * 86400
                     if answer == "skip" else None)
            done = self.store.record_answer(qid, answer, skipped_until=until,
                                            new_proposition_id=new_id)
        return questions_mod.from_row(done, prop), prop

    # == end of questions ===============================================================
