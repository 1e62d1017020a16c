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
``max(2 * limit, 30)`` of them). FTS5 scores every matching row before it can
return the best ones, so ``plan`` bounds the work as the store grows: a term
found in more than half of the rows is left out, since BM25 gives it no
weight anyway; the rarest terms, when together they match at most
``MAX_MATCHES`` rows, decide the matches over the whole store and the more
common terms only top the answer up from recent rows (Lucene's common-terms
query); and a query with no term that rare ranks only the newest rows (by
rowid, which follows time), enough of them to hold about ``MAX_MATCHES``
matches, which recency favours anyway. Stores under ``PLAN_MIN_ROWS`` rows
are searched whole.

User text never reaches MATCH as syntax: ``fts_query`` keeps only word
characters and quotes every term.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from .confidence import CONFIRMED_FLOOR
from .config import Weights
from .decay import recency
from .errors import InvalidInput
from .migrations import FTS_TOKENIZE
from .models import Observation, Proposition
from .store import OBS_COLUMNS, PROP_COLUMNS, Store, guarded

#: cap on distinct terms taken from a query; a pasted 10 kB paragraph still runs fast
MAX_TERMS = 32
# Letters and digits only: the tokenizer splits on "_" too, and a quoted term
# that became two tokens would be a phrase, which the observation index refuses.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: what ranking needs, in the order _score reads them: a match's other columns are read
#: only if it gets near the answer
_RANK_COLS = "p.id, p.confidence, p.half_life_s, p.last_evidence_at, p.user_feedback"


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
#: about the most rows one search ranks: FTS5 computes BM25 for every row it
#: returns (a few microseconds each), so this bounds a query's cost as the store grows
MAX_MATCHES = 500
#: MMR diversifies the best MMR_POOL x limit candidates (at least 30)
MMR_POOL = 2
PROP_BM25 = "bm25(propositions_fts, 1.0, 0.4, 0.25)"
OBS_BM25 = "bm25(observations_fts, 1.0, 0.6, 0.3)"
#: how far the newest row may move before a remembered term count is counted again
COUNT_DRIFT = 0.02


@dataclass(frozen=True)
class Plan:
    """What to search for: the MATCH expression, the lowest rowid worth ranking, and a fill.

    ``fill``, when set, is a second, broader search over recent rows, run only
    when this one finds fewer rows than the caller wants.
    """

    match: str
    min_rowid: int | None = None
    fill: Plan | None = None
    #: the newest and oldest rowids when planned: a window is ``min_rowid`` to ``newest``
    newest: int | None = None
    oldest: int = 1

    def widened(self) -> Plan:
        """The same search over a window four times as long (the whole store once that reaches it).

        A window is sized as if matches were spread evenly over time; a term
        that was common long ago and rare lately fills it with too few.
        """
        if self.min_rowid is None or self.newest is None:
            return replace(self, min_rowid=None)
        start = self.newest - 4 * (self.newest - self.min_rowid + 1)
        return replace(self, min_rowid=start if start > self.oldest else None)


class TermCounts:
    """How many rows of an index hold a term, remembered per open store.

    Counting reads the term's whole doclist (milliseconds for a common word),
    and a plan only needs the rough size, so a count is reused until the
    table's newest row has moved by more than COUNT_DRIFT of its rows.
    """

    MAX_ENTRIES = 8192

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, bool], tuple[int, int]] = {}

    def get(self, conn: sqlite3.Connection, table: str, stem: str, prefix: bool,
            hi: int, rows: int) -> int:
        key = (table, stem, prefix)
        known = self._counts.get(key)
        if known is not None and abs(hi - known[1]) <= COUNT_DRIFT * rows:
            return known[0]
        if prefix:
            n = conn.execute(f"SELECT coalesce(sum(doc), 0) FROM {table}_vocab WHERE term >= ? "
                             "AND term < ?", (stem, stem + "\U0010ffff")).fetchone()[0]
        else:
            row = conn.execute(f"SELECT doc FROM {table}_vocab WHERE term = ?", (stem,)).fetchone()
            n = row[0] if row else 0
        if len(self._counts) >= self.MAX_ENTRIES:
            self._counts.clear()
        self._counts[key] = (n, hi)  # one dict store: safe to share between threads
        return n


_counts: weakref.WeakKeyDictionary[Store, TermCounts] = weakref.WeakKeyDictionary()
_stem_cache: dict[str, str] = {}


def term_counts(store: Store) -> TermCounts:
    """The term counts remembered for ``store`` (made on first use)."""
    counts = _counts.get(store)
    if counts is None:
        counts = _counts.setdefault(store, TermCounts())
    return counts


