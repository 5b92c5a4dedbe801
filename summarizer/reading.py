"""Reading inputs: expanding paths, globs, folders and stdin; decoding files; building Articles.

Every failure is an InputError that names the file, so a batch can report it and go on.
"""

from __future__ import annotations

import glob
import re
import sys
from pathlib import Path
from typing import Sequence

from .errors import InputError
from .results import Article
from .segment import normalize, segment_article

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
MAX_BYTES = 10_000_000  # a news article is kilobytes; anything this big is almost surely a mistake
STDIN = "-"
# The seed corpus starts each article with a "date YYYY-MM-DD" metadata token.
_DATE_PREFIX = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\s+")
_FRONT_MATTER = re.compile(r"^---\n(.*?)\n---\n", re.S)


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files named by `paths` (files, folders, globs, or "-"), in order, without duplicates.

    A path or glob that matches nothing is a usage error: it is caught before any work starts.
    """
    out: list[str] = []
    for raw in paths:
        if raw == STDIN:
            found = [STDIN]
        elif any(ch in raw for ch in "*?["):
            found = sorted(p for p in glob.glob(raw, recursive=True) if Path(p).is_file())
            if not found:
                raise InputError(f"{raw}: no file matches this pattern")
        else:
            path = Path(raw)
            if path.is_dir():
                found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith("."))
                if not found:
                    raise InputError(f"{raw}: folder has no {'/'.join(TEXT_SUFFIXES)} files")
            elif path.exists():
                found = [raw]
            else:
                raise InputError(f"{raw}: no such file or folder")
        for item in found:
            if item not in out:
                out.append(item)
    return out


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding of `data`: UTF-8 first, then a real detector (charset-normalizer)."""
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(f"{name}: not UTF-8 and no text encoding could be detected; convert it to UTF-8 (for example with iconv)")
    text = str(best)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 100):
        raise InputError(f"{name}: looks like a binary file, not text")
    return text, best.encoding


def read_source(source: str, *, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """Raw text and encoding of a file or of stdin ("-")."""
    if source == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
        name = "<stdin>"
    else:
        path = Path(source)
        if path.is_dir():
            raise InputError(f"{source}: is a folder, expected a file")
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(f"{source}: file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None
        name = source
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    return decode_bytes(data, name)


def article_id_for(source: str) -> str:
    """A readable id from the file name; the output layer makes file names unique."""
    if source == STDIN:
        return "stdin"
    stem = Path(source).stem.lower()
    slug = re.sub(r"[^\w]+", "-", stem, flags=re.UNICODE).strip("-_")
    return slug or "article"


def _metadata(text: str, source: str) -> tuple[str, str | None, str | None]:
    """Strip leading metadata: YAML-ish front matter or the corpus' `date YYYY-MM-DD` token."""
    title = date = None
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "title":
                title = value.strip().strip("\"'") or None
            elif key.strip().lower() == "date":
                date = value.strip().strip("\"'") or None
        text = text[match.end() :]
    match = _DATE_PREFIX.match(text)
    if match:
        date = date or match.group(1)
        text = text[match.end() :]
    return text, title, date


def _title(text: str, source: str) -> str:
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    if first and len(first) <= 150 and not first.endswith((".", "!", "?", ":", ";", ",")):
        return first
    if source == STDIN:
        return "Standard input"
    return Path(source).stem.replace("_", " ").replace("-", " ").strip().capitalize() or source


def _strip_markdown(text: str) -> str:
    # Heading markers are markup, not words the models should see.
    return re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", text)


def article_from_text(text: str, *, source: str = STDIN, lang: str = "en", encoding: str = "utf-8", article_id: str | None = None) -> Article:
    """An Article from already-decoded text: normalized, metadata stripped, segmented."""
    text, title, date = _metadata(normalize(text), source)
    if source.lower().endswith((".md", ".markdown")):
        text = _strip_markdown(text)
    text = text.strip()
    if not text:
        raise InputError(f"{source}: has no text after its metadata")
    article_id = article_id or article_id_for(source)
    sentences = segment_article(text, article_id, lang)
    if not sentences:
        raise InputError(f"{source}: no sentences found")
    return Article(id=article_id, title=title or _title(text, source), source=source, text=text, sentences=sentences, encoding=encoding, date=date, lang=lang)


def read_article(source: str, *, lang: str = "en", max_bytes: int = MAX_BYTES) -> Article:
    """Read, decode, normalize and segment one input file (or "-")."""
    text, encoding = read_source(source, max_bytes=max_bytes)
    return article_from_text(text, source=source, lang=lang, encoding=encoding)
