"""The built-in statistical inferrer: propositions from activity statistics and text salience, no model.

For each batch it looks at the recent window of activity (the batch plus the
observations already processed in the ``window_days`` before it) and derives:

- time use per app, with the window each app was mostly used for;
- projects from touched files (their common folder) and the languages of those files;
- commands run in terminals;
- topics: words and names that are salient for this person, i.e. far more
  frequent in their screen text than in general language (a log-likelihood
  ratio against ``wordfreq``'s general frequencies, not a word list), grouped
  by how often they occur together;
- dates and events mentioned on screen, resolved to calendar dates;
- schedule regularities (usual active hours) once there are several days of data.

Each proposition carries a ``topic_key`` (e.g. ``app:Firefox``), so a later
batch restates it in place (a revision with history) instead of piling up
near-duplicates. Confidence grows with the amount and spread of evidence:
``confidence = floor + (ceiling - floor) * (1 - exp(-support / scale))`` where
``support`` counts distinct observations, weighted up when they come from
several apps or are spread in time.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from .dates import MONTHS as _MONTHS
from .dates import WEEKDAYS as _WEEKDAYS
from .dates import dates_in as _dates_in
from .dates import sentences as _sentences
from .dates import time_in as _time_in
from .infer import Candidate, Decision, rule_reconcile
from .languages import LANGUAGES
from .models import TEXT_OBSERVERS, Observation, Proposition
from .window import PerObservation, active_window, earlier, first_name, schedule
from .words import general_log_freq
from .window import Activity as _Activity
from .store import Store

#: an observation stands for at most this much active time (the rest is a gap)
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
_CAP_PHRASE = re.compile(r"\b([A-Z][\w'’-]+(?:[ \t]+(?:[A-Z][\w'’-]+|de|da|van|von|del)){1,3})\b")
# a shell prompt: "$ cmd" at the start of a line or after "user@host:path"
_COMMAND = re.compile(r"(?:^|[\w~/\]])\$[ \t]+([A-Za-z][\w.-]*)", re.M)

# Folder names that hold projects rather than name them.
_CONTAINER_DIRS = {"~", "home", "users", "src", "code", "dev", "projects", "repos", "git",
                   "work", "documents", "desktop", "downloads", "tests", "test", "lib", "docs"}






@dataclass
class _Features:
    """What one observation's text contributes, computed once and cached across batches."""

    n_tokens: int
    terms: Counter[str]  # casefolded words and capitalised names -> count
    forms: dict[str, Counter[str]]  # casefolded -> spellings seen
    words: frozenset[str]
    dates: list[tuple[date, str]]  # (date mentioned, the sentence it was in)
    commands: list[str]


def _features(o: Observation) -> _Features:
    text = f"{o.window_title or ''}\n{o.content or ''}"
    raw = _TOKEN.findall(text)
    terms: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for tok in raw:
        key = tok.casefold().replace("’", "'")
        terms[key] += 1
        forms[key][tok] += 1
    words = frozenset(terms)
    for m in _CAP_PHRASE.finditer(text):
        phrase = " ".join(m.group(1).split())
        key = phrase.casefold()
        if key.split()[0] in _WEEKDAYS or key.split()[0] in _MONTHS:
            continue
        terms[key] += 1
        forms[key][phrase] += 1
    dates: list[tuple[date, str]] = []
    commands: list[str] = []
    if o.observer in TEXT_OBSERVERS and o.content:
        seen_at = datetime.fromtimestamp(o.captured_at)
        seen: set[date] = set()
        for line in _sentences(o.content):
            for when in _dates_in(line, seen_at):
                if when not in seen:
                    seen.add(when)
                    dates.append((when, line))
        commands = list(dict.fromkeys(m.group(1) for m in _COMMAND.finditer(o.content)
                                      if len(m.group(1)) > 1))
    return _Features(len(raw), terms, dict(forms), words, dates, commands)


