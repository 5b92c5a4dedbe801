"""Translation-memory files for CAT tools: a job's translations out as XLIFF 2.0 or TMX 1.4, and an editor's
file (XLIFF 2.0, XLIFF 1.2 or TMX) back in as `HumanTranslation`s, checked segment by segment, of which only
what the editor changed or marked done is stored (`edited`).

Both formats are written with translate-toolkit (`translate.storage.xliff2`, `tmx`) and read by streaming
them with lxml (no DTD, no entity expanded, one unit in memory at a time)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...cache import HumanTranslation, memory_lang
from ...errors import ConfigError, InputError
from ...languages import check_language_code, language_tag
from ...results import Digest
from .json import digest_from_json

__all__ = [
    "FORMATS",
    "MAX_MEMORY_FILE_BYTES",
    "Imported",
    "Segment",
    "digest_sentences",
    "digest_translations",
    "edited",
    "export_segments",
    "load_digests",
    "read_memory_file",
    "render_memory",
]

FORMATS = {"xliff": "xlf", "tmx": "tmx"}  # format -> file suffix
QUALITY_NOTE = "quality"  # the XLIFF 2.0 note category of a quality flag: not an editor's note, never imported
REPEATS_NOTE = "repeats"  # ... and of the note naming a sentence's other occurrences
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_INDEX_NAMES = ("index.json",)


@dataclass(frozen=True)
class Segment:
    """One distinct translated sentence of an export: its first occurrence names it."""

    id: str  # the sentence id, `<article>:p<paragraph>:s<index>`
    file: str  # the article's source, as its digest names it
    source: str
    target: str
    notes: tuple[tuple[str, str], ...] = ()  # (category, text): each quality flag, then the repeats
    human: bool = False


# ---- reading a job's digests -------------------------------------------------------------------


def load_digests(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, Digest]]:
    """The JSON digests of `paths`: files as given; a folder means every `*.json` in it but index.json."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.json") if p.name not in _INDEX_NAMES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(
                f"{path}: no such digest file or folder; give the --out folder of a job with --format json"
            )
    if not found:
        raise InputError(
            f"no JSON digests in {', '.join(map(str, paths))}: run the job with --format json (or html,md,json)"
        )
    out = []
    for path in found:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: can't read it as a digest ({err})") from None
        try:
            out.append((path, digest_from_json(text)))
        except InputError as err:
            raise InputError(f"{path}: {err}") from None
    return out


def _pairs(digests: Sequence[tuple[Path, Digest]], source_lang: str | None) -> dict[str, set[str]]:
    """target -> the source languages it was translated from, over the digests (of `source_lang` only)."""
    out: dict[str, set[str]] = {}
    for _, digest in digests:
        for lang in digest.languages:
            for ts in (lang.summary, lang.full):
                if ts is not None and (source_lang is None or memory_lang(ts.source_lang) == memory_lang(source_lang)):
                    out.setdefault(lang.target, set()).add(ts.source_lang)
    return out


def export_segments(
    digests: Sequence[tuple[Path, Digest]], target: str | None = None, source_lang: str | None = None
) -> tuple[str, str, list[Segment]]:
    """(source language, target, segments): one segment per distinct translated sentence into `target` (the
    digests' one target language when None), full text and summary, in digest order. A sentence that occurs
    again (another article, the summary repeating the text) is exported once, with a note naming the others."""
    pairs = _pairs(digests, source_lang)
    if target is None:
        if len(pairs) != 1:
            have = ", ".join(sorted(pairs)) or "none"
            raise ConfigError(f"say which language to export with --to: the digests' translations are into {have}")
        (target,) = pairs
    matching = [t for t in pairs if memory_lang(t) == memory_lang(target)]
    if not matching:
        have = ", ".join(sorted(pairs)) or "none"
        raise ConfigError(f"the digests have no translations into {target}; they have: {have}")
    sources = {s for t in matching for s in pairs[t]}
    if len(sources) > 1:
        raise ConfigError(
            f"the digests translate into {target} from {', '.join(sorted(sources))}: export one with --from"
        )
    (source,) = sources
    first: dict[str, Segment] = {}
    repeats: dict[str, list[str]] = {}
    for _, digest in digests:
        for lang in digest.languages:
            if memory_lang(lang.target) != memory_lang(target):
                continue
            for ts in (lang.full, lang.summary):
                if ts is None or memory_lang(ts.source_lang) != memory_lang(source):
                    continue
                for t in ts.translations:
                    text = t.source.strip()
                    if not text or not t.text.strip():
                        continue
                    if text in first:
                        repeats[text].append(t.source_id)
                        continue
                    notes = tuple((QUALITY_NOTE, f"{f.code}: {f.message}") for f in t.flags)
                    first[text] = Segment(t.source_id, digest.article.source, text, t.text, notes, t.human)
                    repeats[text] = []
    if not first:
        raise ConfigError(f"the digests' translations into {target} are all empty: there is nothing to export")
    segments = []
    for text, seg in first.items():
        if repeats[text]:
            also = ", ".join(repeats[text])
            seg = Segment(
                seg.id, seg.file, seg.source, seg.target, (*seg.notes, (REPEATS_NOTE, f"also: {also}")), seg.human
            )
        segments.append(seg)
    return source, target, segments


