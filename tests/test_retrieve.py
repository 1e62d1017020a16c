"""Retrieval: safe query text, and the ordering properties of the ranking formula."""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import time

import pytest

from propositions import InvalidInput, Store, query, retrieve
from propositions.service import ForgetRequest, Service
from propositions.decay import HALF_LIVES, recency
from propositions.retrieve import MAX_TERMS, Weights, fts_query

from .conftest import FakeClock, believe, observe

DAY = 86400.0

NASTY = [
    '"',
    '""',
    "'",
    "AND",
    "OR NOT",
    "NEAR(",
    "NEAR(a b, 3)",
    "*",
    "a*",
    "-",
    "-porto",
    "^start",
    "col:value",
    "text: porto",
    "{text reasoning}: x",
    "( ) [ ] { }",
    "a AND (b OR",
    "'; DROP TABLE propositions; --",
    "%_%",
    "\\",
    "\x00",
    "🙂 wedding 🎉",
    "Joã\u0303o",
    "京都 旅行",
    "مرحبا",
    "x" * 10_000,
    ("porto " * 2000),
    " ".join(f"w{i}" for i in range(3000)),
    "   ",
]


@pytest.mark.parametrize("text", NASTY)
def test_any_user_text_is_safe(store: Store, text: str) -> None:
    believe(store, "Dana is going to a wedding in Porto")
    observe(store, "porto wedding AND stuff")
    result = query(store, text, include_observations=True)
    assert isinstance(result.hits, list)
    match = fts_query(text, prefix_last=True)
    if match is not None:
        # only quoted terms joined by OR, and the terms are capped
        assert match.count(" OR ") < MAX_TERMS


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('NEAR(porto "wedding"') == '"near" OR "porto" OR "wedding"'
    assert fts_query("porto wed", prefix_last=True) == '"porto" OR "wed"*'
    assert fts_query("  ") is None
    assert fts_query(None) is None


def test_empty_query_gives_recent_and_confident(store: Store) -> None:
    old = observe(store, "x", ago=200 * DAY)
    believe(store, "stale transient thing", decay="hours", confidence=0.3, evidence=[old])
    believe(store, "Dana is a nurse", decay="years", confidence=0.9, evidence=[old])
    fresh = observe(store, "y", ago=60)
    believe(store, "Dana is reading about Porto", decay="days", confidence=0.6, evidence=[fresh])
    texts = [h.proposition.text for h in query(store, "").hits]
    assert texts[-1] == "stale transient thing"
    assert set(texts[:2]) == {"Dana is a nurse", "Dana is reading about Porto"}


def test_higher_confidence_ranks_higher_all_else_equal(store: Store) -> None:
    o = observe(store, "x")
    low = believe(store, "Dana plays chess", confidence=0.3, evidence=[o])
    high = believe(store, "Dana plays chess online", confidence=0.9, evidence=[o])
    ids = [h.proposition.id for h in query(store, "chess", diversify=False).hits]
    assert ids.index(high) < ids.index(low)


def test_more_recent_evidence_ranks_higher_all_else_equal(store: Store) -> None:
    old = believe(store, "Dana plays chess", evidence=[observe(store, "x", ago=30 * DAY)])
    new = believe(store, "Dana plays chess", evidence=[observe(store, "x", ago=60)])
    ids = [h.proposition.id for h in query(store, "chess", diversify=False).hits]
    assert ids == [new, old]


def test_lasting_propositions_decay_slower(store: Store) -> None:
    """The same age hurts a fleeting proposition more than a lasting one."""
    ev = observe(store, "x", ago=10 * DAY)
    fleeting = believe(store, "Dana plays chess", decay="hours", evidence=[ev])
    lasting = believe(store, "Dana plays chess", decay="years", evidence=[ev])
    hits = {h.proposition.id: h for h in query(store, "chess", diversify=False).hits}
    assert hits[lasting].recency > hits[fleeting].recency
    assert hits[lasting].score > hits[fleeting].score
    halves = list(HALF_LIVES.values())
    assert halves == sorted(halves)  # classes are listed from fleeting to lasting


def test_recency_curve() -> None:
    assert recency(0, 100) == 1.0
    assert recency(100, 100) == pytest.approx(0.5)
    assert recency(200, 100) == pytest.approx(0.25)
    assert recency(-5, 100) == 1.0  # a clock skew never boosts above 1


