"""The OpenAPI 3.1 description of the HTTP API; ``python -m gumd.api.openapi > docs/openapi.json``."""

from __future__ import annotations

import json
import sys
from typing import Any

from propositions.models import SUGGESTION_STATUSES

from .params import TIME_HELP

OPENAPI_PATH = "/v1/openapi.json"
VERSION = "1.0.0"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Schema], required: list[str] | None = None,
            description: str | None = None) -> Schema:
    out: Schema = {"type": "object", "properties": properties,
                   "required": list(properties) if required is None else required}
    if description:
        out["description"] = description
    return out


TIME = _nullable("string", format="date-time", description="ISO 8601, UTC, trailing Z")

SCHEMAS: dict[str, Schema] = {
    "Error": _object({"error": {"type": "string", "description": "One line saying what went wrong."}},
                     description="Every error response."),
    "Proposition": _object({
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "reasoning": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1,
                       "description": "Probability that the proposition is true."},
        "decay": {"type": "string", "description": "How fast it goes stale: hours, days, weeks, months, years."},
        "half_life_s": {"type": "number"},
        "status": {"type": "string", "enum": ["active", "superseded", "rejected"]},
        "source": {"type": "string"},
        "user_feedback": _nullable("string", enum=["confirmed", "rejected", "edited", None]),
        "sensitive": {"type": "array", "items": {"type": "string"},
                      "description": "Sensitive categories flagged for the user's review."},
        "provenance": _nullable("string", enum=["did", "saw", None],
                                description="did: some evidence shows the person acting (wrote, sent, "
                                            "edited, ran); saw: only what they were shown."),
        "created_at": TIME,
        "updated_at": TIME,
        "last_evidence_at": TIME,
    }, description="The stable proposition shape (also `gumd show --json`)."),
    "ContextItem": _object({
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "confidence": {"type": "number"},
        "decay": {"type": "string"},
        "user_feedback": _nullable("string"),
        "sensitive": {"type": "array", "items": {"type": "string"}},
        "provenance": _nullable("string", enum=["did", "saw", None]),
        "score": {"type": "number"},
        "evidence": _object({
            "seen_in": {"type": "array", "items": {"type": "string"},
                        "description": "Apps and window titles of the newest evidence."},
            "last_seen_at": TIME,
        }),
    }),
    "Context": _object({
        "query": {"type": "string"},
        "propositions": {"type": "array", "items": _ref("ContextItem")},
        "tokens": {"type": "integer", "description": "Estimated tokens used (4 characters a token)."},
        "max_tokens": {"type": "integer"},
        "omitted": {"type": "integer", "description": "Ranked propositions left out to fit the budget."},
    }),
    "SearchHit": {"allOf": [_ref("Proposition"), _object({
        "score": {"type": "number"}, "text_score": {"type": "number"}, "recency": {"type": "number"}})]},
    "SearchResult": _object({"query": {"type": "string"},
                             "results": {"type": "array", "items": _ref("SearchHit")}}),
    "EvidenceSummary": _object({
        "observations": {"type": "integer", "description": "Evidence links counted (the newest 100 at most)."},
        "supports": {"type": "integer"},
        "contradicts": {"type": "integer"},
        "apps": {"type": "array", "items": _object({"app": {"type": "string"},
                                                    "observations": {"type": "integer"}})},
        "titles": {"type": "array", "items": {"type": "string"}},
        "first_seen_at": TIME,
        "last_seen_at": TIME,
        "observation_ids": {"type": "array", "items": {"type": "integer"}},
    }, description="Where and when the evidence was seen; never the screen text."),
    "HistoryEntry": _object({
        "new_id": {"type": "integer"}, "old_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["edit", "merge", "split", "contradiction", "user_edit"]},
        "created_at": TIME, "note": {"type": "string"},
        "old_text": _nullable("string"), "new_text": _nullable("string"),
    }),
    "PropositionDetail": {"allOf": [_ref("Proposition"), _object({
        "evidence_summary": _ref("EvidenceSummary"),
        "history": {"type": "array", "items": _ref("HistoryEntry")},
        "superseded_by": {"type": "array", "items": {"type": "integer"}},
    })]},
    "Forgotten": _object({"forgotten": {
        "type": "object", "additionalProperties": {"type": "integer"},
        "description": "Rows deleted: propositions, observations, suggestions, screenshots."},
        "wipe_pending": {
            "type": "boolean",
            "description": "True when another process was reading the database: the rows are "
                           "gone, and their text leaves the file once it stops reading."}}),
    "Observation": _object({
        "id": {"type": "integer"}, "captured_at": TIME, "duration_s": {"type": "number"},
        "observer": {"type": "string"}, "app": _nullable("string"),
        "window_title": _nullable("string"), "url": _nullable("string"),
        "content_type": {"type": "string"}, "status": {"type": "string"},
        "attempts": {"type": "integer"}, "last_error": _nullable("string"),
        "image_path": _nullable("string"), "content": {"type": "string"},
        "content_truncated": {"type": "boolean"},
    }),
    "ObservationIn": _object({
        "text": {"type": "string", "minLength": 1, "description": "What was seen or done."},
        "app": _nullable("string", maxLength=500),
        "title": _nullable("string", maxLength=2000, description="Window or document title."),
        "url": _nullable("string", maxLength=4000),
        "captured_at": {"type": ["string", "number", "null"],
                        "description": f"When it happened ({TIME_HELP}); default now."},
    }, required=["text"]),
    "ObservationsIn": {"oneOf": [
        _ref("ObservationIn"),
        {"type": "array", "items": _ref("ObservationIn"), "minItems": 1, "maxItems": 100},
        _object({"observations": {"type": "array", "items": _ref("ObservationIn"),
                                  "minItems": 1, "maxItems": 100}}),
    ]},
    "Accepted": _object({
        "accepted": {"type": "integer", "description": "How many were queued; excluded ones are dropped."},
        "ids": {"type": "array", "items": {"type": "integer"}},
    }),
    "Suggestion": _object({
        "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"},
        "body": {"type": "string"}, "action": {"type": "object"},
        "action_description": {"type": "string", "description": (
            "What accepting runs, with its exact target: the address, the file's path, the note's "
            "or reminder's title and file; \"cannot run: …\" when it may not run.")},
        "scores": {"type": "object"},
        "status": {"type": "string", "enum": list(SUGGESTION_STATUSES)},
        "feedback": _nullable("string"),
        "proposition_ids": {"type": "array", "items": {"type": "integer"}},
        "due_at": TIME, "snoozed_until": TIME, "created_at": TIME, "updated_at": TIME,
    }),
    "Suggestions": _object({"suggestions": {"type": "array", "items": _ref("Suggestion")}}),
    "Accept": _object({"suggestion": _ref("Suggestion"),
                       "result": {"description": "What the action runner reported."}}),
    "Question": _object({
        "id": {"type": "integer"},
        "proposition_id": {"type": "integer", "description": "The proposition it asks about."},
        "question": {"type": "string", "description": "In plain words, to put to the user as is."},
        "why": {"type": "string", "description": "The evidence and the reason to ask, in one line."},
        "score": {"type": "number", "description": (
            "What an answer is worth: uncertainty, suggestions resting on it, a sensitive "
            "flag, a contradiction.")},
        "reasons": {"type": "array", "items": {"type": "string", "enum": [
            "uncertain", "used", "sensitive", "contradicted"]}},
        "status": {"type": "string", "enum": ["open", "answered", "skipped"]},
        "answer": _nullable("string", enum=["yes", "no", "skip", "edit", None]),
        "asked_at": TIME, "answered_at": TIME,
        "text": _nullable("string", description="The proposition's text."),
        "confidence": _nullable("number", description="Its stored confidence."),
        "calibrated_confidence": _nullable("number", description=(
            "Its confidence rescaled by the user's answers about its source and kind.")),
        "sensitive": {"type": "array", "items": {"type": "string"}},
    }),
    "Questions": _object({"questions": {"type": "array", "items": _ref("Question")}}),
    "Answered": _object({"question": _ref("Question"), "proposition": _ref("Proposition")},
                        description="The question as answered and the proposition as it now "
                                    "stands (after an edit, the new version)."),
    "Status": _object({
        "daemon": {"type": "object", "description": (
            "State, pause, last capture and inference, as `gumd status --json`; `model_usage`: "
            "model calls, prompt and completion tokens and failures in the last hour, tokens "
            "per observation, calls per batch, median latency, totals since start (null with "
            "no model in use)")},
        "database": {"type": "object", "description": "Row counts, queue counts and size."},
        "api": _object({"version": {"type": "string"},
                        "recent_observations": {"type": "boolean"},
                        "actions": {"type": "boolean"},
                        "sensitive_propositions": {"type": "boolean"}}),
    }),
    "Paused": _object({"paused": {"type": "boolean"}, "paused_until": TIME}),
}