# ---- writing -----------------------------------------------------------------------------------


def render_memory(segments: Sequence[Segment], source_lang: str, target: str, fmt: str) -> str:
    """The segments as an XLIFF 2.0 (`fmt="xliff"`) or TMX 1.4 (`"tmx"`) document."""
    if fmt == "xliff":
        return _render_xliff(segments, source_lang, target)
    if fmt == "tmx":
        return _render_tmx(segments, source_lang, target)
    raise ConfigError(f"memory format {fmt!r} is not one of {', '.join(FORMATS)}")


def _render_xliff(segments: Sequence[Segment], source_lang: str, target: str) -> str:
    from lxml import etree
    from translate.storage import xliff2

    store = xliff2.Xliff2File()
    store.sourcelanguage = language_tag(source_lang)
    store.targetlanguage = language_tag(target)
    root = store.document.getroot()
    files: dict[str, object] = {}
    for seg in segments:
        if seg.file not in files:
            # One <file> per article, named by its source; ids f1, f2, ...: a source is no NMTOKEN.
            node = store.body if not files else store.createfilenode(f"f{len(files) + 1}")
            if files:
                root.append(node)
            node.set("original", seg.file)
            files[seg.file] = node
        store.body = files[seg.file]
        unit = store.UnitClass(seg.source)
        unit.target = seg.target
        store.addunit(unit)
        unit.setid(seg.id)
        element = unit.getunitelement()
        element.set("name", seg.id)
        # A stored editor's translation is final; a model's is a draft for review.
        unit.xmlelement.set("state", "final" if seg.human else "translated")
        if seg.notes:
            # XLIFF 2.0 puts <notes> in the <unit>, before its segments (translate-toolkit's addnote
            # writes them into the <segment>, which strict readers refuse).
            notes = etree.Element(store.namespaced("notes"))
            for category, text in seg.notes:
                note = etree.SubElement(notes, store.namespaced("note"), category=category)
                note.text = text
            element.insert(0, notes)
    return bytes(store).decode("utf-8")


def _render_tmx(segments: Sequence[Segment], source_lang: str, target: str) -> str:
    from lxml import etree
    from translate.storage import tmx

    src, tgt = language_tag(source_lang), language_tag(target)
    store = tmx.tmxfile(sourcelanguage=src, targetlanguage=tgt)
    for seg in segments:
        unit = store.addsourceunit(seg.source, src)
        unit.settarget(seg.target, tgt, append=True)
        unit.xmlelement.set("tuid", seg.id)
        for _, text in seg.notes:
            unit.addnote(text)
        unit.setcontext(seg.file)  # <prop type="x-context">: the article
        # Who wrote the target: an editor sets `human` (or leaves it and edits the text) to have it imported.
        prop = etree.Element("prop", type=TMX_ORIGIN)
        prop.text = "human" if seg.human else "machine"
        unit.xmlelement.insert(unit.xmlelement.index(unit.xmlelement.find("tuv")), prop)
    return bytes(store).decode("utf-8")


# ---- reading an editor's file ------------------------------------------------------------------

