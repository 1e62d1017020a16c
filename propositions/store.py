"""The SQLite store: schema on open, the durable observation queue, propositions with evidence and history."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import decay as decay_mod
from . import migrations
from .errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    InvalidInput,
    NotFound,
    StoreError,
)
from .models import (
    EVIDENCE_RELATIONS,
    FEEDBACK_VALUES,
    HISTORY_KINDS,
    EvidenceLink,
    HistoryEntry,
    SUGGESTION_STATUSES,
    Observation,
    Proposition,
    Suggestion,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]

#: how long a claimed batch may stay "processing" before another worker may take it
DEFAULT_CLAIM_TIMEOUT_S = 600.0
DEFAULT_MAX_ATTEMPTS = 3
_DIGEST_MAX_CHARS = 1000
_ERROR_MAX_CHARS = 500

#: the observation columns the store hands out, in Observation's field names
OBS_COLUMNS = (
    "id, captured_at, duration, observer, app, window_title, url, content, content_type, "
    "image_path, content_hash, status, attempts, last_error, enqueued_at"
)
#: seconds a connection waits for another's write lock before DatabaseLocked
DEFAULT_BUSY_TIMEOUT_S = 10.0
#: how much of the database file reads may map into memory (0: none)
MMAP_BYTES = 256 << 20
#: how long forgetting waits for other connections' reads to end before it leaves
#: the last step of the wipe (the WAL checkpoint) to the next open
WIPE_WAIT_S = 3.0
#: written next to the database while forgotten text may still be in its files
WIPE_MARKER_SUFFIX = ".wipe-pending"
#: below this much free space an I/O error on write is the disk being full
_FULL_BELOW_BYTES = 1 << 20

PROP_COLUMNS = (
    "id, text, reasoning, confidence, decay, half_life_s, source, status, created_at, "
    "updated_at, last_evidence_at, user_feedback, evidence_digest, topic_key, sensitive, provenance"
)


def _free_bytes(path: Path | str) -> int | None:
    try:
        return shutil.disk_usage(Path(path).parent).free
    except OSError:
        return None


def disk_full_error(path: Path | str, detail: str = "") -> DiskFull:
    free = _free_bytes(path)
    room = f"{free / 1e6:.1f} MB free" if free is not None else "no space left"
    return DiskFull(
        f"disk full: cannot write the database {path} ({room}{'; ' + detail if detail else ''}); "
        "free some space on that disk, then try again (reading still works)"
    )


def read_only_error(path: Path | str, detail: str = "") -> DatabaseReadOnly:
    folder = Path(path).parent
    where = folder if not os.access(folder, os.W_OK) or not os.path.exists(path) else path
    return DatabaseReadOnly(
        f"database {path} cannot be written: {where} is read-only"
        f"{' (' + detail + ')' if detail else ''}; make it writable, then try again "
        "(reading still works)",
        str(path),
    )


def translate_error(exc: sqlite3.Error, path: Path | str) -> StoreError:
    """Turn a sqlite3 error into a one-line gumd error that says what to do."""
    msg = str(exc)
    low = msg.lower()
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "disk is full" in low:
        return disk_full_error(path)
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in low:
        # A full disk often shows as an I/O error: growing the -shm or -wal file failed.
        free = _free_bytes(path)
        if free is not None and free < _FULL_BELOW_BYTES:
            return disk_full_error(path, msg)
    if name.startswith("SQLITE_READONLY") or "readonly database" in low:
        return read_only_error(path, msg)
    if "locked" in low or "busy" in low:
        return DatabaseLocked(
            f"database {path} is locked by another process ({msg}); "
            "try again, or raise store.busy_timeout_s"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return DatabaseCorrupt(
            f"database {path} is damaged or not a gumd database ({msg}); "
            "run `gumd db check` and restore from a backup"
        )
    return StoreError(f"database {path}: {msg}")


@contextmanager
def guarded(path: Path | str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise translate_error(exc, path) from exc


def _secure_touch(path: Path) -> None:
    """Create ``path`` (and its folder) private to the user before SQLite does.

    SQLite gives the -wal and -shm files the main file's mode, so making the
    main file 0600 first covers all three.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def _writable(path: Path) -> bool:
    """Whether the database file (or, before it exists, its folder) and its -wal/-shm can be written.

    ``os.access`` answers for the mount as well as the mode bits, so a read-only
    file system is seen as such even by root.
    """
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that never writes, not even the -shm file a WAL database reads through.

    ``mode=ro`` still needs a usable -shm file. Where none can be made (a read-only
    folder, a full disk) and the -wal holds nothing, the main file is the whole
    database and is read as immutable; a -wal with changes in it needs the -shm,
    so that case is an error.
    """
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error as exc:
        if (_size(Path(str(path) + "-wal")) or 0) > 0:
            raise StoreError(
                f"database {path} cannot be read without writing: its -wal file holds changes "
                f"and no -shm file can be made ({exc}); free space or make the folder writable"
            ) from exc
    conn = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout,
                           check_same_thread=False)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


_URL_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    """Lowercase without diacritics, as the full-text index folds words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def url_has_word(url: str | None, words: str | None) -> int:
    """1 when a word of the space-separated ``words`` is a word of ``url``, else 0.

    URLs are not in the full-text index (their words would swamp ranking), so
    forgetting by text matches them here, word by word as the index would,
    after undoing %-escapes: forgetting "clinic" takes https://clinic.example/…
    """
    if not url or not words:
        return 0
    found = {_fold(w) for w in _URL_WORD.findall(urllib.parse.unquote(url))}
    return int(any(_fold(w) in found for w in words.split()))