def test_better_text_match_ranks_higher(store: Store) -> None:
    o = observe(store, "x")
    partial = believe(store, "Dana booked a hotel", evidence=[o])
    full = believe(store, "Dana booked a hotel in Porto for the wedding", evidence=[o])
    ids = [h.proposition.id for h in query(store, "porto wedding hotel", diversify=False).hits]
    assert ids == [full, partial]


def test_text_weight_dominates_when_configured(store: Store) -> None:
    o_old = observe(store, "x", ago=300 * DAY)
    strong_text = believe(store, "Porto wedding Porto wedding", confidence=0.2, decay="hours",
                          evidence=[o_old])
    weak_text = believe(store, "Dana went to a wedding", confidence=0.95,
                        evidence=[observe(store, "y")])
    text_only = Weights(text=1.0, recency=0.0, confidence=0.0)
    ids = [h.proposition.id for h in query(store, "porto wedding", weights=text_only).hits]
    assert ids[0] == strong_text
    no_text = Weights(text=0.0, recency=0.5, confidence=0.5)
    ids = [h.proposition.id for h in query(store, "porto wedding", weights=no_text).hits]
    assert ids[0] == weak_text


def test_mmr_spreads_near_duplicates(store: Store) -> None:
    o = observe(store, "x")
    dupes = [believe(store, f"Dana is planning the Porto wedding trip {s}", confidence=0.9,
                     evidence=[o]) for s in ("", "soon", "now")]
    distinct = believe(store, "Dana bought a new grey suit and shoes to wear at the wedding",
                       confidence=0.5, evidence=[o])
    plain = [h.proposition.id for h in query(store, "wedding", diversify=False).hits]
    diverse = [h.proposition.id for h in query(store, "wedding", diversify=True).hits]
    assert plain.index(distinct) == 3
    assert diverse.index(distinct) == 1
    assert sorted(plain) == sorted(diverse)


def test_matches_through_evidence_titles(store: Store) -> None:
    o = observe(store, "flight details", app="Gmail", title="Your TAP booking confirmation")
    pid = believe(store, "Dana is flying next week", evidence=[o])
    assert [h.proposition.id for h in query(store, "TAP booking").hits] == [pid]


def test_folding_and_stemming(store: Store) -> None:
    pid = believe(store, "Dana is planning a trip with João")
    assert [h.proposition.id for h in query(store, "joao").hits] == [pid]
    assert [h.proposition.id for h in query(store, "plans").hits] == [pid]
    assert [h.proposition.id for h in query(store, "Jo", prefix=True).hits] == [pid]


def test_filters(store: Store, clock: FakeClock) -> None:
    old = believe(store, "Dana studied Spanish", confidence=0.9,
                  evidence=[observe(store, "x", ago=20 * DAY)])
    new = believe(store, "Dana studies Spanish daily", confidence=0.4,
                  evidence=[observe(store, "y", ago=3600)])
    rejected = believe(store, "Dana teaches Spanish", confidence=0.9)
    store.set_feedback(rejected, "rejected")
    assert {h.proposition.id for h in query(store, "spanish").hits} == {old, new}
    assert [h.proposition.id for h in query(store, "spanish", since=clock() - DAY).hits] == [new]
    assert [h.proposition.id for h in query(store, "spanish", min_confidence=0.5).hits] == [old]
    clock.advance(10)
    late = believe(store, "Dana speaks Spanish", confidence=0.5)
    ids = {h.proposition.id for h in query(store, "spanish", until=clock() - 5).hits}
    assert late not in ids and ids == {old, new}
    assert len(query(store, "spanish", limit=1).hits) == 1
    with pytest.raises(InvalidInput):
        query(store, "spanish", limit=0)
    with pytest.raises(InvalidInput):
        query(store, "spanish", since=clock(), until=clock() - 10)


def test_include_observations(store: Store) -> None:
    observe(store, "Maria and João's wedding in Porto", app="Gmail")
    observe(store, "unrelated", app="Terminal")
    result = query(store, "porto", include_observations=True)
    assert [o.observation.app for o in result.observations] == ["Gmail"]


# -- planning on a large store: common terms, rare terms, the recent window ----------------


