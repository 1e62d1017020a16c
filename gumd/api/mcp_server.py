"""The MCP server: the user model as tools for assistants, over stdio or streamable HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from propositions.errors import GumdError
from propositions.service import Service

from . import ops, params
from .controls import ServiceFactory

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

SERVER_NAME = "gumd"
INSTRUCTIONS = (
    "gumd keeps a model of the user on this computer: short natural-language propositions "
    "about them (projects, plans, habits, preferences), each with a confidence between 0 and 1 "
    "and the evidence it was inferred from. Call get_user_context at the start of a task to "
    "personalise your help; treat low-confidence propositions as guesses. When the user says a "
    "proposition is right, wrong or needs rewording, call record_feedback. When the user is "
    "talking with you anyway and a pause fits, ask_user_question gives what gumd would like to "
    "ask them; put it to them in your own words and pass their answer to answer_question."
)

#: propositions.models.SUGGESTION_STATUSES as a type, so the tool's schema lists them (a test keeps them equal)
SuggestionStatus = Literal["new", "shown", "accepted", "dismissed", "snoozed", "done"]

TimeArg = Annotated[str | None, Field(description=(
    "Epoch seconds, an ISO 8601 time (2026-06-01T09:30:00Z) or a duration back from now "
    "(30m, 2h, 3d, 1w). Omit for no bound."))]
LimitArg = Annotated[int, Field(ge=1, le=ops.MAX_LIMIT, description="Most results to return.")]
TokensArg = Annotated[int, Field(ge=50, le=100_000, description=(
    "Token budget for the answer, estimated at 4 characters a token."))]
IdArg = Annotated[int, Field(ge=1, description="A proposition id, as returned by the other tools.")]


def build_mcp(
    service: Callable[[], Service],
    *,
    allow_recent_observations: bool = False,
    share_sensitive: bool = False,
    clock: Callable[[], float] = time.time,
) -> MCPServer:
    """An MCPServer whose tools call ``ops`` on ``service()``; errors come back as tool errors."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, log_level="WARNING")

    def run(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except GumdError as exc:
            # The model reads this and can correct its call; a crash would tell it nothing.
            raise ToolError(" ".join(str(exc).split())) from None

    def when(value: str | None, field: str) -> float | None:
        return None if value in (None, "") else params.parse_time(value, clock(), field)

    @server.tool()
    def get_user_context(
        query: Annotated[str, Field(description=(
            "What the task at hand is about, in plain words (e.g. 'trip to Porto', 'the Q3 "
            "report'). Empty: the most relevant recent propositions overall."))] = "",
        since: TimeArg = None,
        until: TimeArg = None,
        limit: LimitArg = ops.CONTEXT_LIMIT,
        max_tokens: TokensArg = ops.CONTEXT_MAX_TOKENS,
    ) -> dict[str, Any]:
        """What you should know about the user for a task: the best-ranked propositions about them.

        Each has its text, a confidence (probability it is true), how fast it goes stale
        (decay) and where it was seen (apps, window titles, last time; never screen text),
        packed to fit max_tokens. since/until keep propositions with evidence in that window.
        """
        return run(lambda: ops.context(service(), query, since=when(since, "since"),
                                       until=when(until, "until"), limit=limit,
                                       max_tokens=max_tokens, share_sensitive=share_sensitive))

    @server.tool()
    def search_propositions(
        query: Annotated[str, Field(description="Words to search for in the propositions.")],
        limit: LimitArg = ops.SEARCH_LIMIT,
    ) -> dict[str, Any]:
        """Full-text search over the propositions about the user, ranked by relevance, recency
        and confidence. Returns each one's id, text, confidence, status and scores.
        """
        return run(lambda: ops.search(service(), query, limit=limit,
                                      share_sensitive=share_sensitive))

    @server.tool()
    def get_proposition(id: IdArg) -> dict[str, Any]:
        """One proposition in full: text, reasoning, confidence, the user's feedback, a summary
        of its evidence (how many observations, which apps and window titles, when) and its
        revision history (earlier and later versions).
        """
        return run(ops.proposition, service(), id, share_sensitive)

    @server.tool()
    def record_feedback(
        id: IdArg,
        action: Annotated[Literal["confirm", "reject", "edit"], Field(description=(
            "confirm: the user says it is true. reject: the user says it is false (it leaves "
            "the model). edit: the user rewords it (give text)."))],
        text: Annotated[str | None, Field(description=(
            "For edit only: the corrected proposition, e.g. 'Dana is giving a toast at the "
            "wedding'."))] = None,
    ) -> dict[str, Any]:
        """Record what the user said about a proposition. Only call this on the user's word,
        never on your own guess. Returns the proposition as it now stands (for edit, the new
        version, which has a new id).
        """
        if action == "edit":
            if not text or not text.strip():
                raise ToolError("edit needs text: the corrected proposition")
            return run(ops.edit, service(), id, text, share_sensitive)
        if text:
            raise ToolError(f"{action} takes no text; use action 'edit' to reword")
        return run(ops.feedback, service(), id, action, share_sensitive)

    @server.tool()
    def ask_user_question(
        limit: Annotated[int | None, Field(ge=1, le=ops.MAX_LIMIT, description=(
            "Most questions to return; omit for gumd's own daily few."))] = None,
    ) -> dict[str, Any]:
        """Questions gumd would like the user asked, best first: about what it is least sure
        of and what matters most. Each has an id, the question in plain words, why (the
        evidence in one line) and the proposition it is about. Ask only when the user is
        talking with you anyway and it does not interrupt their task; never answer for them.
        Pass their reply to answer_question.
        """
        return run(ops.questions, service(), limit, False, share_sensitive)

    @server.tool()
    def answer_question(
        id: Annotated[int, Field(ge=1, description="A question id from ask_user_question.")],
        answer: Annotated[Literal["yes", "no", "skip", "edit"], Field(description=(
            "yes: the user says it is true. no: it is false (it leaves the model for good). "
            "skip: they would rather not say now (asked again in a week). edit: they correct "
            "it (give text)."))],
        text: Annotated[str | None, Field(description=(
            "For edit only: what is true, as a sentence about the user."))] = None,
    ) -> dict[str, Any]:
        """Record the user's answer to a gumd question. Only on the user's own word. Returns
        the question as answered and the proposition as it now stands."""
        if answer == "edit" and not (text or "").strip():
            raise ToolError("edit needs text: what is true")
        return run(ops.answer_question, service(), id, answer, text or None, share_sensitive)

    @server.tool()
    def list_suggestions(
        status: Annotated[SuggestionStatus | None, Field(description=(
            "Only suggestions in this state; omit for all."))] = None,
        limit: LimitArg = 20,
    ) -> dict[str, Any]:
        """Proactive suggestions gumd made for the user (newest first): a title, a body, a typed
        action and, in action_description, exactly what accepting it would run (the address,
        the file's path, the note's or reminder's title and file), the propositions behind it
        and its state.
        """
        return run(ops.suggestions, service(), status, limit)

    @server.tool()
    def recent_activity(limit: LimitArg = 20) -> dict[str, Any]:
        """The user's most recent raw observations (app, window title, time, text seen on
        screen, clipped). Off unless the user enabled it (api.allow_recent_observations);
        prefer get_user_context.
        """
        return run(ops.recent_observations, service(), allow_recent_observations, limit=limit)

    return server


def transport_security(allowed_hosts: Iterable[str]) -> TransportSecuritySettings:
    """The SDK's own DNS-rebinding check, set to the same hosts as the API's guard."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = list(allowed_hosts)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=[f"http://{h}" for h in hosts])


def run_stdio(service_factory: ServiceFactory, *, allow_recent_observations: bool = False,
              share_sensitive: bool = False) -> None:
    """Serve MCP over stdin/stdout until the client closes it (what `gumd mcp` runs)."""
    svc = service_factory()
    try:
        build_mcp(lambda: svc, allow_recent_observations=allow_recent_observations,
                  share_sensitive=share_sensitive).run("stdio")
    finally:
        svc.close()