def _errors(*codes: int) -> dict[str, Any]:
    why = {400: "Bad input", 401: "No or wrong bearer token", 403: "Forbidden",
           404: "Not found", 413: "Body over the limit", 501: "Not configured",
           503: "The database is busy"}
    return {str(c): {"description": why[c], "content": {"application/json": {"schema": _ref("Error")}}}
            for c in codes}


def _ok(schema: str, description: str = "OK", code: int = 200) -> dict[str, Any]:
    return {str(code): {"description": description,
                        "content": {"application/json": {"schema": _ref(schema)}}}}


def _param(name: str, where: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema}


def _body(schema: Schema, required: bool = True) -> Schema:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _time_param(name: str, description: str) -> Schema:
    return _param(name, "query", {"type": "string"}, f"{description} ({TIME_HELP}).")


def _limit(default: int) -> Schema:
    return _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100,
                                     "default": default}, "Most results.")


ID = _param("id", "path", {"type": "integer", "minimum": 0}, "The row id.", required=True)
Q = _param("q", "query", {"type": "string", "maxLength": 2000},
           "Plain words; any punctuation or search syntax is taken literally. Empty: most relevant recent.")
SINCE = _time_param("since", "Only propositions with evidence at or after this time")
UNTIL = _time_param("until", "Only propositions that existed at this time")
DURATION = {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?[smhdw]$",
            "description": "A duration such as 30m, 2h, 1d."}