@pytest.fixture
def planned(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """40 propositions, oldest first: 'alpha' in 30 (common), 'beta' in 12, 'zephyr' in the 2 oldest.

    The thresholds are scaled down so 40 rows behave as a large store would.
    """
    monkeypatch.setattr(retrieve, "PLAN_MIN_ROWS", 20)
    monkeypatch.setattr(retrieve, "MAX_MATCHES", 5)
    made: dict[str, list[int]] = {"alpha": [], "beta": [], "zephyr": [], "all": []}
    for i in range(40):
        words = ["Dana", "noted", f"item{i}"]
        if i < 30:
            words.append("alpha")
        if i >= 28:
            words.append("beta")
        if i < 2:
            words.append("zephyr")
        pid = believe(store, " ".join(words), confidence=0.5)
        made["all"].append(pid)
        for w in ("alpha", "beta", "zephyr"):
            if w in words:
                made[w].append(pid)
    return made


def test_a_rare_term_finds_old_rows_beside_a_common_one(store: Store, planned: dict[str, list[int]]) -> None:
    search = retrieve.plan(store.conn, "propositions", "beta zephyr", want=4)
    assert search is not None
    assert search.match == '"zephyr"' and search.min_rowid is None  # the whole store
    assert search.fill is not None and "beta" in search.fill.match
    got = [h.proposition.id for h in query(store, "beta zephyr", limit=4, diversify=False).hits]
    # The two oldest rows hold the rare word and still come first; recent 'beta' rows fill up.
    assert set(got[:2]) == set(planned["zephyr"])
    assert set(got[2:]) <= set(planned["beta"]) and len(got) == 4


def test_no_fill_when_the_rare_terms_fill_the_answer(store: Store, planned: dict[str, list[int]]) -> None:
    got = [h.proposition.id for h in query(store, "beta zephyr", limit=2).hits]
    assert set(got) == set(planned["zephyr"])


def test_a_term_in_most_rows_is_left_out(store: Store, planned: dict[str, list[int]]) -> None:
    search = retrieve.plan(store.conn, "propositions", "alpha zephyr")
    assert search is not None and search.match == '"zephyr"' and search.fill is None
    got = {h.proposition.id for h in query(store, "alpha zephyr").hits}
    assert got == set(planned["zephyr"])


def test_a_broad_query_ranks_the_newest_rows_and_widens_when_they_hold_too_few(
        store: Store, planned: dict[str, list[int]]) -> None:
    # Every term is common: the rarest is kept, and only recent rows are ranked.
    search = retrieve.plan(store.conn, "propositions", "alpha noted")
    assert search is not None and search.match == '"alpha"' and search.min_rowid is not None
    # 'alpha' was common in older rows only: the first window holds none of them ...
    assert search.min_rowid > max(planned["alpha"])
    wider = search.widened()
    assert wider.min_rowid is not None and wider.min_rowid < search.min_rowid
    assert wider.widened().min_rowid is None  # four times again reaches the oldest row
    # ... so the search widens, and still ranks only the newer part of the store.
    got = [h.proposition.id for h in query(store, "alpha noted", limit=2).hits]
    assert len(got) == 2 and set(got) <= set(planned["alpha"])
    assert all(pid >= wider.min_rowid for pid in got)


def test_small_stores_are_searched_whole(store: Store) -> None:
    believe(store, "Dana noted alpha")
    search = retrieve.plan(store.conn, "propositions", "alpha noted")
    assert search == retrieve.Plan('"alpha" OR "noted"')


class CountingConn:
    """A connection that counts the statements run through it (the seam TermCounts reads by)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.statements = 0

    def execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:  # type: ignore[type-arg]
        self.statements += 1
        return self.conn.execute(sql, params)


def test_term_counts_are_remembered_until_the_store_moves(store: Store, planned: dict[str, list[int]]) -> None:
    counts = retrieve.TermCounts()
    conn = CountingConn(store.conn)
    hi = max(planned["all"])
    assert counts.get(conn, "propositions", "zephyr", False, hi, 40) == 2  # type: ignore[arg-type]
    assert counts.get(conn, "propositions", "zephyr", False, hi, 40) == 2  # type: ignore[arg-type]
    assert conn.statements == 1
    assert counts.get(conn, "propositions", "alph", True, hi, 40) == 30  # type: ignore[arg-type]
    new = believe(store, "Dana noted zephyr again")
    # The newest row moved by more than COUNT_DRIFT of the rows: counted again.
    assert counts.get(conn, "propositions", "zephyr", False, new, 41) == 3  # type: ignore[arg-type]
    assert conn.statements == 3


def reference_mmr(texts: list[str], scores: list[float], limit: int, lam: float) -> list[int]:
    """MMR as the module docstring defines it, the slow and obvious way."""
    def words(t: str) -> frozenset[str]:
        return frozenset(w.lower() for w in re.findall(r"[^\W_]+", t) if len(w) > 2)

    def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
        return len(a & b) / len(a | b) if a and b else 0.0

    top = max(scores) or 1.0
    order = sorted(range(len(texts)), key=lambda i: -scores[i])
    picked: list[int] = []
    while len(picked) < min(limit, len(texts)):
        best = max((i for i in order if i not in picked), key=lambda i: (
            lam * scores[i] / top - (1 - lam) * max((jaccard(words(texts[i]), words(texts[j]))
                                                     for j in picked), default=0.0),
            -order.index(i)))
        picked.append(best)
    return picked


@pytest.mark.parametrize("seed", range(20))
def test_mmr_picks_what_the_definition_picks(seed: int) -> None:
    rng = random.Random(seed)
    vocab = ["porto", "wedding", "flight", "hotel", "suit", "toast", "python", "api", "bread",
             "Dana", "is", "the", "a", "João", "naïve", "x_y"]
    n = rng.randint(1, 40)
    texts = [" ".join(rng.choices(vocab, k=rng.randint(0, 9))) for _ in range(n)]
    scores = [round(rng.uniform(0, 1), 2) for _ in range(n)]  # rounded: ties happen
    limit = rng.randint(1, 12)
    assert retrieve.mmr_order(texts, scores, limit, 0.7) == reference_mmr(texts, scores, limit, 0.7)


def test_the_two_reads_of_a_query_see_one_snapshot(store: Store,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    keep = believe(store, "Dana plans the Porto wedding toast")
    gone = believe(store, "Dana booked the Porto wedding hotel")
    full_rows = retrieve._full_rows
    errors: list[BaseException] = []

    def forget_then_read(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
        # Another connection forgets a ranked proposition before its full row is read.
        def forget() -> None:
            other = Store(store.path, busy_timeout_s=5)
            try:
                other.forget(proposition_ids=[gone])
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                other.close()

        t = threading.Thread(target=forget)
        t.start()
        t.join(0.5)  # its reclaim waits for this read to end; the delete is committed by now
        return full_rows(conn, ids)

    monkeypatch.setattr(retrieve, "_full_rows", forget_then_read)
    # The snapshot taken when the query began: both, whole, with no error.
    hits = query(store, "porto wedding").hits
    assert {h.proposition.id for h in hits} == {keep, gone}
    assert all(h.proposition.text for h in hits)
    monkeypatch.setattr(retrieve, "_full_rows", full_rows)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [h.proposition.id for h in query(store, "porto wedding").hits] != [keep]:
        time.sleep(0.05)
    assert [h.proposition.id for h in query(store, "porto wedding").hits] == [keep]
    assert not errors


def test_a_word_counted_absent_is_still_searched_when_it_appears(
        store: Store, planned: dict[str, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieve, "COUNT_DRIFT", 0.5)  # counts stay remembered below
    counts = retrieve.term_counts(store)
    query(store, "zephyr kubernetes", limit=2)  # remembers 'kubernetes' as absent
    new = [believe(store, f"Dana deploys kubernetes release {i}") for i in range(3)]
    search = retrieve.plan(store.conn, "propositions", "zephyr kubernetes", want=4, counts=counts)
    # Searched with the rare word over the whole store, not left to a fill that may not run.
    assert search is not None and search.match == '"zephyr" OR "kubernetes"'
    got = {h.proposition.id for h in query(store, "zephyr kubernetes", limit=5).hits}
    assert got == set(new) | set(planned["zephyr"])


def test_widening_stops_at_the_oldest_row_left(store: Store, planned: dict[str, list[int]]) -> None:
    store.forget(proposition_ids=planned["all"][:20])  # the oldest half ages out
    search = retrieve.plan(store.conn, "propositions", "alpha")
    assert search is not None and search.oldest == planned["all"][20]
    window = retrieve.Plan('"alpha"', min_rowid=35, newest=40, oldest=21)
    assert window.widened().min_rowid is None  # 40 - 4 * 6 = 16 is below the oldest row
    assert retrieve.Plan('"alpha"', min_rowid=39, newest=40, oldest=21).widened().min_rowid == 32
