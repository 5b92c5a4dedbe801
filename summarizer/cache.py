"""The model-output cache: one SQLite file in WAL mode, shared safely by several processes.

Keys hash everything that can change an output; a corrupt file is reported, never repaired or trusted.
The same file keeps the translation memory: editors' translations, which no clear of entries removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import CacheError, ConfigError
from .languages import language_tag, plural
from .results import ModelInfo

__all__ = [
    "CACHE_FORMAT_VERSION",
    "DB_NAME",
    "Cache",
    "CacheEntry",
    "CacheStats",
    "FeedItemRecord",
    "FeedState",
    "HumanTranslation",
    "JobCacheHits",
    "MemoryCache",
    "RecordingCache",
    "NullCache",
    "cache_key",
    "clear_all",
    "memory_lang",
    "read_stats",
]

log = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = 1  # bump when preprocessing/output format changes: old entries then miss
DB_NAME = "summarizer.sqlite3"

BUSY_TIMEOUT_S = 30.0
_RETRIES = 4  # on top of busy_timeout: WAL can report "locked" at once (recovery, snapshots)
_CHUNK = 500  # well under SQLITE_MAX_VARIABLE_NUMBER (999 before SQLite 3.32)
_SIDE_FILES = ("-wal", "-shm", "-journal")
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED

# Named migrations, applied in order and recorded by name, so a newer version only adds to the list.
_MIGRATIONS_TABLE = "_summarizer_migrations"
_MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "m001_entries",
        (
            # WITHOUT ROWID: the hash key is the only lookup, so one b-tree instead of table + index.
            # crc covers key + value: SQLite has no page checksums, and a garbled value must not be served.
            """CREATE TABLE entries (
                key TEXT PRIMARY KEY,
                task TEXT NOT NULL,
                model TEXT NOT NULL,
                value TEXT NOT NULL,
                crc INTEGER NOT NULL,
                created_at REAL NOT NULL
            ) WITHOUT ROWID""",
        ),
    ),
    (
        "m002_jobs",
        (
            """CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                hits INTEGER,
                misses INTEGER
            )""",
        ),
    ),
    (
        "m003_memory",
        (
            # The translation memory: keyed by the pair and the source text only, never by model, so an
            # editor's translation serves every model and survives --refresh and `cache clear`.
            """CREATE TABLE memory (
                source_lang TEXT NOT NULL,
                target_lang TEXT NOT NULL,
                source_text TEXT NOT NULL,
                target_text TEXT NOT NULL,
                origin TEXT NOT NULL,
                note TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (source_lang, target_lang, source_text)
            ) WITHOUT ROWID""",
        ),
    ),
    (
        "m004_feed_items",
        (
            # What a job has read of each feed: every item (by its guid, else its link) with the hash of
            # its entry in the feed and of its article's text, and whether it was digested; keyed by job,
            # so two jobs that follow one feed each digest it.
            """CREATE TABLE feed_items (
                job TEXT NOT NULL,
                feed TEXT NOT NULL,
                item TEXT NOT NULL,
                link TEXT,
                entry_hash TEXT NOT NULL,
                content_hash TEXT,
                first_seen REAL NOT NULL,
                last_seen REAL NOT NULL,
                digested REAL,
                PRIMARY KEY (job, feed, item)
            ) WITHOUT ROWID""",
            "CREATE INDEX feed_items_link ON feed_items (job, feed, link)",
            # A feed's conditional-GET state per job: its validators and the body they validate (zlib),
            # so a 304 lists the same items again without fetching them.
            """CREATE TABLE feed_state (
                job TEXT NOT NULL,
                url TEXT NOT NULL,
                etag TEXT,
                last_modified TEXT,
                body BLOB NOT NULL,
                fetched_at REAL NOT NULL,
                PRIMARY KEY (job, url)
            ) WITHOUT ROWID""",
        ),
    ),
    (
        "m005_memory_exports",
        (
            # What `memory export` last wrote for each source and pair: the text an editor was given, so an
            # import stores as human only the segments whose target differs from it (or that the file marks).
            """CREATE TABLE memory_exports (
                source_lang TEXT NOT NULL,
                target_lang TEXT NOT NULL,
                source_text TEXT NOT NULL,
                target_text TEXT NOT NULL,
                exported_at REAL NOT NULL,
                PRIMARY KEY (source_lang, target_lang, source_text)
            ) WITHOUT ROWID""",
        ),
    ),
)
_MEMORY_MIGRATION = "m003_memory"
_EXPORTS_MIGRATION = "m005_memory_exports"
_FEEDS_MIGRATION = "m004_feed_items"

T = TypeVar("T")


def _canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(
    *,
    task: str,
    model: ModelInfo,
    params: Mapping[str, Any],
    text: str,
    source_lang: str | None = None,
    target_lang: str | None = None,
    target_token: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The sha256 of everything that can change an output, as canonical JSON.

    The model is identified by its fingerprint (which pins the revision) and backend, not by its
    display name: the same weights under another name still hit. Non-JSON params raise TypeError
    rather than being stringified, which could make two different params collide.
    """
    payload = {
        "format": CACHE_FORMAT_VERSION,
        "task": task,
        "model": {"fingerprint": model.fingerprint, "backend": model.backend},
        "params": dict(params),
        "source_lang": source_lang,
        "target_lang": target_lang,
        "target_token": target_token,
        "extra": dict(extra or {}),
        "text": text,
    }
    return hashlib.sha256(_canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """One model output to store. `model` is the display name, used only by stats and clear."""

    key: str
    task: str
    model: str
    value: Any  # anything json.dumps accepts


def memory_lang(code: str) -> str:
    """How the translation memory keys a language: its BCP-47 tag in lower case (`zh_Hant` -> `zh-hant`)."""
    return language_tag(code).lower()


@dataclass(frozen=True)
class HumanTranslation:
    """One editor's translation in the translation memory: used for an exact source match, for any model.

    `source` is the sentence as the translator sees it (stripped); `origin` the file it was imported from."""

    source_lang: str
    target_lang: str
    source: str
    target: str
    origin: str = ""
    note: str = ""
    created_at: float = 0.0


@dataclass(frozen=True)
class FeedItemRecord:
    """What a job remembers of one feed item: its id (guid, else link), link, the hash of its entry in the
    feed and of its article's text, and whether (when) it was digested."""

    item: str
    link: str | None
    entry_hash: str
    content_hash: str | None
    first_seen: float
    digested: float | None = None


@dataclass(frozen=True)
class FeedState:
    """A feed's validators from its last fetch (for a conditional GET) and the body they validate."""

    etag: str | None
    last_modified: str | None
    body: bytes


@dataclass(frozen=True)
class JobCacheHits:
    """Cache hits and misses of one finished job."""

    name: str
    hits: int
    misses: int
    started_at: float
    finished_at: float

    @property
    def hit_rate(self) -> float | None:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None


@dataclass(frozen=True)
class CacheStats:
    """What `summarizer cache stats` shows."""

    path: Path | None
    entries: dict[tuple[str, str], int]  # (task, model name) -> rows
    total: int
    size_bytes: int  # db + -wal + -shm on disk
    last_job: JobCacheHits | None
    exists: bool = True

    def describe(self) -> str:
        """A few lines for people (`summarizer cache stats`)."""
        if not self.exists:
            return f"cache: {self.path} (not created yet: no job has used it)\nentries: 0"
        lines = [
            f"cache: {self.path or '(not stored)'}",
            f"entries: {self.total}, {self.size_bytes / 1e6:.1f} MB on disk",
        ]
        lines += [f"  {n:>8}  {task}  {model}" for (task, model), n in sorted(self.entries.items())]
        job = self.last_job
        if job is None:
            lines.append("last job: none recorded")
        else:
            rate = "no lookups" if job.hit_rate is None else f"hit rate {job.hit_rate:.0%}"
            # Jobs without a job file are stored as "adhoc": say what that means.
            name = "a command without a job file" if job.name == "adhoc" else f"job file {job.name}"
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.finished_at or job.started_at))
            lines.append(
                f"last job: {name}, {when}: {plural(job.hits, 'output')} from the cache, {job.misses} computed ({rate})"
            )
        return "\n".join(lines)


