"""Questions: the rows behind what gumd asks its person (selection and wording are in
propositions/questions.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..models import Proposition
from .base import PROP_COLUMNS, ConnectionBase, clean_text, next_id, used_id


class QuestionsMixin(ConnectionBase):
    # == questions: what gumd asks its person (propositions/questions.py) ===========
    # Selection and wording live in questions.py; these only read and write rows.

    def feedback_rows(self) -> list[tuple[float, bool, str | None, str | None]]:
        """(confidence, confirmed?, source, topic_key) of every proposition the user confirmed
        or rejected, for calibration per source and kind (``confidence.fit_calibrations``)."""
        rows = self.read(
            "SELECT confidence, user_feedback, source, topic_key FROM propositions "
            "WHERE user_feedback IN ('confirmed', 'rejected')"
        )
        return [(r["confidence"], r["user_feedback"] == "confirmed", r["source"], r["topic_key"])
                for r in rows]

    def question_candidates(self, limit: int = 2000) -> list[dict[str, Any]]:
        """Active propositions the user has not judged, with what makes asking worth it:
        how many suggestions rest on each (``uses``), how often assistants were given it
        (``served``) and, where an observation that supports
        another active proposition speaks against it, that one (``contradicted_by``).

        Those most worth it come first (contested, cited, flagged, then confidence nearest
        0.5), so ``limit`` keeps the best of a large model.
        """
        rows = self.read(
            f"WITH uses AS (SELECT CAST(j.value AS INTEGER) AS pid, count(*) AS n "
            f"FROM suggestions s, json_each(s.proposition_ids) j GROUP BY j.value), "
            f"against AS (SELECT c.proposition_id AS pid, min(o.proposition_id) AS other "
            f"FROM proposition_evidence c JOIN proposition_evidence o "
            f"ON o.observation_id = c.observation_id AND o.relation = 'supports' "
            f"AND o.proposition_id != c.proposition_id "
            f"JOIN propositions op ON op.id = o.proposition_id AND op.status = 'active' "
            f"WHERE c.relation = 'contradicts' GROUP BY c.proposition_id) "
            f"SELECT {', '.join('p.' + c.strip() for c in PROP_COLUMNS.split(','))}, "
            f"coalesce(u.n, 0) AS uses, coalesce(pu.served, 0) AS served, "
            f"a.other AS contradicted_by FROM propositions p "
            f"LEFT JOIN uses u ON u.pid = p.id LEFT JOIN against a ON a.pid = p.id "
            f"LEFT JOIN proposition_use pu ON pu.proposition_id = p.id "
            f"WHERE p.status = 'active' AND p.user_feedback IS NULL "
            f"ORDER BY (a.other IS NOT NULL) DESC, "
            f"(coalesce(u.n, 0) > 0 OR coalesce(pu.served, 0) > 0) DESC, "
            f"(p.sensitive != '') DESC, abs(p.confidence - 0.5), p.id LIMIT ?",
            (int(limit),),
        )
        out = []
        for r in rows:
            out.append({"proposition": self.proposition_from_row(r), "uses": r["uses"],
                        "served": r["served"], "contradicted_by": r["contradicted_by"]})
        return out

    def evidence_apps(self, prop_ids: Sequence[int]) -> dict[int, list[str | None]]:
        """The apps of each proposition's supporting observations (None: no app)."""
        out: dict[int, list[str | None]] = {}
        for pid, app in self._supporting(prop_ids, "app", distinct=True):
            out.setdefault(pid, []).append(app)
        return out

    def _supporting(self, prop_ids: Sequence[int], column: str, *, distinct: bool = False,
                    not_null: bool = False) -> list[tuple[int, Any]]:
        """(proposition id, ``column`` of a supporting observation) for each of ``prop_ids``,
        read 500 ids a query (SQLite's variable limit)."""
        unique = list(dict.fromkeys(int(p) for p in prop_ids))
        out = []
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            out += [(r[0], r[1]) for r in self.read(
                f"SELECT {'DISTINCT ' if distinct else ''}e.proposition_id, o.{column} "
                "FROM proposition_evidence e JOIN observations o ON o.id = e.observation_id "
                "WHERE e.relation = 'supports' "
                + (f"AND o.{column} IS NOT NULL " if not_null else "")
                + f"AND e.proposition_id IN ({','.join('?' * len(chunk))})", chunk)]
        return out

    def add_served(self, counts: Mapping[int, int], at: float) -> None:
        """Count that assistants were given these propositions (id -> times) at ``at``;
        ids no longer stored (forgotten meanwhile) are passed over."""
        rows = [(int(pid), int(n), float(at)) for pid, n in counts.items() if n > 0]
        if not rows:
            return
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO proposition_use (proposition_id, served, last_served_at) "
                "SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM propositions WHERE id = ?1) "
                "ON CONFLICT (proposition_id) DO UPDATE SET served = served + excluded.served, "
                "last_served_at = max(coalesce(last_served_at, 0), excluded.last_served_at)",
                rows)

    def upsert_question(self, prop_id: int, question: str, why: str, score: float,
                        reasons: Sequence[str]) -> int:
        """The question about ``prop_id``, made or refreshed (wording, score); its id.

        One per proposition: an answered or skipped one keeps its state and wording.
        """
        now = self.clock()
        with self.write() as conn:
            conn.execute(
                "INSERT INTO questions (id, proposition_id, question, why, score, reasons, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (proposition_id) DO UPDATE SET "
                "question = excluded.question, why = excluded.why, score = excluded.score, "
                "reasons = excluded.reasons WHERE questions.status = 'open'",
                (next_id(conn, "questions"), int(prop_id), clean_text(question), clean_text(why),
                 float(score), json.dumps(list(reasons)), now),
            )
            qid = int(conn.execute("SELECT id FROM questions WHERE proposition_id = ?",
                                   (int(prop_id),)).fetchone()[0])
            used_id(conn, "questions", qid)
            return qid

    def reopen_skipped_questions(self) -> int:
        """Skipped questions whose time away ran out are open again; how many."""
        now = self.clock()
        if self.read_only is not None or not self.read(
                "SELECT 1 FROM questions WHERE status = 'skipped' AND skipped_until <= ? LIMIT 1",
                (now,)):
            return 0
        with self.write() as conn:
            return conn.execute(
                "UPDATE questions SET status = 'open', answer = NULL, answered_at = NULL, "
                "skipped_until = NULL, asked_at = NULL "
                "WHERE status = 'skipped' AND skipped_until <= ?", (now,)).rowcount

    def question_state(self) -> dict[int, dict[str, Any]]:
        """proposition id -> its question (id, status, asked_at, wording, score), for each."""
        return {r["proposition_id"]: _question_row(r) for r in self.read(
            "SELECT id, proposition_id, status, asked_at, question, why, score, reasons "
            "FROM questions")}

    def questions_asked_since(self, since: float) -> int:
        """Questions first put to the user at or after ``since`` (the daily cap counts these)."""
        return int(self.read("SELECT count(*) FROM questions WHERE asked_at >= ?",
                             (since,))[0][0])

    def mark_questions_asked(self, ids: Sequence[int], since: float) -> None:
        """Note that these questions were put to the user now; one already put since ``since``
        (the day's start) keeps that time, so a day counts each question once."""
        if not ids or self.read_only is not None:
            return
        now = self.clock()
        with self.write() as conn:
            conn.executemany("UPDATE questions SET asked_at = ? WHERE id = ? "
                             "AND (asked_at IS NULL OR asked_at < ?)",
                             [(now, int(i), since) for i in ids])

    def get_question(self, qid: int) -> dict[str, Any]:
        rows = self.read("SELECT * FROM questions WHERE id = ?", (int(qid),))
        if not rows:
            raise NotFound(f"no question with id {qid}; `gumd questions` lists them")
        return _question_row(rows[0])

    def record_answer(self, qid: int, answer: str, *, skipped_until: float | None = None,
                      new_proposition_id: int | None = None) -> dict[str, Any]:
        """Store the user's answer to question ``qid`` (yes, no, skip, edit)."""
        if answer not in ("yes", "no", "skip", "edit"):
            raise InvalidInput(f"answer must be yes, no, skip or edit, not {answer!r}")
        now = self.clock()
        with self.write() as conn:
            cur = conn.execute(
                "UPDATE questions SET answer = ?, answered_at = ?, status = ?, skipped_until = ?, "
                "new_proposition_id = ?, asked_at = coalesce(asked_at, ?) WHERE id = ?",
                (answer, now, "skipped" if answer == "skip" else "answered", skipped_until,
                 new_proposition_id, now, int(qid)),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no question with id {qid}; `gumd questions` lists them")
        return self.get_question(qid)

    def rejected_propositions(self) -> list[tuple[Proposition, float]]:
        """Every proposition the user rejected, with when, so inference keeps it from coming
        back on the evidence it had then."""
        rows = self.read(f"SELECT {PROP_COLUMNS}, feedback_at FROM propositions "
                         "WHERE status = 'rejected' AND user_feedback = 'rejected'")
        return [(self.proposition_from_row(r), r["feedback_at"] or r["updated_at"]) for r in rows]

    def evidence_hashes(self, prop_ids: Sequence[int]) -> dict[int, set[str]]:
        """The content hashes of each proposition's supporting observations."""
        out: dict[int, set[str]] = {}
        for pid, digest in self._supporting(prop_ids, "content_hash", not_null=True):
            out.setdefault(pid, set()).add(digest)
        return out

    # == end of questions ===========================================================

    if TYPE_CHECKING:  # of the propositions (propositions.py)
        @staticmethod
        def proposition_from_row(row: sqlite3.Row) -> Proposition: ...


def _question_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["reasons"] = json.loads(out.get("reasons") or "[]")
    return out
