"""The packed gazetteer and the everyday-word lists: the same answers as the plain tables, in
a fraction of the memory."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from propositions import entities, words
from propositions.packed import PackedMap


def test_packed_map_answers_as_a_dict_does() -> None:
    items = [("porto", "Porto\tcity\t231800"), ("köln", "Köln\tcity\t1075935"), ("a", "1"),
             ("", "empty key"), ("東京", "Tokyo"), ("porto", "later wins")]
    table = PackedMap(items)
    plain = dict(items)
    assert len(table) == len(plain)
    for key, value in plain.items():
        assert table.get(key) == value
        assert key in table
    for missing in ("port", "portos", "b", "köl", "zzz", "\U0010ffff"):
        assert table.get(missing) is None
        assert table.get(missing, "x") == "x"
        assert missing not in table
    assert 3 not in table  # not a string
    empty = PackedMap([])
    assert len(empty) == 0 and empty.get("a") is None and "a" not in empty


def test_the_gazetteer_holds_every_row_of_the_shipped_file() -> None:
    path = Path(entities.__file__).parent / "data" / "places.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    kept = 0
    for key, name, kind, pop in rows[::97]:  # a spread of the ~47,000 rows
        got = entities._place(key)
        if got is not None:
            kept += 1
            assert got == (name, kind, int(pop or 0)) or got[0] != name  # a duplicate key's last row
    assert kept > len(rows[::97]) * 0.8
    assert entities._place("porto") == ("Porto", "city", entities._place("porto")[2])  # type: ignore[index]
    assert entities.places_in("Flights to Porto on 13 June") == ["Porto"]


def test_everyday_words_come_from_the_small_lists(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    # The large lists cost a process 30-70 MB each; the thread inferrer must never ask for one.
    import wordfreq

    asked: list[tuple[str, str]] = []
    real = wordfreq.zipf_frequency

    def recording(word: str, lang: str, wordlist: str = "best", **kw: object) -> float:
        asked.append((lang, wordlist))
        return real(word, lang, wordlist=wordlist)

    monkeypatch.setattr(wordfreq, "zipf_frequency", recording)
    words._zipf.cache_clear()
    words.common_zipf.cache_clear()
    try:
        from propositions.infer import Pipeline
        from propositions.models import Observation
        from propositions.store import Store
        from propositions.threaded import ThreadInferrer

        assert words.common_zipf("spring") == real("spring", "en", wordlist="large") > 4
        assert words.common_zipf("kubernetes") == 0.0  # rarer than once per million words
        assert words.everyday_anywhere("haus") and not words.everyday_anywhere("kubectl")
        store = Store(tmp_path / "gumd.db")
        store.enqueue([Observation(captured_at=1_792_400_000.0 + 60 * i, observer="screen",
                                   app="XTerm", window_title="deploy - docker compose",
                                   content="docker compose up; helm upgrade api; spring boot tests "
                                           "for the thesis draft, Chapter 4")
                       for i in range(4)])
        Pipeline(store, ThreadInferrer("Dana Reyes"), batch_size=20).run_batch()
        store.close()
    finally:
        words._zipf.cache_clear()
        words.common_zipf.cache_clear()
    assert asked and {wordlist for _, wordlist in asked} == {"small"}

