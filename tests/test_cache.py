"""Tests of the SQLite model-output cache on real files, including several processes and kill -9."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer import cache as cache_mod
from summarizer.cache import (
    DB_NAME,
    Cache,
    CacheEntry,
    MemoryCache,
    NullCache,
    cache_key,
    clear_all,
)
from summarizer.errors import CacheError, ConfigError
from summarizer.results import ModelInfo

REPO = Path(__file__).resolve().parents[1]

MODEL = ModelInfo(name="Helsinki-NLP/opus-mt-en-ru", revision="abc123", fingerprint="Helsinki-NLP/opus-mt-en-ru@abc123")
BASE_KEY = dict(
    task="translate",
    model=MODEL,
    params={"num_beams": 4, "max_new_tokens": 256},
    text="The summit opened in Baku on Thursday.",
    source_lang="en",
    target_lang="ru",
    target_token=">>rus<<",
    extra={"compute_type": "int8"},
)


def _entry(key: str, value: object, task: str = "translate", model: str = MODEL.name) -> CacheEntry:
    return CacheEntry(key=key, task=task, model=model, value=value)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


# -- keys -------------------------------------------------------------------------------------


def test_key_is_stable_when_nothing_changes() -> None:
    same = dict(BASE_KEY, params={"max_new_tokens": 256, "num_beams": 4})  # insertion order must not matter
    assert cache_key(**BASE_KEY) == cache_key(**same)
    assert len(cache_key(**BASE_KEY)) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"task": "summarize"},
        {"model": dataclasses.replace(MODEL, fingerprint="Helsinki-NLP/opus-mt-en-ru@def456")},
        {"model": dataclasses.replace(MODEL, backend="ctranslate2")},
        {"params": {"num_beams": 5, "max_new_tokens": 256}},
        {"params": {"num_beams": 4, "max_new_tokens": 256, "length_penalty": 1.0}},
        {"source_lang": "de"},
        {"target_lang": "az"},
        {"target_token": ">>aze<<"},
        {"target_token": None},
        {"text": "The summit opened in Baku on Thursday. "},  # exact text: trailing space counts
        {"extra": {"compute_type": "float16"}},
        {"extra": None},
    ],
    ids=lambda c: next(iter(c)),
)
def test_key_changes_when_any_one_part_changes(change: dict) -> None:
    assert cache_key(**{**BASE_KEY, **change}) != cache_key(**BASE_KEY)


def test_key_changes_with_format_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_key(**BASE_KEY)
    monkeypatch.setattr(cache_mod, "CACHE_FORMAT_VERSION", cache_mod.CACHE_FORMAT_VERSION + 1)
    assert cache_key(**BASE_KEY) != before


def test_key_ignores_display_name_and_stand_in_flag() -> None:
    # The same weights under another name are the same model; a stand-in has its own fingerprint.
    renamed = dataclasses.replace(MODEL, name="/models/opus-en-ru", stand_in=True)
    assert cache_key(**dict(BASE_KEY, model=renamed)) == cache_key(**BASE_KEY)


# -- cache dir --------------------------------------------------------------------------------


def test_resolve_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from summarizer.config.flags import RunOptions
    from summarizer.config.merge import resolve_cache, resolve_job

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR", raising=False)
    (tmp_path / "cfg").mkdir()
    job = tmp_path / "cfg" / "job.toml"
    job.write_text('targets = ["ru"]\n[cache]\ndir = "from-config"')
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_cache().dir == tmp_path / "xdg" / "summarizer"  # the user's cache folder, not ./cache
    assert not (tmp_path / "xdg").exists()  # resolving creates nothing
    assert resolve_job(job).cache.dir == tmp_path / "cfg" / "from-config"  # relative to the file
    # Read at call time, after import.
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "from-env"))
    assert resolve_job(job).cache.dir == tmp_path / "from-env"
    flag = RunOptions.of(cache_dir=Path("from-flag"))
    assert resolve_job(job, flag).cache.dir == tmp_path / "from-flag"
    assert resolve_cache(flag).dir == tmp_path / "from-flag"
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", "")
    assert resolve_job(job).cache.dir == tmp_path / "cfg" / "from-config"


def test_cache_dir_that_is_a_file(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_text("x")
    with pytest.raises(CacheError, match="cache") as err:
        Cache(not_a_dir)
    assert str(not_a_dir) in str(err.value)


def test_a_folder_where_the_database_belongs_is_named_as_a_folder(tmp_path: Path) -> None:
    """Issue 32 point 19: `cache stats` said "there is no cache" when a folder sat where the database file
    belongs. Readers and writers now say what is there and what to do, and leave it as it is."""
    from typer.testing import CliRunner

    from summarizer.cli.app import app

    (tmp_path / DB_NAME / "keep.txt").parent.mkdir()
    (tmp_path / DB_NAME / "keep.txt").write_text("someone's file")
    for args in (["cache", "stats"], ["memory", "list"]):
        result = CliRunner().invoke(app, [*args, "--cache-dir", str(tmp_path)])
        assert result.exit_code == 4, result.output
        (line,) = result.stderr.strip().splitlines()
        assert f"{tmp_path / DB_NAME} is a folder, where the cache database belongs" in line
        assert "move it aside" in line and "--cache-dir" in line and "there is no cache" not in line
    with pytest.raises(CacheError, match="is a folder, where the cache database belongs"):
        Cache(tmp_path)
    assert (tmp_path / DB_NAME / "keep.txt").read_text() == "someone's file"


# -- storage ----------------------------------------------------------------------------------


def test_round_trip_survives_reopen(tmp_path: Path) -> None:
    values = {
        "str": "Саммит открылся в Баку.",
        "dict": {"text": "Zirvə Bakıda açıldı.", "tokens": [1, 2, 3], "nested": {"ok": True}},
        "list": ["a", "b"],
    }
    with Cache(tmp_path) as cache:
        assert cache.path == tmp_path / DB_NAME
        cache.put_many([_entry(k, v) for k, v in values.items()])
        cache.put(_entry("single", "one"))
    with Cache(tmp_path) as cache:
        assert cache.get_many([*values, "missing"]) == values
        assert cache.get("single") == "one"
        assert cache.get("missing") is None


def test_hit_after_reopen_with_equal_inputs_and_replace(tmp_path: Path) -> None:
    key = cache_key(**BASE_KEY)
    with Cache(tmp_path) as cache:
        cache.put(_entry(key, "first"))
        cache.put(_entry(key, "second"))  # INSERT OR REPLACE: the latest wins, still one row
    again = cache_key(**dict(BASE_KEY, model=dataclasses.replace(MODEL), params=dict(BASE_KEY["params"])))
    with Cache(tmp_path) as cache:
        assert cache.get_many([again]) == {key: "second"}
        assert cache.stats().total == 1
        assert cache.get(cache_key(**dict(BASE_KEY, target_lang="az"))) is None


def _variable_limit() -> int:
    raw = sqlite3.connect(":memory:")
    try:  # Python >= 3.11; before that assume the SQLite default since 3.32
        return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[attr-defined]
    except AttributeError:
        return 32766
    finally:
        raw.close()


def test_get_many_beyond_sqlite_variable_limit(tmp_path: Path) -> None:
    n = _variable_limit() + 1  # one IN (...) with this many "?" fails: get_many must chunk
    stored = [0, 1, n // 2, n - 1]  # spread over the first, middle and last chunks
    with Cache(tmp_path) as cache:
        cache.put_many([_entry(f"k{i}", i) for i in stored])
        got = cache.get_many([f"k{i}" for i in range(n)])
    assert got == {f"k{i}": i for i in stored}


def test_wal_mode_and_migrations_table(tmp_path: Path) -> None:
    Cache(tmp_path).close()
    Cache(tmp_path).close()  # reopening must not re-apply migrations
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = [r[0] for r in raw.execute("SELECT name FROM _summarizer_migrations ORDER BY name")]
    raw.close()
    assert names == ["m001_entries", "m002_jobs", "m003_memory", "m004_feed_items", "m005_memory_exports"]


# -- stats and clear --------------------------------------------------------------------------


def test_stats_counts_and_last_job_hit_rate(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        assert cache.begin_job("running") and cache.stats().last_job is None  # unfinished jobs don't count
        cache.put_many([_entry(f"t{i}", i) for i in range(3)])
        cache.put_many([_entry(f"s{i}", i, task="summarize", model="sshleifer/distilbart-cnn-6-6") for i in range(2)])
        first = cache.begin_job("first")
        cache.end_job(first, hits=1, misses=1)
        second = cache.begin_job("second")
        cache.end_job(second, hits=3, misses=1)
        cache.begin_job("still running")  # not finished: not the "last job"
        stats = cache.stats()
    assert stats.entries == {("translate", MODEL.name): 3, ("summarize", "sshleifer/distilbart-cnn-6-6"): 2}
    assert stats.total == 5
    assert stats.size_bytes >= (tmp_path / DB_NAME).stat().st_size > 0
    assert stats.last_job is not None
    assert (stats.last_job.name, stats.last_job.hits, stats.last_job.misses) == ("second", 3, 1)
    assert stats.last_job.hit_rate == 0.75
    text = stats.describe()
    assert "hit rate 75%" in text and "sshleifer/distilbart-cnn-6-6" in text and str(tmp_path) in text


def test_clear_by_model_and_by_age(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache(tmp_path) as cache:
        with monkeypatch.context() as m:
            ten_days_ago = time.time() - 10 * 86400
            m.setattr(time, "time", lambda: ten_days_ago)
            cache.put_many([_entry(f"old{i}", i) for i in range(4)])
        cache.put_many([_entry(f"new{i}", i) for i in range(3)])
        cache.put_many([_entry(f"other{i}", i, model="other/model") for i in range(2)])

        assert cache.clear(older_than_days=30) == 0
        assert cache.clear(older_than_days=7) == 4
        assert cache.get("old0") is None and cache.get("new0") == 0

        assert cache.clear(model="other/model") == 2
        assert cache.stats().entries == {("translate", MODEL.name): 3}
        with pytest.raises(ConfigError):
            cache.clear(older_than_days=-1)
        assert cache.clear() == 3
        assert cache.stats().total == 0


# -- several processes and crashes ------------------------------------------------------------

WRITER = r"""
import sys, time
from pathlib import Path
from summarizer.cache import Cache, CacheEntry