# An editor's file is streamed (one unit at a time, each dropped once read), so memory grows with what is
# kept of it, not with the file's markup. The cap keeps what is kept bounded too.
MAX_MEMORY_FILE_BYTES = 50_000_000
# What marks a segment as the editor's own, whether or not its text changed.
XLIFF2_DONE = frozenset({"reviewed", "final"})  # <segment state>
XLIFF1_DONE = frozenset({"final", "signed-off"})  # <target state>; or <trans-unit approved="yes">
TMX_DONE = frozenset({"approved", "final", "reviewed", "signed-off"})  # <prop type="x-status"> (or x-state)
TMX_ORIGIN = "x-origin"  # <prop type="x-origin">human</prop>: an editor's; the export writes machine/human
# Native codes (TMX, XLIFF 1.2) hold the original markup (`&lt;b&gt;`), not text: their content is left out.
_CODES = frozenset({"bpt", "ept", "ph", "it", "ut", "sub"})


@dataclass(frozen=True)
class Imported:
    """One segment of an editor's file, checked: the translation, and whether the file marks it done
    (reviewed, final, approved, human) whatever its text."""

    label: str
    entry: HumanTranslation
    marked: bool = False


_UNDEFINED = re.compile(r"Entity '([^']+)' not defined")


class _Entity(Exception):
    """An entity reference left unexpanded (one a DOCTYPE declares: no DTD is ever read)."""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element, *, strict: bool = True) -> str:
    """The text of a source, target or seg: inline markup left out, a wrapper's text kept (`<g>`, `<pc>`,
    `<mrk>`, `<hi>`, a stray `<b>`), a native code's content dropped (`<bpt>&lt;b&gt;</bpt>`), `<cp hex>` as
    its character. An unexpanded entity raises _Entity unless not `strict` (notes)."""
    parts = [element.text or ""]
    for child in element:
        if type(child).__name__ == "_Entity":  # lxml's class of an entity reference
            if strict:
                raise _Entity(child.text)
        elif isinstance(child.tag, str):
            name = _local(child.tag)
            if name == "cp":
                parts.append(_code_point(child.get("hex") or ""))
            elif name not in _CODES:
                parts.append(_text(child, strict=strict))
        parts.append(child.tail or "")
    return "".join(parts)


def _code_point(hex_value: str) -> str:
    try:
        return chr(int(hex_value, 16))
    except (ValueError, OverflowError):
        return ""


def _children(element, name: str) -> list:
    return [c for c in element if _local(c.tag) == name]


def _xliff2_unit(unit) -> tuple[str, str | None, bool, str]:
    """(source, target, marked, notes) of an XLIFF 2.0 <unit>: its segments and ignorables in order."""
    sources, targets, states = [], [], []
    missing = False
    for part in unit:
        kind = _local(part.tag)
        if kind not in ("segment", "ignorable"):
            continue
        (source,) = _children(part, "source")[:1] or [None]
        target = (_children(part, "target")[:1] or [None])[0]
        text = _text(source) if source is not None else ""
        sources.append(text)
        if target is not None:
            targets.append(_text(target))
        elif kind == "ignorable":
            targets.append(text)  # an ignorable's target defaults to its source
        else:
            missing = missing or bool(text.strip())
        if kind == "segment":
            states.append(part.get("state") or "initial")
    marked = bool(states) and all(s in XLIFF2_DONE for s in states)
    return "".join(sources), None if missing else "".join(targets), marked, _notes(unit)


def _xliff1_unit(unit) -> tuple[str, str | None, bool, str]:
    """(source, target, marked, notes) of an XLIFF 1.2 <trans-unit> (its own source and target, not an
    <alt-trans>'s)."""
    source = (_children(unit, "source")[:1] or [None])[0]
    target = (_children(unit, "target")[:1] or [None])[0]
    marked = unit.get("approved") == "yes" or (target is not None and target.get("state") in XLIFF1_DONE)
    notes = "\n".join(t for n in _children(unit, "note") if (t := _text(n, strict=False).strip()))
    return (
        _text(source) if source is not None else "",
        _text(target) if target is not None else None,
        marked,
        notes,
    )


def _notes(unit) -> str:
    """An editor's notes on an XLIFF 2.0 unit: not the quality and repeats notes an export wrote."""
    texts = []
    for note in unit.iter("{*}note"):
        if note.get("category") not in (QUALITY_NOTE, REPEATS_NOTE) and (text := _text(note, strict=False).strip()):
            texts.append(text)
    return "\n".join(dict.fromkeys(texts))


