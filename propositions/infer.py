"""The inference pipeline: queued observations -> propose -> retrieve similar -> reconcile -> revise -> audit."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from . import bait, grounding, prompts, provenance, retrieve
from . import confidence as conf
from .backends.base import Backend, BackendUnavailable, MalformedOutput
from .decay import DEFAULT_DECAY, HALF_LIVES
from .errors import GumdError, InvalidInput
from .models import UNKNOWN_USER, Observation, Proposition
from .redact import redact_secrets
from .store import Store

log = logging.getLogger(__name__)

#: reads the text of a screenshot observation (OCR or a vision model)
ImageReader = Callable[[Observation], str]
#: told (step, done, total) as a batch moves on, e.g. ("reading screenshots", 3, 12)
ProgressFn = Callable[[str, int, int], None]
#: the steps of a batch, in order, as a ProgressFn hears them
READING, INFERRING, REVISING = "reading screenshots", "inferring", "revising"
#: makes a text safe to store or show a model; the application passes its privacy filter's
Redactor = Callable[[str], str]


def redact_secrets_only(text: str) -> str:
    """The redaction the library does on its own: secrets, not e-mail addresses or phones."""
    return redact_secrets(text)[0]


def model_image_reader(backend: Backend, ocr: ImageReader | None = None) -> ImageReader:
    """Read screenshots with a vision-capable model; with ``ocr``, keep the OCR text too.

    OCR gives exact strings (names, numbers); the model adds what they mean.
    """
    from pathlib import Path

    from .screen import load_image

    def read(obs: Observation) -> str:
        load_image(obs.image_path)  # refuse a corrupt file before sending it anywhere
        answer = backend.complete(prompts.transcribe_messages(obs), images=[Path(obs.image_path)])
        text = answer if isinstance(answer, str) else str(answer)
        return f"{ocr(obs)}\n\n{text}" if ocr else text

    read.backend = backend  # type: ignore[attr-defined]  # whose calls these are, for the daemon's counts
    return read


#: the most confidence a proposition resting only on what the person was shown may have
SAW_ONLY_MAX = 0.8


@dataclass
class Candidate:
    """A proposition an inferrer puts forward for one batch."""

    text: str
    confidence: float
    reasoning: str = ""
    decay: str = "weeks"
    evidence: list[int] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)
    topic_key: str | None = None
    #: other topics this candidate absorbs (their propositions merge into it)
    merges_topics: list[str] = field(default_factory=list)
    #: the confidence already weighs all the evidence so far (the statistical inferrer
    #: recomputes it from its whole window), so restating it must not reinforce it again
    cumulative: bool = False
    #: the most confidence it may end with, whatever reconciliation or calibration says
    #: (a named thing in it is not in its evidence); such a candidate reinforces nothing
    max_confidence: float | None = None
    #: "did" when some evidence shows the person acting, "saw" when it only shows what they
    #: were shown (set by the pipeline from the cited observations)
    provenance: str = ""

    @property
    def topics(self) -> list[str]:
        return ([self.topic_key] if self.topic_key else []) + self.merges_topics


@dataclass
class Decision:
    """What to do with one candidate, given the similar propositions already held."""

    action: str  # new | same | revise | contradict
    targets: list[int] = field(default_factory=list)
    text: str = ""
    #: a confidence the reconciler states for the new version; None: from the candidate
    confidence: float | None = None
    reasoning: str = ""
    #: how long a revised version lasts; None: the longer of the candidate's and the old ones'
    decay: str | None = None


class Inferrer(Protocol):
    """Proposes candidates for a batch and decides how they relate to what is known."""

    name: str

    def propose(self, batch: list[Observation], store: Store) -> list[Candidate]: ...

    def reconcile(
        self, pairs: list[tuple[Candidate, list[Proposition]]]
    ) -> list[Decision]: ...


# -- reconciliation without a model ------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2)


def rule_reconcile(pairs: list[tuple[Candidate, list[Proposition]]]) -> list[Decision]:
    """Decide by topic and wording: the same topic with new wording is a revision,
    near-identical wording is the same proposition, anything else is new."""
    decisions = []
    for cand, similar in pairs:
        words = _words(cand.text)
        same_topic = [p for p in similar if p.topic_key and p.topic_key in cand.topics]
        if same_topic:
            target = same_topic[0]
            if len(same_topic) == 1 and _words(target.text) == words:
                decisions.append(Decision("same", [target.id]))
            else:
                decisions.append(Decision("revise", [p.id for p in same_topic], cand.text))
            continue
        close = [p for p in similar if retrieve.jaccard(words, _words(p.text)) >= 0.75]
        decisions.append(Decision("same", [close[0].id]) if close else Decision("new"))
    return decisions


# -- the model-backed inferrer ------------------------------------------------------


#: the most confidence a proposition citing no observation may have: nothing backs it
UNCITED_CONFIDENCE = 0.3


#: ``[model] focus``: the whole batch in one call, or one call per thread of activity
FOCUS = ("threads", "batch")


class ModelInferrer:
    """Asks a language model (any Backend) to propose and to reconcile.

    ``focus="batch"`` proposes from the whole batch in one call (a capable model with a
    long context); ``"threads"`` asks once per thread of related activity, with what
    the thread names already read out (``focus.py``), at most ``max_calls`` calls.
    """

    def __init__(self, backend: Backend, user: str = UNKNOWN_USER,
                 language: str = prompts.AUTO_LANGUAGE, focus: str = "batch",
                 max_calls: int | None = None) -> None:
        if focus not in FOCUS:
            raise InvalidInput(f"focus must be one of {', '.join(FOCUS)}, not {focus!r}")
        self.backend = backend
        # The prompts name the person in every sentence: never with an empty name.
        self.user = " ".join((user or "").split()) or UNKNOWN_USER
        #: the language propositions are written in; "auto": that of the screen text
        self.language = language
        self.focus = focus
        self.max_calls = max_calls
        self.name = f"{backend.name}:{backend.model}" if backend.model else backend.name

    def propose(self, batch: list[Observation], store: Store) -> list[Candidate]:
        if self.focus == "threads" and batch:
            return self._propose_threads(batch)
        messages = prompts.propose_messages(self.user, batch, self.language)
        proposal = self._ask(messages, prompts.PROPOSE_SCHEMA, prompts.Proposal)
        return self._candidates(proposal.propositions, batch)

    def _propose_threads(self, batch: list[Observation]) -> list[Candidate]:
        """One call per thread; a thread whose answer stays malformed loses only its own
        propositions. Only when every call fails does the batch fail (and wait for retry)."""
        # Imported here: the thread inferrer builds on this module's Candidate.
        from . import focus

        threads = focus.split(batch, self.user, self.max_calls or focus.MAX_CALLS)
        out: list[Candidate] = []
        errors: list[str] = []
        for thread in threads:
            messages = self.thread_messages(thread)
            try:
                answer = self._ask(messages, prompts.THREAD_SCHEMA, prompts.ThreadProposal)
            except MalformedOutput as exc:
                log.warning("a thread of %d observations got no valid answer: %s",
                            len(thread.observations), exc)
                errors.append(str(exc))
                continue
            out += self._candidates(answer.propositions, thread.observations)
        if threads and len(errors) == len(threads):
            raise MalformedOutput(errors[0])
        return out

    def thread_messages(self, thread) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
        """The prompt for one thread (a ``focus.Thread``)."""
        return prompts.thread_messages(self.user, thread.observations, thread.facts(),
                                       self.language, other=thread.other)

    def _candidates(self, items: list[prompts.ProposedItem],
                    numbered: list[Observation]) -> list[Candidate]:
        """The model's items as candidates, its evidence numbers (from 1) as ``numbered``'s ids."""
        ids = [o.id for o in numbered]
        out = []
        for item in items:
            cited = list(dict.fromkeys(ids[i - 1] for i in item.evidence if 1 <= i <= len(ids)))
            confidence, reasoning = item.confidence, item.reasoning
            if not cited:
                # Attaching the whole batch would make every observation look like support.
                confidence = min(confidence, UNCITED_CONFIDENCE)
                reasoning = _beside(reasoning, "No observation was cited for it, so its "
                                               f"confidence is capped at {UNCITED_CONFIDENCE:g}.")
            out.append(
                Candidate(
                    text=item.text,
                    confidence=confidence,
                    reasoning=reasoning,
                    decay=item.decay,
                    evidence=cited,
                    sensitive=list(item.sensitive),
                )
            )
        return out

    def reconcile(self, pairs: list[tuple[Candidate, list[Proposition]]]) -> list[Decision]:
        decisions = [Decision("new") for _ in pairs]
        asked = [(i, c, s) for i, (c, s) in enumerate(pairs) if s]
        if not asked:
            return decisions
        items = [
            (prompts.ProposedItem(text=c.text, confidence=c.confidence, decay=c.decay), s)
            for _, c, s in asked
        ]
        messages = prompts.reconcile_messages(self.user, items, self.language)
        answer = self._ask(messages, prompts.RECONCILE_SCHEMA, prompts.Reconciliation)
        for d in answer.decisions:
            if 0 <= d.candidate < len(asked):
                i, cand, similar = asked[d.candidate]
                allowed = {p.id for p in similar}
                targets = list(dict.fromkeys(t for t in d.targets if t in allowed))
                if d.action != "new" and not targets:
                    continue  # ids the model made up: keep it as a new proposition
                confidence = d.confidence
                if d.action in ("revise", "contradict") and confidence is None:
                    confidence = cand.confidence  # the model's word, not the old value's
                decisions[i] = Decision(d.action, targets, d.text, confidence, d.reasoning,
                                        d.decay)
        return decisions

    def _ask(self, messages, schema, model_cls):  # type: ignore[no-untyped-def]
        """One completion validated against ``model_cls``; one repair attempt, then MalformedOutput."""
        raw: object = None
        error = ""
        for attempt in range(2):
            truncated = False
            try:
                raw = self.backend.complete(messages, schema=schema)
                if not isinstance(raw, dict):
                    raise MalformedOutput("the model did not return a JSON object", str(raw))
                return model_cls.model_validate(raw)
            except MalformedOutput as exc:
                error, bad, truncated = str(exc), exc.raw, exc.truncated
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                error, bad = f"{where}: {first['msg']}", str(raw)
            if attempt == 0:
                log.debug("model output invalid (%s); asking once more", error)
                messages = prompts.repair_messages(messages, bad, error, truncated=truncated)
        raise MalformedOutput(f"model output still invalid after one repair attempt: {error}")


def _beside(reasoning: str, note: str) -> str:
    """A note added after the reasoning, never in its place."""
    reasoning, note = reasoning.strip(), note.strip()
    if not note or note in reasoning:
        return reasoning
    return f"{reasoning} {note}" if reasoning else note


# -- the audit -----------------------------------------------------------------

# Word stems per sensitive category: flags for the user's review, never a filter.
_AUDIT_STEMS: dict[str, tuple[str, ...]] = {
    "health": ("health", "doctor", "therap", "diagnos", "medic", "symptom", "illness", "disease",
               "pregnan", "mental", "depress", "anxiet", "clinic", "hospital", "prescri"),
    "finances": ("salar", "debt", "loan", "mortgage", "bank", "credit", "income", "tax", "invest",
                 "payment", "budget", "bankrupt"),
    "relationships": ("divorc", "dating", "breakup", "girlfriend", "boyfriend", "spouse", "affair",
                      "partner", "marriage"),
    "religion": ("church", "mosque", "synagog", "temple", "prayer", "religio", "faith", "bible",
                 "quran", "torah"),
    "politics": ("politic", "election", "vote", "voting", "democrat", "republican", "parliament",
                 "protest", "campaign"),
    "sexuality": ("sexual", "gay", "lesbian", "bisexual", "transgender", "queer", "lgbt"),
    "identity_documents": ("passport", "social security", "driver's licen", "driving licen",
                           "national id", "visa", "ssn"),
}


def audit(cand: Candidate, redact: Redactor = redact_secrets_only) -> Candidate:
    """Remove secrets from the text and reasoning, and flag the sensitive categories the
    text touches for the user's review.

    Only the text is scanned: it is what is kept and shown as the claim, while the
    reasoning names whatever was on screen ("saw a bank tab open beside the editor").
    """
    text, reasoning = redact(cand.text), redact(cand.reasoning)
    if (text, reasoning) != (cand.text, cand.reasoning):
        log.info("audit: redacted a proposition")
    cand.text, cand.reasoning = text, reasoning
    cand.sensitive = sensitive_flags(cand.text, cand.sensitive)
    return cand


def sensitive_flags(text: str, given: Iterable[str] = ()) -> list[str]:
    """The categories ``given`` (by the model, or an older version) plus those ``text`` touches."""
    lowered = text.casefold()
    flags = {f for f in given if f}
    for category, stems in _AUDIT_STEMS.items():
        if any(re.search(r"\b" + re.escape(stem), lowered) for stem in stems):
            flags.add(category)
    return sorted(flags & set(prompts.SENSITIVE_CATEGORIES))


def longer_decay(*decays: str) -> str:
    """The longest-lasting of some decay classes (unknown ones are ignored)."""
    known = [d for d in decays if d in HALF_LIVES]
    return max(known, key=HALF_LIVES.__getitem__) if known else DEFAULT_DECAY


def _same_text(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def merge_same_text(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates of one batch that say the same thing, as one: the evidence of all of them,
    the highest confidence, the longest decay. Two would otherwise each be reconciled
    against the store and land twice, or revise one proposition twice."""
    kept: dict[tuple[str, str | None, tuple[str, ...]], Candidate] = {}
    for cand in candidates:
        key = (_same_text(cand.text), cand.topic_key, tuple(cand.merges_topics))
        first = kept.get(key)
        if first is None:
            kept[key] = cand
            continue
        first.evidence = list(dict.fromkeys([*first.evidence, *cand.evidence]))
        first.confidence = max(first.confidence, cand.confidence)
        first.decay = longer_decay(first.decay, cand.decay)
        first.sensitive = sorted({*first.sensitive, *cand.sensitive})
        first.reasoning = _beside(first.reasoning, cand.reasoning)
    return list(kept.values())


