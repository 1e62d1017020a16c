"""GET /v1/questions, POST /v1/questions/{id}/answer, and the MCP tools that ask on gumd's behalf."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from gumd.api import ReadPool, ServiceSpec
from propositions import Proposition, Store

from .test_api import AUTH, Live, live, live_factory  # noqa: F401  (fixtures)
from .test_mcp import _stdio_session, error_text, payload


def test_questions_need_the_token(live: Live) -> None:
    assert httpx.get(f"{live.url}/v1/questions").status_code == 401
    assert httpx.post(f"{live.url}/v1/questions/1/answer", json={"answer": "yes"}).status_code == 401


def test_list_and_answer(live: Live) -> None:
    r = live.client.get("/v1/questions")
    assert r.status_code == 200
    found = r.json()["questions"]
    # The edited proposition is the user's word already; the superseded one is gone.
    assert [q["proposition_id"] for q in found] == [live.seed.sourdough, live.seed.wedding]
    assert found[0]["question"] == "Is this right: Dana bakes sourdough bread on weekends?"
    assert found[1]["reasons"] == ["used"] and "1 suggestion rests on it" in found[1]["why"]
    again = live.client.get("/v1/questions", params={"limit": 1}).json()["questions"]
    assert [q["id"] for q in again] == [found[0]["id"]]
    r = live.client.post(f"/v1/questions/{found[1]['id']}/answer", json={"answer": "yes"})
    assert r.status_code == 200
    body = r.json()
    assert body["question"]["status"] == "answered" and body["question"]["answer"] == "yes"
    assert body["proposition"]["user_feedback"] == "confirmed"
    r = live.client.post(f"/v1/questions/{found[0]['id']}/answer",
                         json={"answer": "edit", "text": "Dana bakes rye on Sundays"})
    assert r.json()["proposition"]["text"] == "Dana bakes rye on Sundays"
    assert live.store.get_proposition(live.seed.sourdough).status == "superseded"
    assert live.client.get("/v1/questions", params={"all": "true"}).json()["questions"] == []


@pytest.mark.parametrize("path, body, status, message", [
    ("/v1/questions/999/answer", {"answer": "yes"}, 404, "no question with id 999"),
    ("/v1/questions/1/answer", {"answer": "maybe"}, 400, "answer: must be one of"),
    ("/v1/questions/1/answer", {}, 400, "answer: must be one of"),
    ("/v1/questions/1/answer", {"answer": "edit"}, 400, "needs the corrected text"),
    ("/v1/questions/1/answer", {"answer": "no", "text": 3}, 400, "text: expected a string"),
])
def test_bad_answers(live: Live, path: str, body: dict[str, Any], status: int,
                     message: str) -> None:
    live.client.get("/v1/questions")
    r = live.client.post(path, json=body)
    assert r.status_code == status and message in r.json()["error"]


def test_bad_list_parameters(live: Live) -> None:
    assert live.client.get("/v1/questions", params={"limit": 0}).status_code == 400
    assert live.client.get("/v1/questions", params={"all": "yes"}).status_code == 400


def test_sensitive_questions_only_when_shared(live_factory: Callable[..., Live]) -> None:
    hidden = live_factory()
    pid = hidden.store.add_proposition(Proposition(
        text="Dana is managing a diabetes diagnosis", confidence=0.5, source="test",
        sensitive="health"), [])
    listed = hidden.client.get("/v1/questions", params={"all": "true"}).json()["questions"]
    assert pid not in [q["proposition_id"] for q in listed]
    shared = live_factory(share_sensitive=True)
    listed = shared.client.get("/v1/questions", params={"all": "true"}).json()["questions"]
    (q,) = [q for q in listed if q["proposition_id"] == pid]
    assert q["sensitive"] == ["health"]
    r = hidden.client.post(f"/v1/questions/{q['id']}/answer", json={"answer": "no"})
    assert r.status_code == 404  # as if it did not exist
    assert shared.client.post(f"/v1/questions/{q['id']}/answer",
                              json={"answer": "no"}).status_code == 200


@pytest.mark.parametrize("workers", [0, 2])
def test_what_assistants_are_given_is_asked_about_first(live_factory: Callable[..., Live],
                                                         store: Store, workers: int) -> None:
    """Context and search count what they hand out, in the server or its worker processes;
    of two propositions alike in all else, the one assistants rely on is asked about first."""
    kyoto = store.add_proposition(Proposition(
        text="Dana is planning a trip to Kyoto", confidence=0.6, source="test"), [])
    cello = store.add_proposition(Proposition(
        text="Dana is learning the cello", confidence=0.6, source="test"), [])
    live = live_factory(readers=ReadPool(ServiceSpec(str(store.path)), workers)
                        if workers else None)
    for _ in range(4):
        served = live.client.get("/v1/context", params={"q": "Kyoto"}).json()["propositions"]
        assert [p["id"] for p in served] == [kyoto]
        found = live.client.get("/v1/propositions", params={"q": "Kyoto"}).json()["results"]
        assert [p["id"] for p in found] == [kyoto]
    listed = live.client.get("/v1/questions", params={"all": "true"}).json()["questions"]
    order = [q["proposition_id"] for q in listed]
    assert order.index(kyoto) < order.index(cello)
    (q,) = [q for q in listed if q["proposition_id"] == kyoto]
    assert "used" in q["reasons"] and "given to assistants" in q["why"]
    live.server.stop()  # what is still gathered, in the workers too, is written on the way out
    assert store.read("SELECT served FROM proposition_use WHERE proposition_id = ?",
                      (kyoto,))[0][0] == 8
    assert store.read("SELECT count(*) FROM proposition_use")[0][0] == 1


def test_mcp_asks_on_gumds_behalf(gumd_home: Path, store: Store) -> None:
    pid = store.add_proposition(Proposition(text="The user is moving to Chicago", confidence=0.5,
                                            source="test"), [])

    async def script(session: Any) -> dict[str, Any]:
        call = session.call_tool
        out = {"context": await call("get_user_context", {"query": "Chicago"})}
        out["ask"] = await call("ask_user_question", {})
        qid = payload(out["ask"])["questions"][0]["id"]
        out["edit_no_text"] = await call("answer_question", {"id": qid, "answer": "edit"})
        out["missing"] = await call("answer_question", {"id": 4242, "answer": "yes"})
        out["answer"] = await call("answer_question", {"id": qid, "answer": "no"})
        out["again"] = await call("ask_user_question", {"limit": 5})
        return out

    out = anyio.run(_stdio_session, gumd_home, script)
    (q,) = payload(out["ask"])["questions"]
    assert q["question"] == "Are you moving to Chicago?" and q["proposition_id"] == pid
    assert [p["id"] for p in payload(out["context"])["propositions"]] == [pid]
    assert "given to assistants 1 time" in q["why"]  # what the assistant was just given
    assert "edit needs text" in error_text(out["edit_no_text"])
    assert "no question with id 4242" in error_text(out["missing"])
    assert payload(out["answer"])["proposition"]["status"] == "rejected"
    assert payload(out["again"])["questions"] == []
    assert store.get_proposition(pid).status == "rejected"
