"""Suggestions: storing them once per dedupe key, listing them, their status and feedback."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput, NotFound
from ..models import SUGGESTION_STATUSES, Suggestion
from .base import ConnectionBase, clean_text, next_id, used_id


def _json(value: Any) -> str:
    """JSON for a column; a lone surrogate in it becomes U+FFFD, as in plain text columns."""
    return clean_text(json.dumps(value, ensure_ascii=False)) or ""


class SuggestionsMixin(ConnectionBase):
    # -- suggestions ----------------------------------------------------------

    def add_suggestion(self, sugg: Suggestion) -> int | None:
        """Store a new suggestion; None when one with the same dedupe key already exists."""
        if sugg.status not in SUGGESTION_STATUSES:
            raise InvalidInput(f"suggestion status must be one of {SUGGESTION_STATUSES}")
        now = self.clock()
        with self.write() as conn:
            new_id = next_id(conn, "suggestions")
            cur = conn.execute(
                "INSERT INTO suggestions (id, created_at, updated_at, kind, title, body, action, scores, "
                "status, feedback, dedupe_key, proposition_ids, snoozed_until, due_at, "
                "observation_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                (new_id, sugg.created_at or now, now, sugg.kind, clean_text(sugg.title),
                 clean_text(sugg.body), _json(sugg.action), json.dumps(sugg.scores), sugg.status,
                 sugg.feedback, clean_text(sugg.dedupe_key), json.dumps(sugg.proposition_ids),
                 sugg.snoozed_until, sugg.due_at, json.dumps(sugg.observation_ids)),
            )
            if cur.rowcount == 0:
                return None
            used_id(conn, "suggestions", new_id)
            sugg.id = new_id
            return sugg.id

    def find_suggestion(self, dedupe_key: str) -> Suggestion | None:
        """The suggestion made before under ``dedupe_key``, if any (in any status)."""
        rows = self.read("SELECT * FROM suggestions WHERE dedupe_key = ?", (dedupe_key,))
        return Suggestion.from_row(dict(rows[0])) if rows else None

    def get_suggestion(self, sugg_id: int) -> Suggestion:
        return Suggestion.from_row(dict(self._row_by_id("suggestions", "*", sugg_id, "suggestion")))

    def list_suggestions(
        self, statuses: Sequence[str] | None = None, limit: int = 50, since: float | None = None
    ) -> list[Suggestion]:
        """Newest first; a snoozed suggestion whose snooze ran out is listed as new again."""
        now = self.clock()
        # Listing is a read (the dashboard does it every few seconds): take the write
        # lock only when a snooze has actually run out.
        if self.read_only is None and self.read(
                "SELECT 1 FROM suggestions WHERE status = 'snoozed' AND snoozed_until <= ? "
                "LIMIT 1", (now,)):
            with self.write() as conn:
                conn.execute(
                    "UPDATE suggestions SET status = 'new', snoozed_until = NULL, updated_at = ? "
                    "WHERE status = 'snoozed' AND snoozed_until <= ?",
                    (now, now),
                )
        sql, params = "SELECT * FROM suggestions WHERE 1", []
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(since)
        rows = self.read(sql + " ORDER BY created_at DESC, id DESC LIMIT ?", [*params, limit])
        return [Suggestion.from_row(dict(r)) for r in rows]

    def update_suggestion(
        self,
        sugg_id: int,
        status: str,
        *,
        feedback: str | None = None,
        snoozed_until: float | None = None,
    ) -> Suggestion:
        if status not in SUGGESTION_STATUSES:
            raise InvalidInput(f"suggestion status must be one of {SUGGESTION_STATUSES}")
        if status == "snoozed" and snoozed_until is None:
            raise InvalidInput("a snoozed suggestion needs a time to come back")
        with self.write() as conn:
            cur = conn.execute(
                "UPDATE suggestions SET status = ?, feedback = coalesce(?, feedback), "
                "snoozed_until = ?, updated_at = ? WHERE id = ?",
                (status, feedback, snoozed_until, self.clock(), sugg_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no suggestion with id {sugg_id}")
        return self.get_suggestion(sugg_id)

    def suggestion_counts(self, since: float) -> dict[str, int]:
        """Suggestions made since ``since``, per status (for rate limits)."""
        rows = self.read(
            "SELECT status, count(*) AS n FROM suggestions WHERE created_at >= ? GROUP BY status",
            (since,),
        )
        return {r["status"]: r["n"] for r in rows}
