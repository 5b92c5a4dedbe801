"""Translation-memory files for CAT tools: a job's translations out as XLIFF 2.0 or TMX 1.4, and an editor's
file (XLIFF 2.0, XLIFF 1.2 or TMX) back in as `HumanTranslation`s, checked segment by segment.

Both formats are read and written with translate-toolkit (`translate.storage.xliff2`, `xliff`, `tmx`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...cache import HumanTranslation, memory_lang
from ...errors import ConfigError, InputError
from ...languages import check_language_code, language_tag
from ...results import Digest
from .json import digest_from_json

__all__ = [
    "FORMATS",
    "Segment",
    "digest_sentences",
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
        if seg.human:
            prop = etree.Element("prop", type="x-origin")
            prop.text = "human"
            unit.xmlelement.insert(unit.xmlelement.index(unit.xmlelement.find("tuv")), prop)
    return bytes(store).decode("utf-8")


# ---- reading an editor's file ------------------------------------------------------------------


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


def _ancestor(element, name: str):
    while element is not None and (not isinstance(element.tag, str) or element.tag.rsplit("}", 1)[-1] != name):
        element = element.getparent()
    return element


def _xliff_notes(unit, version2: bool) -> str:
    """An editor's notes on a unit: not the quality and repeats notes an export wrote."""
    if not version2:
        return unit.getnotes().strip()
    element = unit.getunitelement()
    texts = []
    for holder in (element, unit.xmlelement):
        for note in holder.iter("{*}note"):
            if note.get("category") not in (QUALITY_NOTE, REPEATS_NOTE) and (note.text or "").strip():
                texts.append(note.text.strip())
    return "\n".join(dict.fromkeys(texts))


def _read_xliff(
    path: Path, data: bytes, version2: bool, source_lang: str | None, target_lang: str | None
) -> list[tuple[str, HumanTranslation]]:
    from translate.storage import xliff, xliff2

    store = (xliff2.Xliff2File if version2 else xliff.xlifffile).parsestring(data)
    root = store.document.getroot()
    out = []
    for n, unit in enumerate(store.units, 1):
        if version2:
            label = unit.getid() or f"#{n}"
            holder = root
        else:
            label = unit.xmlelement.get("id") or f"#{n}"
            holder = _ancestor(unit.xmlelement, "file")
        where = _where(path, label)
        lang_attrs = ("srcLang", "trgLang") if version2 else ("source-language", "target-language")
        src = _pair_lang(source_lang, holder.get(lang_attrs[0]) if holder is not None else None, "source", where)
        tgt = _pair_lang(target_lang, holder.get(lang_attrs[1]) if holder is not None else None, "target", where)
        file_node = _ancestor(unit.xmlelement, "file")
        origin = (file_node.get("original") if file_node is not None else None) or ""
        text = str(unit.target or "") if unit.target is not None else ""
        out.append((label, _entry(where, src, tgt, str(unit.source or ""), text, origin, _xliff_notes(unit, version2))))
    return out


def _read_tmx(
    path: Path, data: bytes, source_lang: str | None, target_lang: str | None
) -> list[tuple[str, HumanTranslation]]:
    from translate.storage import tmx

    store = tmx.tmxfile.parsestring(data)
    header = store.document.getroot().find("header")
    default_src = header.get("srclang") if header is not None else None
    out = []
    for n, unit in enumerate(store.units, 1):
        label = unit.xmlelement.get("tuid") or f"#{n}"
        where = _where(path, label)
        declared = unit.xmlelement.get("srclang") or default_src
        declared = None if declared in (None, "*all*") else declared
        src = _pair_lang(source_lang, declared, "source", where)
        texts = {}
        for tuv in unit.getlanguageNodes():
            lang = tuv.get(_XML_LANG) or tuv.get("lang") or ""
            seg = tuv.find("seg")
            texts[lang] = "".join(seg.itertext()) if seg is not None else ""
        source = next((t for lang, t in texts.items() if _same_base(lang, src)), None)
        if source is None:
            raise InputError(f"{where}: it has no {src} text (its languages: {', '.join(texts) or 'none'})")
        others = {lang: t for lang, t in texts.items() if not _same_base(lang, src)}
        if target_lang is not None:
            others = {lang: t for lang, t in others.items() if _same_base(lang, target_lang)}
            if not others:
                raise InputError(f"{where}: it has no {target_lang} translation; leave the segment out or fill it in")
            others = {target_lang: next(iter(others.values()))}
        if not others:
            raise InputError(f"{where}: it has a {src} text and no translation")
        for lang, text in others.items():
            tgt = check_language_code(lang, where=f"{where}: target language")
            out.append((label, _entry(where, src, tgt, source, text, unit.getcontext() or "", "")))
    return out


def _same_base(a: str, b: str) -> bool:
    return bool(a) and memory_lang(a).split("-")[0] == memory_lang(b).split("-")[0]


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
) -> list[HumanTranslation]:
    """Every segment of an XLIFF 2.0, XLIFF 1.2 or TMX file as a HumanTranslation (`origin`: the file), all
    checked before any is returned: a problem in any segment raises InputError naming the file and the
    segment. Languages come from the file, or from `source_lang`/`target_lang`, which must agree with it
    when both are given. With `sentences` (`digest_sentences` of the job), every source must be one of them."""
    from lxml import etree
    from translate.misc.xml_helpers import parse_xml

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: can't read it ({err.strerror or err})") from None
    try:
        root = parse_xml(data)
    except (etree.XMLSyntaxError, ValueError) as err:
        raise InputError(f"{path}: not an XML file ({err}); give the XLIFF or TMX file a CAT tool saved") from None
    kind = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    try:
        if kind == "tmx":
            segments = _read_tmx(path, data, source_lang, target_lang)
        elif kind == "xliff":
            version2 = (root.get("version") or "").startswith("2") or ":2." in (etree.QName(root).namespace or "")
            segments = _read_xliff(path, data, version2, source_lang, target_lang)
        else:
            raise InputError(f"{path}: a <{kind}> document is neither XLIFF nor TMX")
    except (ValueError, AssertionError, etree.LxmlError) as err:  # translate-toolkit on a malformed store
        raise InputError(f"{path}: not a well-formed {kind.upper()} file ({err})") from None
    if not segments:
        raise InputError(f"{path}: it holds no segments; nothing to import")
    known = None if sentences is None else {s.strip() for s in sentences}
    seen: dict[tuple[str, str, str], tuple[str, str]] = {}
    entries = []
    for label, entry in segments:
        if known is not None and entry.source not in known:
            raise InputError(
                f"{_where(path, label)}: its source matches no sentence of the digests given with --digests "
                f"({_short(entry.source)}); import it without --digests, or give the job's digests"
            )
        key = (memory_lang(entry.source_lang), memory_lang(entry.target_lang), entry.source)
        if key in seen:
            other, text = seen[key]
            if text != entry.target:
                raise InputError(
                    f"{_where(path, label)}: segment {other} has the same source and another translation; keep one"
                )
            continue
        seen[key] = (label, entry.target)
        entries.append(replace(entry, origin=_origin(path, entry)))
    return entries


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _origin(path: Path, entry: HumanTranslation) -> str:
    """The file a translation came from, and the article the segment names when it does."""
    return f"{path.name} ({entry.origin})" if entry.origin else path.name


def digest_sentences(digests: Sequence[tuple[Path, Digest]]) -> set[str]:
    """Every source sentence of the digests, articles and summaries: what `--digests` checks imports against."""
    return {s.text.strip() for _, d in digests for s in (*d.article.sentences, *d.summary_sentences)}
