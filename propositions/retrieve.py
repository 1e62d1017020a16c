"""Ranked retrieval of propositions: BM25 + recency + confidence, then MMR for diversity.

Scoring, for each candidate proposition p and a query q at time ``now``::

    text(p)       = bm25(p, q) / max over candidates of bm25(., q)      in [0, 1]
                    (SQLite FTS5 BM25 over the proposition's text, reasoning
                    and evidence digest, weighted 1.0 / 0.4 / 0.25; 0 for an
                    empty query)
    recency(p)    = 0.5 ** ((now - last_evidence_at) / half_life(decay))  in (0, 1]
                    (longer-lasting decay classes have longer half-lives, so
                    they fade SLOWER)
    score(p)      = w_text * text + w_recency * recency + w_confidence * confidence
                    (a proposition the user confirmed counts as at least 0.95 confident)

For an empty query ``w_text`` is 0 and candidates are the most recently
evidenced and the most confident active propositions ("most relevant recent").

Diversity: maximal marginal relevance picks, one at a time, the candidate that
maximises ``lambda * score/max_score - (1 - lambda) * max_sim(p, picked)``,
where ``sim`` is the Jaccard overlap of the propositions' word sets, so five
near-identical propositions do not fill the first five places.

Candidate generation takes the ``candidates`` best BM25 matches; the
re-ranking above then runs on those in Python (MMR on the best
``max(5 * limit, 50)`` of them). FTS5 scores every matching row before it can
return the best ones, so two rules bound the work as the store grows (see
``plan``): a term found in more than half of the rows is left out, since BM25
gives it no weight anyway; and when the remaining terms would still match
more than ``MAX_MATCHES`` rows, only the newest rows (by rowid, which follows
time) are ranked, enough of them to hold about that many matches. A very
broad query therefore looks at recent propositions first, which recency
favours anyway. Stores under ``PLAN_MIN_ROWS`` rows are searched whole.

User text never reaches MATCH as syntax: ``fts_query`` keeps only word
characters and quotes every term.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from .confidence import CONFIRMED_FLOOR
from .decay import recency
from .errors import InvalidInput
from .migrations import FTS_TOKENIZE
from .models import Observation, Proposition
from .store import OBS_COLUMNS, Store, guarded

#: cap on distinct terms taken from a query; a pasted 10 kB paragraph still runs fast
MAX_TERMS = 32
# Letters and digits only: the tokenizer splits on "_" too, and a quoted term
# that became two tokens would be a phrase, which the observation index refuses.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PROP_COLS = (
    "p.id, p.text, p.reasoning, p.confidence, p.decay, p.half_life_s, p.source, p.status, "
    "p.created_at, p.updated_at, p.last_evidence_at, p.user_feedback, p.evidence_digest, "
    "p.topic_key, p.sensitive"
)


@dataclass(frozen=True)
class Weights:
    """Weights of the ranking formula (see the module docstring)."""

    text: float = 0.6
    recency: float = 0.25
    confidence: float = 0.15
    mmr_lambda: float = 0.7
    candidates: int = 200


@dataclass
class Hit:
    proposition: Proposition
    score: float
    text_score: float
    recency: float


@dataclass
class ObservationHit:
    observation: Observation
    score: float


@dataclass
class QueryResult:
    hits: list[Hit] = field(default_factory=list)
    observations: list[ObservationHit] = field(default_factory=list)


def terms(text: str | None) -> list[str]:
    """Distinct lowercase word terms of ``text``, in order, at most MAX_TERMS."""
    out: list[str] = []
    seen: set[str] = set()
    for match in _WORD.finditer(text or ""):
        term = match.group(0).lower()
        if term not in seen:
            seen.add(term)
            out.append(term)
            if len(out) == MAX_TERMS:
                break
    return out


#: FTS5 gives a term found in more than half of the rows no BM25 weight, so such
#: a term only costs time: it is left out of the search (the rarest is kept if all are)
COMMON_SHARE = 0.5
#: below this many rows every query is cheap, so nothing is left out
PLAN_MIN_ROWS = 5_000
#: when the terms left still match more rows than this, only the newest rows are
#: ranked (recency is part of the score anyway), which bounds latency as the store grows
MAX_MATCHES = 2_000
PROP_BM25 = "bm25(propositions_fts, 1.0, 0.4, 0.25)"
OBS_BM25 = "bm25(observations_fts, 1.0, 0.6, 0.3)"


@dataclass(frozen=True)
class Plan:
    """What to search for: the MATCH expression and the lowest rowid worth ranking."""

    match: str
    min_rowid: int | None = None


def _stems(conn: sqlite3.Connection, words: list[str]) -> list[str]:
    """Each word as the index stores it (Porter stem, accents folded), via SQLite's own tokenizer."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.gumd_tok USING fts5(x, "
        f"tokenize='{FTS_TOKENIZE}')"
    )
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.gumd_tokv USING fts5vocab(gumd_tok, 'instance')")
    stems = []
    for word in words:
        conn.execute("INSERT INTO temp.gumd_tok (rowid, x) VALUES (1, ?)", (word,))
        row = conn.execute("SELECT term FROM temp.gumd_tokv ORDER BY offset LIMIT 1").fetchone()
        conn.execute("DELETE FROM temp.gumd_tok")
        stems.append(row[0] if row else word)
    return stems