class StatisticalInferrer:
    """Propositions a person would recognise, from statistics alone (see module docstring)."""

    name = "statistical"

    def __init__(self, user: str = "", *, window_days: float = 14.0, max_window: int = 3000,
                 max_topics: int = 6) -> None:
        self.full_name = (user or "").strip()
        self.user = first_name(user)
        self.window_days = window_days
        self.max_window = max_window
        self.max_topics = max_topics
        # Text analysis per observation is the costly part and never changes once
        # an observation is processed, so it is done once, not once per batch.
        self._features = PerObservation(lambda o: _features(o), max_window * 2)

    def features(self, o: Observation) -> _Features:
        return self._features(o)

    # -- the protocol ------------------------------------------------------------

    def propose(self, batch: list[Observation], store: Store) -> list[Candidate]:
        activity = self._window(batch, store)
        out: list[Candidate] = []
        projects = self._projects(activity)
        out += self._app_use(activity, projects)
        out += [c for c, _ in projects.values()]
        out += self._languages(activity)
        out += self._commands(activity)
        out += self._topics(activity, store)
        out += self._dates(activity)
        out += self._schedule(activity)
        return out

    def reconcile(self, pairs: list[tuple[Candidate, list[Proposition]]]) -> list[Decision]:
        return rule_reconcile(pairs)

    # -- the window ----------------------------------------------------------------

    def _window(self, batch: list[Observation], store: Store) -> _Activity:
        before = earlier(batch, store, self.window_days, self.max_window)
        obs = sorted(before + list(batch), key=lambda o: (o.captured_at, o.id))
        return active_window(obs)

    # -- signals -------------------------------------------------------------------

    def _app_use(
        self, act: _Activity, projects: dict[str, tuple[Candidate, list[Observation]]]
    ) -> list[Candidate]:
        """Time per app; an app used for a known project is folded into that project's proposition."""
        per_app: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.app and o.observer in ("screen", "window", "api"):
                per_app[o.app].append(o)
        total = sum(act.active_s[o.id] for obs in per_app.values() for o in obs) or 1.0
        out = []
        for app, obs in per_app.items():
            seconds = sum(act.active_s[o.id] for o in obs)
            if seconds / total < 0.05 and len(obs) < 2:
                continue
            subject = _main_subject(obs, app)
            minutes = max(1, round(seconds / 60))
            project = next((p for p in projects if sum(
                p.casefold() in (o.window_title or "").casefold() for o in obs) * 2 >= len(obs)), None)
            if project:
                cand, proj_obs = projects[project]
                cand.text += f" with {app}" if " with " not in cand.text else f" and {app}"
                cand.evidence = sorted(set(cand.evidence) | {o.id for o in obs[-10:]})
                continue
            text = f"{self.user} uses {app}" + (f" for “{subject}”" if subject else "")
            out.append(_found(
                obs, (0.3, 0.7, 3.0), text=f"{text} ({minutes} minutes)",
                reasoning=f"{len(obs)} observations of {app} in the recent window, {minutes} minutes",
                decay="weeks", topic_key=f"app:{app.casefold()}"))
        return out

    def _project_files(self, act: _Activity) -> dict[str, list[Observation]]:
        by_project: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.observer == "files" and o.window_title:
                project = _project_of(o.window_title)
                if project:
                    by_project[project].append(o)
        return by_project

    def _projects(self, act: _Activity) -> dict[str, tuple[Candidate, list[Observation]]]:
        out = {}
        for project, obs in self._project_files(act).items():
            names = Counter(PurePosixPath(o.window_title or "").name for o in obs)
            langs = Counter(LANGUAGES[s] for o in obs
                            if (s := PurePosixPath(o.window_title or "").suffix.lower()) in LANGUAGES)
            shown = ", ".join(n for n, _ in names.most_common(3))
            lang = f" in {langs.most_common(1)[0][0]}" if langs else ""
            out[project] = (Candidate(
                text=f"{self.user} is working on the {project} project{lang} ({shown})",
                confidence=_confidence(obs, 0.4, 0.85, 2.0),
                reasoning=f"{len(obs)} file events under {project}",
                decay="weeks", evidence=[o.id for o in obs[-20:]],
                topic_key=f"project:{project.casefold()}",
            ), obs)
        return out

    def _languages(self, act: _Activity) -> list[Candidate]:
        by_lang: dict[str, list[Observation]] = defaultdict(list)
        for obs in self._project_files(act).values():
            for o in obs:
                language = LANGUAGES.get(PurePosixPath(o.window_title or "").suffix.lower())
                if language:
                    by_lang[language].append(o)
        out = []
        for language, obs in by_lang.items():
            projects = sorted({_project_of(o.window_title or "") or "" for o in obs} - {""})
            out.append(_found(
                obs, (0.4, 0.85, 2.0),
                text=f"{self.user} programs in {language} ({', '.join(projects[:3])})",
                reasoning=f"{len(obs)} changes to {language} files",
                decay="months", topic_key=f"language:{language.casefold()}"))
        return out

    def _commands(self, act: _Activity) -> list[Candidate]:
        seen: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.observer != "screen":
                continue
            for tool in self.features(o).commands:
                seen[tool].append(o)
        if not seen:
            return []
        ranked = sorted(seen.items(), key=lambda kv: -len(kv[1]))[:5]
        obs = sorted({o.id: o for _, os_ in ranked for o in os_}.values(), key=lambda o: o.captured_at)
        tools = [t for t, _ in ranked]
        listed = tools[0] if len(tools) == 1 else ", ".join(tools[:-1]) + " and " + tools[-1]
        return [Candidate(
            text=f"{self.user} runs {listed} in the terminal",
            confidence=_confidence(obs, 0.35, 0.8, 2.0),
            reasoning="commands seen at a shell prompt", decay="months",
            evidence=[o.id for o in obs[-20:]], topic_key="commands",
        )]

    def _topics(self, act: _Activity, store: Store) -> list[Candidate]:
        docs = [o for o in act.observations if o.observer in TEXT_OBSERVERS and
                (o.content or o.window_title)]
        if not docs:
            return []
        feats = {o.id: self.features(o) for o in docs}
        salient, forms = _salient_terms(list(feats.values()))
        # App names are covered by time use, and the user's own name is no topic.
        known = {self.user.casefold()} | {a.casefold() for o in act.observations if (a := o.app)}
        known_words = {w for k in known for w in k.split()}
        salient = [t for t in salient if t not in known and not set(t.split()) <= known_words]
        if not salient:
            return []
        occurrences: dict[str, set[int]] = defaultdict(set)
        for o in docs:
            words = feats[o.id].words
            for term in salient:
                if all(w in words for w in term.split()):
                    occurrences[term].add(o.id)
        clusters = _cluster(salient, occurrences)
        by_id = {o.id: o for o in docs}
        # A topic held from earlier batches keeps its key when its head term is
        # still in a cluster, so the new wording revises it instead of duplicating it.
        held = [key[len("topic:"):] for key in store.active_topic_keys("topic:")]
        out = []
        for cluster in clusters[: self.max_topics]:
            ids = sorted(set().union(*(occurrences[t] for t in cluster)),
                         key=lambda i: by_id[i].captured_at)
            obs = [by_id[i] for i in ids]
            if len(obs) < 2:
                continue
            mine = [h for h in held if h in cluster]
            key = mine[0] if mine else cluster[0]
            for h in mine:
                held.remove(h)
            terms = [forms[t] for t in cluster[:5]]
            apps = sorted({o.app for o in obs if o.app})
            listed = terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " and " + terms[-1]
            where = f" (in {', '.join(apps[:3])})" if apps else ""
            out.append(_found(
                obs, (0.3, 0.8, 3.0),
                text=f"{self.user} is spending time on {listed}{where}",
                reasoning=f"these terms are unusually frequent in {len(obs)} recent observations",
                decay="weeks", topic_key=f"topic:{key}", merges_topics=[f"topic:{h}" for h in mine[1:]]))
        return out

    def _dates(self, act: _Activity) -> list[Candidate]:
        found: dict[date, list[tuple[Observation, str]]] = defaultdict(list)
        for o in act.observations:
            for when, line in self.features(o).dates:
                found[when].append((o, line))
        out = []
        for when, mentions in found.items():
            obs = [o for o, _ in mentions]
            quote = max((line for _, line in mentions), key=len)
            quote = quote if len(quote) <= 160 else quote[:157] + "…"
            hour = _time_in(" ".join(line for _, line in mentions))
            at = f" at {hour}" if hour else ""
            titles = Counter(o.window_title for o in obs if o.window_title)
            context = f" (seen in “{titles.most_common(1)[0][0]}”)" if titles else ""
            out.append(_found(
                obs, (0.5, 0.85, 1.5),
                text=f"{self.user} has something on {when:%a %d %b %Y}{at}: “{quote}”{context}",
                reasoning=f"a date mentioned in {len(obs)} observation(s)",
                decay="days", topic_key=f"date:{when.isoformat()}"))
        return out

    def _schedule(self, act: _Activity) -> list[Candidate]:
        made = schedule(act, self.user)
        return [made] if made else []


