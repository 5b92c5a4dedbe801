"""Writing digests and the job index to disk: safe unique file names, each article's files written as one set.

File names, for an input whose stem is `<stem>` (see `output_names`):
    <stem>.html          all target languages          <stem>.<lang>.html   one target language
    <stem>.md            all target languages          <stem>.json          the full digest
    index.html, index.json                             the job's index (`write_index`)

A job writes through an `OutputGuard`, which holds the output-safety rule: no output path may be an
input, inside a folder being read as input, or a file this tool did not write (`is_own_output`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

from ..errors import ConfigError, OutputError
from ..inputs.reading import Input
from ..options import DIGEST_FORMATS, check_formats
from ..results import Digest, DigestLink, IndexEntry
from .render import render_digest, render_index, render_index_json
from .render.common import quality
from .render.markdown import MARKDOWN_MARK

try:
    import fcntl
except ImportError:  # not POSIX: staging folders are not locked, and none is ever taken for stale
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# What a folder records of the files this tool wrote there that carry no mark of their own (plain text).
MANIFEST = ".summarizer-outputs"
STAGING_PREFIX = ".staging-"
# A staging folder younger than this is never taken for stale: its writer may not have locked it yet.
STALE_STAGING_SECONDS = 10.0
_HEAD, _TAIL = 4096, 256  # how much of a file is read to find a mark
_MANIFEST_COMPACT = 1 << 20  # a manifest past this size keeps only the last line per name
_MARKS = {
    "json": re.compile(rb'\A\s*\{\s*"schema"\s*:\s*"summarizer\.(?:digest|summary|index|edition)"'),
    "html": re.compile(re.escape(b'<meta name="generator" content="summarizer">')),
    "md": re.compile(re.escape(MARKDOWN_MARK.encode()) + rb"\s*\Z"),
}
_MARKS["jsonl"] = _MARKS["json"]

STDIN_STEM = "stdin"
# Stems a file must not take: the index's own name, stdin's, and names Windows reserves.
_RESERVED = frozenset(
    {"index", "edition", STDIN_STEM, "con", "prn", "aux", "nul"}
    | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}
)
_SAFE_STEM = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?")
_MAX_SLUG = 60
_ELSEWHERE = "choose another folder with --out"
_ADVICE = {
    errno.ENOSPC: f"free some disk space or {_ELSEWHERE}",
    errno.EROFS: f"the file system is read-only; {_ELSEWHERE}",
    errno.EACCES: f"check the folder's permissions or {_ELSEWHERE}",
    errno.EPERM: f"check the folder's permissions or {_ELSEWHERE}",
}


def _output_error(path: Path, exc: OSError) -> OutputError:
    """One line for people: which file, why (the system's words), and what to do."""
    return OutputError(f"can't write {path}: {exc.strerror or exc}; {_ADVICE.get(exc.errno, _ELSEWHERE)}")


def _make_folder(folder: Path) -> None:
    """Create `folder` and its parents; a file in the way is named as such rather than as a system error."""
    for existing in (folder, *folder.parents):
        if existing.exists():
            if existing.is_dir():
                break
            if existing == folder:
                raise OutputError(f"--out {folder} is a file; give a folder")
            raise OutputError(f"--out {folder}: {existing} is a file, not a folder; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(folder, exc) from None


def ensure_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create the output folder (parents too) and prove it is writable, so a job fails before any model runs."""
    folder = Path(path)
    _make_folder(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _output_error(folder, exc) from None
    return folder


# ---- the output-safety rule ---------------------------------------------------------------------


def _marked(name: str, head: bytes, tail: bytes) -> bool:
    """Does a file of this name, starting with `head` and ending with `tail`, carry this tool's mark?"""
    mark = _MARKS.get(name.rsplit(".", 1)[-1].lower())
    return bool(mark and mark.search(tail if mark is _MARKS["md"] else head))


def is_own_output(path: str | os.PathLike[str]) -> bool:
    """Did summarizer write the regular file at `path`? Known from the file itself, or from its folder:

    - its mark: a JSON or JSONL file whose first key is `"schema": "summarizer.digest"`, `"summarizer.summary"`,
      `"summarizer.index"` or `"summarizer.edition"`; an HTML page with
      `<meta name="generator" content="summarizer">` in its first 4 KB; a Markdown file whose last line is
      `MARKDOWN_MARK`;
    - plain text (`.txt`), which has no room for a mark: its folder's `MANIFEST` records its name, size and
      SHA-256 as written, so a file edited since is the user's.

    Symlinks, folders and anything unreadable are not this tool's.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return False
        with open(path, "rb") as f:
            head = f.read(_HEAD)
            if info.st_size > _HEAD:
                f.seek(-_TAIL, os.SEEK_END)
            tail = f.read() if info.st_size > _HEAD else head[-_TAIL:]
    except OSError:
        return False
    return _marked(path.name, head, tail) or _recorded(path, info.st_size)


def _recorded(path: Path, size: int) -> bool:
    """Is `path` in its folder's manifest with its current size and SHA-256?"""
    try:
        info = os.stat(path.parent / MANIFEST)
    except OSError:
        return False
    digests = _manifest(str(path.parent), info.st_mtime_ns, info.st_size).get((path.name, size))
    if not digests:
        return False
    try:
        return _sha256(path) in digests
    except OSError:
        return False


@functools.lru_cache(maxsize=64)
def _manifest(folder: str, mtime_ns: int, size: int) -> dict[tuple[str, int], frozenset[str]]:
    """(name, size) -> the SHA-256s written under that name; keyed by the manifest's mtime and size, so a
    folder's manifest is read once while it stays the same (reading a folder of inputs asks per file)."""
    found: dict[tuple[str, int], set[str]] = defaultdict(set)
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as f:
            text = f.read(_MANIFEST_COMPACT * 16).decode("utf-8", "replace")
    except OSError:
        return {}
    for line in text.splitlines():
        digest, _, rest = line.partition(" ")
        length, _, name = rest.partition(" ")
        if len(digest) == 64 and length.isdigit() and name:
            found[name, int(length)].add(digest)
    return {key: frozenset(value) for key, value in found.items()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record(folder: Path, files: Sequence[tuple[str, bytes]]) -> None:
    """Add `(name, content)` of files about to be renamed into `folder` to its manifest.

    Lines are appended (`<sha256> <size> <name>`), so jobs writing into one folder at once don't lose each
    other's; a manifest past 1 MB is rewritten with the last line per name. Recorded before the renames: a
    crash between the two leaves a line that matches no file, never a file of ours that looks foreign."""
    if not files:
        return
    path = folder / MANIFEST
    lines = "".join(f"{hashlib.sha256(blob).hexdigest()} {len(blob)} {name}\n" for name, blob in files)
    with open(path, "a", encoding="utf-8") as f:
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())
    if path.stat().st_size > _MANIFEST_COMPACT:
        last = {line.rsplit(" ", 1)[-1]: line for line in path.read_text(encoding="utf-8").splitlines()}
        _write_set(folder, [(MANIFEST, "".join(f"{line}\n" for line in last.values()))])


class OutputGuard:
    """A job's output folder, opened against the job's inputs: the one place the output-safety rule is kept.

    **No output path may be an input, inside a folder being read as input, or a file this tool did not
    write** (`is_own_output`: nothing of the user's is ever replaced, whatever its name). The output folder
    itself is never read as input (`Pipeline.inputs` skips it), so it may lie inside an input folder, but
    may not be one. A breach is a ConfigError (exit 2) naming both paths; the job checks every path it will
    write before anything runs (`check`), and each set again as it is written (`write_digest`).
    """

    def __init__(self, folder: str | os.PathLike[str], inputs: Sequence[Input], read: Sequence[str] = ()):
        """`inputs`: the job's articles; `read`: the paths it was given, whose folders are read as input."""
        self.folder = Path(folder)
        self._inputs: dict[tuple[int, int], str] = {}
        for item in inputs:
            identity = _identity(item.location)
            if identity is not None:
                self._inputs.setdefault(identity, item.source)
        mine = _identity(self.folder)
        for raw in read:
            if mine is not None and os.path.isdir(raw) and _identity(raw) == mine:
                raise ConfigError(
                    f"--out {self.folder} is the folder {raw}, read as input: its outputs would lie among the "
                    "articles; choose another --out (a folder inside it is fine: it is never read)"
                )

    def check(self, names: Iterable[str]) -> None:
        """Refuse, before it is written, any of `names` in the folder that is an input or not this tool's."""
        for name in names:
            path = self.folder / name
            try:
                info = os.lstat(path)
            except OSError:
                continue  # nothing there to lose (or no folder yet: opening it says why)
            source = self._inputs.get((info.st_dev, info.st_ino))
            if source is not None:
                raise ConfigError(f"--out {self.folder}: {path} would replace the input {source}; choose another --out")
            if not is_own_output(path):
                raise ConfigError(
                    f"--out {self.folder}: {path} was not written by summarizer, so it is never replaced; "
                    "move it away or choose another --out"
                )

    def open(self) -> Path:
        """Create the folder and prove it writable (`ensure_output_dir`), then remove stale staging folders."""
        folder = ensure_output_dir(self.folder)
        remove_stale_staging(folder)
        return folder


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None  # not there (or stdin, or a URL)
    return info.st_dev, info.st_ino


def remove_stale_staging(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the `.staging-*` folders in `folder` that no live process is using; return them.

    A writer holds an exclusive `flock` on its staging folder from just after making it until it is gone
    (`_write_set`), and the kernel drops the lock when the process ends, however it ends. So a staging folder
    that can be locked, and is older than STALE_STAGING_SECONDS (one made a moment ago may not be locked
    yet), was left by a writer that died: kill -9, a crash, a power cut, or a version that took no lock.
    Where locks are not available (not POSIX, a file system that refuses them), nothing is removed.
    """
    removed: list[Path] = []
    if fcntl is None:
        return removed
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(STAGING_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live writer holds it
            if time.time() - os.fstat(fd).st_mtime < STALE_STAGING_SECONDS:
                continue
            try:
                shutil.rmtree(entry.path)
            except FileNotFoundError:
                continue  # its writer finished meanwhile
            except OSError as exc:
                log.warning("could not remove the stale staging folder %s: %s", entry.path, exc.strerror or exc)
                continue
            log.info("removed %s, left by a writer that is gone", entry.path)
            removed.append(Path(entry.path))
        finally:
            os.close(fd)
    return removed


def _hold(folder: Path) -> int | None:
    """Lock `folder` against `remove_stale_staging` while the returned descriptor stays open."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    with contextlib.suppress(OSError):  # no locks on this file system: the cleaner can't lock it either
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


# ---- writing -----------------------------------------------------------------------------------


class _Interrupts:
    """How deep the main thread is in sections that a signal must not cut, and whether one came meanwhile."""

    depth = 0
    pending = False


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold an interrupt (Ctrl-C, or SIGTERM as the CLI takes it) that arrives inside the block until the
    block has finished, then raise KeyboardInterrupt. It works with a signal handler that asks
    `defer_interrupt` first (the CLI installs one for SIGINT and SIGTERM); Python runs handlers in the main
    thread only, so other threads are never cut and need nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Interrupts.depth += 1
    try:
        yield
    finally:
        _Interrupts.depth -= 1
        if not _Interrupts.depth and _Interrupts.pending:
            _Interrupts.pending = False
            raise KeyboardInterrupt


def defer_interrupt() -> bool:
    """For a signal handler: True (and the interrupt noted) when it must wait for `interrupts_deferred`."""
    if _Interrupts.depth and threading.current_thread() is threading.main_thread():
        _Interrupts.pending = True
        return True
    return False


def _write_set(
    folder: str | os.PathLike[str],
    files: Sequence[tuple[str, str]],
    encoding: str = "utf-8",
    *,
    guard: OutputGuard | None = None,
) -> list[Path]:
    """Write `(name, text)` pairs into `folder` (created if needed) as one set; return their paths.

    Every file is written and fsynced in a staging folder inside `folder` first; only then is each
    `os.replace`d into place. A failure before the renames (a full disk) leaves the files already there
    as they were and no stray files; the renames themselves, within one folder, need no space. New files
    get mode 0644; an existing file keeps its mode. Any OSError becomes an OutputError naming the file.
    The staging folder is locked while it exists, so another job never takes it for stale. With a `guard`
    (a job's outputs), each name is checked against the output-safety rule first, and files that carry no
    mark are recorded in the folder's manifest.
    """
    folder = Path(folder)
    data = [(name, text.encode(encoding)) for name, text in files]
    paths = [folder / name for name, _ in data]
    if guard is not None:
        guard.check(name for name, _ in data)
    _make_folder(folder)
    current = folder  # what an error names: the file being written, not the staging copy
    staging = held = None
    # Ctrl-C or SIGTERM between making the staging folder and naming it, or inside its removal, would leave
    # it behind: the signal waits until the folder is gone (see `interrupts_deferred`).
    with interrupts_deferred():
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
            held = _hold(staging)
            for path, (name, blob) in zip(paths, data, strict=True):
                current = path
                _write_synced(staging / name, blob, _mode(path))
            if guard is not None:
                current = folder / MANIFEST
                _record(folder, [(name, blob) for name, blob in data if not _marked(name, blob[:_HEAD], blob[-_TAIL:])])
            for path, (name, _) in zip(paths, data, strict=True):
                current = path
                os.replace(staging / name, path)
            current = folder
            _fsync_dir(folder)
        except OSError as exc:
            raise _output_error(current, exc) from None
        finally:
            if staging is not None:
                _remove(staging)
            if held is not None:
                os.close(held)
    return paths


def atomic_write_text(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8", *, guard: OutputGuard | None = None
) -> Path:
    """Write one file so that readers see the old file or the new one, never a part (see `_write_set`)."""
    path = Path(path)
    return _write_set(path.parent, [(path.name, text)], encoding, guard=guard)[0]


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o644


def _write_synced(path: Path, blob: bytes, mode: int) -> None:
    with open(path, "xb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, mode)


def _remove(staging: Path) -> None:
    try:
        shutil.rmtree(staging)
    except OSError as exc:  # the outputs themselves are fine; say what is left behind
        log.warning("could not remove the staging folder %s: %s", staging, exc.strerror or exc)


def _fsync_dir(folder: Path) -> None:
    """Make the renames themselves durable where the platform allows it (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on folders; the data itself is already synced
        pass
    finally:
        os.close(fd)


def _slug(name: str) -> str:
    """Lowercase ASCII letters, digits, `-` and `_`: other scripts transliterated (anyascii: `Баку` ->
    `baku`), anything else becomes `-`."""
    from anyascii import anyascii

    ascii_name = anyascii(unicodedata.normalize("NFC", name)).lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name).strip("-_")
    return slug[:_MAX_SLUG].rstrip("-_")


def _hash(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def output_names(sources: Sequence[str | Input]) -> dict[str, str]:
    """Map each input (a path as given, or an `Input`, keyed by its `source`) to a file stem that is
    safe, unique within `sources`, and stable.

    The stem is the slug of the file's name without its extension (`Baku News.txt` -> `baku-news`; a
    JSON-lines record's id; a URL's last path segment), non-Latin letters transliterated
    (`Саммит.txt` -> `sammit`): no dots, slashes or leading punctuation, so `<stem>.<lang>.html` can
    neither leave the output folder nor collide with another input's per-language file. When several
    inputs share a slug (`a/x.txt` and `b/x.txt`, or `X.txt` and `x.md`), every one of them gets
    `-<hash>`, the first 8 hex digits of SHA-256 of its absolute path (and line), so the result does
    not depend on input order. Empty or reserved slugs (`index`, `edition`, `stdin`, Windows device names) always
    get the hash. `-` (stdin) is `stdin`. The same inputs always give the same stems.
    """
    items = [s if isinstance(s, Input) else Input(s, s, "stdin" if s == "-" else Path(s).stem) for s in sources]
    names: dict[str, str] = {}
    identity: dict[str, str] = {}
    by_slug: dict[str, list[str]] = defaultdict(list)
    for item in {item.source: item for item in items}.values():
        identity[item.source] = os.path.normcase(os.path.expanduser(item.identity))
        if item.source == "-":
            names[item.source] = STDIN_STEM
        else:
            by_slug[_slug(item.name)].append(item.source)
    for slug, group in by_slug.items():
        for source in group:
            unique = len(group) == 1 and slug and slug not in _RESERVED
            names[source] = slug if unique else f"{slug or 'article'}-{_hash(identity[source])}"
    # The same file given twice by different spellings (`a.txt`, `./a.txt`) hashes alike: number them.
    seen: dict[str, int] = {}
    for source in sorted(names):
        stem = names[source]
        if stem in seen:
            seen[stem] += 1
            names[source] = f"{stem}-{seen[stem]}"
        else:
            seen[stem] = 1
    return {item.source: names[item.source] for item in items}


def index_entry(digest: Digest, paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]) -> IndexEntry:
    """The entry for the files `write_digest` wrote; links are relative to `out_dir`, where the index goes."""
    by_suffix = {_lang_suffix(lang.target): lang.target for lang in digest.languages}
    links = []
    for path in map(Path, paths):
        # Stems hold no dots, so a name is `<stem>.<ext>` or `<stem>.<lang>.<ext>`.
        parts = path.name.split(".")
        href = quote(Path(os.path.relpath(path, out_dir)).as_posix())
        links.append(DigestLink(parts[-1], href, by_suffix.get(parts[1]) if len(parts) == 3 else None))
    warnings = len(digest.article.warnings) + len(digest.warnings)
    warnings += len(digest.summary.warnings) if digest.summary else 0
    warnings += sum(len(ts.warnings) for lang in digest.languages for ts in (lang.summary, lang.full) if ts is not None)
    return IndexEntry(
        title=digest.article.title,
        source=digest.article.source,
        links=tuple(links),
        targets=tuple(lang.target for lang in digest.languages),
        stand_in=digest.stand_in,
        warnings=warnings,
        flags=quality(digest, [lang.target for lang in digest.languages]).flagged,
        title_origin=digest.article.title_origin,
    )


def _lang_suffix(target: str) -> str:
    suffix = re.sub(r"[^A-Za-z0-9-]+", "-", target).strip("-")
    if not suffix:
        raise ConfigError(f"target language {target!r} can't be used in a file name")
    return suffix


INDEX_NAMES = ("index.json", "index.html")


def digest_file_names(
    stem: str, targets: Sequence[str], formats: Iterable[str] = DIGEST_FORMATS, *, source: str | None = None
) -> list[tuple[str, str, str | None]]:
    """(file name, format, target or None for all) of one article's digest set, as `write_digest` names them.

    Bad formats, stems or targets raise here, before anything is written; `source` names the article then."""
    formats = check_formats(formats, where="formats")
    if not _SAFE_STEM.fullmatch(stem):
        raise ValueError(f"unsafe output stem {stem!r}: use output_names() to make one")
    files: list[tuple[str, str, str | None]] = []
    if "html" in formats:
        files.append((f"{stem}.html", "html", None))
        files += [(f"{stem}.{_lang_suffix(target)}.html", "html", target) for target in targets]
    if "md" in formats:
        files.append((f"{stem}.md", "md", None))
    if "json" in formats:
        files.append((f"{stem}.json", "json", None))
    if "jsonl" in formats:
        files.append((f"{stem}.jsonl", "jsonl", None))
    if "txt" in formats:  # the translations alone: one file per language
        files += [(f"{stem}.{_lang_suffix(target)}.txt", "txt", target) for target in targets]
    names = [name for name, _, _ in files]
    if len(set(names)) != len(names):
        of = f" of {source!r}" if source is not None else ""
        raise ConfigError(f"two target languages{of} map to the same file name: {', '.join(names)}")
    return files


def write_digest(
    digest: Digest,
    out_dir: str | os.PathLike[str],
    stem: str,
    formats: Iterable[str] = DIGEST_FORMATS,
    *,
    guard: OutputGuard | None = None,
) -> list[Path]:
    """Write one article's digest files into `out_dir` (created if needed) as one set; return their paths.

    html: `<stem>.html` (all languages) and `<stem>.<lang>.html` per target; md: `<stem>.md`;
    json: `<stem>.json`; jsonl: `<stem>.jsonl` (one line); txt: `<stem>.<lang>.txt` per target. Bad formats
    or names raise before anything is written, and every file is rendered before any is written, so a
    failure leaves the previous set of files whole (see `_write_set`, and `OutputGuard` for `guard`).
    """
    targets = [lang.target for lang in digest.languages]
    files = digest_file_names(stem, targets, formats, source=digest.article.source)
    rendered = [(name, render_digest(digest, fmt, target)) for name, fmt, target in files]
    return _write_set(out_dir, rendered, guard=guard)


def write_index(
    entries: Iterable[IndexEntry],
    out_dir: str | os.PathLike[str],
    title: str = "Digests",
    *,
    guard: OutputGuard | None = None,
    editions: Sequence[dict[str, str]] | None = None,
) -> Path:
    """Write `index.json` and `index.html` as one set (see `_write_set`); return the HTML path. `editions`
    (a feed job's): the page links the edition and lists these archived ones (`href`, `when`)."""
    entries = list(entries)
    page = render_index(entries, title, editions=editions)
    files = list(zip(INDEX_NAMES, (render_index_json(entries, title), page), strict=True))
    return _write_set(out_dir, files, guard=guard)[1]