# -- the pipeline -----------------------------------------------------------------


@dataclass
class Tally:
    """What inference did to the model: counted per batch, and summed over a drain."""

    observations: int = 0
    created: int = 0
    reinforced: int = 0
    revised: int = 0
    contradicted: int = 0

    def add_counts(self, other: "Tally") -> None:
        for name in ("observations", "created", "reinforced", "revised", "contradicted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class BatchReport(Tally):
    failed_observations: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class DrainReport(Tally):
    batches: int = 0
    failed_batches: int = 0
    unavailable: str | None = None
    errors: list[str] = field(default_factory=list)

    def add(self, b: BatchReport) -> None:
        self.batches += 1
        self.add_counts(b)
        if b.error:
            self.failed_batches += 1
            self.errors.append(b.error)


#: how far back an inferrer that weighs a window of observations reads, unless it says
WINDOW_DAYS = 14.0


class Pipeline:
    """Runs batches from the durable queue through an inferrer into the store."""

    def __init__(
        self,
        store: Store,
        inferrer: Inferrer,
        *,
        batch_size: int = 20,
        similar_k: int = 5,
        read_image: ImageReader | None = None,
        keep_images: bool = False,
        redact: Redactor = redact_secrets_only,
        progress: ProgressFn | None = None,
    ) -> None:
        if batch_size < 1:
            raise InvalidInput("batch size must be at least 1")
        self.store = store
        self.inferrer = inferrer
        self.batch_size = batch_size
        self.similar_k = similar_k
        self.read_image = read_image
        self.keep_images = keep_images
        #: every text the pipeline stores (screenshot text, propositions) goes through it
        self.redact = redact
        #: whose propositions these are: their own name needs no evidence
        self.user = (getattr(inferrer, "full_name", None) or getattr(inferrer, "user", None)
                     or "")
        # OCR engines and local models are not all safe to call from two threads at once.
        self._reading = threading.Lock()
        #: where a batch reports its step; a slow batch is otherwise silent for minutes
        self.progress = progress
        #: observations claimed by the batch running now (0 between batches)
        self.in_hand = 0

    def _step(self, step: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        try:
            self.progress(step, done, total)
        except Exception:  # reporting must never fail a batch
            log.debug("progress report failed", exc_info=True)

    def run_batch(self) -> BatchReport | None:
        """Process one batch; None when the queue is empty.

        A model that cannot be reached puts the batch back (BackendUnavailable
        propagates, nothing is lost); output that stays malformed after one
        repair marks the batch failed with the error, for `gumd queue retry`.
        """
        batch = self.store.claim_batch(self.batch_size)
        if not batch:
            return None
        started = time.perf_counter()
        report = BatchReport(observations=len(batch))
        ids = [o.id for o in batch]
        self.in_hand = len(batch)
        try:
            usable = self._read_images(batch, report)
            self._infer(usable, report)
        except BackendUnavailable:
            self.store.release(ids)
            raise
        except MalformedOutput as exc:
            report.error = str(exc)
            self.store.mark_failed(ids, report.error)
        except Exception as exc:  # a bug must not stop the daemon; the batch is kept to retry
            report.error = f"{type(exc).__name__}: {exc}"
            log.exception("inference batch failed")
            self.store.mark_failed(ids, report.error)
        finally:
            self.in_hand = 0
        report.seconds = time.perf_counter() - started
        return report

    def drain(self, max_batches: int | None = None) -> DrainReport:
        """Run batches until the queue is empty, the model is unreachable, or max_batches."""
        total = DrainReport()
        while max_batches is None or total.batches < max_batches:
            try:
                report = self.run_batch()
            except BackendUnavailable as exc:
                total.unavailable = str(exc)
                break
            if report is None:
                break
            total.add(report)
        return total

    def _read_images(self, batch: list[Observation], report: BatchReport) -> list[Observation]:
        usable = []
        unread = sum(1 for o in batch if o.image_path and not o.content)
        read = 0
        if unread:
            self._step(READING, 0, unread)
        for obs in batch:
            if obs.image_path and not obs.content:
                read += 1
                if self.read_image is None:
                    self.store.mark_failed([obs.id], "a screenshot needs OCR, and none is set up")
                    report.failed_observations += 1
                    continue
                try:
                    self._read_one(obs)
                except BackendUnavailable:
                    raise  # the whole batch waits for the model to come back
                except GumdError as exc:  # a corrupt image or missing OCR fails that observation alone
                    self.store.mark_failed([obs.id], str(exc))
                    report.failed_observations += 1
                    continue
                finally:
                    self._step(READING, read, unread)
            usable.append(obs)
        return usable

    def _read_one(self, obs: Observation) -> None:
        """Read a screenshot's text, redacted, into the store; the image goes unless kept."""
        assert self.read_image is not None
        with self._reading:
            text = self.redact(self.read_image(obs))
        # A screenshot with no text in it is not kept: there is nothing it could be read for.
        self.store.set_observation_content(obs.id, text, drop_image=not (self.keep_images and text))
        obs.content = text

    def read_next_screenshot(self, observer: str) -> bool:
        """Read the oldest unread screenshot from ``observer`` ahead of inference.

        Its image is not left waiting for a batch; the observation goes back to the queue
        with its text. False when none is waiting (or nothing can read it). A model that
        cannot be reached raises BackendUnavailable, and the screenshot stays queued.
        """
        if self.read_image is None:
            return False
        obs = self.store.claim_unread_screenshot(observer)
        if obs is None:
            return False
        try:
            self._read_one(obs)
        except BackendUnavailable:
            self.store.release([obs.id])
            raise
        except GumdError as exc:  # a corrupt image or missing OCR: as a batch would record it
            self.store.mark_failed([obs.id], str(exc))
            return True
        except Exception as exc:  # a bug must not stop the daemon; kept to retry
            log.exception("reading a screenshot failed")
            self.store.mark_failed([obs.id], f"{type(exc).__name__}: {exc}")
            return True
        except BaseException:
            self.store.release([obs.id])
            raise
        self.store.release([obs.id])
        return True

    def _infer(self, batch: list[Observation], report: BatchReport) -> None:
        """Infer from ``batch`` and mark it done, in one transaction.

        The propositions and the observations' done state commit together: a
        crash in between would otherwise leave the batch to run again and
        reinforce the same propositions twice. The report counts what committed.
        """
        done = [o.id for o in batch]
        if batch:
            self._step(INFERRING, 0, len(batch))
        # What a page tells its reader about them is not evidence: bait is read by no inferrer
        # and grounds nothing (it stays stored: it was seen).
        batch = [kept for o in batch if (kept := bait.without_bait(o)) is not None]
        candidates = ([audit(c, self.redact) for c in self.inferrer.propose(batch, self.store)]
                      if batch else [])
        candidates = merge_same_text([c for c in candidates if c.text.strip()])
        known = {o.id: o for o in batch if o.id is not None}
        candidates = self._ground(candidates, known)
        candidates = self._not_rejected(candidates, known)
        user = getattr(self.inferrer, "user", "")
        acted: dict[int, bool] = {}  # each observation read once, however many candidates cite it
        for c in candidates:
            cited = [i for i in c.evidence if i in known]
            for i in cited:
                if i not in acted:
                    acted[i] = provenance.acted(known[i], user)
            c.provenance = provenance.DID if any(acted[i] for i in cited) else provenance.SAW
        if not candidates:
            self.store.mark_done(done)
            return
        self._step(REVISING, 0, len(candidates))
        pairs = [(c, self._similar(c)) for c in candidates]
        decisions = [self._ground_rewrite(c, s, d, known)
                     for (c, s), d in zip(pairs, self.inferrer.reconcile(pairs))]
        # Per source and kind where the user's answers allow, else over all of them.
        calibrations = conf.fit_calibrations(self.store.feedback_rows())
        tally = BatchReport()
        state = _BatchState()
        with self.store.write():  # one batch, one transaction: all of it lands or none
            for i, ((cand, similar), decision) in enumerate(zip(pairs, decisions), 1):
                calibrate = calibrations.for_(self.inferrer.name, cand.topic_key)
                self._apply(cand, decision, state.known(similar), calibrate, tally, state)
                self._step(REVISING, i, len(candidates))
            self.store.mark_done(done)
        report.add_counts(tally)  # its observations are 0: the batch counted them

    def _ground(self, candidates: list[Candidate], known: dict[int, Observation]) -> list[Candidate]:
        """Drop a candidate none of whose named things its evidence has; cap one that names
        some thing its evidence lacks beside others it has, saying which.

        ``known`` (observations by id) gains the evidence read from the store.
        """
        wanted = [i for c in candidates for i in c.evidence if i not in known]
        if wanted:
            known.update(self.store.get_observations(wanted))
        kept = []
        read: list[grounding.Evidence] = []
        for cand in candidates:
            found = grounding.ground(cand.text, [known[i] for i in cand.evidence if i in known],
                                     self.user)
            if not found.grounded and cand.cumulative:
                # An inferrer that weighs its whole window may take a name from an observation
                # it does not cite ("teaches at Eastfield Academy": the school from a mail, the
                # class page as evidence); what it read grounds it, as nothing there is made up.
                if not read:
                    read.append(grounding.Evidence(self._window(known)))
                found = grounding.ground(cand.text, read[0], self.user)
            if found.grounded:
                kept.append(cand)
                continue
            if not found.found:
                # the names are not logged: they may be private
                log.info("grounding: dropped a proposition whose named things its evidence lacks")
                continue
            cap = grounding.UNGROUNDED_CONFIDENCE
            cand.max_confidence = min(cand.max_confidence if cand.max_confidence is not None
                                      else 1.0, cap)
            cand.confidence = min(cand.confidence, cap)
            names = ", ".join(f"“{m}”" for m in found.missing)
            cand.reasoning = _beside(cand.reasoning, f"Its evidence does not name {names}, so "
                                                     f"its confidence is capped at {cap:g}.")
            kept.append(cand)
        return kept

    def _not_rejected(self, candidates: list[Candidate],
                      known: dict[int, Observation]) -> list[Candidate]:
        """Drop a candidate restating what the user rejected (same topic, or near-identical
        wording) unless it cites something new: seen after the rejection, and not the same
        text (app, title, content) as the rejected one's evidence, so a page seen again is
        the evidence the user already said no to."""
        rejected = self.store.rejected_propositions()
        if not rejected:
            return candidates
        hashes = self.store.evidence_hashes([p.id for p, _ in rejected if p.id is not None])
        kept = []
        for cand in candidates:
            words = _words(cand.text)
            matching = [(p, at) for p, at in rejected
                        if (p.topic_key and p.topic_key in cand.topics)
                        or p.text.casefold() == cand.text.casefold()
                        or retrieve.jaccard(words, _words(p.text)) >= 0.75]
            if matching:
                since = max(at for _, at in matching)
                seen = set().union(*(hashes.get(p.id, set()) for p, _ in matching))
                cited = [known[i] for i in cand.evidence if i in known]
                if not any(o.captured_at + o.duration > since and o.content_hash not in seen
                           for o in cited):
                    log.info("dropped a proposition the user rejected, restated on old evidence")
                    continue
            kept.append(cand)
        return kept

    def _window(self, known: dict[int, Observation]) -> list[Observation]:
        """``known`` and what else an inferrer reading a window of days saw before them."""
        if not known:
            return []
        days = float(getattr(self.inferrer, "window_days", WINDOW_DAYS))
        end = max(o.captured_at for o in known.values())
        earlier = self.store.recent_done(end - days * 86400, end,
                                         int(getattr(self.inferrer, "max_window", 3000)))
        return [*known.values(), *(o for o in earlier if o.id not in known)]

    def _ground_rewrite(self, cand: Candidate, similar: list[Proposition], decision: Decision,
                        known: dict[int, Observation]) -> Decision:
        """A reconciler's rewording may name only what the candidate's evidence or the
        propositions it revises name; otherwise the candidate's own words stand."""
        text = decision.text.strip()
        if not text or text == cand.text:
            return decision
        targets = [p for p in similar if p.id in decision.targets]
        sources = [known[i] for i in cand.evidence if i in known] + [
            Observation(captured_at=p.updated_at or time.time(), observer="proposition",
                        content=p.text) for p in targets]
        if set(grounding.ground(text, sources, self.user).missing) <= set(
                grounding.ground(cand.text, sources, self.user).missing):
            return decision
        log.info("grounding: a reworded proposition named what its evidence lacks; kept as put")
        decision.text = ""
        return decision

    def _similar(self, cand: Candidate) -> list[Proposition]:
        found: dict[int, Proposition] = {}
        for topic in cand.topics:
            for p in self.store.active_by_topic(topic):
                found[p.id] = p
        hits = retrieve.query(self.store, cand.text, limit=self.similar_k, diversify=False)
        for hit in hits.hits:
            if hit.text_score >= 0.3:
                found.setdefault(hit.proposition.id, hit.proposition)
        return list(found.values())

    def _apply(
        self,
        cand: Candidate,
        decision: Decision,
        similar: dict[int, Proposition],
        calibrate: Callable[[float], float],
        report: BatchReport,
        state: _BatchState,
    ) -> None:
        stated = decision.confidence if decision.confidence is not None else cand.confidence
        p_new = calibrate(stated)
        if cand.max_confidence is not None:
            p_new = min(p_new, cand.max_confidence)
        if cand.provenance == provenance.SAW:
            # what the person was only shown is weaker evidence about them than what they did
            p_new = min(p_new, SAW_ONLY_MAX)
        targets, rerouted = state.current([similar[t] for t in decision.targets if t in similar])
        # Each held proposition is revised at most once a batch: a second revision of one
        # that an earlier candidate already replaced adds its evidence to the new version.
        if decision.action in ("revise", "contradict") and rerouted:
            decision = Decision("same", [t.id for t in targets])
        # What the user confirmed or wrote is never rewritten by inference.
        if decision.action in ("revise", "contradict") and any(
            t.user_feedback in ("confirmed", "edited") for t in targets
        ):
            decision = Decision("same" if decision.action == "revise" else "new", decision.targets)
        if decision.action == "same" and targets:
            if not cand.evidence and not cand.cumulative:
                return  # a restatement that cites nothing is no further evidence
            if cand.max_confidence is not None and not cand.cumulative:
                return  # nor one naming what its evidence does not
            for t in targets:
                p = p_new if cand.cumulative else conf.reinforce(t.confidence, p_new)
                if cand.provenance == provenance.SAW and t.provenance != provenance.DID:
                    p = min(p, SAW_ONLY_MAX)
                self.store.reinforce(t.id, p, cand.evidence, cand.provenance)
                t.provenance = provenance.DID if provenance.DID in (t.provenance, cand.provenance) \
                    else (cand.provenance or t.provenance)
                t.confidence = p  # a later "same" in this batch builds on it
            report.reinforced += 1
            return
        text = self.redact(decision.text.strip() or cand.text)
        reasoning = cand.reasoning
        if decision.reasoning:
            reasoning = _beside(reasoning, f"Reconciled: {self.redact(decision.reasoning)}")
        revising = decision.action in ("revise", "contradict") and bool(targets)
        new = Proposition(
            text=text,
            confidence=p_new,
            reasoning=reasoning,
            # A revision from one batch's view must not shorten a lasting claim ("works as a
            # nurse" is no "days" fact because today's screens say little about it); a
            # cumulative candidate already weighs all its evidence, so its own class stands.
            decay=decision.decay or (longer_decay(cand.decay, *(t.decay for t in targets))
                                     if revising and not cand.cumulative else cand.decay),
            source=self.inferrer.name,
            topic_key=cand.topic_key,
            # The final text is audited; a revision keeps what its old versions were flagged.
            sensitive=",".join(sensitive_flags(text, [
                *cand.sensitive,
                *(f for t in targets if revising for f in (t.sensitive or "").split(","))])),
            # a revision keeps what its old versions rested on: acting, once seen, stays
            provenance=provenance.DID if revising and any(t.provenance == provenance.DID for t in targets)
            else cand.provenance,
        )
        if revising:
            kind = "contradiction" if decision.action == "contradict" else (
                "merge" if len(targets) > 1 else "edit")
            # A confidence the reconciler states for the revision is its own, calibrated like a
            # new one's; rule reconciliation states none, so a reworded restatement builds on
            # the old value.
            if decision.action == "revise" and decision.confidence is None and not cand.cumulative:
                new.confidence = conf.reinforce(max(t.confidence for t in targets), p_new)
            if cand.max_confidence is not None:
                new.confidence = min(new.confidence, cand.max_confidence)
            try:
                new.id = self.store.supersede([t.id for t in targets], new, kind,
                                              evidence=cand.evidence)
            except InvalidInput as exc:  # a target left the active set meanwhile (the user deleted it)
                log.info("revision not applied (%s); kept as a new proposition", exc)
            else:
                state.replaced(targets, new)
                if kind == "contradiction":
                    for t in targets:
                        self.store.add_evidence(t.id, cand.evidence, relation="contradicts")
                    report.contradicted += 1
                else:
                    report.revised += 1
                return
        new.id = self.store.add_proposition(new, cand.evidence)
        state.known({new.id: new})
        report.created += 1


class _BatchState:
    """The propositions one batch has touched, so that later candidates see its changes."""

    def __init__(self) -> None:
        self._props: dict[int, Proposition] = {}
        self._successor: dict[int, int] = {}

    def known(self, props: Iterable[Proposition] | dict[int, Proposition]) -> dict[int, Proposition]:
        """``props`` by id, each as this batch last left it."""
        values = props.values() if isinstance(props, dict) else props
        return {p.id: self._props.setdefault(p.id, p) for p in values if p.id is not None}

    def current(self, props: list[Proposition]) -> tuple[list[Proposition], bool]:
        """The live version of each of ``props`` (deduplicated), and whether any was replaced."""
        out: dict[int, Proposition] = {}
        rerouted = False
        for p in props:
            while p.id in self._successor:
                p = self._props[self._successor[p.id]]
                rerouted = True
            out.setdefault(p.id, p)
        return list(out.values()), rerouted

    def replaced(self, old: list[Proposition], new: Proposition) -> None:
        assert new.id is not None
        self._props[new.id] = new
        for p in old:
            self._successor[p.id] = new.id
