"""Forgetting: selecting what to forget (or age out), then deleting it for good."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .base import ConnectionBase

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)


class _DryRun(Exception):
    """Carries a dry run's counts out of the transaction it rolls back."""

    def __init__(self, result: dict[str, int]) -> None:
        super().__init__("dry run")
        self.result = result


Condition = tuple[str, list[Any]]


def _all_of(*parts: Condition | None) -> tuple[str | None, list[Any]]:
    """SQL conditions joined with AND, each with its parameters; None parts are left out."""
    kept = [p for p in parts if p is not None]
    return (" AND ".join(sql for sql, _ in kept) or None), [v for _, params in kept for v in params]


def _window(column: str, since: float | None, until: float | None) -> tuple[Condition | None, Condition | None]:
    """``column`` at or after ``since`` and at or before ``until``, each when given."""
    return ((f"{column} >= ?", [since]) if since is not None else None,
            (f"{column} <= ?", [until]) if until is not None else None)


class ForgettingMixin(ConnectionBase):
    # -- selections for forgetting and retention ---------------------------------

    @staticmethod
    def observation_condition(*, match: str | None = None, url_words: str = "",
                              since: float | None = None, until: float | None = None,
                              app: str | None = None) -> tuple[str | None, list[Any]]:
        """The ``observation_where`` (and its parameters) for `forget`: observations whose text
        matches the FTS query ``match`` (or whose URL has ``url_words``), captured in the window,
        in ``app``; None selects none by condition."""
        # The index covers the text, window title and app; the URL is matched word by word.
        return _all_of(
            ("(id IN (SELECT rowid FROM observations_fts WHERE observations_fts MATCH ?) "
             "OR gumd_url_has_word(url, ?))", [match, url_words]) if match is not None else None,
            *_window("captured_at", since, until),
            ("app = ? COLLATE NOCASE", [app]) if app else None)

    @staticmethod
    def status_condition(status: str, *, captured_before: float | None = None,
                         oldest: int | None = None) -> tuple[str, list[Any]]:
        """The ``observation_where`` for observations in queue state ``status`` (done, failed...):
        captured before ``captured_before``, or only the ``oldest`` few (retention, `gumd queue purge-failed`)."""
        if oldest is not None:
            return ("id IN (SELECT id FROM observations WHERE status = ? ORDER BY captured_at LIMIT ?)",
                    [status, oldest])
        if captured_before is not None:
            return "status = ? AND captured_at < ?", [status, captured_before]
        return "status = ?", [status]

    def propositions_matching(self, *, match: str | None = None, since: float | None = None,
                              until: float | None = None, app: str | None = None) -> list[int]:
        """Propositions whose text matches the FTS query ``match``, created in the window, with
        evidence from ``app``: every given filter holds."""
        where, params = _all_of(
            ("id IN (SELECT rowid FROM propositions_fts WHERE propositions_fts MATCH ?)", [match])
            if match is not None else None,
            *_window("created_at", since, until),
            ("id IN (SELECT e.proposition_id FROM proposition_evidence e JOIN observations o "
             "ON o.id = e.observation_id WHERE o.app = ? COLLATE NOCASE)", [app]) if app else None)
        rows = self.read(f"SELECT id FROM propositions WHERE {where or '1'}", params)
        return [r["id"] for r in rows]

    # -- forgetting -----------------------------------------------------------

    def forget(
        self,
        *,
        proposition_ids: Iterable[int] = (),
        observation_where: str | None = None,
        observation_params: Sequence[Any] = (),
        everything: bool = False,
        dry_run: bool = False,
        keep_propositions: bool = False,
    ) -> dict[str, int]:
        """Delete propositions (with every version of them) and observations for good.

        ``observation_where`` is an SQL condition over ``observations`` built by
        the caller from typed filters (never from user text). Propositions left
        without any evidence because their observations went are deleted too:
        what was learnt only from forgotten data is forgotten with it.
        Screenshot files of deleted observations are removed. Call
        ``reclaim()`` afterwards so the freed pages and index segments are
        rewritten and the text is gone from the file. ``dry_run`` does all of
        it inside the transaction, then rolls back: the counts are exact.
        ``keep_propositions`` is for retention, which ages out raw data but
        keeps what was learnt from it.
        """
        images: list[str] = []
        try:
            result = self._forget(
                proposition_ids, observation_where, observation_params, everything, images, dry_run,
                keep_propositions,
            )
        except _DryRun as done:
            done.result["screenshots"] = len(images)
            return done.result
        removed = 0
        for image in images:
            try:
                os.unlink(image)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not delete screenshot %s: %s", image, exc)
        result["screenshots"] = removed
        return result

    def _forget(
        self,
        proposition_ids: Iterable[int],
        observation_where: str | None,
        observation_params: Sequence[Any],
        everything: bool,
        images: list[str],
        dry_run: bool,
        keep_propositions: bool = False,
    ) -> dict[str, int]:
        with self.write() as conn:
            if everything:
                images.extend(r[0] for r in conn.execute(
                    "SELECT image_path FROM observations WHERE image_path IS NOT NULL"))
                n_props = conn.execute("SELECT count(*) FROM propositions").fetchone()[0]
                n_obs = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
                n_sugg = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
                for table in ("proposition_history", "proposition_evidence", "propositions",
                              "observations", "suggestions"):
                    conn.execute(f"DELETE FROM {table}")
                result = {"propositions": n_props, "observations": n_obs, "suggestions": n_sugg}
            else:
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS forget_obs (id INTEGER PRIMARY KEY)")
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS forget_props (id INTEGER PRIMARY KEY)")
                conn.execute("DELETE FROM forget_obs")
                conn.execute("DELETE FROM forget_props")
                if observation_where:
                    conn.execute(
                        f"INSERT INTO forget_obs SELECT id FROM observations WHERE {observation_where}",
                        tuple(observation_params),
                    )
                images.extend(r[0] for r in conn.execute(
                    "SELECT image_path FROM observations WHERE image_path IS NOT NULL "
                    "AND id IN (SELECT id FROM forget_obs)"))
                if not keep_propositions:  # those that would have no evidence left go too
                    conn.execute(
                        "INSERT OR IGNORE INTO forget_props SELECT DISTINCT e.proposition_id "
                        "FROM proposition_evidence e WHERE e.observation_id IN "
                        "(SELECT id FROM forget_obs) AND NOT EXISTS (SELECT 1 FROM "
                        "proposition_evidence e2 WHERE e2.proposition_id = e.proposition_id "
                        "AND e2.observation_id NOT IN (SELECT id FROM forget_obs))"
                    )
                seeds = [int(p) for p in proposition_ids]
                seeds += [r[0] for r in conn.execute("SELECT id FROM forget_props")]
                for pid in self.lineage(seeds):
                    conn.execute("INSERT OR IGNORE INTO forget_props VALUES (?)", (pid,))
                touched = [r[0] for r in conn.execute(
                    "SELECT DISTINCT proposition_id FROM proposition_evidence "
                    "WHERE observation_id IN (SELECT id FROM forget_obs) "
                    "AND proposition_id NOT IN (SELECT id FROM forget_props)")]
                # Suggestions resting on a forgotten proposition, or made from a forgotten
                # observation (their titles can quote its screen text), go with them.
                # Retention keeps them, as it keeps propositions: they are what was learnt,
                # and a dismissed one must stay to never come back.
                by_observation = "" if keep_propositions else (
                    " OR EXISTS (SELECT 1 FROM json_each(suggestions.observation_ids) j "
                    "WHERE j.value IN (SELECT id FROM forget_obs))")
                n_sugg = conn.execute(
                    "DELETE FROM suggestions WHERE EXISTS (SELECT 1 FROM "
                    "json_each(suggestions.proposition_ids) j "
                    f"WHERE j.value IN (SELECT id FROM forget_props)){by_observation}").rowcount
                n_props = conn.execute(
                    "DELETE FROM propositions WHERE id IN (SELECT id FROM forget_props)").rowcount
                n_obs = conn.execute(
                    "DELETE FROM observations WHERE id IN (SELECT id FROM forget_obs)").rowcount
                # Surviving propositions lost some evidence: refresh what was derived from it.
                for pid in touched:
                    self._refresh_evidence_fields(conn, pid)
                conn.execute("DELETE FROM forget_obs")
                conn.execute("DELETE FROM forget_props")
                result = {"propositions": n_props, "observations": n_obs, "suggestions": n_sugg}
            if dry_run:
                raise _DryRun(result)
        return result

    if TYPE_CHECKING:  # of the propositions (propositions.py)
        def lineage(self, prop_ids: Iterable[int]) -> set[int]: ...

        def _refresh_evidence_fields(self, conn: sqlite3.Connection, prop_id: int) -> None: ...
