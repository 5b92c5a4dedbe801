"""Text and HTML requests: what of a request is translated, and how the answer is put back together.

Plain text: its paragraphs (line breaks) kept, each paragraph's sentences translated one by one. HTML:
the markup is kept byte for byte (tags, attributes, comments, the contents of script, style, pre and
code); only the text between tags is translated, entity-decoded before and escaped again after.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ..errors import InputError

# Elements whose content a browser reads as raw text (script and style) or as escapable text (textarea,
# title): no tag inside them is a tag, and their text is not prose. Their content is kept as it is.
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext", "textarea", "title"}
)
# Elements whose text is kept although tags inside them are tags: code is not prose.
_KEPT = frozenset({"pre", "code"})
_SPACE = "\t\n\f\r "  # HTML's white space; Python's \s has more (\v, U+00A0), which a browser reads as text
_MARKUP_START = re.compile(r"<[A-Za-z!/?]")  # what a browser reads as the start of markup, not as text


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
    """HTML: tags, comments and declarations kept; the text between them (entities decoded) to translate,
    except inside script, style, textarea, title, pre, code and the like, which is kept.

    The stdlib's HTMLParser finds the tags; each one's end is checked against where a browser (the HTML
    standard's tokenizer) ends it, so no text we translate is, for a browser, inside a tag, a comment or
    a script. Where the two differ the request is refused (InputError), never guessed at."""
    events = _Events.of(markup)
    out: list[Piece] = []
    depth = dict.fromkeys(_KEPT, 0)
    index = at = 0
    while index < len(events):
        event = events[index]
        if event.offset != at:  # something the parser passed over without a word
            _differ(markup, at)
        end = events[index + 1].offset if index + 1 < len(events) else len(markup)
        if event.kind == "data":
            raw = markup[event.offset : end]
            if found := _MARKUP_START.search(raw):  # markup for a browser, text for the parser
                _differ(markup, event.offset + found.start())
            out.extend([Piece(raw, False)] if any(depth.values()) else _text(raw))
            index, at = index + 1, end
            continue
        if event.kind in ("start", "startend"):
            end = event.offset + len(event.text)
            if markup[event.offset : end] != event.text:
                _differ(markup, event.offset)
        stop = _browser_end(markup, event.offset)
        if stop != end:  # said where the two part: past a construct both end alike, or at its start
            _differ(markup, stop if stop is not None and event.offset < stop < end else event.offset)
        index += 1
        if event.kind in ("start", "startend") and event.name in _RAW_TEXT:
            close = _raw_end(markup, end, event.name)  # its content, up to its end tag as a browser finds it
            end = _browser_end(markup, close) if close is not None and close < len(markup) else close
            if end is None:
                _differ(markup, close if close is not None else event.offset)
            while index < len(events) and events[index].offset < end:
                index += 1  # the parser's view of the inside (it has one of a title) is not a browser's
            if end < len(markup) and (index == len(events) or events[index].offset != end):
                _differ(markup, close)
        elif event.kind == "start" and event.name in _KEPT:
            depth[event.name] += 1
        elif event.kind == "end" and event.name in _KEPT and depth[event.name]:
            depth[event.name] -= 1
        out.append(Piece(markup[event.offset : end], False))
        at = end
    if at != len(markup):
        _differ(markup, at)
    return out


def join(pieces: list[Piece], translated: list[str], *, markup: bool) -> str:
    """The answer: kept pieces as they were, the others replaced in order by `translated` (escaped as
    text for HTML). For HTML, the answer's markup is checked to be the request's, piece for piece."""
    it = iter(translated)
    out = []
    for p in pieces:
        if p.translate:
            text = next(it)
            out.append(html.escape(text, quote=False) if markup else text)
        else:
            out.append(p.text)
    answer = "".join(out)
    if markup and _kept(html_pieces(answer)) != _kept(pieces):  # cannot happen: text escaped is text
        raise InputError("Cannot translate this HTML: its translation would change its markup; send it as text")
    return answer


def _kept(pieces: list[Piece]) -> list[str]:
    return [p.text for p in pieces if not p.translate and p.text.strip()]


def _text(raw: str) -> list[Piece]:
    """Text between tags: its surrounding white space kept, the rest (entities decoded) to translate."""
    body = raw.strip(_SPACE)
    if not html.unescape(body).strip():
        return [Piece(raw, False)]
    lead, trail = raw[: len(raw) - len(raw.lstrip(_SPACE))], raw[len(raw.rstrip(_SPACE)) :]
    return [p for p in (Piece(lead, False), Piece(html.unescape(body), True), Piece(trail, False)) if p.text]


def _differ(markup: str, at: int) -> None:
    line = markup.count("\n", 0, at) + 1
    column = at - (markup.rfind("\n", 0, at) + 1) + 1
    near = " ".join(markup[at : at + 40].split())
    raise InputError(
        f"Invalid request: the HTML at line {line}, column {column} ({near!r}) is read one way by browsers and"
        " another by this server; make it valid HTML (quote attribute values, close comments with -->)"
    )


@dataclass(frozen=True)
class _Event:
    kind: str  # data, start, startend, end, comment, decl, pi
    offset: int  # where it starts in the markup
    name: str = ""  # a tag's name, lower case
    text: str = ""  # a start tag's text as written


class _Events(HTMLParser):
    """The parser's events, each with where it starts in the markup; consecutive text is one event."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.events: list[_Event] = []
        self._lines = [0] + [m.end() for m in re.finditer("\n", markup)]

    @classmethod
    def of(cls, markup: str) -> list[_Event]:
        parser = cls(markup)
        parser.feed(markup)
        parser.close()
        return parser.events

    def _add(self, kind: str, name: str = "", text: str = "") -> None:
        line, column = self.getpos()  # where the event being handled starts
        if kind == "data" and self.events and self.events[-1].kind == "data":
            return
        self.events.append(_Event(kind, self._lines[line - 1] + column, name, text))

    def handle_data(self, data: str) -> None:
        self._add("data")

    def handle_starttag(self, tag: str, attrs) -> None:
        self._add("start", tag, self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._add("startend", tag, self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self._add("end", tag)

    def handle_comment(self, data: str) -> None:
        self._add("comment")

    def handle_decl(self, decl: str) -> None:
        self._add("decl")

    def unknown_decl(self, data: str) -> None:
        self._add("decl")

    def handle_pi(self, data: str) -> None:
        self._add("pi")


# ---- where a browser ends each construct (the HTML standard's tokenizer, "13.2.5 Tokenization") ----------


def _browser_end(markup: str, i: int) -> int | None:
    """Just past the end of the tag, comment or declaration that starts at `i` (a `<`), as a browser reads
    it; None for a tag the input ends inside (a browser drops it)."""
    n = len(markup)
    after = markup[i + 1 : i + 2]
    if (
        after.isascii()
        and after.isalpha()
        or markup.startswith("</", i)
        and markup[i + 2 : i + 3].isascii()
        and markup[i + 2 : i + 3].isalpha()
    ):
        return _tag_end(markup, i)
    if markup.startswith("</>", i):
        return i + 3  # dropped
    if markup.startswith("<!--", i):
        if markup.startswith(">", i + 4):
            return i + 5
        if markup.startswith("->", i + 4):
            return i + 6
        ends = [k + len(close) for close in ("-->", "--!>") if (k := markup.find(close, i + 4)) >= 0]
        return min(ends) if ends else n
    close = markup.find(">", i + 2)  # anything else is a "bogus comment" up to the first `>`
    if markup.startswith("<![CDATA[", i) and markup.find("]]>", i) + 2 != close:
        return None  # in SVG or MathML it would end at `]]>`: which one a browser takes depends on where it is
    return close + 1 if close >= 0 else n


def _tag_end(markup: str, i: int) -> int | None:
    """Just past the `>` that ends the start or end tag at `i`; None at the end of the input. Only a quote
    that opens an attribute value (after `=`) protects a `>`; a `/` outside a value is as a space."""
    n = len(markup)
    j = i + (2 if markup.startswith("</", i) else 1)
    while j < n and markup[j] not in _SPACE + "/>":  # the tag's name
        j += 1
    state = "before-name"
    while j < n:
        c = markup[j]
        if state == "unquoted":
            if c in _SPACE:
                state = "before-name"
            elif c == ">":
                return j + 1
        elif state in "\"'":
            if c == state:
                state = "after-value"
        elif c == ">":
            return j + 1
        elif state == "before-value":
            if c in "\"'":
                state = c
            elif c not in _SPACE:
                state = "unquoted"
        elif c == "/":
            state = "before-name"  # "self-closing start tag state": anything but `>` goes back to attributes
        elif c in _SPACE:
            state = "after-name" if state == "name" else "before-name" if state == "after-value" else state
        elif c == "=" and state in ("name", "after-name"):
            state = "before-value"
        else:
            state = "name"  # (a `=` first in a name is a part of it)
        j += 1
    return None


def _raw_end(markup: str, start: int, name: str) -> int | None:
    """Where the raw text of a `name` element whose start tag ends at `start` ends, as a browser reads it:
    at the first `</name` followed by space, `/` or `>`, or the end of the input. None for a script
    whose `<!--` and `<script` make a browser look past that `</script` ("double-escaped")."""
    if name == "plaintext":
        return len(markup)  # nothing ends it
    for found in re.finditer(rf"</{name}[{_SPACE}/>]", markup[start:], re.I):
        close = start + found.start()
        if name == "script" and re.search(r"<!--.*<script", markup[start:close], re.I | re.S):
            return None
        return close
    return len(markup)
