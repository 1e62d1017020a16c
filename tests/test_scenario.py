"""Scenario files: loading, fact matching as the scenarios README defines it, and metrics."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from propositions.errors import InvalidInput
from propositions.eval import (
    Fact,
    Scenario,
    ScenarioError,
    aggregate,
    brier_score,
    expected_calibration_error,
    fold,
    load_scenario,
    matched_facts,
    matches,
    roc_auc,
    say_same_thing,
    score,
    words_of,
)


def _dev_dir() -> Path | None:
    """The dev scenarios: ../shared/scenarios/dev beside the repository root (locally and in CI)."""
    candidate = Path(__file__).resolve().parents[1].parent / "shared" / "scenarios" / "dev"
    return candidate if candidate.is_dir() and any(candidate.glob("*.json")) else None


DEV = _dev_dir()
needs_dev = pytest.mark.skipif(DEV is None, reason="shared/scenarios/dev not found beside the repo")


def _dev(name: str) -> Scenario:
    assert DEV is not None
    return load_scenario(DEV / f"{name}.json")


def fact(match: list[list[str]], id: str = "f") -> Fact:
    return Fact(id=id, statement="", match=match)


# --------------------------------------------------------------------------- matching


class TestMatching:
    def test_prefix_of_a_word_matches(self) -> None:
        assert matches("Alex is applying for jobs", fact([["appl"]]))

    def test_inside_a_word_does_not_match(self) -> None:
        assert not matches("a sparse matrix", fact([["pars"]]))
        assert matches("the invoice parser", fact([["pars"]]))

    def test_longer_match_word_than_text_word_does_not_match(self) -> None:
        assert not matches("the parse step", fact([["parser"]]))

    def test_case_and_accents_are_folded_both_ways(self) -> None:
        assert matches("Maria and João's wedding", fact([["joao"]]))
        assert matches("Maria and Joao's wedding", fact([["João"]]))
        assert matches("DANA IS VEGETARIAN", fact([["Vegetarian"]]))
        assert fold("Straße İstanbul Ñandú") == "strasse istanbul nandu"

    def test_multiword_match_word_needs_consecutive_words(self) -> None:
        f = fact([["cover letter"]])
        assert matches("Alex is writing a cover letter", f)
        assert matches("Alex is writing cover letters", f)  # last word as a prefix
        assert not matches("a letter with a cover", f)
        assert not matches("a cover page and a letter", f)
        assert not matches("a covers letter", f)  # only the last word may be a prefix

    def test_multiword_match_word_across_punctuation_and_line_breaks(self) -> None:
        f = fact([["message passing"]])
        assert matches("chapter on message-passing networks", f)
        assert matches("Message\npassing for molecules", f)

    def test_punctuation_inside_match_words(self) -> None:
        lofi = fact([["lo-fi"]])
        assert matches("listens to lo-fi beats", lofi)
        assert matches("listens to lo fi beats", lofi)
        assert matches("Lo-Fi hip hop radio", lofi)
        assert not matches("listens to low fidelity", lofi)
        assert matches("uses VS Code", fact([["vs code"]]))

    def test_number_matches_as_word_or_prefix(self) -> None:
        f = fact([["24"]])
        assert matches("meeting on the 24th", f)
        assert matches("due March 24.", f)
        assert not matches("in 2024", f)

    def test_every_group_is_required(self) -> None:
        f = fact([["wedding", "ceremony"], ["porto", "maria"]])
        assert matches("a wedding in Porto", f)
        assert matches("Maria's ceremony", f)
        assert not matches("a wedding in Lisbon", f)
        assert not matches("a trip to Porto", f)

    def test_matched_facts_keeps_fact_order(self) -> None:
        facts = [fact([["python"]], "py"), fact([["pytest"]], "pt"), fact([["rust"]], "rs")]
        assert matched_facts("Dana runs pytest on Python code", facts) == ["py", "pt"]
        assert matched_facts("nothing relevant", facts) == []

    def test_words_of_splits_on_every_non_alphanumeric_run(self) -> None:
        assert words_of("invoice_parser/parser.py -- ok!") == ["invoice", "parser", "parser", "py", "ok"]


# --------------------------------------------------------------------------- metrics

FACTS = [
    fact([["wedding", "marry"], ["porto", "joao"]], "wedding"),
    fact([["python", "pytest"]], "python"),
    fact([["vegetarian"]], "vegetarian"),
]
PROPS = [
    ("Dana is attending a wedding in Porto", 0.95),  # wedding
    ("Dana likes jazz", 0.85),                       # nothing
    ("Dana owns a cat", 0.15),                       # nothing
    ("Dana uses pytest", 0.12),                      # python
]


class TestScore:
    def test_recall_and_precision(self) -> None:
        s = score(PROPS, FACTS)
        assert s.recall == pytest.approx(2 / 3)
        assert s.precision == pytest.approx(2 / 4)
        assert s.matched_fact_ids == ["wedding", "python"]
        assert s.missed_fact_ids == ["vegetarian"]

    def test_ece_by_hand(self) -> None:
        # bin .9: {0.95 hit} -> |0.95-1| = 0.05;  bin .8: {0.85 miss} -> 0.85;
        # bin .1: {0.15 miss, 0.12 hit} -> |0.135 - 0.5| = 0.365
        expected = 0.25 * 0.05 + 0.25 * 0.85 + 0.5 * 0.365
        assert score(PROPS, FACTS).ece == pytest.approx(expected)
        assert expected == pytest.approx(0.4075)

    def test_brier_by_hand(self) -> None:
        expected = (0.05**2 + 0.85**2 + 0.15**2 + 0.88**2) / 4
        assert score(PROPS, FACTS).brier == pytest.approx(expected)
        assert expected == pytest.approx(0.380475)

    def test_perfectly_calibrated_extremes(self) -> None:
        s = score([("Dana uses Python", 1.0), ("Dana likes jazz", 0.0)], FACTS)
        assert s.ece == 0.0 and s.brier == 0.0

    def test_ece_bin_edges(self) -> None:
        # 0.1 opens the second bin and 1.0 belongs to the last one.
        assert expected_calibration_error([(0.1, False), (0.19, False)]) == pytest.approx(0.145)
        assert expected_calibration_error([(1.0, True), (0.9, True)]) == pytest.approx(0.05)
        assert expected_calibration_error([(0.05, False), (0.95, True)]) == pytest.approx(0.05)

    def test_empty_inputs(self) -> None:
        s = score([], FACTS)
        assert (s.recall, s.precision, s.ece, s.brier, s.duplicates) == (0.0, 0.0, 0.0, 0.0, 0)
        assert score(PROPS, []).recall == 0.0
        assert score(PROPS, []).precision == 0.0
        assert brier_score([]) == 0.0

    def test_confidence_out_of_range_is_refused(self) -> None:
        for bad in (1.5, -0.1, float("nan")):
            with pytest.raises(InvalidInput, match="confidence"):
                score([("Dana uses Python", bad)], FACTS)

    def test_per_fact_matches_and_to_dict(self) -> None:
        props = PROPS + [("Dana programs in Python", 0.7)]
        d = score(props, FACTS).to_dict()
        assert d["matches"] == {
            "wedding": ["Dana is attending a wedding in Porto"],
            "python": ["Dana uses pytest", "Dana programs in Python"],
            "vegetarian": [],
        }
        assert d["ungrounded"] == ["Dana likes jazz", "Dana owns a cat"]
        assert d["facts"] == 3 and d["propositions"] == 5
        assert json.loads(json.dumps(d)) == d


class TestAuc:
    def test_by_hand(self) -> None:
        # PROPS: hits 0.95, 0.12; misses 0.85, 0.15. Pairs (hit > miss):
        # 0.95 beats both, 0.12 beats neither -> 2 of 4.
        assert score(PROPS, FACTS).auc == pytest.approx(0.5)
        # hits 0.9, 0.6; misses 0.7, 0.2, 0.1 -> 0.9 beats 3, 0.6 beats 2 -> 5 of 6.
        outcomes = [(0.9, True), (0.7, False), (0.6, True), (0.2, False), (0.1, False)]
        assert roc_auc(outcomes) == pytest.approx(5 / 6)

    def test_ties_count_half(self) -> None:
        assert roc_auc([(0.5, True), (0.5, False)]) == pytest.approx(0.5)
        # hit 0.5 vs misses 0.5 (tie: 1/2), 0.4 (win), 0.6 (loss) -> 1.5;
        # hit 0.6 vs misses 0.5 (win), 0.4 (win), 0.6 (tie: 1/2) -> 2.5; 4 of 6 pairs.
        outcomes = [(0.5, True), (0.6, True), (0.5, False), (0.4, False), (0.6, False)]
        assert roc_auc(outcomes) == pytest.approx((1.5 + 2.5) / 6)

    def test_perfect_and_inverted_ranking(self) -> None:
        assert roc_auc([(0.8, True), (0.3, False), (0.7, True)]) == 1.0
        assert roc_auc([(0.2, True), (0.3, False), (0.9, False)]) == 0.0

    def test_undefined_without_positives_or_negatives(self) -> None:
        assert roc_auc([]) is None
        assert roc_auc([(0.9, True), (0.1, True)]) is None
        assert roc_auc([(0.9, False)]) is None
        assert score([], FACTS).auc is None
        assert score([("Dana likes jazz", 0.4)], FACTS).to_dict()["auc"] is None

    def test_in_to_dict(self) -> None:
        assert score(PROPS, FACTS).to_dict()["auc"] == pytest.approx(0.5)


class TestDuplicates:
    def test_same_words_plus_more_is_a_duplicate(self) -> None:
        assert say_same_thing("Dana is attending a wedding in Porto",
                              "Dana is attending João's wedding in Porto")

    def test_jaccard_threshold(self) -> None:
        # {dana, going, wedding, porto} vs {dana, attending, wedding, porto}: 3/5 = 0.6
        assert say_same_thing("Dana is going to a wedding in Porto",
                              "Dana is attending a wedding in Porto")
        # {dana, attending, wedding, porto} vs {dana, booked, hotel, porto, for, maria, wedding}
        assert not say_same_thing("Dana is attending a wedding in Porto",
                                  "Dana booked a hotel in Porto for Maria's wedding")

    def test_short_words_are_ignored(self) -> None:
        assert say_same_thing("Dana is at a wedding in Porto", "Dana, wedding, Porto")

    def test_texts_without_content_words(self) -> None:
        assert say_same_thing("is a", "Is A")
        assert not say_same_thing("is a", "Dana is a cook")

    def test_counted_only_when_they_match_a_common_fact(self) -> None:
        props = [
            ("Dana is attending a wedding in Porto", 0.9),
            ("Dana is attending João's wedding in Porto", 0.8),
            ("Dana is going to a wedding in Porto", 0.7),
            ("Dana booked a hotel in Porto for Maria's wedding", 0.6),
            ("Dana likes jazz", 0.5),
            ("Dana likes jazz", 0.5),  # same text, but grounded in no fact
            ("Dana uses pytest", 0.5),
        ]
        s = score(props, FACTS)
        # (1, 2): {dana, attending, joao, wedding, porto} vs {dana, going, wedding, porto}
        # share 3 of 6 words (0.5) and neither contains the other, so they are not duplicates.
        assert s.duplicate_pairs == [(0, 1), (0, 2)]
        assert s.duplicates == 2
        assert s.to_dict()["duplicate_pairs"][0] == [props[0][0], props[1][0]]

    def test_similar_texts_about_different_facts_are_not_duplicates(self) -> None:
        facts = [fact([["python"]], "py"), fact([["rust"]], "rs")]
        s = score([("Dana writes code in Python", 0.5), ("Dana writes code in Rust", 0.5)], facts)
        assert s.duplicates == 0


class TestAggregate:
    def test_macro_micro_and_pooled_calibration(self) -> None:
        a = score(PROPS, FACTS)  # recall 2/3, precision 2/4
        b = score([("Dana is vegetarian", 0.6)], FACTS)  # recall 1/3, precision 1/1
        agg = aggregate([a, b])
        assert agg["scenarios"] == 2 and agg["facts"] == 6 and agg["propositions"] == 5
        assert agg["recall_macro"] == pytest.approx((2 / 3 + 1 / 3) / 2)
        assert agg["recall_micro"] == pytest.approx(3 / 6)
        assert agg["precision_macro"] == pytest.approx((0.5 + 1.0) / 2)
        assert agg["precision_micro"] == pytest.approx(3 / 5)
        pooled = [(0.95, True), (0.85, False), (0.15, False), (0.12, True), (0.6, True)]
        assert agg["ece"] == pytest.approx(expected_calibration_error(pooled))
        assert agg["brier"] == pytest.approx(brier_score(pooled))
        assert agg["brier"] == pytest.approx((0.05**2 + 0.85**2 + 0.15**2 + 0.88**2 + 0.4**2) / 5)
        # Pooled hits 0.95, 0.12, 0.6 vs misses 0.85, 0.15: 2 + 0 + 1 wins of 6 pairs,
        # not the mean of the per-scenario values (b alone is undefined).
        assert b.auc is None
        assert agg["auc"] == pytest.approx(3 / 6)

    def test_pooled_auc_differs_from_per_scenario(self) -> None:
        # Each scenario ranks perfectly, but a's miss outranks b's hit once pooled.
        a = score([("Dana uses Python", 0.9), ("Dana likes jazz", 0.5)], FACTS)
        b = score([("Dana is vegetarian", 0.4), ("Dana owns a cat", 0.1)], FACTS)
        assert a.auc == 1.0 and b.auc == 1.0
        # hits 0.9, 0.4 vs misses 0.5, 0.1: 2 + 1 of 4
        assert aggregate([a, b])["auc"] == pytest.approx(3 / 4)

    def test_duplicates_are_summed(self) -> None:
        dup = [("Dana uses pytest", 0.5), ("Dana uses pytest daily", 0.5)]
        assert aggregate([score(dup, FACTS), score(dup, FACTS)])["duplicates"] == 2

    def test_no_scores(self) -> None:
        agg = aggregate([])
        assert agg["scenarios"] == 0 and agg["recall_macro"] == 0.0 and agg["ece"] == 0.0
        assert agg["auc"] is None


# --------------------------------------------------------------------------- dev scenarios


@needs_dev
class TestDevScenarios:
    def test_all_load_and_are_in_time_order(self) -> None:
        assert DEV is not None
        paths = sorted(DEV.glob("*.json"))
        assert len(paths) >= 3
        for path in paths:
            s = load_scenario(path)
            assert s.name and s.user and s.facts and s.observations
            assert s.start.tzinfo is None
            times = [o.t for o in s.observations]
            assert times == sorted(times)

    def test_every_fact_statement_matches_its_own_fact(self) -> None:
        # A sanity check of both the matcher and the data: the statement is the fact.
        assert DEV is not None
        for path in sorted(DEV.glob("*.json")):
            for f in load_scenario(path).facts:
                assert matches(f.statement, f), (path.name, f.id)

    def test_observation_kinds_and_times(self) -> None:
        s = _dev("wedding-trip")
        kinds = {o.kind for o in s.observations}
        assert kinds == {"screen", "file", "idle"}
        first = s.observations[0]
        assert first.kind == "screen" and first.app and first.title is not None
        assert s.start == datetime.fromisoformat("2026-06-01T08:50:00")
        assert s.captured_at(first) == s.start.timestamp() + first.t
        last = s.observations[-1]
        assert s.captured_at(last) - s.captured_at(first) == pytest.approx(last.t - first.t)
        assert all(o.path and o.event for o in s.observations if o.kind == "file")
        assert all(o.seconds is not None for o in s.observations if o.kind == "idle")

    def test_wedding_trip_hand_made_propositions(self) -> None:
        s = _dev("wedding-trip")
        props = [
            ("Dana is going to Maria and João's wedding in Porto", 0.9),
            ("Dana is taking the train from Lisbon to Porto", 0.8),
            ("Dana works on the invoice-parser project in Python", 0.85),
            ("Dana uses VS Code", 0.7),
            ("Dana likes cats", 0.4),
        ]
        result = score(props, s.facts)
        by_fact = result.matches_by_fact
        assert by_fact["wedding"] == [props[0][0]]
        assert by_fact["travel"] == [props[1][0]]
        assert by_fact["invoice-parser"] == [props[2][0]]
        assert by_fact["python"] == [props[2][0]]
        assert by_fact["vscode"] == [props[3][0]]
        assert result.recall == pytest.approx(5 / 9)
        assert result.precision == pytest.approx(4 / 5)
        assert result.duplicates == 0

    def test_job_search_hand_made_propositions(self) -> None:
        s = _dev("job-search")
        props = [
            ("Alex is applying for senior data engineer roles", 0.9),
            ("Alex has an interview with Northwind on Thursday", 0.8),
            ("Alex is updating their résumé and a cover letter", 0.8),
            ("Alex is updating their resume", 0.6),
            ("Alex builds Airflow DAGs at Litware Logistics", 0.7),
            ("Alex checks salaries on Glassdoor", 0.6),
        ]
        result = score(props, s.facts)
        assert result.matched_fact_ids == ["job-search", "interview", "salary", "current-job",
                                           "stack", "resume"]
        assert result.missed_fact_ids == ["leetcode", "location"]
        assert result.precision == 1.0
        assert result.duplicate_pairs == [(2, 3)]  # both about the resume, one says more

    def test_thesis_feedback_hand_made_propositions(self) -> None:
        s = _dev("thesis-feedback")
        props = [
            ("Sam is writing chapter 4 of a PhD thesis on message-passing GNNs", 0.9),
            ("Sam's advisor, Prof. Okafor, wants ablations against SchNet", 0.8),
            ("Sam listens to lo-fi while working", 0.6),
            ("Sam has a meeting on the 24th", 0.7),
            ("Sam seems stuck on the revision", 0.5),
            ("Sam drinks tea", 0.3),
        ]
        result = score(props, s.facts)
        assert matched_facts(props[1][0], s.facts) == ["advisor", "ablations"]
        assert result.matched_fact_ids == ["thesis", "advisor", "ablations", "struggling",
                                           "deadline", "lofi"]
        assert result.recall == pytest.approx(6 / 9)
        assert result.precision == pytest.approx(5 / 6)


# --------------------------------------------------------------------------- load errors


def _valid() -> dict[str, Any]:
    return {
        "name": "tiny", "user": "Dana", "start": "2026-06-01T09:00:00",
        "observations": [
            {"t": 0, "app": "Firefox", "title": "Flights", "text": "Lisbon to Porto"},
            {"t": 60, "kind": "file", "path": "~/toast.md", "event": "modified"},
            {"t": 120, "kind": "idle", "seconds": 300},
        ],
        "facts": [{"id": "travel", "statement": "Dana flies to Porto",
                   "match": [["porto"], ["fly", "flight"]], "lasting": False}],
    }


def _write(tmp_path: Path, data: Any, raw: str | None = None) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(raw if raw is not None else json.dumps(data), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


class TestLoadErrors:
    def test_valid_minimal_file(self, tmp_path: Path) -> None:
        s = load_scenario(_write(tmp_path, _valid()))
        assert [o.kind for o in s.observations] == ["screen", "file", "idle"]
        assert s.observations[0].url is None
        assert s.facts[0].match == [["porto"], ["fly", "flight"]]
        assert s.captured_at(s.observations[1]) == datetime(2026, 6, 1, 9, 0).timestamp() + 60

    def test_is_an_invalid_input(self) -> None:
        assert issubclass(ScenarioError, InvalidInput)

    def test_missing_file(self, tmp_path: Path) -> None:
        assert "no such scenario file" in _error(tmp_path / "absent.json")

    def test_directory_instead_of_file(self, tmp_path: Path) -> None:
        assert "cannot read" in _error(tmp_path)

    def test_invalid_json(self, tmp_path: Path) -> None:
        assert "invalid JSON at line 1" in _error(_write(tmp_path, None, raw='{"name": '))

    def test_top_level_not_an_object(self, tmp_path: Path) -> None:
        assert "must be an object" in _error(_write(tmp_path, [1, 2]))

    @pytest.mark.parametrize("key", ["name", "user", "start", "observations", "facts"])
    def test_missing_top_level_key(self, tmp_path: Path, key: str) -> None:
        data = _valid()
        del data[key]
        assert f"missing required key '{key}'" in _error(_write(tmp_path, data))

    @pytest.mark.parametrize("key", ["id", "statement", "match"])
    def test_missing_fact_key(self, tmp_path: Path, key: str) -> None:
        data = _valid()
        del data["facts"][0][key]
        message = _error(_write(tmp_path, data))
        assert "facts[0]" in message and f"'{key}'" in message

    def test_lasting_defaults_to_false(self, tmp_path: Path) -> None:
        data = _valid()
        del data["facts"][0]["lasting"]
        assert load_scenario(_write(tmp_path, data)).facts[0].lasting is False

    @pytest.mark.parametrize(("index", "key"), [(0, "t"), (0, "text"), (1, "path"), (2, "seconds")])
    def test_missing_observation_key(self, tmp_path: Path, index: int, key: str) -> None:
        data = _valid()
        del data["observations"][index][key]
        message = _error(_write(tmp_path, data))
        assert f"observations[{index}]" in message and f"'{key}'" in message

    @pytest.mark.parametrize(("mutate", "needle"), [
        (lambda d: d.update(start="June 1st"), "not an ISO date-time"),
        (lambda d: d.update(start="2026-06-01T09:00:00+02:00"), "local time"),
        (lambda d: d["observations"][0].update(kind="audio"), "unknown kind"),
        (lambda d: d["observations"][0].update(t="soon"), "observations[0].t must be"),
        (lambda d: d["observations"][0].update(t=True), "observations[0].t must be"),
        (lambda d: d["observations"][1].update(t=500), "comes before"),
        (lambda d: d["facts"][0].update(match=[]), "at least one word group"),
        (lambda d: d["facts"][0].update(match=[["porto"], []]), "match[1] must list"),
        (lambda d: d["facts"][0].update(match=[["porto", "--"]]), "no letters or digits"),
        (lambda d: d["facts"][0].update(match=["porto"]), "match[0] must be a list"),
        (lambda d: d["facts"][0].update(lasting="yes"), "lasting must be"),
        (lambda d: d["facts"].append(dict(d["facts"][0])), "duplicate fact id 'travel'"),
    ])
    def test_bad_values(self, tmp_path: Path, mutate: Any, needle: str) -> None:
        data = _valid()
        mutate(data)
        assert needle in _error(_write(tmp_path, data))
