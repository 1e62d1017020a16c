"""Propositions: adding, superseding and reinforcing them, their evidence and their history."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence

from .. import decay as decay_mod
from ..errors import InvalidInput, NotFound
from ..models import (
    EVIDENCE_RELATIONS,
    FEEDBACK_VALUES,
    HISTORY_KINDS,
    EvidenceLink,
    HistoryEntry,
    Observation,
    Proposition,
)
from .base import OBS_COLUMNS, PROP_COLUMNS, ConnectionBase, clean_text, content_hash, next_id, used_id

_DIGEST_MAX_CHARS = 1000


def _digest(rows: Sequence[sqlite3.Row]) -> str:
    """Distinct apps and window titles of evidence, newest first, for full-text search."""
    parts: list[str] = []
    seen: set[str] = set()
    for r in rows:
        for part in (r["app"], r["window_title"]):
            if part and part not in seen:
                seen.add(part)
                parts.append(part)
    return " | ".join(parts)[:_DIGEST_MAX_CHARS]


class PropositionsMixin(ConnectionBase):
    # -- propositions -------------------------------------------------------

    def add_proposition(
        self,
        prop: Proposition,
        evidence: Iterable[int] = (),
        relation: str = "supports",
    ) -> int:
        """Insert a new active proposition linked to its evidence observations."""
        with self.write() as conn:
            return self._insert_proposition(conn, prop, list(evidence), relation)

    def _insert_proposition(
        self,
        conn: sqlite3.Connection,
        prop: Proposition,
        evidence: list[int],
        relation: str,
    ) -> int:
        text = clean_text((prop.text or "").strip()) or ""
        if not text:
            raise InvalidInput("a proposition needs non-empty text")
        if not 0.0 <= prop.confidence <= 1.0:
            raise InvalidInput(f"confidence must be a probability in [0, 1], got {prop.confidence}")
        half = prop.half_life_s or decay_mod.half_life(prop.decay)
        now = self.clock()
        created = prop.created_at or now
        # Digest and evidence time go in with the row, so it is indexed once, not twice.
        digest, seen = self._evidence_fields(conn, evidence) if relation == "supports" else ("", None)
        new_id = next_id(conn, "propositions")
        conn.execute(
            "INSERT INTO propositions (id, text, reasoning, confidence, decay, half_life_s, created_at, "
            "updated_at, last_evidence_at, status, source, user_feedback, topic_key, sensitive, "
            "evidence_digest, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
            (
                new_id,
                text,
                clean_text(prop.reasoning) or "",
                float(prop.confidence),
                prop.decay,
                half,
                created,
                prop.updated_at or now,
                seen or prop.last_evidence_at or created,
                clean_text(prop.source),
                prop.user_feedback,
                clean_text(prop.topic_key),
                clean_text(prop.sensitive) or "",
                digest,
                prop.provenance if prop.provenance in ("did", "saw") else "",
            ),
        )
        used_id(conn, "propositions", new_id)
        if evidence:
            self._link(conn, new_id, evidence, relation, refresh=relation != "supports")
        prop.id = new_id
        return new_id

    def add_evidence(
        self, prop_id: int, observation_ids: Iterable[int], relation: str = "supports"
    ) -> None:
        with self.write() as conn:
            self._require_proposition(conn, prop_id)
            self._link(conn, prop_id, list(observation_ids), relation)

    def _link(
        self, conn: sqlite3.Connection, prop_id: int, obs_ids: list[int], relation: str,
        refresh: bool = True,
    ) -> None:
        if relation not in EVIDENCE_RELATIONS:
            raise InvalidInput(f"relation must be one of {EVIDENCE_RELATIONS}, got {relation!r}")
        now = self.clock()
        conn.executemany(
            "INSERT INTO proposition_evidence (proposition_id, observation_id, relation, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (proposition_id, observation_id) "
            "DO UPDATE SET relation = excluded.relation",
            [(prop_id, int(o), relation, now) for o in obs_ids],
        )
        if refresh:
            self._refresh_evidence_fields(conn, prop_id)

    def _evidence_fields(
        self, conn: sqlite3.Connection, obs_ids: Sequence[int]
    ) -> tuple[str, float | None]:
        """The digest and newest evidence time that these observations would give."""
        if not obs_ids:
            return "", None
        marks = ",".join("?" * len(obs_ids))
        rows = conn.execute(
            f"SELECT app, window_title, captured_at + duration AS seen FROM observations "
            f"WHERE id IN ({marks}) ORDER BY seen DESC LIMIT 50",
            [int(o) for o in obs_ids],
        ).fetchall()
        return _digest(rows), (rows[0]["seen"] if rows else None)

    def _refresh_evidence_fields(self, conn: sqlite3.Connection, prop_id: int) -> None:
        """Recompute last_evidence_at and the searchable evidence digest."""
        rows = conn.execute(
            "SELECT o.app, o.window_title, o.captured_at + o.duration AS seen FROM proposition_evidence e "
            "JOIN observations o ON o.id = e.observation_id "
            "WHERE e.proposition_id = ? AND e.relation = 'supports' ORDER BY seen DESC LIMIT 50",
            (prop_id,),
        ).fetchall()
        digest = _digest(rows)
        if rows:
            # Evidence time, not processing time: a replayed or delayed batch
            # must not make old activity look fresh.
            conn.execute(
                "UPDATE propositions SET evidence_digest = ?, last_evidence_at = ? WHERE id = ?",
                (digest, rows[0]["seen"], prop_id),
            )
        else:
            conn.execute(
                "UPDATE propositions SET evidence_digest = ? WHERE id = ?", (digest, prop_id)
            )

    def supersede(
        self,
        old_ids: Sequence[int],
        new: Proposition,
        kind: str,
        note: str = "",
        evidence: Iterable[int] = (),
        relation: str = "supports",
    ) -> int:
        """Replace ``old_ids`` by ``new``: the old rows stay, marked superseded, with history.

        The new version inherits every evidence link of the old ones, so no
        revision loses the observations that justified it.
        """
        if kind not in HISTORY_KINDS:
            raise InvalidInput(f"history kind must be one of {HISTORY_KINDS}, got {kind!r}")
        if not old_ids:
            raise InvalidInput("supersede needs at least one proposition to replace")
        now = self.clock()
        with self.write() as conn:
            for old in old_ids:
                row = self._require_proposition(conn, old)
                if row["status"] != "active":
                    raise InvalidInput(
                        f"proposition {old} is {row['status']}; only active ones can be revised"
                    )
            new_id = self._insert_proposition(conn, new, [], relation)
            marks = ",".join("?" * len(old_ids))
            # What supported a claim now contradicted speaks against its correction.
            conn.execute(
                "INSERT INTO proposition_evidence (proposition_id, observation_id, relation, created_at) "
                f"SELECT ?, observation_id, CASE WHEN ? = 'contradiction' THEN 'contradicts' "
                f"ELSE relation END, created_at FROM proposition_evidence "
                f"WHERE proposition_id IN ({marks}) ON CONFLICT DO NOTHING",
                (new_id, kind, *old_ids),
            )
            extra = list(evidence)
            if extra:
                self._link(conn, new_id, extra, relation)
            else:
                self._refresh_evidence_fields(conn, new_id)
            conn.execute(
                f"UPDATE propositions SET status = 'superseded', updated_at = ? WHERE id IN ({marks})",
                (now, *old_ids),
            )
            conn.executemany(
                "INSERT INTO proposition_history (new_id, old_id, kind, created_at, note) "
                "VALUES (?, ?, ?, ?, ?)",
                [(new_id, old, kind, now, note) for old in old_ids],
            )
        return new_id

    def reinforce(self, prop_id: int, confidence: float, observation_ids: Iterable[int],
                  provenance: str = "") -> None:
        """The same proposition was inferred again: new evidence and confidence, same row.

        Provenance only rises: evidence of the person acting ("did") stays, whatever comes after."""
        with self.write() as conn:
            self._require_proposition(conn, prop_id)
            conn.execute(
                "UPDATE propositions SET confidence = ?, updated_at = ?, provenance = CASE "
                "WHEN provenance = 'did' OR ? = '' THEN provenance ELSE ? END WHERE id = ?",
                (float(confidence), self.clock(), provenance, provenance, prop_id),
            )
            self._link(conn, prop_id, list(observation_ids), "supports")

    def set_observation_content(
        self, obs_id: int, content: str, *, drop_image: bool = True
    ) -> None:
        """Store text read from a screenshot; the image file goes unless it is kept."""
        with self.write() as conn:
            row = conn.execute("SELECT image_path, content, app, window_title, content_hash "
                               "FROM observations WHERE id = ?", (obs_id,)).fetchone()
            if row is None:
                raise NotFound(f"no observation with id {obs_id}")
            text = clean_text(content)
            # A fingerprint made from the (empty) text before it was read says the same page as
            # every other screenshot of that window: it is made again from what was read. One
            # a caller gave (an ingested file's bytes) stays.
            digest = row["content_hash"]
            if digest == content_hash(row["content"], row["app"], row["window_title"]):
                digest = content_hash(text, row["app"], row["window_title"])
            conn.execute(
                "UPDATE observations SET content = ?, content_hash = ?, image_path = CASE WHEN ? "
                "THEN NULL ELSE image_path END WHERE id = ?",
                (text, digest, 1 if drop_image else 0, obs_id),
            )
        if drop_image and row["image_path"]:
            try:
                os.unlink(row["image_path"])
            except FileNotFoundError:
                pass

    def feedback_pairs(self) -> list[tuple[float, bool]]:
        """(confidence, confirmed?) for every proposition the user confirmed or rejected."""
        rows = self.read(
            "SELECT confidence, user_feedback FROM propositions "
            "WHERE user_feedback IN ('confirmed', 'rejected')"
        )
        return [(r["confidence"], r["user_feedback"] == "confirmed") for r in rows]

    def active_by_topic(self, topic_key: str) -> list[Proposition]:
        rows = self.read(
            f"SELECT {PROP_COLUMNS} FROM propositions WHERE topic_key = ? AND status = 'active'",
            (topic_key,),
        )
        return [self.proposition_from_row(r) for r in rows]

    def set_feedback(self, prop_id: int, feedback: str) -> None:
        """Record a user's confirm/reject; a rejected proposition leaves the active set."""
        if feedback not in FEEDBACK_VALUES:
            raise InvalidInput(f"feedback must be one of {FEEDBACK_VALUES}, got {feedback!r}")
        now = self.clock()
        with self.write() as conn:
            row = self._require_proposition(conn, prop_id)
            status = "rejected" if feedback == "rejected" else row["status"]
            conn.execute(
                "UPDATE propositions SET user_feedback = ?, feedback_at = ?, updated_at = ?, "
                "status = ? WHERE id = ?",
                (feedback, now, now, status, prop_id),
            )

    def _require_proposition(self, conn: sqlite3.Connection, prop_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT id, status FROM propositions WHERE id = ?", (prop_id,)).fetchone()
        if row is None:
            raise NotFound(f"no proposition with id {prop_id}")
        return row

    def get_proposition(self, prop_id: int) -> Proposition:
        return self.proposition_from_row(self._row_by_id("propositions", PROP_COLUMNS, prop_id, "proposition"))

    def get_propositions(self, ids: Sequence[int]) -> dict[int, Proposition]:
        return {r["id"]: self.proposition_from_row(r) for r in self._rows_by_ids("propositions", PROP_COLUMNS, ids)}

    @staticmethod
    def proposition_from_row(row: sqlite3.Row) -> Proposition:
        return Proposition(**{k: row[k] for k in row.keys() if k in Proposition.__slots__})

    def evidence(self, prop_id: int, limit: int = 100) -> list[EvidenceLink]:
        rows = self.read(
            "SELECT e.relation, e.created_at AS linked_at, "
            + ", ".join(f"o.{c.strip()}" for c in OBS_COLUMNS.split(","))
            + " FROM proposition_evidence e JOIN observations o ON o.id = e.observation_id "
            "WHERE e.proposition_id = ? ORDER BY o.captured_at DESC LIMIT ?",
            (prop_id, limit),
        )
        links = []
        for r in rows:
            obs = Observation(**{k: r[k] for k in r.keys() if k not in ("relation", "linked_at")})
            links.append(EvidenceLink(obs.id, r["relation"], r["linked_at"], obs))
        return links

    def evidence_count(self, prop_id: int) -> int:
        return self.read(
            "SELECT count(*) FROM proposition_evidence WHERE proposition_id = ?", (prop_id,)
        )[0][0]

    def history(self, prop_id: int) -> list[HistoryEntry]:
        """Every history row touching ``prop_id``'s lineage, oldest first."""
        lineage = self.lineage([prop_id])
        marks = ",".join("?" * len(lineage))
        rows = self.read(
            f"SELECT new_id, old_id, kind, created_at, note FROM proposition_history "
            f"WHERE new_id IN ({marks}) OR old_id IN ({marks}) ORDER BY created_at, id",
            [*lineage, *lineage],
        )
        return [HistoryEntry(**dict(r)) for r in rows]

    def lineage(self, prop_ids: Iterable[int]) -> set[int]:
        """All versions connected to ``prop_ids`` through history, in both directions."""
        todo = list(prop_ids)
        found: set[int] = set(todo)
        while todo:
            chunk, todo = todo[:500], todo[500:]
            marks = ",".join("?" * len(chunk))
            rows = self.read(
                f"SELECT new_id, old_id FROM proposition_history "
                f"WHERE new_id IN ({marks}) OR old_id IN ({marks})",
                [*chunk, *chunk],
            )
            for r in rows:
                for pid in (r["new_id"], r["old_id"]):
                    if pid not in found:
                        found.add(pid)
                        todo.append(pid)
        return found

    def counts(self) -> dict[str, int]:
        row = self.read(
            "SELECT (SELECT count(*) FROM observations) AS observations, "
            "(SELECT count(*) FROM propositions WHERE status = 'active') AS active_propositions, "
            "(SELECT count(*) FROM propositions) AS propositions, "
            "(SELECT count(*) FROM suggestions) AS suggestions"
        )[0]
        return dict(row)