def _tmx_marked(*holders) -> bool:
    """A <tu> or its target <tuv> says the translation is an editor's: x-origin human, or a done status."""
    for holder in holders:
        for prop in _children(holder, "prop"):
            kind, value = prop.get("type"), (prop.text or "").strip().lower()
            if (kind == TMX_ORIGIN and value == "human") or (kind in ("x-status", "x-state") and value in TMX_DONE):
                return True
    return False


class _Reader:
    """The segments of one XLIFF 2.0, XLIFF 1.2 or TMX file, streamed."""

    def __init__(self, path: Path, source_lang: str | None, target_lang: str | None):
        self.path, self.source_lang, self.target_lang = path, source_lang, target_lang
        self.kind = ""
        self.version2 = False
        self.langs: tuple[str | None, str | None] = (None, None)  # the document's (XLIFF 2.0, TMX header)
        self.file_langs: tuple[str | None, str | None] = (None, None)  # the current <file>'s (XLIFF 1.2)
        self.original = ""  # the current <file>'s article
        self.count = 0
        self._langs: dict[tuple[str | None, str | None, str], str] = {}  # what `_lang` found, per case

    def _lang(self, given: str | None, found: str | None, what: str, where: str) -> str:
        key = (given, found, what)
        if key not in self._langs:
            self._langs[key] = _pair_lang(given, found, what, where)
        return self._langs[key]

    def read(self) -> list[Imported]:
        from lxml import etree

        out: list[Imported] = []
        try:
            with open(self.path, "rb") as handle:
                events = etree.iterparse(
                    handle,
                    events=("start", "end"),
                    resolve_entities=False,  # no entity from a DOCTYPE is expanded: no XXE, no billion laughs
                    no_network=True,
                    load_dtd=False,
                    huge_tree=False,
                    remove_comments=True,
                    remove_pis=True,
                )
                for event, element in events:
                    if event == "start":
                        self._start(element)
                    elif _local(element.tag) in ("unit", "trans-unit", "tu"):
                        out += self._unit(element)
                        # Drop what is read: the element and the ones before it.
                        element.clear(keep_tail=True)
                        while element.getprevious() is not None:
                            del element.getparent()[0]
        except OSError as err:
            raise InputError(f"{self.path}: can't read it ({err.strerror or err})") from None
        except etree.XMLSyntaxError as err:
            raise InputError(self._syntax(err)) from None
        return out

    def _syntax(self, err) -> str:
        # The log says more than the exception ("no element found" for an undefined entity); it may also
        # hold an earlier parse's errors, so the entity's line is looked for, else the last line is taken.
        log = list(err.error_log)
        detail = next((e for e in log if _UNDEFINED.match(e.message or "")), log[-1] if log else None)
        message, line = (detail.message, detail.line) if detail is not None else (err.msg, err.lineno)
        entity = _UNDEFINED.match(message or "")
        if entity:
            return (
                f"{self.path}: line {line}: the entity &{entity[1]}; is not defined (XML has only &amp; &lt; &gt; "
                "&quot; &apos;); write the character itself"
            )
        if not self.kind:
            return f"{self.path}: not an XML file ({message}); give the XLIFF or TMX file a CAT tool saved"
        return f"{self.path}: line {line}: not well-formed {self.kind.upper()} ({message})"

    def _start(self, element) -> None:
        if self.kind and element.tag[-4:] not in ("file", "ader"):  # only <file> and <header> say anything
            return
        from lxml import etree

        name = _local(element.tag)
        if not self.kind:
            if name not in ("xliff", "tmx"):
                raise InputError(f"{self.path}: a <{name}> document is neither XLIFF nor TMX")
            self.kind = name
            if name == "xliff":
                namespace = etree.QName(element).namespace or ""
                self.version2 = (element.get("version") or "").startswith("2") or ":2." in namespace
                if self.version2:
                    self.langs = (element.get("srcLang"), element.get("trgLang"))
        elif name == "file":
            self.original = element.get("original") or ""
            self.file_langs = (element.get("source-language"), element.get("target-language"))
        elif name == "header" and self.kind == "tmx":
            self.langs = (element.get("srclang"), None)

    def _unit(self, element) -> list[Imported]:
        self.count += 1
        if self.kind == "tmx":
            return self._tu(element)
        label = element.get("id") or f"#{self.count}"
        where = _where(self.path, label)
        langs = self.langs if self.version2 else self.file_langs
        src = self._lang(self.source_lang, langs[0], "source", where)
        tgt = self._lang(self.target_lang, langs[1], "target", where)
        try:
            source, target, marked, notes = (_xliff2_unit if self.version2 else _xliff1_unit)(element)
        except _Entity as err:
            raise InputError(_entity_message(where, str(err))) from None
        entry = _entry(where, src, tgt, source, target or "", self.original, notes)
        return [Imported(label, entry, marked)]

    def _tu(self, tu) -> list[Imported]:
        label = tu.get("tuid") or f"#{self.count}"
        where = _where(self.path, label)
        declared = tu.get("srclang") or self.langs[0]
        src = self._lang(self.source_lang, None if declared in (None, "*all*") else declared, "source", where)
        texts: dict[str, tuple[str, object]] = {}
        try:
            for tuv in _children(tu, "tuv"):
                lang = tuv.get(_XML_LANG) or tuv.get("lang") or ""
                seg = (_children(tuv, "seg")[:1] or [None])[0]
                texts[lang] = (_text(seg) if seg is not None else "", tuv)
        except _Entity as err:
            raise InputError(_entity_message(where, str(err))) from None
        source = next((t for lang, (t, _) in texts.items() if _same_base(lang, src)), None)
        if source is None:
            raise InputError(f"{where}: it has no {src} text (its languages: {', '.join(texts) or 'none'})")
        others = {lang: v for lang, v in texts.items() if not _same_base(lang, src)}
        if self.target_lang is not None:
            others = {lang: v for lang, v in others.items() if _same_base(lang, self.target_lang)}
            if not others:
                raise InputError(
                    f"{where}: it has no {self.target_lang} translation; leave the segment out or fill it in"
                )
            others = {self.target_lang: next(iter(others.values()))}
        if not others:
            raise InputError(f"{where}: it has a {src} text and no translation")
        context = next((p.text or "" for p in _children(tu, "prop") if p.get("type") == "x-context"), "")
        out = []
        for lang, (text, tuv) in others.items():
            tgt = self._lang(lang, None, "target", where)
            entry = _entry(where, src, tgt, source, text, context, "")
            out.append(Imported(label, entry, _tmx_marked(tu, tuv)))
        return out