def _stems(conn: sqlite3.Connection, words: list[str]) -> list[str]:
    """Each word as the index stores it (Porter stem, accents folded), via SQLite's own tokenizer."""
    missing = [w for w in words if w not in _stem_cache]
    if missing:
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.gumd_tok USING fts5(x, "
            f"tokenize='{FTS_TOKENIZE}')"
        )
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.gumd_tokv USING fts5vocab(gumd_tok, 'instance')")
        if len(_stem_cache) > 50_000:
            _stem_cache.clear()
        for word in missing:
            conn.execute("INSERT INTO temp.gumd_tok (rowid, x) VALUES (1, ?)", (word,))
            row = conn.execute("SELECT term FROM temp.gumd_tokv ORDER BY offset LIMIT 1").fetchone()
            conn.execute("DELETE FROM temp.gumd_tok")
            _stem_cache[word] = row[0] if row else word
    return [_stem_cache.get(w, w) for w in words]


def plan(conn: sqlite3.Connection, table: str, text: str | None, prefix_last: bool = False,
         *, want: int = 200, counts: TermCounts | None = None) -> Plan | None:
    """The search to run for ``text`` over ``table``'s index; None when it has no words.

    On a store of PLAN_MIN_ROWS rows or more, with each term's row count:
    - a term in more than COMMON_SHARE of the rows is left out (the rarest is kept if all are);
    - the rarest terms that together match at most MAX_MATCHES rows decide
      the matches over the whole index, as in Lucene's common-terms query; the
      other terms only go into the plan's fill, a search of the newest rows
      holding about ``want`` matches, for when the rare ones match too few;
    - when no term is that rare, only the newest rows are ranked, enough to
      hold about MAX_MATCHES matches (recency is part of the score anyway).
    ``counts`` remembers term counts between calls (see TermCounts).
    """
    words = terms(text)
    if not words:
        return None
    # Two subqueries: each is one index probe, where a combined min/max scans the table.
    lo, hi = conn.execute(
        f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})").fetchone()
    if hi is None or hi - lo + 1 < PLAN_MIN_ROWS:
        return Plan(fts_query(text, prefix_last) or '""')
    rows = hi - lo + 1
    counts = counts or TermCounts()
    last = len(words) - 1
    found = [counts.get(conn, table, stem, prefix_last and i == last, hi, rows)
             for i, stem in enumerate(_stems(conn, words))]
    keep = [i for i, n in enumerate(found) if n <= COMMON_SHARE * rows]
    if not keep:
        keep = [min(range(len(words)), key=lambda i: found[i])]

    def expression(chosen: list[int]) -> str:
        return " OR ".join('"' + words[i].replace('"', '""') + '"'
                           + ("*" if prefix_last and i == last else "") for i in sorted(chosen))

    def window(expected: int, enough: int) -> int | None:
        return hi - int(rows * enough / expected) if expected > enough else None

    rare: list[int] = []
    total = 0
    # A term counted 0 costs nothing to search and may have rows by now (counts are
    # remembered): it always goes with the rare ones.
    for i in sorted(keep, key=lambda i: found[i]):
        if total + found[i] > MAX_MATCHES:
            break
        rare.append(i)
        total += found[i]
    expected = sum(found[i] for i in keep)
    if rare and len(rare) < len(keep):
        return Plan(expression(rare), None,
                    Plan(expression(keep), window(expected, want), None, hi, lo))
    return Plan(expression(keep), window(expected, MAX_MATCHES), None, hi, lo)


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


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _word_masks(texts: Sequence[str]) -> list[int]:
    """Each text's set of words longer than two letters, as a bit set over the words of all of them.

    Intersections and unions of ints are single C operations, which makes MMR's
    hundreds of Jaccard comparisons per query cheap.
    """
    bits: dict[str, int] = {}
    masks = []
    for text in texts:
        mask = 0
        for word in _WORD.findall(text.lower()):
            if len(word) > 2:
                mask |= 1 << bits.setdefault(word, len(bits))
        masks.append(mask)
    return masks


def mmr(hits: list[Hit], limit: int, lam: float) -> list[Hit]:
    """Maximal marginal relevance selection over ``hits`` (see module docstring)."""
    order = mmr_order([h.proposition.text for h in hits], [h.score for h in hits], limit, lam)
    return [hits[i] for i in order]