cache_dir, worker, go, rounds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
deadline = time.monotonic() + 60
while not go.exists():  # start both writers together so they really contend
    if time.monotonic() > deadline:
        sys.exit("never got the go signal")
    time.sleep(0.002)
with Cache(cache_dir) as cache:
    for i in range(rounds):
        batch = [CacheEntry(f"{worker}-{i}-{j}", "translate", worker, {"w": worker, "i": i, "j": j}) for j in range(3)]
        batch.append(CacheEntry(f"shared-{i}", "summarize", "shared", {"i": i}))
        cache.put_many(batch)
        got = cache.get_many([e.key for e in batch])
        assert got == {e.key: e.value for e in batch}, got
"""


@pytest.mark.slow
def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    rounds = 300
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "cache"), worker, str(go), str(rounds)],
            env=_child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in ("a", "b")
    ]
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Cache(tmp_path / "cache") as cache:
        stats = cache.stats()
        keys = [f"{w}-{i}-{j}" for w in "ab" for i in range(rounds) for j in range(3)]
        got = cache.get_many(keys)
    assert stats.entries == {
        ("translate", "a"): 3 * rounds,
        ("translate", "b"): 3 * rounds,
        ("summarize", "shared"): rounds,
    }
    assert len(got) == len(keys)
    assert got["b-299-2"] == {"w": "b", "i": 299, "j": 2}


KILLED = r"""
import sys
from summarizer.cache import Cache, CacheEntry