def plan(conn: sqlite3.Connection, table: str, text: str | None, prefix_last: bool = False) -> Plan | None:
    """The search to run for ``text`` over ``table``'s index (see COMMON_SHARE and MAX_MATCHES)."""
    words = terms(text)
    if not words:
        return None
    # Two subqueries: each is one index probe, where a combined min/max scans the table.
    lo, hi = conn.execute(
        f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})").fetchone()
    if hi is None or hi - lo + 1 < PLAN_MIN_ROWS:
        return Plan(fts_query(text, prefix_last) or '""')
    rows = hi - lo + 1
    counts = []
    for i, stem in enumerate(_stems(conn, words)):
        if prefix_last and i == len(words) - 1:
            n = conn.execute(f"SELECT coalesce(sum(doc), 0) FROM {table}_vocab WHERE term >= ? "
                             "AND term < ?", (stem, stem + "\U0010ffff")).fetchone()[0]
        else:
            row = conn.execute(f"SELECT doc FROM {table}_vocab WHERE term = ?", (stem,)).fetchone()
            n = row[0] if row else 0
        counts.append(n)
    keep = [i for i, n in enumerate(counts) if n <= COMMON_SHARE * rows]
    if not keep:
        keep = [min(range(len(words)), key=lambda i: counts[i])]
    quoted = ['"' + words[i].replace('"', '""') + '"'
              + ("*" if prefix_last and i == len(words) - 1 else "") for i in keep]
    expected = sum(counts[i] for i in keep)
    min_rowid = None
    if expected > MAX_MATCHES:
        min_rowid = hi - int(rows * MAX_MATCHES / expected)
    return Plan(" OR ".join(quoted), min_rowid)


def fts_query(text: str | None, prefix_last: bool = False) -> str | None:
    """An FTS5 MATCH expression that ORs the quoted terms of ``text``; None when it has none.

    Quoting every term makes FTS5 operators (AND, NEAR, *, -, ^, :) plain words.
    ``prefix_last`` lets the final term match as a prefix, for search as you type.
    """
    found = terms(text)
    if not found:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in found]
    if prefix_last:
        quoted[-1] += "*"
    return " OR ".join(quoted)


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in terms_all(text) if len(w) > 2)


def terms_all(text: str) -> list[str]:
    return [m.group(0).lower() for m in _WORD.finditer(text)]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def mmr(hits: list[Hit], limit: int, lam: float) -> list[Hit]:
    """Maximal marginal relevance selection over ``hits`` (see module docstring).

    Each candidate keeps its highest similarity to anything picked so far, updated
    only against the newest pick: O(limit x candidates) similarity computations.
    """
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    remaining = sorted(hits, key=lambda h: -h.score)
    words = [_words(h.proposition.text) for h in remaining]
    best_sim = [0.0] * len(remaining)
    alive = list(range(len(remaining)))
    picked: list[Hit] = []
    while alive and len(picked) < limit:
        choice = max(alive, key=lambda i: (lam * remaining[i].score / top - (1 - lam) * best_sim[i], -i))
        alive.remove(choice)
        picked.append(remaining[choice])
        for i in alive:
            best_sim[i] = max(best_sim[i], jaccard(words[i], words[choice]))
    return picked


def _filters(
    since: float | None, until: float | None, min_confidence: float
) -> tuple[str, list[object]]:
    # "+" keeps SQLite off the confidence index for this range test: the recency
    # ordering's index is the fast path, and ranking by confidence sorts nothing.
    sql = " AND p.status = 'active' AND +p.confidence >= ?"
    params: list[object] = [min_confidence]
    if since is not None:
        sql += " AND p.last_evidence_at >= ?"
        params.append(since)
    if until is not None:
        sql += " AND p.created_at <= ?"
        params.append(until)
    return sql, params