def _entity_message(where: str, entity: str) -> str:
    return (
        f"{where}: the entity {entity} comes from the file's DOCTYPE, which is never read; write the character itself"
    )


def _where(path: Path, label: str) -> str:
    return f"{path}: segment {label}"


def _pair_lang(given: str | None, found: str | None, what: str, where: str) -> str:
    """The language of one side: the flag's (the file's, when it gives one, must be the same language,
    a regional variant allowed), else the file's."""
    flag = "--from" if what == "source" else "--to"
    if given is None:
        if not found:
            raise InputError(f"{where}: the file names no {what} language; give {flag}")
        lang = found
    else:
        if found and memory_lang(found).split("-")[0] != memory_lang(given).split("-")[0]:
            raise InputError(f"{where}: the file's {what} language is {found}, not {given} ({flag})")
        lang = given
    return check_language_code(lang, where=f"{where}: {what} language")


def _same_base(a: str, b: str) -> bool:
    return bool(a) and _base(a) == _base(b)


@functools.lru_cache(maxsize=256)
def _base(code: str) -> str:
    return memory_lang(code).split("-")[0]


def _entry(where: str, src: str, tgt: str, source: str, target: str, origin: str, note: str) -> HumanTranslation:
    if memory_lang(src) == memory_lang(tgt):
        raise InputError(f"{where}: its source and target language are both {src}")
    if not source.strip():
        raise InputError(f"{where}: the source is empty")
    if not target.strip():
        raise InputError(f"{where}: the target is empty; translate it, or delete the segment before importing")
    return HumanTranslation(src, tgt, source.strip(), target.strip(), origin, note)


