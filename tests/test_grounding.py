"""Grounding: a proposition's names, places, amounts and dates must be in its cited evidence."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from propositions import Store
from propositions.grounding import UNGROUNDED_CONFIDENCE, ground, named_things
from propositions.infer import Candidate, Pipeline, rule_reconcile
from propositions.models import Observation, Proposition
from propositions.statistical import StatisticalInferrer

from .conftest import observe
from .test_infer import item, pipeline, proposal

# a Saturday morning
SEEN = datetime(2026, 6, 8, 9, 30).timestamp()

MAIL = ("From: Ana Lima\nHi Dana, the flat on Rua da Prata is yours from July. The rent is "
        "1.200 € a month, deposit EUR 2400. Can you come to sign on Saturday June 13?\n"
        "Best, Ana Lima")


def obs(content: str, *, title: str = "", app: str = "Mail", url: str | None = None,
        at: float = SEEN, oid: int = 1) -> Observation:
    return Observation(id=oid, captured_at=at, observer="screen", app=app, window_title=title,
                       url=url, content=content)


EVIDENCE = [obs(MAIL, title="Re: Apartamento em Lisboa — Mail")]


@pytest.mark.parametrize("text", [
    "Dana rents a flat in Lisbon from Ana Lima",  # "Lisboa" in the title is Lisbon
    "Dana pays €1,200 a month in rent",  # "1.200 €"
    "Dana pays a deposit of €2,400.00",  # "EUR 2400"
    "Dana signs the lease on 13 June",  # "Saturday June 13"
    "Dana signs the lease on 2026-06-13",
    "Dana signs the lease on Saturday",  # the Saturday after the mail was read
    "dana santos rents from ANA LIMA",  # the user's surname needs no evidence
    "Dana rents from Ána Límá",  # accents and case do not matter
])
def test_what_the_evidence_says_is_grounded(text: str) -> None:
    g = ground(text, EVIDENCE, user="Dana Santos")
    assert g.grounded, g.missing


@pytest.mark.parametrize("text, missing", [
    ("Dana's sister Carla lives in Porto", {"Carla", "Porto"}),
    ("Dana pays Ana Lima $14,900", {"$14,900"}),
    ("Dana pays €1,300 a month", {"€1,300"}),
    ("Dana owns a Tesla Model 3", {"Tesla Model"}),
    ("Dana signs the lease on 14 June", {"14 June"}),
    ("Dana works at Litware Logistics", {"Litware Logistics"}),
    ("Dana meets Dr. Moreau about the flat", {"Moreau"}),
])
def test_what_the_evidence_does_not_say_is_not(text: str, missing: set[str]) -> None:
    assert set(ground(text, EVIDENCE, user="Dana Santos").missing) == missing


def test_every_field_of_the_evidence_counts() -> None:
    ev = [obs("", title="Booking.com: Hotel Miramar", url="https://booking.com/miramar",
              app="Banco Santander")]
    assert ground("Dana booked the Hotel Miramar with Banco Santander", ev, "Dana").grounded


def test_the_users_own_name_is_no_place_and_always_grounded() -> None:
    assert named_things("Nadia lives in Montréal", "Nadia Haddad") == ["Montréal"]
    ev = [obs("Votre appartement à Montréal", title="Bail")]
    assert ground("Nadia Haddad lives in Montréal", ev, "Nadia Haddad").grounded


def test_a_name_in_a_file_name_is_grounded() -> None:
    ev = [obs("saved /home/ines/O Porto Sereno_cap09_PT.docx", app="Word")]
    assert ground("Inês is translating O Porto Sereno", ev, "Inês").grounded


def test_nothing_named_means_nothing_to_ground() -> None:
    assert ground("Dana likes jazz", [], "Dana") == ground("Dana likes jazz", EVIDENCE, "Dana")
    assert ground("Dana likes jazz", [], "Dana").grounded


# -- through the pipeline, with a model that invents ------------------------------------------

TRUE = [
    "Dana is renting a flat in Lisbon from Ana Lima",
    "Dana will pay €1,200 a month in rent",
    "Dana signs the lease on Saturday 13 June",
]
INVENTED = [
    "Dana's sister Carla lives in Porto",  # a person and a place: dropped
    "Dana owns a Tesla Model 3",  # a possession: dropped
    "Dana paid Ana Lima $14,900 for the flat",  # a true person, an invented amount: capped
    "Dana is moving to Lisbon with Marco Rossi",  # a true place, an invented person: capped
]


def _mail(store: Store) -> int:
    return observe(store, MAIL, app="Mail", title="Re: Apartamento em Lisboa")


def test_invented_names_never_reach_the_store_above_the_cap(store: Store) -> None:
    _mail(store)
    pipe, _ = pipeline(store, [proposal(*(item(t, 0.9, [1]) for t in TRUE + INVENTED))])
    pipe.user = "Dana Santos"
    pipe.run_batch()
    rows = store.read("SELECT text, confidence, reasoning FROM propositions")
    held = {r["text"]: r for r in rows}
    for text in TRUE:
        assert held[text]["confidence"] == pytest.approx(0.9)
        assert held[text]["reasoning"] == "seen"
    for text in INVENTED[:2]:
        assert text not in held
    for text, name in zip(INVENTED[2:], ("$14,900", "Marco Rossi")):
        assert held[text]["confidence"] <= UNGROUNDED_CONFIDENCE
        assert f"does not name “{name}”" in held[text]["reasoning"]


class Citing:
    """An inferrer that puts forward set candidates, citing any observation by id."""

    name = "citing"
    user = "Dana"

    def __init__(self, *candidates: Candidate) -> None:
        self.candidates = list(candidates)

    def propose(self, batch: list[Observation], store: Store) -> list[Candidate]:
        return [self.candidates.pop(0)] if self.candidates else []

    def reconcile(self, pairs):  # type: ignore[no-untyped-def]
        return rule_reconcile(pairs)


def test_evidence_from_an_earlier_batch_is_read_from_the_store(store: Store) -> None:
    mail = _mail(store)
    pipe = Pipeline(store, Citing(Candidate("Dana likes jazz", 0.5, evidence=[mail]),
                                  Candidate("Ana Lima lives in Porto", 0.8, evidence=[mail]),
                                  Candidate("Ana Lima lives in Lisbon", 0.8, evidence=[mail])))
    for _ in range(3):
        pipe.run_batch()
        observe(store, "unrelated")
    rows = store.read("SELECT text, confidence FROM propositions WHERE text LIKE 'Ana%'")
    assert {r["text"]: r["confidence"] for r in rows} == {
        "Ana Lima lives in Porto": pytest.approx(UNGROUNDED_CONFIDENCE),
        "Ana Lima lives in Lisbon": pytest.approx(0.8)}


def test_an_ungrounded_restatement_reinforces_nothing(store: Store) -> None:
    claim = "Dana paid Ana Lima $14,900"
    for _ in range(3):
        _mail(store)
        pipe, _ = pipeline(store, [proposal(item(claim, 0.9, [1])),
                                   {"decisions": [{"candidate": 0, "action": "same",
                                                   "targets": [1]}]}])
        pipe.run_batch()
    (row,) = store.read("SELECT confidence FROM propositions WHERE status = 'active'")
    assert row["confidence"] <= UNGROUNDED_CONFIDENCE


def test_reconciliation_cannot_lift_the_cap(store: Store) -> None:
    _mail(store)
    pipe, _ = pipeline(store, [proposal(item("Dana paid Ana Lima $14,900", 0.9, [1]))])
    pipe.run_batch()
    _mail(store)
    pipe, _ = pipeline(store, [
        proposal(item("Dana paid Ana Lima $14,900 in May", 0.9, [1])),
        {"decisions": [{"candidate": 0, "action": "revise", "targets": [1],
                        "text": "Dana paid Ana Lima $14,900 in May", "confidence": 0.95}]}])
    assert pipe.run_batch().revised == 1
    (row,) = store.read("SELECT confidence FROM propositions WHERE status = 'active'")
    assert row["confidence"] <= UNGROUNDED_CONFIDENCE


def test_the_statistical_inferrer_keeps_names_from_window_titles(store: Store) -> None:
    for i in range(4):
        observe(store, "quarterly numbers", app="LibreOffice Calc",
                title="Litware Logistics Budget.ods", ago=600 - i * 60)
    pipe = Pipeline(store, StatisticalInferrer("Dana Santos"))
    pipe.drain()
    texts = [r["text"] for r in store.read("SELECT text FROM propositions")]
    assert any("Litware Logistics" in t for t in texts), texts
    assert pipe.user == "Dana Santos"


def test_the_store_reads_many_observations_at_once(store: Store) -> None:
    ids = [observe(store, f"note {i}") for i in range(3)]
    got = store.get_observations([ids[2], ids[0], 999])
    assert set(got) == {ids[0], ids[2]}
    assert re.match(r"note \d", got[ids[0]].content)


def test_a_job_title_is_no_named_thing() -> None:
    assert named_things("Grace applies for Senior Pharmacist roles at Southmead Hospital",
                        "Grace") == ["Southmead Hospital"]


def test_a_capitalised_word_is_read_whole() -> None:
    ev = [obs("", app="Microsoft PowerPoint", title="Your AnyVan quote")]
    assert ground("Dana uses Microsoft PowerPoint for Your AnyVan quote", ev, "Dana").grounded
    assert ground("Dana uses Microsoft PowerApps", ev, "Dana").missing == ("Microsoft PowerApps",)


def test_a_rewording_may_not_bring_in_a_new_name(store: Store) -> None:
    lease = store.add_proposition(Proposition(text="Dana is renting a flat from Ana Lima",
                                              confidence=0.6, source="test"), [])
    rent = store.add_proposition(Proposition(text="Dana pays rent monthly", confidence=0.6,
                                             source="test"), [])
    _mail(store)
    pipe, _ = pipeline(store, [proposal(item("Dana is renting a flat in Lisbon", 0.8, [1]),
                                        item("Dana pays €1,200 a month", 0.8, [1])),
                               {"decisions": [
                                   {"candidate": 0, "action": "revise", "targets": [lease],
                                    "text": "Dana is renting a flat in Lisbon from Ana Lima"},
                                   {"candidate": 1, "action": "revise", "targets": [rent],
                                    "text": "Dana pays €1,200 a month for a flat in Faro"}]}])
    assert pipe.run_batch().revised == 2
    texts = {r["text"] for r in store.read("SELECT text FROM propositions WHERE status = 'active'")}
    # the old proposition's name carries over; a place nothing named does not
    assert texts == {"Dana is renting a flat in Lisbon from Ana Lima", "Dana pays €1,200 a month"}


def test_a_name_an_inferrer_read_in_its_window_grounds_what_weighs_the_window(store: Store) -> None:
    page = observe(store, "Titration write-up\nComment (Mr Herrera): Excellent.",
                   title="10C Chemistry - Google Classroom", ago=1200)
    observe(store, "From: Helen Price (Head of Science, Eastfield Academy)", app="Outlook",
            ago=900)

    def said(cumulative: bool) -> Candidate:
        return Candidate("Tomás teaches chemistry at Eastfield Academy", 0.8, evidence=[page],
                         cumulative=cumulative)

    invented = Candidate("Tomás teaches chemistry at Westbrook Academy", 0.8, evidence=[page],
                         cumulative=True)
    pipe = Pipeline(store, Citing(said(False), said(True), invented))
    for _ in range(3):
        pipe.run_batch()
        observe(store, "unrelated")
    rows = store.read("SELECT text, confidence FROM propositions")
    # a model citing the class page alone is held to it; a statistical inferrer is not
    assert [(r["text"], r["confidence"]) for r in rows] == [
        ("Tomás teaches chemistry at Eastfield Academy", pytest.approx(0.8))]