def _op(summary: str, responses: dict[str, Any], *, params: list[Schema] | None = None,
        body: Schema | None = None, tag: str, op_id: str) -> Schema:
    out: Schema = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if params:
        out["parameters"] = params
    if body:
        out["requestBody"] = body
    out["responses"] = responses
    return out


def build_spec() -> dict[str, Any]:
    common = _errors(400, 401, 403)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gumd local API",
            "version": VERSION,
            "description": (
                "The user model on this computer, for assistants. Served on 127.0.0.1 only; every "
                "request but this document needs `Authorization: Bearer TOKEN` (the token is in "
                "the gumd home as `api_token`; `gumd api token` prints it). Errors are "
                "`{\"error\": \"one line\"}`."),
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/context": {"get": _op(
                "What an assistant should know for a task: ranked propositions within a token budget",
                {**_ok("Context"), **common}, tag="read", op_id="getContext",
                params=[Q, SINCE, UNTIL, _limit(20),
                        _param("max_tokens", "query", {"type": "integer", "minimum": 1,
                                                       "maximum": 100000, "default": 2000},
                               "Token budget, estimated at 4 characters a token.")])},
            "/v1/propositions": {"get": _op(
                "Search propositions", {**_ok("SearchResult"), **common}, tag="read",
                op_id="searchPropositions",
                params=[Q, SINCE, UNTIL, _limit(10),
                        _param("min_confidence", "query",
                               {"type": "number", "minimum": 0, "maximum": 1, "default": 0},
                               "Drop propositions below this probability.")])},
            "/v1/propositions/{id}": {
                "get": _op("One proposition with an evidence summary and its history",
                           {**_ok("PropositionDetail"), **common, **_errors(404)},
                           tag="read", op_id="getProposition", params=[ID]),
                "delete": _op("Forget a proposition and every version of it, for good",
                              {**_ok("Forgotten"), **common, **_errors(404, 503)},
                              tag="correct", op_id="forgetProposition", params=[ID]),
            },
            "/v1/propositions/{id}/feedback": {"post": _op(
                "Confirm or reject a proposition", {**_ok("Proposition"), **common,
                                                    **_errors(404, 413)},
                tag="correct", op_id="recordFeedback", params=[ID],
                body=_body(_object({"action": {"type": "string", "enum": ["confirm", "reject"]}})))},
            "/v1/propositions/{id}/edit": {"post": _op(
                "Reword a proposition; the new version supersedes it",
                {**_ok("Proposition"), **common, **_errors(404, 413)}, tag="correct",
                op_id="editProposition", params=[ID],
                body=_body(_object({"text": {"type": "string", "minLength": 1}})))},
            "/v1/observations": {"post": _op(
                "Hand gumd observations; they pass the same privacy filter and queue as captured ones",
                {**_ok("Accepted", "Queued (excluded ones dropped)", 202), **common,
                 **_errors(413)}, tag="observe", op_id="addObservations",
                body=_body(_ref("ObservationsIn")))},
            "/v1/observations/recent": {"get": _op(
                "The newest raw observations (403 unless api.allow_recent_observations)",
                {"200": {"description": "OK", "content": {"application/json": {"schema": _object(
                    {"observations": {"type": "array", "items": _ref("Observation")}})}}},
                 **common}, tag="observe", op_id="recentObservations",
                params=[_limit(20), _time_param("since", "Captured at or after this time")])},
            "/v1/suggestions": {"get": _op(
                "Proactive suggestions, newest first", {**_ok("Suggestions"), **common},
                tag="suggest", op_id="listSuggestions",
                params=[_param("status", "query", {"type": "string", "enum": list(SUGGESTION_STATUSES)},
                               "Only suggestions in this state."), _limit(50)])},
            "/v1/suggestions/{id}/accept": {"post": _op(
                "Accept a suggestion: its action runs (501 when no action runner is configured)",
                {**_ok("Accept"), **common, **_errors(404, 501)}, tag="suggest",
                op_id="acceptSuggestion", params=[ID])},
            "/v1/suggestions/{id}/dismiss": {"post": _op(
                "Dismiss a suggestion", {**_ok("Suggestion"), **common, **_errors(404)},
                tag="suggest", op_id="dismissSuggestion", params=[ID])},
            "/v1/suggestions/{id}/snooze": {"post": _op(
                "Snooze a suggestion; it comes back as new after the duration",
                {**_ok("Suggestion"), **common, **_errors(404, 413)}, tag="suggest",
                op_id="snoozeSuggestion", params=[ID],
                body=_body(_object({"for": DURATION})))},
            "/v1/questions": {"get": _op(
                "What gumd would like the user asked, best first: a few new ones a day unless "
                "limit or all is given; each is recorded as asked",
                {**_ok("Questions"), **common}, tag="questions", op_id="listQuestions",
                params=[_param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100},
                               "Up to this many, past the daily cap."),
                        _param("all", "query", {"type": "string", "enum": ["true", "false"]},
                               "Every question worth asking now.")])},
            "/v1/questions/{id}/answer": {"post": _op(
                "Record the user's answer: yes confirms, no rejects, skip asks again later, "
                "edit rewords (with text). Only on the user's word",
                {**_ok("Answered"), **common, **_errors(404, 413)}, tag="questions",
                op_id="answerQuestion", params=[ID],
                body=_body(_object({"answer": {"type": "string",
                                               "enum": ["yes", "no", "skip", "edit"]},
                                    "text": {"type": "string", "minLength": 1,
                                             "description": "For edit only: what is true."}},
                                   required=["answer"])))},
            "/v1/status": {"get": _op(
                "The daemon's state, the database's counts and this API's capabilities",
                {**_ok("Status"), **common}, tag="daemon", op_id="getStatus")},
            "/v1/pause": {"post": _op(
                "Stop capturing, for a while or until resumed",
                {**_ok("Paused"), **common, **_errors(413)}, tag="daemon", op_id="pause",
                body=_body(_object({"for": DURATION}, required=[]), required=False))},
            "/v1/resume": {"post": _op(
                "Capture again", {**_ok("Paused"), **common}, tag="daemon", op_id="resume")},
            OPENAPI_PATH: {"get": {
                "operationId": "getOpenApi", "summary": "This document (no token needed)",
                "tags": ["meta"], "security": [],
                "responses": {"200": {"description": "OK",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
    }


def render() -> str:
    return json.dumps(build_spec(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
