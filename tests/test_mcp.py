"""The MCP server through the official SDK's client: over stdio in a subprocess, and over HTTP."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from gumd.api import bind, create_app, local_hosts, serve
from propositions import Proposition, Store
from propositions.service import Service

from .conftest import FakeClock
from .test_api import TOKEN, ExcludingSink, FakeControls, Seed, seed

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"get_user_context", "search_propositions", "get_proposition", "record_feedback",
         "list_suggestions", "recent_activity", "ask_user_question", "answer_question"}
TIMEOUT_S = 60


def payload(result: Any) -> Any:
    """A tool result's JSON: the structured content, else the first text block parsed."""
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content)


def stdio_params(home: Path, *extra: str) -> Any:
    from mcp import StdioServerParameters

    # What an MCP client's config names: a command, its args, and GUMD_HOME in the env.
    return StdioServerParameters(command=sys.executable, args=["-m", "gumd.api.mcp_main", *extra],
                                 env={"GUMD_HOME": str(home), "PYTHONPATH": str(ROOT)},
                                 cwd=str(ROOT))


async def _stdio_session(home: Path, script: Any, *extra: str) -> Any:
    from mcp import ClientSession, stdio_client

    with anyio.fail_after(TIMEOUT_S):
        async with stdio_client(stdio_params(home, *extra), errlog=sys.stderr) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await script(session)


def test_stdio_lists_and_calls_every_tool(gumd_home: Path, store: Store) -> None:
    data = seed(store)

    async def script(session: Any) -> dict[str, Any]:
        listed = await session.list_tools()
        out: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
        call = session.call_tool
        out["context"] = await call("get_user_context", {"query": "wedding Porto", "limit": 5})
        out["context_all"] = await call("get_user_context", {})
        out["search"] = await call("search_propositions", {"query": '"python" -(NEAR*', "limit": 3})
        out["detail"] = await call("get_proposition", {"id": data.wedding})
        out["missing"] = await call("get_proposition", {"id": 424242})
        out["confirm"] = await call("record_feedback", {"id": data.wedding, "action": "confirm"})
        out["edit"] = await call("record_feedback", {"id": data.sourdough, "action": "edit",
                                                     "text": "Dana bakes sourdough every Sunday"})
        out["edit_no_text"] = await call("record_feedback", {"id": data.python, "action": "edit"})
        out["bad_action"] = await call("record_feedback", {"id": data.python, "action": "love"})
        out["suggestions"] = await call("list_suggestions", {})
        out["suggestions_new"] = await call("list_suggestions", {"status": "new"})
        out["recent"] = await call("recent_activity", {"limit": 5})
        out["bad_time"] = await call("get_user_context", {"since": "whenever"})
        return out

    out = anyio.run(_stdio_session, gumd_home, script)

    tools = out["tools"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description) > 60, tool.name
    ctx_schema = tools["get_user_context"].input_schema["properties"]
    assert {"query", "since", "until", "limit", "max_tokens"} <= set(ctx_schema)
    assert tools["record_feedback"].input_schema["properties"]["action"]["enum"] == [
        "confirm", "reject", "edit"]

    ctx = payload(out["context"])
    assert ctx["propositions"][0]["id"] == data.wedding
    assert "Firefox" in ctx["propositions"][0]["evidence"]["seen_in"]
    assert "SECRET-SCREEN-TEXT" not in json.dumps(ctx)
    assert len(payload(out["context_all"])["propositions"]) == 3
    assert [r["id"] for r in payload(out["search"])["results"]] == [data.python]
    detail = payload(out["detail"])
    assert detail["evidence_summary"]["supports"] == 2
    assert "content" not in json.dumps(detail["evidence_summary"])
    assert "no proposition with id 424242" in error_text(out["missing"])
    assert payload(out["confirm"])["user_feedback"] == "confirmed"
    edited = payload(out["edit"])
    assert edited["text"] == "Dana bakes sourdough every Sunday" and edited["id"] != data.sourdough
    assert "edit needs text" in error_text(out["edit_no_text"])
    assert "action" in error_text(out["bad_action"])
    suggestions = payload(out["suggestions"])["suggestions"]
    assert [s["title"] for s in suggestions] == ["Book a hotel in Porto"]
    assert suggestions[0]["action_description"] == "open https://example.org in the web browser"
    assert payload(out["suggestions_new"])["suggestions"][0]["id"] == data.suggestion
    assert "allow_recent_observations" in error_text(out["recent"])
    assert "since" in error_text(out["bad_time"])

    # The calls reached the database file the daemon uses.
    assert store.get_proposition(data.wedding).user_feedback == "confirmed"
    assert store.get_proposition(data.sourdough).status == "superseded"


