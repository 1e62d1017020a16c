"""Questions for the user: which propositions are worth asking about, and in plain words.

Worth asking (``score``, in [0, 1]) is an expected value: what an answer would
change, weighed by how much rests on the proposition::

    score = 0.50 * uncertainty            1 - |2c - 1|, c the calibrated confidence
          + 0.20 * use                    min(1, (suggestions resting on it
                                                  + times given to assistants / 5) / 3)
          + 0.15 * sensitive              flagged by the audit: ask before it is shared
          + 0.15 * contested              evidence for another active proposition speaks
                                          against it

Assistants' use is what the API's and MCP's context and search handed them
(propositions/use.py): five times given count as one suggestion resting on it.
Propositions the user already judged, and those whose
every supporting observation came from an app now excluded, are never asked
about. Unless asked for more, at most ``QuestionPolicy.per_day`` new questions a
(local) day are put to the user.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import confidence as conf
from .models import Proposition
from .serialize import iso
from .store import Store

W_UNCERTAINTY, W_USE, W_SENSITIVE, W_CONTESTED = 0.50, 0.20, 0.15, 0.15
#: suggestions resting on a proposition at which its "use" is full
USE_FULL = 3
#: times given to assistants that count as one suggestion resting on it
SERVED_PER_USE = 5
#: below this a question is not worth the user's time (a confident, unused proposition)
MIN_SCORE = 0.1
WHY_CHARS = 160


@dataclass
class QuestionPolicy:
    """How often and about what gumd asks; the application fills it from its settings."""

    #: new questions a day when the user did not ask for a number
    per_day: int = 3
    #: a skipped question comes back after this many days
    skip_days: float = 7.0
    #: the person's name as propositions use it ("" while unknown: "The user ...")
    user: str = ""
    #: whether an app is excluded from observation (the application passes its privacy
    #: filter's test); a proposition whose evidence comes only from such apps is not asked about
    excluded_app: Callable[[str], bool] | None = None


@dataclass
class Question:
    id: int
    proposition_id: int
    question: str
    why: str
    score: float
    reasons: list[str]
    status: str = "open"
    asked_at: float | None = None
    answered_at: float | None = None
    answer: str | None = None
    proposition: Proposition | None = None
    calibrated_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        p = self.proposition
        return {
            "id": self.id,
            "proposition_id": self.proposition_id,
            "question": self.question,
            "why": self.why,
            "score": round(self.score, 4),
            "reasons": self.reasons,
            "status": self.status,
            "answer": self.answer,
            "asked_at": iso(self.asked_at),
            "answered_at": iso(self.answered_at),
            "text": p.text if p else None,
            "confidence": round(p.confidence, 4) if p else None,
            "calibrated_confidence": (round(self.calibrated_confidence, 4)
                                      if self.calibrated_confidence is not None else None),
            "sensitive": [c for c in (p.sensitive if p else "").split(",") if c],
        }


# -- wording ---------------------------------------------------------------------------

_MODALS = {"will": "Will", "can": "Can", "should": "Should", "would": "Would", "could": "Could",
           "might": "Might", "must": "Must"}
_ADVERBS = {"often", "usually", "regularly", "sometimes", "always", "never", "rarely",
            "frequently", "currently", "also", "still", "mostly", "now", "recently", "already",
            "daily", "occasionally", "typically", "probably", "likely", "actively"}
_PARTICIPLES = {"been", "done", "gone", "made", "written", "taken", "seen", "begun", "given",
                "known", "chosen", "got", "gotten", "had", "built", "sent", "spent", "bought",
                "left", "met", "paid", "read", "set", "started", "finished", "joined", "moved",
                "booked", "applied", "signed", "completed", "accepted", "received"}
#: a verb agreeing with "the user", then with "you"
_AGREE = {"does": "do", "doesn't": "don't", "is": "are", "isn't": "aren't", "was": "were",
          "wasn't": "weren't", "has": "have", "hasn't": "haven't", "had": "had", "did": "did",
          "didn't": "didn't", "never": "never", "no": "no"}
_POSSESSIVE = re.compile(r"\b(his|her|their)\b", re.IGNORECASE)
_REFLEXIVE = re.compile(r"\b(himself|herself|themselves|themself)\b", re.IGNORECASE)


def _subjects(user: str) -> list[str]:
    """How a proposition may name the person, longest first."""
    names = ["The user", "the user", "User"]
    user = " ".join((user or "").split())
    if user and user.casefold() not in ("the user", "user"):
        names += [user] + ([user.split()[0]] if " " in user else [])
    return sorted(set(names), key=len, reverse=True)


def _base(verb: str) -> str | None:
    """``works`` -> ``work``; None when it is no third-person present verb."""
    low = verb.casefold()
    if not low.isalpha() or len(low) < 3 or not low.endswith("s") or low.endswith("ss"):
        return None
    if low in ("is", "was", "has", "does", "goes", "this", "its", "us", "always", "perhaps"):
        return {"does": "do", "goes": "go"}.get(low)
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return low[:-2]
    return low[:-1]


def _second_person(rest: str, subjects: list[str]) -> str:
    """The rest of a sentence about the person, said to them."""
    for s in subjects:
        if s[0].isupper() and s not in ("User",):
            rest = re.sub(rf"\b{re.escape(s)}['’]s\b", "your", rest)
            rest = re.sub(rf"\b{re.escape(s)}\b", "you", rest)
    rest = re.sub(r"\bthe user['’]s\b", "your", rest, flags=re.IGNORECASE)
    rest = re.sub(r"\bthe user\b", "you", rest, flags=re.IGNORECASE)
    rest = _POSSESSIVE.sub("your", rest)
    return _REFLEXIVE.sub("yourself", rest)


def _ask(words: list[str], subjects: list[str]) -> str | None:
    """A yes/no question from the words after the subject; None if no form fits."""
    adverbs: list[str] = []
    while words and words[0].casefold() in _ADVERBS and len(words) > 1:
        adverbs.append(words.pop(0))
    if len(words) < 2:
        return None
    verb, after = words[0], words[1:]
    low = verb.casefold()
    if low in ("doesn't", "does") and after and after[0].casefold() == "not":
        return None  # a negation reads better as "Is it right that …"
    adv = " ".join(a.casefold() for a in adverbs)

    def q(aux: str, tail: list[str]) -> str:
        body = " ".join(([adv] if adv else []) + tail)
        return f"{aux} you {_second_person(body, subjects)}"

    if low in ("is", "'s"):
        return q("Are", after)
    if low == "was":
        return q("Were", after)
    if low in ("has", "have"):
        nxt = after[0].casefold()
        if nxt in _PARTICIPLES or (nxt.endswith("ed") and len(nxt) > 4):
            return q("Have", after)
        return q("Do", ["have", *after])
    if low in _MODALS:
        return q(_MODALS[low], after)
    if low in ("does", "do"):
        return q("Do", after)
    base = _base(verb)
    if base is not None and verb[0].islower():
        return q("Do", [base, *after])
    return None


def word_question(text: str, user: str = "") -> str:
    """A proposition as a plain yes/no question to the person it is about.

    "Dana is moving to Chicago" -> "Are you moving to Chicago?"; "Dana's sister is
    a nurse" -> "Is your sister a nurse?"; anything else -> "Is this right: …?".
    Never fails, whatever the language.
    """
    sentence = " ".join((text or "").split()).rstrip(" .!?;:")
    if not sentence:
        return "Is this right?"
    subjects = _subjects(user)
    for s in subjects:
        if sentence.startswith(s + "'s ") or sentence.startswith(s + "’s "):
            rest = sentence[len(s) + 3:].split(" ")
            # "Dana's sister is a nurse": the possessed thing is the subject.
            for i, w in enumerate(rest[:5]):
                if w.casefold() in ("is", "was") and i > 0:
                    aux = "Is" if w.casefold() == "is" else "Was"
                    owned = " ".join(rest[:i])
                    tail = _second_person(" ".join(rest[i + 1:]), subjects)
                    return f"{aux} your {owned} {tail}".rstrip() + "?"
            break
        if sentence.startswith(s + " "):
            found = _ask(sentence[len(s) + 1:].split(" "), subjects)
            if found:
                return found.rstrip() + "?"
            words = sentence[len(s) + 1:].split(" ")
            first = words[0].casefold()
            if first in _AGREE or (first.isascii() and first.isalpha() and first.endswith("ed")):
                words[0] = _AGREE.get(first, first)
                return f"Is it right that you {_second_person(' '.join(words), subjects)}?"
            break
    if sentence[0].isupper() and not sentence[:2].isupper():
        sentence = sentence[0].lower() + sentence[1:] if _common_start(sentence) else sentence
    return f"Is this right: {sentence}?"


def _common_start(sentence: str) -> bool:
    """Whether the first word is an ordinary word (lowercased inside a question), not a name."""
    first = sentence.split(" ", 1)[0]
    return first.casefold() in ("the", "a", "an", "there", "this", "that", "some", "most", "one")


# -- worth -------------------------------------------------------------------------------


def score(calibrated: float, *, uses: int = 0, served: int = 0, sensitive: bool = False,
          contested: bool = False) -> tuple[float, list[str]]:
    """How much an answer is worth (see the module docstring), and the reasons that count."""
    uncertainty = 1.0 - abs(2.0 * calibrated - 1.0)
    use = min(1.0, (uses + served / SERVED_PER_USE) / USE_FULL)
    total = (W_UNCERTAINTY * uncertainty + W_USE * use + W_SENSITIVE * float(sensitive)
             + W_CONTESTED * float(contested))
    reasons = []
    if uncertainty >= 0.5:
        reasons.append("uncertain")
    if uses or served:
        reasons.append("used")
    if sensitive:
        reasons.append("sensitive")
    if contested:
        reasons.append("contradicted")
    return round(total, 6), reasons


def why_line(p: Proposition, calibrated: float, *, uses: int = 0, served: int = 0,
             contradicted_by: Proposition | None = None) -> str:
    """The evidence and the reason for asking, in one line."""
    parts = [f"{round(calibrated * 100)}% sure"]
    seen = [s for s in (p.evidence_digest or "").split(" | ") if s][:2]
    if seen:
        parts.append("seen in " + " — ".join(seen))
    if uses:
        parts.append(f"{uses} suggestion{'s' if uses != 1 else ''} rest{'s' if uses == 1 else ''} on it")
    if served:
        parts.append(f"given to assistants {served} time{'s' if served != 1 else ''}")
    if p.sensitive:
        parts.append(f"flagged {p.sensitive.replace(',', ', ')}: asked before it is shared")
    if contradicted_by is not None:
        # A flagged proposition's words are not quoted where an assistant may read them.
        parts.append(f"at odds with #{contradicted_by.id}" if contradicted_by.sensitive
                     else f"at odds with “{contradicted_by.text}”")
    line = "; ".join(parts)
    return line if len(line) <= WHY_CHARS else line[:WHY_CHARS - 1] + "…"


def excluded_only(apps: list[str | None], excluded: Callable[[str], bool] | None) -> bool:
    """Every supporting observation came from an app that ``excluded`` says is excluded.

    Excluded windows are never stored, so this holds only for evidence kept from before
    an app was excluded."""
    if not apps or excluded is None:
        return False
    return all(a is not None and excluded(a) for a in apps)


def day_start(now: float) -> float:
    """Local midnight before ``now``."""
    t = time.localtime(now)
    return time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))


# -- choosing ----------------------------------------------------------------------------


def choose(store: Store, policy: QuestionPolicy, *, limit: int | None = None,
           everything: bool = False, calibrations: conf.Calibrations | None = None,
           now: float | None = None, include_sensitive: bool = True) -> list[Question]:
    """The questions to put to the user now, best first; they are recorded as asked.

    Without ``limit`` or ``everything``, questions already put today come again and at
    most ``policy.per_day`` new ones a day join them. Without ``include_sensitive``
    (an assistant asking on gumd's behalf, not allowed to see flagged propositions),
    questions about flagged ones are left out and not recorded as asked.
    """
    now = store.clock() if now is None else now
    if calibrations is None:
        calibrations = conf.fit_calibrations(store.feedback_rows())
    store.reopen_skipped_questions()
    state = store.question_state()
    cands = [c for c in store.question_candidates()
             if state.get(c["proposition"].id, {}).get("status") in (None, "open")]
    apps = store.evidence_apps([c["proposition"].id for c in cands])
    partners = store.get_propositions(sorted({c["contradicted_by"] for c in cands
                                              if c["contradicted_by"]}))
    ranked: list[tuple[float, dict[str, Any]]] = []
    for c in cands:
        p: Proposition = c["proposition"]
        if excluded_only(apps.get(p.id, []), policy.excluded_app):
            continue
        if p.sensitive and not include_sensitive:
            continue
        cal = calibrations(p.confidence, p.source, p.topic_key)
        worth, reasons = score(cal, uses=c["uses"], served=c["served"],
                               sensitive=bool(p.sensitive),
                               contested=c["contradicted_by"] is not None)
        if worth < MIN_SCORE:
            continue
        ranked.append((worth, {**c, "calibrated": cal, "score": worth, "reasons": reasons}))
    ranked.sort(key=lambda r: (-r[0], r[1]["proposition"].id))
    today = day_start(now)
    if everything:
        picked = [r for _, r in ranked]
    elif limit is not None:
        picked = [r for _, r in ranked[:max(0, limit)]]
    else:
        budget = max(0, policy.per_day - store.questions_asked_since(today))
        picked = []
        for _, r in ranked:
            asked = state.get(r["proposition"].id, {}).get("asked_at")
            if asked is not None and asked >= today:
                picked.append(r)  # put today already: does not count twice
            elif budget > 0:
                picked.append(r)
                budget -= 1
    writable = store.read_only is None
    out: list[Question] = []
    for r in picked:
        p = r["proposition"]
        other = partners.get(r["contradicted_by"]) if r["contradicted_by"] else None
        wording = (word_question(p.text, policy.user),
                   why_line(p, r["calibrated"], uses=r["uses"], served=r["served"],
                            contradicted_by=other),
                   r["score"], r["reasons"])
        held = state.get(p.id)
        # Written only when new or changed: the dashboard lists them every few seconds.
        if held is None or (held["question"], held["why"], held["score"],
                            held["reasons"]) != wording:
            if not writable:
                if held is None:
                    continue  # a read-only database can only ask what it asked before
            else:
                held = {**(held or {}), "id": store.upsert_question(p.id, *wording),
                        "status": "open", "asked_at": (held or {}).get("asked_at")}
        out.append(Question(id=held["id"], proposition_id=p.id, question=wording[0],
                            why=wording[1], score=r["score"], reasons=r["reasons"],
                            status="open", asked_at=held["asked_at"], proposition=p,
                            calibrated_confidence=r["calibrated"]))
    due = [q for q in out if q.asked_at is None or q.asked_at < today]
    if due and writable:
        store.mark_questions_asked([q.id for q in due], since=today)
        for q in due:
            q.asked_at = now
    return out


def from_row(row: dict[str, Any], prop: Proposition | None = None,
             calibrated: float | None = None) -> Question:
    return Question(id=row["id"], proposition_id=row["proposition_id"], question=row["question"],
                    why=row["why"], score=row["score"], reasons=row["reasons"],
                    status=row["status"], asked_at=row["asked_at"],
                    answered_at=row["answered_at"], answer=row["answer"], proposition=prop,
                    calibrated_confidence=calibrated)