batch_size = int(sys.argv[2])
with Cache(sys.argv[1]) as cache:
    i = 0
    while True:
        cache.put_many([CacheEntry(f"b{i}-{j}", "translate", "m", {"i": i, "j": j, "pad": "é" * 3000}) for j in range(batch_size)])
        print(i, flush=True)
        i += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
@pytest.mark.slow
def test_kill_9_mid_writes_leaves_complete_batches(tmp_path: Path) -> None:
    batch_size = 7
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(tmp_path), str(batch_size)],
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        committed = -1
        while committed < 40:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "writer exited"
            committed = int(line)
        os.kill(proc.pid, signal.SIGKILL)  # mid-loop: likely inside a put_many
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Cache(tmp_path) as cache:  # opens (WAL recovery) and is writable again
        total = cache.stats().total
        batches = total // batch_size
        assert total % batch_size == 0, "a batch was half-written"
        assert batches > committed
        keys = [f"b{i}-{j}" for i in range(batches) for j in range(batch_size)]
        got = cache.get_many(keys)
        assert len(got) == total
        assert all(
            got[f"b{i}-{j}"] == {"i": i, "j": j, "pad": "é" * 3000} for i in range(batches) for j in range(batch_size)
        )
        cache.put(_entry("after-crash", "resumed"))
        assert cache.get("after-crash") == "resumed"