def _write_marker(path: Path, stage: str) -> None:
    """Create or overwrite the wipe marker, 0600; a marker that cannot be written is logged."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(stage + "\n")
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc.strerror)


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


#: UTF-16 surrogates: never valid alone in text, and SQLite cannot store them as UTF-8
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str | None) -> str | None:
    """``text`` with every lone surrogate replaced by U+FFFD, the rest kept as it was.

    They come from hostile or broken input (a JSON ``"\\ud800"`` escape, a file name
    that is not UTF-8) and cannot be encoded, so SQLite would refuse the whole row.
    """
    if text is None or not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub("\ufffd", text)


def _json(value: Any) -> str:
    """JSON for a column; a lone surrogate in it becomes U+FFFD, as in plain text columns."""
    return clean_text(json.dumps(value, ensure_ascii=False)) or ""


def content_hash(text: str, app: str | None = None, title: str | None = None) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in (app or "", title or "", text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _one_line(text: str, limit: int = _ERROR_MAX_CHARS) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


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


class _DryRun(Exception):
    """Carries a dry run's counts out of the transaction it rolls back."""

    def __init__(self, result: dict[str, int]) -> None:
        super().__init__("dry run")
        self.result = result


@dataclass
class CheckReport:
    """Result of ``Store.check_file``: ``ok`` is False when any problem was found."""

    path: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0
    #: things to know that do not make the file unusable (an empty file, a pending wipe)
    warnings: list[str] = field(default_factory=list)


def file_size_bytes(path: str | Path) -> int:
    """A database's size on disk: the main file plus its -wal and -shm.

    In WAL mode recent writes live in the -wal file until a checkpoint, often more of
    them than the main file holds; leaving it out understates the size many times over.
    """
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += os.stat(str(path) + suffix).st_size
        except FileNotFoundError:
            pass
    return total


Condition = tuple[str, list[Any]]


def _all_of(*parts: Condition | None) -> tuple[str | None, list[Any]]:
    """SQL conditions joined with AND, each with its parameters; None parts are left out."""
    kept = [p for p in parts if p is not None]
    return (" AND ".join(sql for sql, _ in kept) or None), [v for _, params in kept for v in params]


def _window(column: str, since: float | None, until: float | None) -> tuple[Condition | None, Condition | None]:
    """``column`` at or after ``since`` and at or before ``until``, each when given."""
    return ((f"{column} >= ?", [since]) if since is not None else None,
            (f"{column} <= ?", [until]) if until is not None else None)


