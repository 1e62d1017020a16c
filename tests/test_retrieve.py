"""Retrieval: safe query text, and the ordering properties of the ranking formula."""

from __future__ import annotations

import pytest

from propositions import InvalidInput, Store, query
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