# -- corruption -------------------------------------------------------------------------------


def _assert_recovery_message(err: CacheError, db: Path) -> None:
    message = str(err)
    assert "\n" not in message
    assert "corrupt" in message
    assert "clear --all" in message
    assert str(db) in message


def test_random_bytes_give_cache_error_and_keep_the_file(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    garbage = random.Random(1).randbytes(8192)
    db.write_bytes(garbage)
    with pytest.raises(CacheError) as err:
        Cache(tmp_path)
    _assert_recovery_message(err.value, db)
    assert db.read_bytes() == garbage


def test_garbled_pages_fail_at_read_time_and_keep_the_file(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    keys = [f"k{i}" for i in range(2000)]
    with Cache(tmp_path) as cache:
        cache.put_many([_entry(k, {"text": "x" * 300}) for k in keys])
    data = bytearray(db.read_bytes())  # closing the last connection checkpointed the WAL into the db
    half = len(data) // 2
    data[half:] = random.Random(0).randbytes(len(data) - half)  # the header and schema stay readable
    db.write_bytes(bytes(data))

    with pytest.raises(CacheError) as err, Cache(tmp_path) as cache:
        cache.get_many(keys)
    _assert_recovery_message(err.value, db)
    assert db.read_bytes() == bytes(data)


def test_garbled_value_is_never_served(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.put(_entry("k", "the right translation"))
    # SQLite has no page checksums: flip a value behind the cache's back, as bit rot would.
    raw = sqlite3.connect(tmp_path / DB_NAME)
    with raw:
        raw.execute("UPDATE entries SET value = ? WHERE key = 'k'", ('"the wrong translation"',))
    raw.close()
    with Cache(tmp_path) as cache, pytest.raises(CacheError) as err:
        cache.get("k")
    _assert_recovery_message(err.value, tmp_path / DB_NAME)


def test_clear_all_removes_a_corrupt_db(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    with Cache(tmp_path) as cache:
        cache.put(_entry("k", "v"))
    db.write_bytes(b"not a database" * 100)
    (tmp_path / (DB_NAME + "-wal")).write_bytes(b"junk")
    removed = clear_all(tmp_path)
    assert db in removed and tmp_path / (DB_NAME + "-wal") in removed
    assert not any(p.exists() for p in removed)
    assert clear_all(tmp_path) == []
    with Cache(tmp_path) as cache:
        assert cache.stats().total == 0


def test_memory_cache_hits_within_its_life_only() -> None:
    cache = MemoryCache()
    value = {"text": "Zirvə"}
    cache.put_many([_entry("k", value), _entry("o", 1, model="other/model")])
    got = cache.get("k")
    assert got == value and got is not value  # a copy, as from SQLite
    assert cache.stats().entries == {("translate", MODEL.name): 1, ("translate", "other/model"): 1}
    assert cache.clear(model="other/model") == 1
    assert cache.get_many(["k", "o"]) == {"k": value}
    assert MemoryCache().get("k") is None


def test_null_cache_never_hits() -> None:
    with NullCache() as cache:
        cache.put_many([_entry("k", "v")])
        cache.put(_entry("k2", "v"))
        assert cache.get_many(["k", "k2"]) == {}
        assert cache.get("k") is None
        job = cache.begin_job("job")
        cache.end_job(job, hits=0, misses=2)
        assert cache.stats().total == 0
        assert cache.clear() == 0