def test_stdio_recent_activity_when_allowed(gumd_home: Path, store: Store) -> None:
    seed(store)

    async def script(session: Any) -> Any:
        return await session.call_tool("recent_activity", {"limit": 2})

    rows = payload(anyio.run(_stdio_session, gumd_home, script,
                             "--allow-recent-observations"))["observations"]
    assert [r["app"] for r in rows] == ["Visual Studio Code", "Gmail"]


def test_stdio_keeps_sensitive_propositions_unless_shared(gumd_home: Path, store: Store) -> None:
    pid = store.add_proposition(Proposition(text="Dana is managing a diabetes diagnosis",
                                            confidence=0.7, source="test", sensitive="health"), [])

    async def script(session: Any) -> Any:
        return (await session.call_tool("get_user_context", {"query": "diabetes"}),
                await session.call_tool("get_proposition", {"id": pid}))

    context, detail = anyio.run(_stdio_session, gumd_home, script)
    assert payload(context)["propositions"] == []
    assert f"no proposition with id {pid}" in error_text(detail)
    context, detail = anyio.run(_stdio_session, gumd_home, script, "--share-sensitive")
    assert [p["id"] for p in payload(context)["propositions"]] == [pid]
    assert payload(detail)["sensitive"] == ["health"]
    # The same from the configuration the daemon reads.
    (gumd_home / "config.toml").write_text("[api]\nshare_sensitive = true\n")
    context, _ = anyio.run(_stdio_session, gumd_home, script)
    assert [p["id"] for p in payload(context)["propositions"]] == [pid]


def test_streamable_http_needs_the_token(store: Store, clock: FakeClock) -> None:
    """/mcp on the API server: the same guard, then a real SDK client session with the token."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    data: Seed = seed(store)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(lambda: Service(Store(store.path, clock=clock)), token=TOKEN,
                     allowed_hosts=local_hosts(port), controls=FakeControls(),
                     observation_sink=ExcludingSink(store), clock=clock)
    server = serve(app, sock=sock, background=True)
    url = f"{server.url}/mcp"
    try:
        hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "probe", "version": "0"}}}
        headers = {"Accept": "application/json, text/event-stream"}
        assert httpx.post(url, json=hello, headers=headers).status_code == 401
        assert httpx.post(url, json=hello, headers={**headers, "Authorization": "Bearer nope"}
                          ).status_code == 401
        assert httpx.post(url, json=hello, headers={
            **headers, "Authorization": f"Bearer {TOKEN}", "Host": "evil.example"}).status_code == 403

        async def main() -> Any:
            with anyio.fail_after(TIMEOUT_S):
                async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"},
                                              timeout=30) as http:
                    async with streamable_http_client(url, http_client=http) as (read, write):
                        async with ClientSession(read, write) as session:
                            await session.initialize()
                            names = {t.name for t in (await session.list_tools()).tools}
                            result = await session.call_tool("get_user_context",
                                                             {"query": "wedding"})
                            return names, result

        names, result = anyio.run(main)
        assert names == TOOLS
        assert payload(result)["propositions"][0]["id"] == data.wedding
    finally:
        server.stop()


def test_module_entry_point_reports_a_bad_config(gumd_home: Path, tmp_path: Path) -> None:
    import subprocess

    gumd_home.mkdir(parents=True, exist_ok=True)
    (gumd_home / "config.toml").write_text("[store\n")
    proc = subprocess.run([sys.executable, "-m", "gumd.api.mcp_main"], capture_output=True,
                          text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
                          env={**os.environ, "GUMD_HOME": str(gumd_home)}, cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stdout == ""  # stdout is the protocol's: nothing else may be written there
    assert "not valid TOML" in proc.stderr and proc.stderr.count("\n") == 1


def test_suggestion_status_type_matches_the_model() -> None:
    from typing import get_args

    from gumd.api.mcp_server import SuggestionStatus
    from propositions.models import SUGGESTION_STATUSES

    assert get_args(SuggestionStatus) == SUGGESTION_STATUSES


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_tools_are_typed_and_described_in_process(name: str, store: Store) -> None:
    from gumd.api.mcp_server import build_mcp

    svc = Service(store)
    tools = {t.name: t for t in anyio.run(build_mcp(lambda: svc).list_tools)}
    tool = tools[name]
    assert tool.description and tool.description[0].isupper()
    for prop, schema in tool.input_schema.get("properties", {}).items():
        assert schema.get("description"), f"{name}.{prop} has no description"


def test_an_edit_with_a_lone_surrogate_is_kept_with_a_replacement_character(store: Store) -> None:
    from gumd.api.mcp_server import build_mcp

    data = seed(store)
    server = build_mcp(lambda: Service(store))
    result = anyio.run(server.call_tool, "record_feedback",
                       {"id": data.sourdough, "action": "edit", "text": "Dana \ud800 bakes rye"})
    edited = payload(result)
    assert edited["text"] == "Dana \ufffd bakes rye"
    assert store.get_proposition(edited["id"]).text == "Dana \ufffd bakes rye"