def _db_files(db_path: Path) -> list[Path]:
    return [db_path, *(db_path.with_name(db_path.name + suffix) for suffix in _SIDE_FILES)]


def _crc(key: str, value_json: str) -> int:
    return zlib.crc32(f"{key}\0{value_json}".encode())


def _is_busy(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)  # Python >= 3.11
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(err) or "busy" in str(err)


def _is_corrupt(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _CORRUPT_CODES:
        return True
    return any(s in str(err) for s in ("malformed", "not a database", "corrupt"))


def _cutoff(older_than_days: float | None) -> float | None:
    """The unix time before which entries count as older than `older_than_days`."""
    if older_than_days is None:
        return None
    if older_than_days < 0:
        raise ConfigError(f"older_than_days must be 0 or more, got {older_than_days}")
    return time.time() - older_than_days * 86400


class _Corrupt(Exception):
    """A row that SQLite read fine but whose checksum is wrong."""


class Cache:
    """A persistent key -> JSON value store. Batch-first: get_many, compute the misses, put_many.

    Every method is one short transaction, so nothing is held open across model calls and a
    kill between calls loses nothing already stored.
    """

    def __init__(self, cache_dir: str | os.PathLike[str], *, readonly: bool = False) -> None:
        """Open (creating it if needed) the cache in `cache_dir`; `readonly` opens an existing one for
        reading only, also where the folder or file can't be written."""
        self.cache_dir = Path(cache_dir)
        self.path = self.cache_dir / DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        if readonly:
            self._conn = self._connect_readonly()
            return
        # What this open creates, so that `discard_if_unused` can take it back.
        self._created = [p for p in (*reversed(self.cache_dir.parents), self.cache_dir, self.path) if not p.exists()]
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            why = "it is a file, not a folder" if self.cache_dir.is_file() else (err.strerror or str(err))
            raise CacheError(
                f"can't create cache folder {self.cache_dir}: {why}; pass another --cache-dir or set SUMMARIZER_CACHE_DIR"
            ) from err
        if (error := self._not_a_database()) is not None:
            raise error
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a write never
            # starts as a read and then fails to upgrade its lock.
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )  # shared by a job's threads (a Ray job's pools): every transaction holds `_lock`
        except sqlite3.Error as err:
            raise self._error(err) from err
        try:
            self._retrying(self._setup)
        except BaseException:
            self.close()
            raise

    # -- connection and errors ------------------------------------------------------------

    def _not_a_database(self) -> CacheError | None:
        """What to say when something other than a file sits where the database belongs (a folder, a FIFO)."""
        if not self.path.exists() or self.path.is_file():
            return None
        what = "a folder" if self.path.is_dir() else "not a regular file"
        return CacheError(
            f"{self.path} is {what}, where the cache database belongs: move it aside (summarizer then starts "
            "a new cache there), or give another --cache-dir"
        )

    def _connect_readonly(self) -> sqlite3.Connection:
        if (error := self._not_a_database()) is not None:
            raise error
        if not self.path.is_file():
            raise CacheError(f"there is no cache at {self.path}")
        uri = self.path.resolve().as_uri()
        last: sqlite3.Error | None = None
        # A WAL database opened read-only still needs its -shm file; where the folder is read-only
        # and that file is missing, `immutable` reads the file as it is (no writer can be active then).
        for query in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            try:
                conn.execute("PRAGMA schema_version").fetchone()
                return conn
            except sqlite3.Error as err:
                conn.close()
                last = err
                if _is_corrupt(err):
                    break
        assert last is not None
        raise self._error(last)

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # Reading the schema is the cheap open check: random bytes or a bad header fail here.
        conn.execute("PRAGMA schema_version").fetchone()
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                log.warning("cache %s: WAL mode unavailable (got %s); concurrency is reduced", self.path, mode)
        # With WAL, NORMAL may lose the last commits on power loss but never corrupts the db.
        conn.execute("PRAGMA synchronous = NORMAL")
        self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._pending_migrations(conn):
            # Take the write lock first so two processes opening a new cache don't both migrate.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            for name, statements in self._pending_migrations(conn):
                for sql in statements:
                    conn.execute(sql)
                conn.execute(f"INSERT INTO {_MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)", (name, time.time()))
                log.debug("cache %s: applied migration %s", self.path, name)
            conn.execute("COMMIT")

    @staticmethod
    def _pending_migrations(conn: sqlite3.Connection) -> list[tuple[str, tuple[str, ...]]]:
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_MIGRATIONS_TABLE,)
        ).fetchone()
        done = {row[0] for row in conn.execute(f"SELECT name FROM {_MIGRATIONS_TABLE}")} if has_table else set()
        return [m for m in _MIGRATIONS if m[0] not in done]

    def _error(self, err: Exception) -> CacheError:
        recover = f"run `summarizer cache clear --all` or move {self.path} aside"
        detail = str(err).replace("\n", " ")
        if isinstance(err, _Corrupt) or (isinstance(err, sqlite3.Error) and _is_corrupt(err)):
            return CacheError(f"cache database {self.path} is corrupt ({detail}): {recover}")
        if isinstance(err, sqlite3.Error) and _is_busy(err):
            return CacheError(
                f"cache database {self.path} stayed locked by another process ({detail}); "
                "try again when it finishes, or use --no-cache"
            )
        return CacheError(
            f"cache database {self.path} can't be used ({detail}): check permissions and free disk space, or {recover}"
        )

    def _retrying(self, op: Callable[[sqlite3.Connection], T]) -> T:
        """Run one transaction, retrying 'database is locked' with backoff; map other errors to CacheError."""
        with self._lock:
            return self._retrying_locked(op)

    def _retrying_locked(self, op: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            raise ValueError(f"cache {self.path} is closed")
        conn = self._conn
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                return op(conn)
            except (sqlite3.Error, _Corrupt) as err:
                if isinstance(err, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
                    raise  # a bug in this module, not a state of the database
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        log.debug("cache %s: rollback failed", self.path, exc_info=True)
                attempt += 1
                # Retry only a "locked" that came back early (WAL recovery, a snapshot race): one that
                # already waited out busy_timeout means another process really holds the lock.
                waited = time.monotonic() - started
                if isinstance(err, sqlite3.Error) and _is_busy(err) and attempt < _RETRIES and waited < BUSY_TIMEOUT_S:
                    delay = 0.05 * 2**attempt * (1 + random.random())  # jitter: don't retry in lockstep
                    log.debug("cache %s is locked, retrying in %.2fs", self.path, delay)
                    time.sleep(delay)
                    continue
                raise self._error(err) from err

    def _write(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        """One statement in its own BEGIN IMMEDIATE transaction (its cursor keeps rowcount and lastrowid)."""

        def op(conn: sqlite3.Connection) -> sqlite3.Cursor:
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(sql, args)
            conn.execute("COMMIT")
            return cursor

        return self._retrying(op)

    # -- reads and writes -----------------------------------------------------------------

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The stored values of the keys that hit; misses are simply absent."""
        unique = list(dict.fromkeys(keys))

        def op(conn: sqlite3.Connection) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT key, value, crc FROM entries WHERE key IN ({marks})", chunk)
                for key, value_json, crc in rows:
                    if _crc(key, value_json) != crc:  # so the value is exactly what json.dumps wrote
                        raise _Corrupt(f"checksum mismatch for key {key[:12]}")
                    found[key] = json.loads(value_json)
            return found

        return self._retrying(op) if unique else {}

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        """Store the entries in one short write transaction, replacing any with the same key."""
        if not entries:
            return
        now = time.time()
        rows = []
        for e in entries:  # serialize first: a bad value must fail before the write lock is taken
            value_json = json.dumps(e.value, ensure_ascii=False)
            rows.append((e.key, e.task, e.model, value_json, _crc(e.key, value_json), now))

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR REPLACE INTO entries (key, task, model, value, crc, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")

        self._retrying(op)

    def get(self, key: str) -> Any | None:
        """The value for one key, or None on a miss (use get_many to store and tell apart a JSON null)."""
        return self.get_many([key]).get(key)

    def put(self, entry: CacheEntry) -> None:
        self.put_many([entry])

    # -- the translation memory -----------------------------------------------------------

    def _has_table(self, migration: str = _MEMORY_MIGRATION) -> bool:
        """False for a database opened read-only that predates `migration`'s table (it then holds none)."""
        return self._conn is not None and all(name != migration for name, _ in self._pending_migrations(self._conn))

    def put_human(self, entries: Sequence[HumanTranslation]) -> int:
        """Store editors' translations in ONE transaction (all or none), replacing any of the same source
        and pair; languages are keyed by `memory_lang`. Returns how many were stored."""
        if not entries:
            return 0
        now = time.time()
        rows = [
            (memory_lang(e.source_lang), memory_lang(e.target_lang), e.source.strip(), e.target, e.origin, e.note, now)
            for e in entries
        ]
        return self._replace_rows(
            "memory (source_lang, target_lang, source_text, target_text, origin, note, created_at)", rows
        )

    def _replace_rows(self, into: str, rows: Sequence[tuple[Any, ...]]) -> int:
        """INSERT OR REPLACE `rows` into `into` (a table and its columns) in ONE transaction; how many."""
        marks = ", ".join("?" * len(rows[0])) if rows else ""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(f"INSERT OR REPLACE INTO {into} VALUES ({marks})", rows)
            conn.execute("COMMIT")

        if rows:
            self._retrying(op)
        return len(rows)

    def human_for(self, sources: Sequence[str], source_lang: str, target: str) -> dict[str, str]:
        """The editors' translations of those `sources` (matched exactly, after stripping) from `source_lang`
        into `target`: source as given -> translation; sources without one are absent."""
        return self._by_source("memory", _MEMORY_MIGRATION, sources, source_lang, target)

    def put_exported(self, entries: Sequence[HumanTranslation]) -> int:
        """Record what `memory export` wrote (source -> the target it gave the editor, per pair), replacing an
        earlier export's text for the same source and pair. One transaction; returns how many."""
        rows = [
            (memory_lang(e.source_lang), memory_lang(e.target_lang), e.source.strip(), e.target, time.time())
            for e in entries
        ]
        return self._replace_rows(
            "memory_exports (source_lang, target_lang, source_text, target_text, exported_at)", rows
        )

    def exported_for(self, sources: Sequence[str], source_lang: str, target: str) -> dict[str, str]:
        """The targets the last `memory export` wrote for those `sources` of the pair (as `human_for` matches)."""
        return self._by_source("memory_exports", _EXPORTS_MIGRATION, sources, source_lang, target)

    def _by_source(
        self, table: str, table_migration: str, sources: Sequence[str], source_lang: str, target: str
    ) -> dict[str, str]:
        """source as given -> `target_text` of `table` for the pair, for the sources (stripped) it holds."""
        wanted: dict[str, list[str]] = {}
        for text in sources:
            wanted.setdefault(text.strip(), []).append(text)
        wanted.pop("", None)
        if not wanted or not self._has_table(table_migration):
            return {}
        pair = (memory_lang(source_lang), memory_lang(target))
        unique = list(wanted)

        def op(conn: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            for start in range(0, len(unique), _CHUNK - 2):
                chunk = unique[start : start + _CHUNK - 2]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT source_text, target_text FROM {table} WHERE source_lang = ? AND target_lang = ? "
                    f"AND source_text IN ({marks})",
                    (*pair, *chunk),
                )
                for source, target_text in rows:
                    found.update(dict.fromkeys(wanted[source], target_text))
            return found

        return self._retrying(op)

    def list_human(self, target: str | None = None, source_lang: str | None = None) -> list[HumanTranslation]:
        """The stored editors' translations, optionally of one target and/or source language, sorted."""
        if not self._has_table():
            return []
        where, args = [], []
        for column, code in (("target_lang", target), ("source_lang", source_lang)):
            if code is not None:
                where.append(f"{column} = ?")
                args.append(memory_lang(code))
        sql = (
            "SELECT source_lang, target_lang, source_text, target_text, origin, note, created_at FROM memory"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY target_lang, source_lang, source_text"
        )
        return self._retrying(lambda conn: [HumanTranslation(*row) for row in conn.execute(sql, args)])

    def remove_human(self, target: str, *, sources: Sequence[str] | None = None, source_lang: str | None = None) -> int:
        """Delete the editors' translations into `target` (of `source_lang`, when given): those of `sources`
        only, or all of them when `sources` is None. One transaction; returns how many were deleted."""
        where, args = ["target_lang = ?"], [memory_lang(target)]
        if source_lang is not None:
            where.append("source_lang = ?")
            args.append(memory_lang(source_lang))
        sql = "DELETE FROM memory WHERE " + " AND ".join(where)
        if sources is None:
            return self._write(sql, args).rowcount
        texts = list(dict.fromkeys(s.strip() for s in sources))

        def op(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            deleted = sum(conn.execute(sql + " AND source_text = ?", (*args, text)).rowcount for text in texts)
            conn.execute("COMMIT")
            return deleted

        return self._retrying(op)

    # -- feeds: what each job has read ----------------------------------------------------

    def feed_items(self, job: str, feed: str) -> dict[str, FeedItemRecord]:
        """What `job` remembers of the items of `feed`, by item id."""
        if self._conn is None or any(name == _FEEDS_MIGRATION for name, _ in self._pending_migrations(self._conn)):
            return {}
        sql = (
            "SELECT item, link, entry_hash, content_hash, first_seen, digested FROM feed_items "
            "WHERE job = ? AND feed = ?"
        )
        return self._retrying(lambda conn: {row[0]: FeedItemRecord(*row) for row in conn.execute(sql, (job, feed))})

    def put_feed_item(
        self,
        job: str,
        feed: str,
        item: str,
        *,
        link: str | None,
        entry_hash: str,
        content_hash: str | None,
        digested: bool,
        was: str | None = None,
    ) -> None:
        """Remember one item of `feed` (its first sighting is kept); `was`: the id it had before (a guid
        that changed), whose row it takes over."""
        now = time.time()

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            first = now
            for key in dict.fromkeys(k for k in (item, was) if k is not None):
                row = conn.execute(
                    "SELECT first_seen, digested FROM feed_items WHERE job = ? AND feed = ? AND item = ?",
                    (job, feed, key),
                ).fetchone()
                if row is not None:
                    first = min(first, row[0])
                    if key != item:
                        conn.execute("DELETE FROM feed_items WHERE job = ? AND feed = ? AND item = ?", (job, feed, key))
            conn.execute(
                "INSERT OR REPLACE INTO feed_items (job, feed, item, link, entry_hash, content_hash, first_seen, "
                "last_seen, digested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job, feed, item, link, entry_hash, content_hash, first, now, now if digested else None),
            )
            conn.execute("COMMIT")

        self._retrying(op)

    def feed_state(self, job: str, url: str) -> FeedState | None:
        """The validators and body of `url`'s last fetch by `job`, if any."""
        if self._conn is None or any(name == _FEEDS_MIGRATION for name, _ in self._pending_migrations(self._conn)):
            return None
        row = self._retrying(
            lambda conn: conn.execute(
                "SELECT etag, last_modified, body FROM feed_state WHERE job = ? AND url = ?", (job, url)
            ).fetchone()
        )
        if row is None:
            return None
        try:
            return FeedState(row[0], row[1], zlib.decompress(row[2]))
        except zlib.error:
            return None  # a garbled body: fetch the feed afresh

    def put_feed_state(self, job: str, url: str, state: FeedState) -> None:
        self._write(
            "INSERT OR REPLACE INTO feed_state (job, url, etag, last_modified, body, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (job, url, state.etag, state.last_modified, zlib.compress(state.body), time.time()),
        )

    # -- jobs, stats, maintenance ---------------------------------------------------------

    def begin_job(self, name: str) -> int:
        """Record the start of a job; pass the id to end_job with its hit and miss counts."""

        cursor = self._write("INSERT INTO jobs (name, started_at) VALUES (?, ?)", (name, time.time()))
        return int(cursor.lastrowid or 0)

    def end_job(self, job_id: int, *, hits: int, misses: int) -> None:
        self._write(
            "UPDATE jobs SET finished_at = ?, hits = ?, misses = ? WHERE id = ?", (time.time(), hits, misses, job_id)
        )

    def stats(self) -> CacheStats:
        if self._conn is not None and self._pending_migrations(self._conn):
            return CacheStats(path=self.path, entries={}, total=0, size_bytes=0, last_job=None)  # never used yet

        def op(conn: sqlite3.Connection) -> CacheStats:
            # One read transaction, so the counts and the last job come from the same snapshot.
            conn.execute("BEGIN")
            groups = conn.execute("SELECT task, model, count(*) FROM entries GROUP BY task, model").fetchall()
            job = conn.execute(
                "SELECT name, hits, misses, started_at, finished_at FROM jobs "
                "WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1"
            ).fetchone()
            conn.execute("COMMIT")
            entries = {(task, model): n for task, model, n in groups}
            return CacheStats(
                path=self.path,
                entries=entries,
                total=sum(entries.values()),
                size_bytes=sum(p.stat().st_size for p in _db_files(self.path) if p.is_file()),
                last_job=JobCacheHits(*job) if job else None,
            )

        return self._retrying(op)

    def clear(self, *, model: str | None = None, older_than_days: float | None = None) -> int:
        """Delete entries of one model (display name) and/or older than N days; both None deletes all.

        The translation memory is never touched: editors' translations are removed only by `remove_human`."""
        cutoff = _cutoff(older_than_days)
        where: list[str] = []
        args: list[Any] = []
        if model is not None:
            where.append("model = ?")
            args.append(model)
        if cutoff is not None:
            where.append("created_at < ?")
            args.append(cutoff)
        sql = "DELETE FROM entries" + (" WHERE " + " AND ".join(where) if where else "")
        deleted = self._write(sql, args).rowcount
        if deleted:
            self._compact()
        return deleted

    def _compact(self) -> None:
        """Give freed pages back to the disk. Best effort: other processes may be using the cache."""
        assert self._conn is not None
        try:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as err:
            if not _is_busy(err):
                raise self._error(err) from err
            log.info("cache %s is in use; skipped compacting it after clear", self.path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def discard_if_unused(self) -> bool:
        """Close; if this open created the database and nothing was stored in it (a job that stopped before
        it ran: a missing model, a refused output path), delete it and the folders it created, so that a
        run that did nothing leaves nothing behind. True when something was removed."""
        created = getattr(self, "_created", [])
        if self._conn is None or self.path not in created:
            self.close()
            return False
        used = self._conn.execute(
            "SELECT (SELECT COUNT(*) FROM entries) + (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM memory)"
        ).fetchone()[0]
        self.close()
        if used:
            return False
        for path in _db_files(self.path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for folder in reversed([p for p in created if p != self.path]):
            with contextlib.suppress(OSError):  # not empty (someone else wrote there): it stays
                folder.rmdir()
        return True

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cache({str(self.cache_dir)!r})"


class NullCache:
    """The Cache interface, storing nothing: what --no-cache uses."""

    path: Path | None = None

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        return {}

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        return None

    def get(self, key: str) -> Any | None:
        return None

    def put(self, entry: CacheEntry) -> None:
        return None

    def begin_job(self, name: str) -> int:
        return 0

    def end_job(self, job_id: int, *, hits: int, misses: int) -> None:
        return None

    def stats(self) -> CacheStats:
        return CacheStats(path=None, entries={}, total=0, size_bytes=0, last_job=None)

    def clear(self, *, model: str | None = None, older_than_days: float | None = None) -> int:
        return 0

    def human_for(self, sources: Sequence[str], source_lang: str, target: str) -> dict[str, str]:
        """No translation memory without a cache database (--no-cache): every sentence goes to the model."""
        return {}

    def list_human(self, target: str | None = None, source_lang: str | None = None) -> list[HumanTranslation]:
        return []

    def feed_items(self, job: str, feed: str) -> dict[str, FeedItemRecord]:
        """No memory of feeds without a cache database: every item is new."""
        return {}

    def put_feed_item(self, job: str, feed: str, item: str, **values: Any) -> None:
        return None

    def feed_state(self, job: str, url: str) -> FeedState | None:
        return None

    def put_feed_state(self, job: str, url: str, state: FeedState) -> None:
        return None

    def discard_if_unused(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def __enter__(self) -> NullCache:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class MemoryCache(NullCache):
    """The Cache interface over a dict that lives as long as the object: dedupes within one --no-cache job."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, str, str, float]] = {}  # key -> (task, model, value JSON, created_at)
        self._feed_items: dict[tuple[str, str], dict[str, FeedItemRecord]] = {}
        self._feed_states: dict[tuple[str, str], FeedState] = {}

    def feed_items(self, job: str, feed: str) -> dict[str, FeedItemRecord]:
        return dict(self._feed_items.get((job, feed), {}))

    def put_feed_item(self, job: str, feed: str, item: str, **values: Any) -> None:
        """As Cache.put_feed_item (the same keywords: link, entry_hash, content_hash, digested, was)."""
        now = time.time()
        rows = self._feed_items.setdefault((job, feed), {})
        was = values.get("was")
        old = [rows.pop(key) for key in (was, item) if key is not None and key in rows]
        first = min([now, *(r.first_seen for r in old)])
        digested = now if values["digested"] else None
        rows[item] = FeedItemRecord(item, values["link"], values["entry_hash"], values["content_hash"], first, digested)

    def feed_state(self, job: str, url: str) -> FeedState | None:
        return self._feed_states.get((job, url))

    def put_feed_state(self, job: str, url: str, state: FeedState) -> None:
        self._feed_states[job, url] = state

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        # Decode a fresh copy each time, as Cache does, so callers can't alias stored values.
        return {k: json.loads(self._rows[k][2]) for k in keys if k in self._rows}

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        now = time.time()
        for e in entries:
            self._rows[e.key] = (e.task, e.model, json.dumps(e.value, ensure_ascii=False), now)

    def get(self, key: str) -> Any | None:
        return self.get_many([key]).get(key)

    def put(self, entry: CacheEntry) -> None:
        self.put_many([entry])

    def stats(self) -> CacheStats:
        entries: dict[tuple[str, str], int] = {}
        for task, model, _, _ in self._rows.values():
            entries[task, model] = entries.get((task, model), 0) + 1
        return CacheStats(path=None, entries=entries, total=len(self._rows), size_bytes=0, last_job=None)

    def clear(self, *, model: str | None = None, older_than_days: float | None = None) -> int:
        cutoff = _cutoff(older_than_days)
        doomed = [
            k
            for k, (_, m, _, created) in self._rows.items()
            if (model is None or m == model) and (cutoff is None or created < cutoff)
        ]
        for k in doomed:
            del self._rows[k]
        return len(doomed)


def clear_all(cache_dir: str | os.PathLike[str]) -> list[Path]:
    """Delete the database and its -wal/-shm files without opening them, so it works on a corrupt db.
    The translation memory lives in that file, so it goes too.

    Only for the explicit `cache clear --all`: the cache never deletes its file on its own.
    """
    removed = []
    for path in _db_files(Path(cache_dir) / DB_NAME):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as err:
            raise CacheError(f"can't remove {path}: {err.strerror or err}; remove it by hand") from err
        removed.append(path)
    log.info("removed %s", ", ".join(map(str, removed)) or "nothing")
    return removed


def read_stats(cache_dir: str | os.PathLike[str]) -> CacheStats:
    """Stats of the cache in `cache_dir` without creating or changing anything (read-only)."""
    path = Path(cache_dir) / DB_NAME
    if not path.exists():
        return CacheStats(path=path, entries={}, total=0, size_bytes=0, last_job=None, exists=False)
    with Cache(cache_dir, readonly=True) as cache:
        return cache.stats()


class RecordingCache(MemoryCache):
    """A MemoryCache that also keeps what was written since the last `drain()`: a remote worker's
    cache, whose entries travel back to the driver, the one writer of the real cache."""

    def __init__(self) -> None:
        super().__init__()
        self._written: list[CacheEntry] = []

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        super().put_many(entries)
        self._written.extend(entries)

    def drain(self) -> list[CacheEntry]:
        written, self._written = self._written, []
        return written