def read_memory_file(
    path: str | os.PathLike[str],
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
    sentences: Iterable[str] | None = None,
) -> list[Imported]:
    """Every segment of an XLIFF 2.0, XLIFF 1.2 or TMX file (at most MAX_MEMORY_FILE_BYTES, streamed), all
    checked before any is returned: a problem in any segment raises InputError naming the file and the
    segment. Languages come from the file, or from `source_lang`/`target_lang`, which must agree with it
    when both are given. With `sentences` (`digest_sentences` of the job), every source must be one of them.
    Text is the segments' text only: inline codes are left out. `edited` picks what to store."""
    from ...inputs.reading import check_regular_file

    path = Path(path)
    check_regular_file(str(path), MAX_MEMORY_FILE_BYTES)
    segments = _Reader(path, source_lang, target_lang).read()
    if not segments:
        raise InputError(f"{path}: it holds no segments; nothing to import")
    known = None if sentences is None else {s.strip() for s in sentences}
    seen: dict[tuple[str, str, str], int] = {}
    out: list[Imported] = []
    for item in segments:
        entry = item.entry
        if known is not None and entry.source not in known:
            raise InputError(
                f"{_where(path, item.label)}: its source matches no sentence of the digests given with --digests "
                f"({_short(entry.source)}); import it without --digests, or give the job's digests"
            )
        key = (memory_lang(entry.source_lang), memory_lang(entry.target_lang), entry.source)
        if key in seen:
            other = out[seen[key]]
            if other.entry.target != entry.target:
                raise InputError(
                    f"{_where(path, item.label)}: segment {other.label} has the same source and another "
                    "translation; keep one"
                )
            if item.marked and not other.marked:
                out[seen[key]] = replace(other, marked=True)
            continue
        seen[key] = len(out)
        out.append(replace(item, entry=replace(entry, origin=_origin(path, entry))))
    return out


def edited(
    segments: Sequence[Imported], exported: Callable[[str, str, Sequence[str]], Mapping[str, str]]
) -> tuple[list[HumanTranslation], int]:
    """(what to store as human, how many unchanged segments are skipped): a segment is stored when the file
    marks it done, or its target differs from the text it was exported with (`exported(source_lang, target,
    sources)`: source -> that text), or no export of its source is known; one whose target is still the
    exported text is a machine translation nobody touched, and is skipped."""
    by_pair: dict[tuple[str, str], list[Imported]] = {}
    for item in segments:
        by_pair.setdefault((item.entry.source_lang, item.entry.target_lang), []).append(item)
    store: list[HumanTranslation] = []
    skipped = 0
    for (src, tgt), items in by_pair.items():
        sources = [i.entry.source for i in items if not i.marked]
        before = dict(exported(src, tgt, sources)) if sources else {}
        bases = (src.split("-")[0], tgt.split("-")[0])
        if bases != (src, tgt):  # a CAT tool's ru-RU for the ru the job exported
            before = {**exported(*bases, sources), **before}
        for item in items:
            was = before.get(item.entry.source)
            if item.marked or was is None or was.strip() != item.entry.target:
                store.append(item.entry)
            else:
                skipped += 1
    return store, skipped


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _origin(path: Path, entry: HumanTranslation) -> str:
    """The file a translation came from, and the article the segment names when it does."""
    return f"{path.name} ({entry.origin})" if entry.origin else path.name


def digest_sentences(digests: Sequence[tuple[Path, Digest]]) -> set[str]:
    """Every source sentence of the digests, articles and summaries: what `--digests` checks imports against."""
    return {s.text.strip() for _, d in digests for s in (*d.article.sentences, *d.summary_sentences)}


def digest_translations(digests: Sequence[tuple[Path, Digest]], source_lang: str, target: str) -> dict[str, str]:
    """source sentence -> its translation in the digests from `source_lang` into `target` (what an export
    of them gives an editor), the first where a sentence occurs twice."""
    out: dict[str, str] = {}
    for _, digest in digests:
        for lang in digest.languages:
            if memory_lang(lang.target) != memory_lang(target):
                continue
            for ts in (lang.full, lang.summary):
                if ts is not None and memory_lang(ts.source_lang) == memory_lang(source_lang):
                    for t in ts.translations:
                        out.setdefault(t.source.strip(), t.text.strip())
    return out
