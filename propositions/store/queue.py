"""Observations: the durable queue that capture fills and inference drains."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Sequence

from ..models import Observation
from .base import OBS_COLUMNS, ConnectionBase, clean_text, content_hash, next_id, used_id

log = logging.getLogger(__name__)

_ERROR_MAX_CHARS = 500


def _unlink_all(paths: Sequence[str]) -> int:
    """Delete screenshot files whose rows no longer point at them; how many there were."""
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not delete a screenshot: %s", exc.strerror)
    return len(paths)


def _one_line(text: str, limit: int = _ERROR_MAX_CHARS) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class QueueMixin(ConnectionBase):
    # -- observations: the durable queue ----------------------------------

    def enqueue(self, observations: Iterable[Observation]) -> list[int]:
        """Store observations as pending work in one transaction; returns their ids."""
        now = self.clock()
        batch = list(observations)
        for obs in batch:
            for name in ("content", "app", "window_title", "url", "observer", "content_type"):
                setattr(obs, name, clean_text(getattr(obs, name)))
            if obs.content_hash is None:
                obs.content_hash = content_hash(obs.content, obs.app, obs.window_title)
        with self.write() as conn:
            # Under the write lock, rowids are handed out consecutively from max + 1,
            # so one executemany can insert the batch and the ids are known.
            first = next_id(conn, "observations")
            if batch:
                used_id(conn, "observations", first + len(batch) - 1)
            conn.executemany(
                "INSERT INTO observations (id, captured_at, duration, observer, app, window_title, "
                "url, content, content_type, image_path, content_hash, status, enqueued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                [
                    (first + i, float(obs.captured_at), float(obs.duration), obs.observer, obs.app,
                     obs.window_title, obs.url, obs.content or "", obs.content_type,
                     obs.image_path, obs.content_hash, now)
                    for i, obs in enumerate(batch)
                ],
            )
        for i, obs in enumerate(batch):
            obs.id, obs.status, obs.enqueued_at = first + i, "pending", now
        return [first + i for i in range(len(batch))]

    def claim_batch(self, limit: int) -> list[Observation]:
        """Take up to ``limit`` pending observations, oldest first, for processing.

        Batches whose worker died (claimed longer ago than the claim timeout)
        go back to pending first, or to failed once they used all attempts,
        so one observation that crashes the process cannot loop forever.
        """
        now = self.clock()
        with self.write() as conn:
            self._reclaim_stale(conn, now)
            rows = conn.execute(
                f"UPDATE observations SET status = 'processing', attempts = attempts + 1, "
                f"claimed_at = ? WHERE id IN (SELECT id FROM observations WHERE status = 'pending' "
                f"ORDER BY captured_at, id LIMIT ?) RETURNING {OBS_COLUMNS}",
                (now, int(limit)),
            ).fetchall()
        batch = [self._observation(r) for r in rows]
        batch.sort(key=lambda o: (o.captured_at, o.id))
        return batch

    def _reclaim_stale(self, conn: sqlite3.Connection, now: float) -> None:
        stale = now - self.claim_timeout_s
        conn.execute(
            "UPDATE observations SET status = 'failed', claimed_at = NULL, "
            "last_error = 'the worker stopped while processing it, ' || attempts || ' times' "
            "WHERE status = 'processing' AND claimed_at < ? AND attempts >= ?",
            (stale, self.max_attempts),
        )
        conn.execute(
            "UPDATE observations SET status = 'pending', claimed_at = NULL "
            "WHERE status = 'processing' AND claimed_at < ?",
            (stale,),
        )

    def expire_screenshots(self, before: float) -> int:
        """Delete screenshot files of processed observations captured before ``before``."""
        where = "image_path IS NOT NULL AND status = 'done' AND captured_at < ?"
        with self.write() as conn:
            # Paths first: RETURNING gives an UPDATE's new values, and the new path is NULL.
            rows = conn.execute(f"SELECT image_path FROM observations WHERE {where}",
                                (before,)).fetchall()
            conn.execute(f"UPDATE observations SET image_path = NULL WHERE {where}", (before,))
        return _unlink_all([path for (path,) in rows])

    def claim_unread_screenshot(self, observer: str) -> Observation | None:
        """Claim the oldest pending screenshot from ``observer`` whose text is not read yet.

        It is processing while it is read, so an inference batch cannot take it meanwhile;
        ``release`` gives it back to the queue with its text.
        """
        now = self.clock()
        with self.write() as conn:
            row = conn.execute(
                f"UPDATE observations SET status = 'processing', attempts = attempts + 1, "
                f"claimed_at = ? WHERE id = (SELECT id FROM observations WHERE status = 'pending' "
                f"AND observer = ? AND image_path IS NOT NULL AND content = '' "
                f"ORDER BY enqueued_at, id LIMIT 1) RETURNING {OBS_COLUMNS}",
                (now, observer),
            ).fetchone()
        return self._observation(row) if row is not None else None

    def unread_screenshot_count(self, observer: str) -> int:
        """Pending screenshots from ``observer`` whose text is not read yet."""
        return int(self.read(
            "SELECT count(*) FROM observations WHERE status = 'pending' AND observer = ? "
            "AND image_path IS NOT NULL AND content = ''", (observer,))[0][0])

    def drop_unread_screenshots(self, observer: str, before: float, reason: str) -> int:
        """Delete the screenshots from ``observer`` still unread that were queued before ``before``.

        Their observations are marked failed with ``reason`` (after any earlier error);
        one being read right now (processing) is left to its reader.
        """
        where = ("observer = ? AND image_path IS NOT NULL AND content = '' "
                 "AND status IN ('pending', 'failed') AND enqueued_at < ?")
        with self.write() as conn:
            rows = conn.execute(f"SELECT image_path FROM observations WHERE {where}",
                                (observer, before)).fetchall()
            conn.execute(
                "UPDATE observations SET image_path = NULL, status = 'failed', claimed_at = NULL, "
                "last_error = CASE WHEN status = 'failed' AND last_error IS NOT NULL "
                f"THEN last_error || '; ' || ? ELSE ? END WHERE {where}",
                (reason, reason, observer, before),
            )
        return _unlink_all([path for (path,) in rows])

    def observation_ids_by_hash(self, observer: str) -> dict[str, int]:
        """content_hash -> id of the observer's stored observations (the first, if several)."""
        rows = self.read(
            "SELECT content_hash, min(id) AS id FROM observations "
            "WHERE observer = ? AND content_hash IS NOT NULL GROUP BY content_hash",
            (observer,),
        )
        return {r["content_hash"]: r["id"] for r in rows}

    def pending_count(self) -> int:
        """Observations waiting for inference (an index range, cheap on any size of table)."""
        return int(self.read("SELECT count(*) FROM observations WHERE status = 'pending'")[0][0])

    def has_active_propositions(self) -> bool:
        return bool(self.read("SELECT 1 FROM propositions WHERE status = 'active' LIMIT 1"))

    def oldest_pending_at(self) -> float | None:
        row = self.read("SELECT min(enqueued_at) FROM observations WHERE status = 'pending'")[0]
        return row[0]

    def release(self, ids: Sequence[int]) -> None:
        """Give claimed observations back untouched (a clean shutdown mid-batch)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE observations SET status = 'pending', claimed_at = NULL, "
                "attempts = max(attempts - 1, 0) WHERE id = ? AND status = 'processing'",
                [(i,) for i in ids],
            )

    def mark_done(self, ids: Sequence[int]) -> None:
        now = self.clock()
        with self.write() as conn:
            conn.executemany(
                "UPDATE observations SET status = 'done', processed_at = ?, claimed_at = NULL, "
                "last_error = NULL WHERE id = ?",
                [(now, i) for i in ids],
            )

    def mark_failed(self, ids: Sequence[int], error: str) -> None:
        """Record a failed attempt: back to pending while attempts remain, else failed."""
        message = clean_text(_one_line(error))
        with self.write() as conn:
            conn.executemany(
                "UPDATE observations SET claimed_at = NULL, last_error = ?, "
                "status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
                [(message, self.max_attempts, i) for i in ids],
            )

    def retry_failed(self, ids: Sequence[int] | None = None) -> int:
        """Put failed observations (all, or the given ones) back in the queue."""
        with self.write() as conn:
            if ids is None:
                cur = conn.execute(
                    "UPDATE observations SET status = 'pending', attempts = 0 WHERE status = 'failed'"
                )
                return cur.rowcount
            return sum(
                conn.execute(
                    "UPDATE observations SET status = 'pending', attempts = 0 "
                    "WHERE id = ? AND status = 'failed'",
                    (i,),
                ).rowcount
                for i in ids
            )

    def queue_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("pending", "processing", "done", "failed"), 0)
        for row in self.read("SELECT status, count(*) AS n FROM observations GROUP BY status"):
            counts[row["status"]] = row["n"]
        return counts

    def captured_since(self, since: float, observer: str | None = None) -> int:
        """How many observations (of ``observer``, or of any) were captured at or after ``since``."""
        if observer is None:
            return int(self.read("SELECT count(*) FROM observations WHERE captured_at >= ?",
                                 (since,))[0][0])
        return int(self.read("SELECT count(*) FROM observations WHERE observer = ? AND captured_at >= ?",
                             (observer, since))[0][0])

    def last_processed_at(self) -> float | None:
        """When inference last finished with an observation (whichever process ran it)."""
        return self.read("SELECT max(processed_at) FROM observations WHERE status = 'done'")[0][0]

    def processed_since(self, since: float) -> int:
        """How many observations inference finished with at or after ``since``."""
        return int(self.read("SELECT count(*) FROM observations WHERE status = 'done' AND processed_at >= ?",
                             (since,))[0][0])

    def failed_observations(self, limit: int = 100) -> list[Observation]:
        rows = self.read(
            f"SELECT {OBS_COLUMNS} FROM observations WHERE status = 'failed' "
            "ORDER BY captured_at DESC LIMIT ?",
            (limit,),
        )
        return [self._observation(r) for r in rows]

    def recent_done(self, start: float, end: float, limit: int) -> list[Observation]:
        """Processed observations captured in [start, end], newest first, in one query."""
        rows = self.read(
            f"SELECT {OBS_COLUMNS} FROM observations WHERE status = 'done' AND captured_at >= ? "
            "AND captured_at <= ? ORDER BY captured_at DESC LIMIT ?",
            (start, end, limit),
        )
        return [self._observation(r) for r in rows]

    def observations_between(self, start: float, end: float, limit: int) -> list[Observation]:
        """Observations captured in [start, end] whatever their status, newest first."""
        rows = self.read(
            f"SELECT {OBS_COLUMNS} FROM observations WHERE captured_at >= ? AND captured_at <= ? "
            "ORDER BY captured_at DESC, id DESC LIMIT ?", (start, end, limit))
        return [self._observation(r) for r in rows]

    @staticmethod
    def _observation(row: sqlite3.Row) -> Observation:
        return Observation(**{k: row[k] for k in row.keys()})

    def get_observation(self, obs_id: int) -> Observation:
        return self._observation(self._row_by_id("observations", OBS_COLUMNS, obs_id, "observation"))

    def get_observations(self, ids: Sequence[int]) -> dict[int, Observation]:
        """The observations with these ids that exist, by id."""
        return {r["id"]: self._observation(r) for r in self._rows_by_ids("observations", OBS_COLUMNS, ids)}
