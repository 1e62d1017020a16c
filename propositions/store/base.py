"""The store's ground floor: opening the file, connections, transactions, and the errors they turn into.

Also the module-level helpers every part of the store uses (``clean_text``, ``content_hash``,
the column lists); each part of ``Store`` is a mixin over ``ConnectionBase`` in this package.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from .. import migrations
from ..errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    NotFound,
    StoreError,
)

if TYPE_CHECKING:
    from . import Store

log = logging.getLogger(__name__)

Clock = Callable[[], float]

#: how long a claimed batch may stay "processing" before another worker may take it
DEFAULT_CLAIM_TIMEOUT_S = 600.0
DEFAULT_MAX_ATTEMPTS = 3

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
def setting_up(path: Path) -> Iterator[None]:
    """One process at a time sets a database up (WAL mode, migrations): two first commands at
    once would otherwise both run the same migration ("duplicate column") or find the file
    locked mid-switch. An advisory lock on a file of its own beside the database (never on the
    database file: closing another descriptor of it would drop SQLite's own locks)."""
    try:
        import fcntl
        fd = os.open(path.with_name(path.name + ".setup-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):  # no fcntl (Windows) or a folder it cannot write: unguarded
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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


def content_hash(text: str, app: str | None = None, title: str | None = None) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in (app or "", title or "", text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


#: tables whose ids leave gumd (the CLI, the API, MCP): an id is never given twice
ID_TABLES = ("observations", "propositions", "suggestions", "questions")


def next_id(conn: sqlite3.Connection, table: str) -> int:
    """The id a new row of ``table`` gets. SQLite hands out the highest id + 1, so forgetting the
    newest row would give its id to the next one, and an assistant holding the old id would act
    on another fact; the highest id ever used is kept in ``id_floor`` instead."""
    assert table in ID_TABLES
    return int(conn.execute(
        f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
        "coalesce((SELECT last FROM id_floor WHERE name = ?), 0)) + 1", (table,)).fetchone()[0])


def used_id(conn: sqlite3.Connection, table: str, last: int) -> None:
    """Record that ids of ``table`` up to ``last`` have been given."""
    conn.execute("INSERT INTO id_floor (name, last) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                 "SET last = max(last, excluded.last)", (table, int(last)))


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


class ConnectionBase:
    """The connection part of ``Store``: opening the file, connections, transactions, reads."""

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
        self.started_empty = False
        if not _writable(self.path):
            if not _size(self.path):
                raise read_only_error(self.path, "there is no database to read yet")
            self._open_read_only(read_only_error(self.path))
            return
        try:
            with guarded(self.path), setting_up(self.path):
                # under the lock: an empty file here is no other process's half-made database
                self.started_empty = _size(self.path) == 0
                try:
                    _secure_touch(self.path)
                except OSError as exc:
                    raise StoreError(f"database {self.path}: cannot create it: {exc.strerror}") from None
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

    if TYPE_CHECKING:  # what opening needs of the other parts (maintenance.py)
        @property
        def wipe_pending(self) -> bool: ...

        def finish_wipe(self, wait_s: float = 0.0) -> bool: ...