def query(
    store: Store,
    text: str | None = None,
    *,
    since: float | None = None,
    until: float | None = None,
    limit: int = 10,
    min_confidence: float = 0.0,
    include_observations: bool = False,
    diversify: bool = True,
    prefix: bool = False,
    weights: Weights = Weights(),
    now: float | None = None,
) -> QueryResult:
    """Rank active propositions for ``text`` (see the module docstring for the formula).

    ``since``/``until`` keep propositions that had evidence in that window:
    last evidence at or after ``since`` and created at or before ``until``.
    ``include_observations`` also returns the best-matching raw observations.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput(f"min confidence must be in [0, 1], got {min_confidence}")
    if since is not None and until is not None and since > until:
        raise InvalidInput("since is after until")
    now = store.clock() if now is None else now
    match = fts_query(text, prefix_last=prefix)
    where, params = _filters(since, until, min_confidence)
    pool = max(weights.candidates, limit)
    with guarded(store.path):
        conn = store.conn
        search = None if match is None else plan(conn, "propositions", text, prefix)
        if search is None:
            rows = _recent_candidates(conn, where, params, pool)
            bm = {r["id"]: 0.0 for r in rows}
        else:
            rows = _ranked(conn, "propositions", "p", _PROP_COLS, PROP_BM25, search, where,
                           params, pool)
            bm = {r["id"]: r["bm"] for r in rows}
        hits = _score(rows, bm, weights, now, text_weight=0.0 if search is None else weights.text)
        # MMR only needs a pool a few times the size of the answer to diversify it.
        hits = mmr(hits[: max(5 * limit, 50)], limit, weights.mmr_lambda) if diversify else hits[:limit]
        result = QueryResult(hits=hits)
        if include_observations:
            obs_plan = None if match is None else plan(conn, "observations", text, prefix)
            result.observations = _observation_hits(conn, obs_plan, since, until, limit)
    return result


def _recent_candidates(
    conn: sqlite3.Connection, where: str, params: list[object], pool: int
) -> list[sqlite3.Row]:
    base = f"SELECT {_PROP_COLS} FROM propositions p WHERE 1{where}"
    by_time = conn.execute(base + " ORDER BY p.last_evidence_at DESC LIMIT ?", [*params, pool])
    by_conf = conn.execute(base + " ORDER BY p.confidence DESC LIMIT ?", [*params, pool])
    rows: dict[int, sqlite3.Row] = {}
    for r in [*by_time.fetchall(), *by_conf.fetchall()]:
        rows.setdefault(r["id"], r)
    return list(rows.values())


def _score(
    rows: Sequence[sqlite3.Row],
    bm: dict[int, float],
    weights: Weights,
    now: float,
    text_weight: float,
) -> list[Hit]:
    top_bm = max(bm.values(), default=0.0)
    hits = []
    for r in rows:
        prop = Store.proposition_from_row(r)
        text_score = bm[prop.id] / top_bm if top_bm > 0 else 0.0
        rec = recency(now - prop.last_evidence_at, prop.half_life_s)
        belief = prop.confidence
        if prop.user_feedback == "confirmed":
            belief = max(belief, CONFIRMED_FLOOR)
        score = text_weight * text_score + weights.recency * rec + weights.confidence * belief
        hits.append(Hit(prop, score, text_score, rec))
    hits.sort(key=lambda h: (-h.score, -(h.proposition.id or 0)))
    return hits


def _ranked(
    conn: sqlite3.Connection,
    table: str,
    alias: str,
    cols: str,
    bm25: str,
    search: Plan,
    cond: str,
    params: list[object],
    limit: int,
) -> list[sqlite3.Row]:
    """The best BM25 matches of ``search`` in ``table``'s index, joined to their rows and filtered."""
    window = "" if search.min_rowid is None else " AND f.rowid >= ?"
    return conn.execute(
        f"SELECT {cols}, -{bm25} AS bm FROM {table}_fts f JOIN {table} {alias} "
        f"ON {alias}.id = f.rowid WHERE {table}_fts MATCH ?{window}{cond} "
        f"ORDER BY {bm25} LIMIT ?",
        [search.match, *([search.min_rowid] if window else []), *params, limit],
    ).fetchall()


def _observation_hits(
    conn: sqlite3.Connection,
    search: Plan | None,
    since: float | None,
    until: float | None,
    limit: int,
) -> list[ObservationHit]:
    cols = ", ".join(f"o.{c.strip()}" for c in OBS_COLUMNS.split(","))
    cond, params = "", []
    if since is not None:
        cond += " AND o.captured_at >= ?"
        params.append(since)
    if until is not None:
        cond += " AND o.captured_at <= ?"
        params.append(until)
    if search is None:
        rows = conn.execute(
            f"SELECT {cols}, 0.0 AS bm FROM observations o WHERE 1{cond} "
            "ORDER BY o.captured_at DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
    else:
        rows = _ranked(conn, "observations", "o", cols, OBS_BM25, search, cond, params, limit)
    return [
        ObservationHit(Observation(**{k: r[k] for k in r.keys() if k != "bm"}), r["bm"])
        for r in rows
    ]
