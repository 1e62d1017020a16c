"""The named reads the facade and the suggesters use, so that no other module writes SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .base import ConnectionBase


class ReadsMixin(ConnectionBase):
    # -- reads the facade and the suggesters name -------------------------------

    def active_proposition_ids(self, limit: int, *, flagged_only: bool = False,
                               min_confidence: float | None = None,
                               evidence_since: float | None = None) -> list[int]:
        """Active propositions, the newest evidence first: all, or only those the audit flagged
        sensitive, at least ``min_confidence`` sure, with evidence since ``evidence_since``."""
        conds, params = ["status = 'active'"], []
        if flagged_only:
            conds.append("sensitive != ''")
        if min_confidence is not None:
            conds.append("confidence >= ?")
            params.append(min_confidence)
        if evidence_since is not None:
            conds.append("last_evidence_at >= ?")
            params.append(evidence_since)
        rows = self.read(f"SELECT id FROM propositions WHERE {' AND '.join(conds)} "
                         "ORDER BY last_evidence_at DESC, id DESC LIMIT ?", [*params, limit])
        return [r["id"] for r in rows]

    def active_texts(self) -> list[tuple[str, float]]:
        """(text, confidence) of every active proposition, in id order (what an evaluation scores)."""
        return [(r["text"], r["confidence"]) for r in
                self.read("SELECT text, confidence FROM propositions WHERE status = 'active' ORDER BY id")]

    def supporting_propositions(self, obs_ids: Sequence[int]) -> dict[int, list[int]]:
        """The active propositions each observation supports, by observation id."""
        found: dict[int, list[int]] = {}
        for i in range(0, len(obs_ids), 500):  # SQLite's limit on bound parameters
            chunk = list(obs_ids[i:i + 500])
            for r in self.read(
                "SELECT e.observation_id, e.proposition_id FROM proposition_evidence e "
                "JOIN propositions p ON p.id = e.proposition_id WHERE p.status = 'active' "
                f"AND e.relation = 'supports' AND e.observation_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found.setdefault(r["observation_id"], []).append(r["proposition_id"])
        return found

    def suggestion_titles(self, kind: str, since: float) -> list[str]:
        """The titles of suggestions of ``kind`` made since ``since``."""
        return [r["title"] for r in self.read(
            "SELECT title FROM suggestions WHERE kind = ? AND created_at >= ?", (kind, since))]

    def feedback_counts(self, since: float) -> dict[tuple[str, str], int]:
        """How many suggestions of each kind made since ``since`` were accepted or dismissed."""
        return {(r["kind"], r["feedback"]): r["n"] for r in self.read(
            "SELECT kind, feedback, count(*) AS n FROM suggestions WHERE created_at >= ? "
            "AND feedback IN ('accepted', 'dismissed') GROUP BY kind, feedback", (since,))}

    def all_ids(self, table: str, chunk: int = 500) -> Iterator[list[int]]:
        """Every id of ``propositions``, ``observations`` or ``suggestions``, in order, a chunk at a time."""
        if table not in ("propositions", "observations", "suggestions"):
            raise ValueError(table)
        cur = self.conn.execute(f"SELECT id FROM {table} ORDER BY id")
        while ids := [r[0] for r in cur.fetchmany(chunk)]:
            yield ids

    def all_suggestion_rows(self) -> list[dict[str, Any]]:
        """Every suggestion row as stored, in id order (for export)."""
        return [dict(r) for r in self.read("SELECT * FROM suggestions ORDER BY id")]

    def evidence_links(self, prop_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """(observation id, relation) per proposition, observations in id order."""
        out: dict[int, list[tuple[int, str]]] = {}
        if not prop_ids:
            return out
        marks = ",".join("?" * len(prop_ids))
        for r in self.read(f"SELECT proposition_id, observation_id, relation FROM proposition_evidence "
                           f"WHERE proposition_id IN ({marks}) ORDER BY observation_id", list(prop_ids)):
            out.setdefault(r["proposition_id"], []).append((r["observation_id"], r["relation"]))
        return out

    def active_topic_keys(self, prefix: str) -> list[str]:
        """The distinct topic keys of active propositions that start with ``prefix``."""
        rows = self.read("SELECT DISTINCT topic_key FROM propositions WHERE status = 'active' "
                         "AND substr(topic_key, 1, length(?)) = ?", (prefix, prefix))
        return [r["topic_key"] for r in rows]
