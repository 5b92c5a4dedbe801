"""Reading inputs: one file or stdin, safely (regular files only, size-capped), into an Article.

Every failure is an InputError that names the file, so a batch can report it and go on.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from .encodings import Decoded, decode
from .errors import InputError
from .paths import STDIN
from .results import Article
from .segment import normalize, segment_article

MAX_BYTES = 10_000_000  # a news article is kilobytes; anything this big is almost surely a mistake
# The seed corpus starts each article with a "date YYYY-MM-DD" metadata token.
_DATE_PREFIX = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\s+")
_FRONT_MATTER = re.compile(r"^---\n(.*?)\n---\n", re.S)


def read_source(source: str, *, max_bytes: int = MAX_BYTES, encoding: str | None = None, lang: str = "en") -> Decoded:
    """Text, encoding and reading warnings of a file or of stdin ("-").

    Only regular files are read, and never more than `max_bytes` + 1 bytes of anything.
    """
    if source == STDIN:
        data, name = sys.stdin.buffer.read(max_bytes + 1), "<stdin>"
    else:
        data, name = read_file_bytes(source, max_bytes), source
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    return decode(data, name, encoding, lang)


def read_file_bytes(source: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes`; anything else is an InputError naming it."""
    try:
        info = os.stat(source)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{source}: is a folder, expected a file")
        # Devices and FIFOs report size 0 and never end (/dev/zero), or block until a writer comes.
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{source}: is not a regular file (a device, FIFO or socket); give a text file")
        if info.st_size > max_bytes:
            size, limit = info.st_size / 1e6, max_bytes / 1e6
            message = f"{source}: file is {size:.1f} MB, over the {limit:.0f} MB limit; split it"
            raise InputError(message)
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None


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


def article_from_text(
    text: str,
    *,
    source: str = STDIN,
    lang: str = "en",
    encoding: str = "utf-8",
    article_id: str | None = None,
    warnings: Sequence[str] = (),
) -> Article:
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
    title = title or _title(text, source)
    return Article(
        id=article_id,
        title=title,
        source=source,
        text=text,
        sentences=sentences,
        encoding=encoding,
        date=date,
        lang=lang,
        warnings=tuple(warnings),
    )


def read_article(source: str, *, lang: str = "en", encoding: str | None = None, max_bytes: int = MAX_BYTES) -> Article:
    """Read, decode, normalize and segment one input file (or "-").

    `encoding` overrides detection; without it a guessed encoding is noted in `Article.warnings`.
    """
    text, codec, warnings = read_source(source, max_bytes=max_bytes, encoding=encoding, lang=lang)
    return article_from_text(text, source=source, lang=lang, encoding=codec, warnings=warnings)
