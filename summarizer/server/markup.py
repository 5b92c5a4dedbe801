"""Text and HTML requests: what of a request is translated, and how the answer is put back together.

Plain text: its paragraphs (line breaks) kept, each paragraph's sentences translated one by one. HTML:
the markup is kept byte for byte (tags, attributes, comments, the contents of script, style, pre and
code); only the text between tags is translated, entity-decoded before and escaped again after.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>|<[^>]*>)", re.S)
_RAW = re.compile(r"<(script|style|pre|code|textarea)\b", re.I)
_NAME = re.compile(r"</?\s*([a-zA-Z][\w:-]*)")


@dataclass(frozen=True)
class Piece:
    """A run of the request: `text` to translate (`translate`), or to keep as it is."""

    text: str
    translate: bool


def text_pieces(text: str) -> list[Piece]:
    """Plain text: each non-empty line to translate, the line breaks and surrounding spaces kept."""
    out: list[Piece] = []
    for part in re.split(r"(\n+)", text):
        if not part:
            continue
        body = part.strip()
        if not body:
            out.append(Piece(part, False))
            continue
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
        if lead:
            out.append(Piece(lead, False))
        out.append(Piece(body, True))
        if trail:
            out.append(Piece(trail, False))
    return out


def html_pieces(markup: str) -> list[Piece]:
    """HTML: tags kept; the text between them (entities decoded) to translate, raw elements' text kept."""
    out: list[Piece] = []
    raw: str | None = None  # inside <script> ... </script> and the like: nothing is translated
    for part in _TOKEN.split(markup):
        if not part:
            continue
        if _TOKEN.fullmatch(part):
            out.append(Piece(part, False))
            name = _NAME.match(part)
            if raw is None and _RAW.match(part) and not part.rstrip().endswith("/>"):
                raw = name.group(1).lower() if name else None
            elif raw is not None and name and part.startswith("</") and name.group(1).lower() == raw:
                raw = None
            continue
        if raw is not None or not part.strip():
            out.append(Piece(part, False))
            continue
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
        if lead:
            out.append(Piece(lead, False))
        out.append(Piece(html.unescape(part.strip()), True))
        if trail:
            out.append(Piece(trail, False))
    return out


def join(pieces: list[Piece], translated: list[str], *, markup: bool) -> str:
    """The answer: kept pieces as they were, the others replaced in order by `translated`."""
    it = iter(translated)
    out = []
    for p in pieces:
        if p.translate:
            text = next(it)
            out.append(html.escape(text, quote=False) if markup else text)
        else:
            out.append(p.text)
    return "".join(out)