def mmr_order(texts: Sequence[str], scores: Sequence[float], limit: int, lam: float) -> list[int]:
    """The indexes MMR picks, in pick order, from candidates given as texts and scores.

    Each candidate keeps its highest similarity to anything picked so far, updated
    only against the newest pick: O(limit x candidates) similarity computations.
    Ties go to the better-scored, then the earlier, candidate.
    """
    if not texts:
        return []
    top = max(scores) or 1.0
    by_score = sorted(range(len(texts)), key=lambda i: -scores[i])
    masks = _word_masks([texts[i] for i in by_score])
    sizes = [m.bit_count() for m in masks]
    relevance = [lam * scores[i] / top for i in by_score]
    penalty = 1 - lam
    best_sim = [0.0] * len(by_score)
    alive = list(range(len(by_score)))
    picked: list[int] = []
    while alive and len(picked) < limit:
        choice = alive[0]
        value = relevance[choice] - penalty * best_sim[choice]
        for i in alive:  # ascending, so ">" keeps the earliest of equals
            v = relevance[i] - penalty * best_sim[i]
            if v > value:
                choice, value = i, v
        alive.remove(choice)
        picked.append(by_score[choice])
        mask, size = masks[choice], sizes[choice]
        for i in alive:
            shared = (masks[i] & mask).bit_count()
            if shared:  # Jaccard: shared / (|a| + |b| - shared)
                sim = shared / (sizes[i] + size - shared)
                if sim > best_sim[i]:
                    best_sim[i] = sim
    return picked


def _filters(
    since: float | None, until: float | None, min_confidence: float, include_sensitive: bool = True
) -> tuple[str, list[object]]:
    # "+" keeps SQLite off the confidence index for this range test: the recency
    # ordering's index is the fast path, and ranking by confidence sorts nothing.
    sql = " AND p.status = 'active' AND +p.confidence >= ?"
    params: list[object] = [min_confidence]
    if not include_sensitive:
        sql += " AND p.sensitive = ''"
    window, more = _window("p.last_evidence_at", since, "p.created_at", until)
    return sql + window, params + more


def _window(since_column: str, since: float | None, until_column: str,
            until: float | None) -> tuple[str, list[object]]:
    """" AND since_column >= ? AND until_column <= ?", each part only when its bound is given."""
    sql, params = "", []
    for column, op, bound in ((since_column, ">=", since), (until_column, "<=", until)):
        if bound is not None:
            sql += f" AND {column} {op} ?"
            params.append(bound)
    return sql, params


def query(
    store: Store,
    text: str | None = None,
    *,
    since: float | None = None,
    until: float | None = None,
    limit: int = 10,
    min_confidence: float = 0.0,
    include_sensitive: bool = True,
    include_observations: bool = False,
    diversify: bool = True,
    prefix: bool = False,
    weights: Weights = Weights(),
    now: float | None = None,
) -> QueryResult:
    """Rank active propositions for ``text`` (see the module docstring for the formula).

    ``since``/``until`` keep propositions that had evidence in that window:
    last evidence at or after ``since`` and created at or before ``until``.
    ``include_sensitive=False`` leaves out what the privacy audit flagged
    sensitive. ``include_observations`` also returns the best-matching raw observations.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput(f"min confidence must be in [0, 1], got {min_confidence}")
    if since is not None and until is not None and since > until:
        raise InvalidInput("since is after until")
    now = store.clock() if now is None else now
    where, params = _filters(since, until, min_confidence, include_sensitive)
    pool = max(weights.candidates, limit)
    counts = term_counts(store)
    with guarded(store.path), _snapshot(store.conn):
        conn = store.conn
        search = plan(conn, "propositions", text, prefix, want=2 * limit, counts=counts)
        if search is None:
            rows = _recent_candidates(conn, where, params, pool)
        else:
            index = _Index(conn, "propositions", "p", _RANK_COLS, PROP_BM25, where, params)
            rows = index.search(search, pool, limit)
        scored = _score(rows, weights, now, text_weight=0.0 if search is None else weights.text)
        # MMR only needs a pool a few times the size of the answer to diversify it.
        scored = scored[: max(MMR_POOL * limit, 30) if diversify else limit]
        full = _full_rows(conn, [s[3]["id"] for s in scored])
        # Both reads are one snapshot; this only guards against a caller that
        # deleted rows in its own transaction between them.
        scored = [s for s in scored if s[3]["id"] in full]
        if diversify:
            order = mmr_order([full[s[3]["id"]]["text"] for s in scored], [s[0] for s in scored],
                              limit, weights.mmr_lambda)
            scored = [scored[i] for i in order]
        result = QueryResult(hits=[Hit(Store.proposition_from_row(full[r["id"]]), score, text_score,
                                       rec) for score, text_score, rec, r in scored])
        if include_observations:
            obs_plan = plan(conn, "observations", text, prefix, want=2 * limit, counts=counts)
            result.observations = _observation_hits(conn, obs_plan, since, until, limit)
    return result


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so the ranking read and the full-row read see the same rows.

    Inside a transaction the caller already opened, that one is used.
    """
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # reads only: nothing to keep, and the first error stays the one raised
            conn.rollback()
        raise
    if conn.in_transaction:
        conn.execute("COMMIT")