class Store:
    """One user's database. Thread-safe: each thread gets its own connection.

    Writes run in ``BEGIN IMMEDIATE`` transactions so a writer that meets
    another writer waits for the busy timeout instead of failing at once;
    readers never block in WAL mode.

    Where the file cannot be written (a read-only folder, a full disk) an
    existing database opens read-only: reads work, and every write raises
    ``read_only`` (a DatabaseReadOnly or DiskFull saying why).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        clock: Clock = time.time,
        claim_timeout_s: float = DEFAULT_CLAIM_TIMEOUT_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        mmap_bytes: int = MMAP_BYTES,
        wipe_wait_s: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.wipe_wait_s = WIPE_WAIT_S if wipe_wait_s is None else wipe_wait_s
        self.mmap_bytes = mmap_bytes
        self.clock = clock
        self.claim_timeout_s = claim_timeout_s
        self.max_attempts = max_attempts
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._read_only_connect = False
        #: why writes are refused (None: they are not); set when the file opened read-only
        self.read_only: StoreError | None = None
        #: the file was there but empty (0 bytes), and became a new, empty database
        self.started_empty = _size(self.path) == 0
        if not _writable(self.path):
            if not _size(self.path):
                raise read_only_error(self.path, "there is no database to read yet")
            self._open_read_only(read_only_error(self.path))
            return
        try:
            _secure_touch(self.path)
        except OSError as exc:
            raise StoreError(f"database {self.path}: cannot create it: {exc.strerror}") from None
        try:
            with guarded(self.path):
                conn = self.conn
                conn.execute("PRAGMA journal_mode=WAL")
                db = Database(conn, execute_plugins=False)
                migrations.apply(db)
        except DiskFull as exc:
            if not _size(self.path) or self.started_empty:
                raise
            # Opening a WAL database writes (its -shm file): read without it.
            self.close()
            self._open_read_only(exc)
            return
        if self.wipe_pending:
            self.finish_wipe()

    def _open_read_only(self, reason: StoreError) -> None:
        self.read_only = reason
        self._read_only_connect = True
        conn = self.conn
        with guarded(self.path):
            if migrations.pending(Database(conn, execute_plugins=False)):
                raise StoreError(f"{reason}; and the database needs upgrading to this gumd "
                                 "version first, which writes")
        log.info("%s opened read-only: %s", self.path, reason)

    # -- connections -------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._conns_lock:
                self._all_conns.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        with guarded(self.path):
            if getattr(self, "_read_only_connect", False):
                conn = _connect_read_only(self.path, self.busy_timeout_s)
            else:
                conn = sqlite3.connect(
                    str(self.path), timeout=self.busy_timeout_s, check_same_thread=False
                )
            conn.row_factory = sqlite3.Row
            conn.create_function("gumd_url_has_word", 2, url_has_word, deterministic=True)
            conn.execute("PRAGMA foreign_keys=ON")
            # Forgotten data is overwritten in place where that costs no extra I/O.
            conn.execute("PRAGMA secure_delete=FAST")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA temp_store=MEMORY")
            # Reads straight from the OS page cache, shared by every connection and process,
            # instead of copying pages into each connection's small cache: ranked queries
            # touch hundreds of rows at random and run about a third faster.
            conn.execute(f"PRAGMA mmap_size={int(self.mmap_bytes)}")
            # Touch the schema now so a damaged file fails here, with a clear error.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn

    def close(self) -> None:
        with self._conns_lock:
            for conn in self._all_conns:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all_conns.clear()
        self._local = threading.local()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require_writable(self) -> None:
        """Raise why this store cannot be changed, if it cannot."""
        if self.read_only is not None:
            raise self.read_only

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (a savepoint when nested). Commits on success."""
        self.require_writable()
        conn = self.conn
        with guarded(self.path):
            if conn.in_transaction:
                name = f"sp_{id(conn)}_{threading.get_ident()}_{time.monotonic_ns()}"
                conn.execute(f"SAVEPOINT {name}")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                        conn.execute(f"RELEASE SAVEPOINT {name}")
                    raise
                else:
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
            else:
                conn.commit()

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with guarded(self.path):
            return self.conn.execute(sql, params).fetchall()

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
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM observations").fetchone()[0]
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

    def get_observation(self, obs_id: int) -> Observation:
        return self._observation(self._row_by_id("observations", OBS_COLUMNS, obs_id, "observation"))

    def get_observations(self, ids: Sequence[int]) -> dict[int, Observation]:
        """The observations with these ids that exist, by id."""
        return {r["id"]: self._observation(r) for r in self._rows_by_ids("observations", OBS_COLUMNS, ids)}

    def _row_by_id(self, table: str, columns: str, row_id: int, noun: str) -> sqlite3.Row:
        rows = self.read(f"SELECT {columns} FROM {table} WHERE id = ?", (row_id,))
        if not rows:
            raise NotFound(f"no {noun} with id {row_id}")
        return rows[0]

    def _rows_by_ids(self, table: str, columns: str, ids: Sequence[int]) -> list[sqlite3.Row]:
        """The rows with these ids that exist, read 500 at a time (SQLite's limit on bound parameters)."""
        unique = list(dict.fromkeys(ids))
        out: list[sqlite3.Row] = []
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            out += self.read(f"SELECT {columns} FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        return out

    @staticmethod
    def _observation(row: sqlite3.Row) -> Observation:
        return Observation(**{k: row[k] for k in row.keys()})

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
        cur = conn.execute(
            "INSERT INTO propositions (text, reasoning, confidence, decay, half_life_s, created_at, "
            "updated_at, last_evidence_at, status, source, user_feedback, topic_key, sensitive, "
            "evidence_digest, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
            (
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
        new_id = int(cur.lastrowid)
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
            row = conn.execute("SELECT image_path FROM observations WHERE id = ?", (obs_id,)).fetchone()
            if row is None:
                raise NotFound(f"no observation with id {obs_id}")
            conn.execute(
                "UPDATE observations SET content = ?, image_path = CASE WHEN ? THEN NULL "
                "ELSE image_path END WHERE id = ?",
                (clean_text(content), 1 if drop_image else 0, obs_id),
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

    # -- suggestions ----------------------------------------------------------

    def add_suggestion(self, sugg: Suggestion) -> int | None:
        """Store a new suggestion; None when one with the same dedupe key already exists."""
        if sugg.status not in SUGGESTION_STATUSES:
            raise InvalidInput(f"suggestion status must be one of {SUGGESTION_STATUSES}")
        now = self.clock()
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO suggestions (created_at, updated_at, kind, title, body, action, scores, "
                "status, feedback, dedupe_key, proposition_ids, snoozed_until, due_at, "
                "observation_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                (sugg.created_at or now, now, sugg.kind, clean_text(sugg.title),
                 clean_text(sugg.body), _json(sugg.action), json.dumps(sugg.scores), sugg.status,
                 sugg.feedback, clean_text(sugg.dedupe_key), json.dumps(sugg.proposition_ids),
                 sugg.snoozed_until, sugg.due_at, json.dumps(sugg.observation_ids)),
            )
            if cur.rowcount == 0:
                return None
            sugg.id = int(cur.lastrowid)
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
            conn, writable = Store._check_connection(path)
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
        how many suggestions rest on each (``uses``) and, where an observation that supports
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
            f"coalesce(u.n, 0) AS uses, a.other AS contradicted_by FROM propositions p "
            f"LEFT JOIN uses u ON u.pid = p.id LEFT JOIN against a ON a.pid = p.id "
            f"WHERE p.status = 'active' AND p.user_feedback IS NULL "
            f"ORDER BY (a.other IS NOT NULL) DESC, (coalesce(u.n, 0) > 0) DESC, "
            f"(p.sensitive != '') DESC, abs(p.confidence - 0.5), p.id LIMIT ?",
            (int(limit),),
        )
        out = []
        for r in rows:
            out.append({"proposition": self.proposition_from_row(r), "uses": r["uses"],
                        "contradicted_by": r["contradicted_by"]})
        return out

    def evidence_apps(self, prop_ids: Sequence[int]) -> dict[int, list[str | None]]:
        """The apps of each proposition's supporting observations (None: no app)."""
        out: dict[int, list[str | None]] = {}
        unique = list(dict.fromkeys(int(p) for p in prop_ids))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            for r in self.read(
                "SELECT DISTINCT e.proposition_id, o.app FROM proposition_evidence e "
                "JOIN observations o ON o.id = e.observation_id WHERE e.relation = 'supports' "
                f"AND e.proposition_id IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(r["proposition_id"], []).append(r["app"])
        return out

    def upsert_question(self, prop_id: int, question: str, why: str, score: float,
                        reasons: Sequence[str]) -> int:
        """The question about ``prop_id``, made or refreshed (wording, score); its id.

        One per proposition: an answered or skipped one keeps its state and wording.
        """
        now = self.clock()
        with self.write() as conn:
            conn.execute(
                "INSERT INTO questions (proposition_id, question, why, score, reasons, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (proposition_id) DO UPDATE SET "
                "question = excluded.question, why = excluded.why, score = excluded.score, "
                "reasons = excluded.reasons WHERE questions.status = 'open'",
                (int(prop_id), clean_text(question), clean_text(why), float(score),
                 json.dumps(list(reasons)), now),
            )
            return int(conn.execute("SELECT id FROM questions WHERE proposition_id = ?",
                                    (int(prop_id),)).fetchone()[0])

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
        unique = list(dict.fromkeys(int(p) for p in prop_ids))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            for r in self.read(
                "SELECT e.proposition_id, o.content_hash FROM proposition_evidence e "
                "JOIN observations o ON o.id = e.observation_id WHERE e.relation = 'supports' "
                f"AND o.content_hash IS NOT NULL AND e.proposition_id IN "
                f"({','.join('?' * len(chunk))})", chunk):
                out.setdefault(r["proposition_id"], set()).add(r["content_hash"])
        return out

    # == end of questions ===========================================================


def _question_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["reasons"] = json.loads(out.get("reasons") or "[]")
    return out
