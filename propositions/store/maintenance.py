"""Maintenance: wiping what was forgotten from the files (reclaim, the WAL checkpoint), size,
backup, and checking a database file without opening it as a store."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from .. import migrations
from ..errors import DiskFull, InvalidInput, StoreError
from .base import (
    WIPE_MARKER_SUFFIX,
    CheckReport,
    ConnectionBase,
    _connect_read_only,
    _secure_touch,
    _writable,
    file_size_bytes,
    guarded,
    translate_error,
)

log = logging.getLogger(__name__)


def _write_marker(path: Path, stage: str) -> None:
    """Create or overwrite the wipe marker, 0600; a marker that cannot be written is logged."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(stage + "\n")
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc.strerror)


class MaintenanceMixin(ConnectionBase):
    # -- wiping what was forgotten: reclaim and the WAL checkpoint -------------

    @property
    def wipe_marker(self) -> Path:
        return Path(str(self.path) + WIPE_MARKER_SUFFIX)

    @property
    def wipe_pending(self) -> bool:
        """Forgotten text may still be in the files: a reclaim has not finished."""
        return self.wipe_marker.exists()

    def reclaim(self, wait_s: float | None = None) -> bool:
        """Rewrite the file so deleted rows and index entries leave no trace, then shrink it.

        True when nothing deleted is left in the database's files. False when
        another connection's open read kept the last step (copying the rewritten
        file back out of the -wal) from finishing within ``wait_s`` (default
        ``wipe_wait_s``): that reader may still need the old pages. The marker
        file (``wipe_marker``) then stays, and ``finish_wipe`` (run by every
        writable open) completes the job once the reader is gone.
        """
        self.require_writable()
        # Written first, so a crash or a lock in the middle leaves the wipe to finish later.
        _write_marker(self.wipe_marker, "vacuum")
        with guarded(self.path):
            conn = self.conn
            if conn.in_transaction:
                conn.commit()
            for fts in ("propositions_fts", "observations_fts"):
                conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')")
            conn.commit()
            conn.execute("VACUUM")
        _write_marker(self.wipe_marker, "checkpoint")
        return self._checkpoint(self.wipe_wait_s if wait_s is None else wait_s)

    def _checkpoint(self, wait_s: float) -> bool:
        """Copy the -wal into the main file and empty it; False if a reader held it back."""
        conn = self.conn
        with guarded(self.path):
            # The busy handler is what waits for readers: bound it for this step only.
            conn.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            try:
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
        if busy:
            return False
        self.wipe_marker.unlink(missing_ok=True)
        return True

    def finish_wipe(self, wait_s: float = 0.0) -> bool:
        """Finish a wipe a reader held back; True when none is pending any more.

        After the rewrite (VACUUM) every page of the new file is in the -wal, so a
        complete checkpoint overwrites all of the old file: that is all that is
        left to do. A marker from before the rewrite means it never ran.
        """
        if not self.wipe_pending:
            return True
        if self.read_only is not None:
            return False
        try:
            stage = self.wipe_marker.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            stage = ""
        try:
            if stage == "checkpoint":
                return self._checkpoint(wait_s)
            return self.reclaim(wait_s)
        except StoreError as exc:  # a busy writer: the next open tries again
            log.warning("could not finish wiping forgotten data yet: %s", exc)
            return False

    # -- maintenance ----------------------------------------------------------

    def size_bytes(self) -> int:
        return file_size_bytes(self.path)

    def backup(self, dest: str | Path) -> Path:
        """Copy the live database with SQLite's online backup API into a new 0600 file."""
        dest = Path(dest)
        if dest.exists():
            raise InvalidInput(f"{dest} already exists; choose a new file name")
        _secure_touch(dest)
        try:
            with guarded(self.path):
                target = sqlite3.connect(str(dest))
                try:
                    self.conn.backup(target)
                    target.execute("PRAGMA journal_mode=DELETE")
                finally:
                    target.close()
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return dest

    @staticmethod
    def check_file(path: str | Path) -> CheckReport:
        """Check a database file without migrating or writing it: integrity, indexes, schema.

        Works on damaged files: every problem becomes a line in the report.
        """
        path = Path(path)
        report = CheckReport(path=str(path), ok=True)
        if not path.exists():
            report.ok = False
            report.problems.append(f"{path} does not exist")
            return report
        report.size_bytes = file_size_bytes(path)  # with its -wal and -shm
        if path.stat().st_size == 0:
            # SQLite takes an empty file for an empty database, and gumd would quietly
            # start afresh in it: say so, since it often means data went missing.
            report.warnings.append(
                f"{path} is empty (0 bytes): it holds no gumd data; if it should, restore "
                "a backup over it, otherwise gumd starts a new database in it"
            )
            return report
        if Path(str(path) + WIPE_MARKER_SUFFIX).exists():
            report.warnings.append(
                f"forgotten data may still be in {path}: another process was reading it; "
                "gumd finishes the wipe on its next start or run"
            )
        try:
            conn, writable = MaintenanceMixin._check_connection(path)
        except sqlite3.Error as exc:
            report.ok = False
            report.problems.append(str(translate_error(exc, path)))
            return report
        except StoreError as exc:
            report.ok = False
            report.problems.append(str(exc))
            return report
        if not writable:
            report.warnings.append(f"{path} cannot be written here (read-only or a full disk): "
                                   "its search indexes were not checked, as that writes")
        try:
            try:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
            except sqlite3.Error as exc:
                report.problems.append(str(translate_error(exc, path)))
                rows = []
            for (msg,) in rows:
                if msg != "ok":
                    report.problems.append(f"integrity: {msg}")
            try:
                for row in conn.execute("PRAGMA foreign_key_check").fetchall():
                    report.problems.append(f"foreign key: {tuple(row)}")
                db = Database(conn, execute_plugins=False)
                missing = migrations.pending(db)
                if missing:
                    report.problems.append(
                        "schema is behind (migrations not applied: " + ", ".join(missing) + ")"
                    )
                else:
                    for fts in ("propositions_fts", "observations_fts") if writable else ():
                        try:
                            conn.execute(
                                f"INSERT INTO {fts} ({fts}, rank) VALUES ('integrity-check', 1)"
                            )
                        except sqlite3.Error as exc:
                            report.problems.append(f"{fts}: {exc}")
                    for table in ("observations", "propositions", "suggestions"):
                        report.counts[table] = conn.execute(
                            f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.Error as exc:
                report.problems.append(str(translate_error(exc, path)))
        finally:
            conn.close()
        report.ok = not report.problems
        return report

    @staticmethod
    def _check_connection(path: Path) -> tuple[sqlite3.Connection, bool]:
        """A connection for ``check_file``, and whether it may run FTS5's integrity-check.

        Read-write only because that check is phrased as an INSERT; nothing
        writes, and no migration runs. Where the file cannot be written (a
        read-only folder, a full disk), a read-only connection checks the rest.
        """
        if _writable(path):
            conn = sqlite3.connect(str(path), timeout=5)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn, True
            except sqlite3.Error as exc:
                conn.close()
                if not isinstance(translate_error(exc, path), DiskFull):
                    raise
        return _connect_read_only(path, 5), False

    def vacuum(self) -> tuple[int, int]:
        """Optimize the indexes and VACUUM; returns the size before and after in bytes."""
        before = self.size_bytes()
        self.reclaim()
        return before, self.size_bytes()