def _full_rows(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT {PROP_COLUMNS} FROM propositions WHERE id IN ({marks})", ids)
    return {r["id"]: r for r in rows}


def _recent_candidates(
    conn: sqlite3.Connection, where: str, params: list[object], pool: int
) -> list[sqlite3.Row]:
    base = f"SELECT {_RANK_COLS}, 0.0 AS bm FROM propositions p WHERE 1{where}"
    by_time = conn.execute(base + " ORDER BY p.last_evidence_at DESC LIMIT ?", [*params, pool])
    by_conf = conn.execute(base + " ORDER BY p.confidence DESC LIMIT ?", [*params, pool])
    rows: dict[int, sqlite3.Row] = {}
    for r in [*by_time.fetchall(), *by_conf.fetchall()]:
        rows.setdefault(r["id"], r)
    return list(rows.values())


def _score(
    rows: Sequence[sqlite3.Row],
    weights: Weights,
    now: float,
    text_weight: float,
) -> list[tuple[float, float, float, sqlite3.Row]]:
    """(score, text score, recency, row) for each row, best first.

    Rows hold _RANK_COLS then their BM25 (positions, not names: this runs for
    every candidate of every query).
    """
    top_bm = max((r[5] for r in rows), default=0.0)
    w_recency, w_confidence = weights.recency, weights.confidence
    scored = []
    for r in rows:
        _id, confidence, half_life_s, last_evidence_at, feedback, bm = r
        text_score = bm / top_bm if top_bm > 0 else 0.0
        rec = recency(now - last_evidence_at, half_life_s)
        if feedback == "confirmed" and confidence < CONFIRMED_FLOOR:
            confidence = CONFIRMED_FLOOR
        score = text_weight * text_score + w_recency * rec + w_confidence * confidence
        scored.append((score, text_score, rec, r))
    scored.sort(key=lambda s: (-s[0], -s[3][0]))
    return scored


@dataclass(frozen=True)
class _Index:
    """One table's full-text search with the filters of one query: what every search shares."""

    conn: sqlite3.Connection
    table: str
    alias: str
    cols: str
    bm25: str
    cond: str
    params: list[object]

    def ranked(self, search: Plan, limit: int) -> list[sqlite3.Row]:
        """The best BM25 matches of ``search``, joined to their rows and filtered."""
        t, a = self.table, self.alias
        window = "" if search.min_rowid is None else " AND f.rowid >= ?"
        # Ordered by the alias: spelling bm25() out again would compute it twice per row.
        return self.conn.execute(
            f"SELECT {self.cols}, -{self.bm25} AS bm FROM {t}_fts f JOIN {t} {a} "
            f"ON {a}.id = f.rowid WHERE {t}_fts MATCH ?{window}{self.cond} "
            f"ORDER BY bm DESC LIMIT ?",
            [search.match, *([search.min_rowid] if window else []), *self.params, limit],
        ).fetchall()

    def windowed(self, search: Plan, limit: int, need: int) -> list[sqlite3.Row]:
        """``ranked``, widening a windowed search until it finds ``need`` rows or covers the store."""
        rows = self.ranked(search, limit)
        while len(rows) < need and search.min_rowid is not None:
            search = search.widened()
            rows = self.ranked(search, limit)
        return rows

    def search(self, search: Plan, limit: int, need: int) -> list[sqlite3.Row]:
        """A plan's matches, topped up from its fill when they are fewer than ``need``."""
        rows = self.windowed(search, limit, need)
        if search.fill is None or len(rows) >= need:
            return rows
        have = {r["id"] for r in rows}
        more = self.windowed(search.fill, limit, need)
        rows += [r for r in more if r["id"] not in have][: limit - len(rows)]
        return rows


def _observation_hits(
    conn: sqlite3.Connection,
    search: Plan | None,
    since: float | None,
    until: float | None,
    limit: int,
) -> list[ObservationHit]:
    cols = ", ".join(f"o.{c.strip()}" for c in OBS_COLUMNS.split(","))
    cond, params = _window("o.captured_at", since, "o.captured_at", until)
    if search is None:
        rows = conn.execute(
            f"SELECT {cols}, 0.0 AS bm FROM observations o WHERE 1{cond} "
            "ORDER BY o.captured_at DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
    else:
        index = _Index(conn, "observations", "o", cols, OBS_BM25, cond, params)
        rows = index.search(search, limit, limit)
    return [
        ObservationHit(Observation(**{k: r[k] for k in r.keys() if k != "bm"}), r["bm"])
        for r in rows
    ]