# -- helpers ---------------------------------------------------------------------


def _found(obs: list[Observation], confidence: tuple[float, float, float], **fields: Any) -> Candidate:
    """A candidate resting on ``obs`` (the 20 latest as its evidence), its confidence from
    ``_confidence(obs, floor, ceiling, scale)``."""
    return Candidate(confidence=_confidence(obs, *confidence), evidence=[o.id for o in obs[-20:]], **fields)


def _confidence(obs: list[Observation], floor: float, ceiling: float, scale: float) -> float:
    apps = len({o.app for o in obs if o.app})
    span_h = (max(o.captured_at for o in obs) - min(o.captured_at for o in obs)) / 3600 if obs else 0
    support = len({o.id for o in obs}) * (1 + 0.25 * max(0, apps - 1)) * (1 + min(span_h, 4) / 8)
    return round(floor + (ceiling - floor) * (1 - math.exp(-support / scale)), 3)


def _salient_terms(docs: list[_Features]) -> tuple[list[str], dict[str, str]]:
    """Terms (words and capitalised names) far more frequent here than in general English."""
    counts: Counter[str] = Counter()
    doc_freq: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    for f in docs:
        total += f.n_tokens
        counts.update(f.terms)
        doc_freq.update(f.terms.keys())
        for key, spellings in f.forms.items():
            forms[key].update(spellings)
    if total == 0:
        return [], {}
    scored = []
    for term, n in counts.items():
        if doc_freq[term] < 2 or len(term) < 3 or term.isdigit():
            continue
        words = term.split()
        background = sum(general_log_freq(w) for w in words) if len(words) > 1 else general_log_freq(term)
        ratio = math.log10(n / total) - background  # log10 of how much more frequent than usual
        if ratio < 1.3:
            continue
        scored.append((ratio * math.log2(1 + doc_freq[term]), term))
    scored.sort(reverse=True)
    chosen: list[str] = []
    for _, term in scored:
        # a name already covers its words ("Adaeze Okafor" covers "okafor")
        if any(term in c.split() or c in term.split() for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == 40:
            break
    return chosen, {t: forms[t].most_common(1)[0][0] for t in chosen}


def _cluster(terms: list[str], occ: dict[str, set[int]]) -> list[list[str]]:
    """Group terms that mostly occur in the same observations; biggest groups first."""
    parent = {t: t for t in terms}

    def find(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for i, a in enumerate(terms):
        for b in terms[i + 1:]:
            inter = len(occ[a] & occ[b])
            if inter and inter / len(occ[a] | occ[b]) >= 0.5:
                parent[find(b)] = find(a)
    groups: dict[str, list[str]] = defaultdict(list)
    for t in terms:  # terms arrive most salient first, so each group's head is its best term
        groups[find(t)].append(t)
    return sorted(groups.values(), key=lambda g: -len(set().union(*(occ[t] for t in g))))


def _main_subject(obs: list[Observation], app: str) -> str | None:
    """The window title part (between " - " separators) seen most often for this app."""
    parts: Counter[str] = Counter()
    app_key = app.casefold()
    for o in obs:
        for part in re.split(r"\s+[-–—|·]\s+", o.window_title or ""):
            part = part.strip()
            if part and part.casefold() != app_key and app_key not in part.casefold():
                parts[part] += 1
    if not parts:
        return None
    part, n = parts.most_common(1)[0]
    return part if len(part) <= 80 else part[:77] + "…"


def _project_of(path: str) -> str | None:
    parts = [p for p in PurePosixPath(path).parts[:-1] if p not in ("/",)]
    for part in parts:
        if part.casefold() not in _CONTAINER_DIRS and not part.startswith("."):
            return part
    return None
