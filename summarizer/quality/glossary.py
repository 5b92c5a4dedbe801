"""Glossaries: reading them (CSV, TBX, a job's `[glossary]` table), finding their terms in a source, and
the `term-missing` check that a translation uses each term's required form or keeps it as written.

Matching in the source (`terms_in`): whole words; whitespace inside a term matches any whitespace; the
first letter of each word matches either case (`Non-Aligned Movement` finds `non-aligned movement` and
`Non-aligned movement` at a sentence start), every other letter only as written; a word with capitals
after its first letter (an acronym: `NAM`, `OPEC`, `iPhone`) and every keep term (`Trend` is a name, not
the word trend) match only exactly as written. Overlapping terms: the longest wins.

Matching in the translation (`renders`): case-insensitive, word by word, consecutive words, allowing
what inflection does to the form (see `ENDINGS` and `ARABIC_PREFIXES`). A keep term must appear
exactly as written, as a whole word (`Trend'in`, `NAM-ın`: a suffix after an apostrophe or hyphen is
fine).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..languages import same_language
from ..options import GLOSSARY_SOURCE, Glossary, glossary_language, glossary_text
from ..results import QualityFlag
from .checks import TERM_MISSING

__all__ = [
    "TERM_MISSING",
    "Glossary",
    "check_terms",
    "kept",
    "load_glossary",
    "read_glossary",
    "renders",
    "target_form",
    "terms_in",
]

MAX_GLOSSARY_BYTES = 20_000_000  # a termbase of a few hundred thousand entries
FORMATS = (".csv", ".tbx")

# ---- reading -------------------------------------------------------------------------------------


def read_glossary(path: str | Path) -> Glossary:
    """A glossary file: `.csv` (a header row of language codes, the first column the source language;
    UTF-8, a byte-order mark is fine; `,`, `;` or tab between cells) or `.tbx` (TBX 2 / TBX-Basic, read
    with translate-toolkit). A bad file is a ConfigError of one line naming the file and the row (CSV)
    or line (TBX)."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"{name}: a glossary must be a .csv or .tbx file, got {suffix or 'no extension'}")
    from ..inputs.reading import read_file_bytes

    try:
        data = read_file_bytes(name, MAX_GLOSSARY_BYTES)
    except InputError as exc:
        raise ConfigError(f"{exc} (a glossary is a .csv or .tbx file)") from None
    if len(data) > MAX_GLOSSARY_BYTES:
        raise ConfigError(f"{name}: over the {MAX_GLOSSARY_BYTES / 1e6:g} MB limit for a glossary")
    return _read_csv(name, data) if suffix == ".csv" else _read_tbx(name, data)


class _Entries:
    """The terms of one file as they are read, refusing a term twice with different targets."""

    def __init__(self, name: str, source: str):
        self.name, self.source = name, source
        self.terms: dict[str, dict[str, str]] = {}
        self.keep: dict[str, None] = {}  # in file order; a dict, so a lookup is not a scan of every term
        self.origins: dict[str, str] = {}

    def add(self, term: str, forms: Mapping[str, str], where: str) -> None:
        """One entry: `forms` by language; none means the term is kept as written."""
        before = self.origins.get(term)
        if before is not None:
            short = before.removeprefix(f"{self.name}: ")
            if (term in self.keep) != (not forms):
                kept = short if term in self.keep else "this entry"
                raise ConfigError(
                    f"{where}: {term!r} is given twice, kept as written in {kept} and translated in the other"
                )
            for lang, form in forms.items():
                other = self.terms.get(term, {}).get(lang)
                if other is not None and other != form:
                    raise ConfigError(
                        f"{where}: duplicate term {term!r} with a different {lang} target: {form!r} here, "
                        f"{other!r} in {short}"
                    )
        if forms:
            self.terms.setdefault(term, {}).update(forms)
        else:
            self.keep[term] = None
        self.origins.setdefault(term, where)

    def glossary(self) -> Glossary:
        return Glossary(self.terms, tuple(self.keep), self.source, self.name, self.origins)


def _delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_csv(name: str, data: bytes) -> Glossary:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{name}: row {row}: not UTF-8 text; save the glossary as UTF-8") from None
    # strict: a quote that is never closed is an error, not a last cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.partition("\n")[0]), strict=True)
    header: list[str] = []
    entries: _Entries | None = None
    row = line = 0  # the last row read, and the line it ended on (a quoted cell may hold line breaks)
    try:
        for row, cells in enumerate(reader, 1):
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if entries is None:
                header = _header(name, row, cells)
                entries = _Entries(name, header[0])
                continue
            where = f"{name}: row {row}"
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                raise ConfigError(f"{where}: {len(cells)} cells, but the header names {len(header)} languages")
            term = glossary_text(cells[0], f"term (the {header[0]} column)", where)
            forms = {
                lang: " ".join(cell.split()) for lang, cell in zip(header[1:], cells[1:], strict=False) if cell.strip()
            }
            entries.add(term, forms, where)
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise ConfigError(
                f'{name}: line {line + 1}: a quote (") opened in this row is never closed, so the rest of the '
                "file would be one cell; close the quote or remove it"
            ) from None
        raise ConfigError(f"{name}: row {row + 1}: not a readable CSV row ({exc})") from None
    if entries is None:
        raise ConfigError(f"{name}: empty; a glossary starts with a header row of language codes, e.g. en,ru,az,ar")
    return entries.glossary()


def _header(name: str, row: int, cells: list[str]) -> list[str]:
    """The language of each column: codes the registry knows, each once."""
    where = f"{name}: row {row} (the header)"
    while cells and not cells[-1].strip():
        cells = cells[:-1]  # a trailing delimiter
    header: list[str] = []
    for column, cell in enumerate(cells, 1):
        if not cell.strip():
            raise ConfigError(f"{where}: column {column} has no language code")
        code = glossary_language(cell.strip(), f"{where}, column {column}")
        if code in header:
            raise ConfigError(f"{where}: the {code} column is given twice")
        header.append(code)
    return header


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _read_tbx(name: str, data: bytes) -> Glossary:
    from lxml import etree
    from translate.misc.xml_helpers import getXMLlang, parse_xml
    from translate.storage import tbx

    try:
        store = tbx.tbxfile(io.BytesIO(data))
        root = store.document.getroot()
    except etree.LxmlError as exc:
        line = getattr(exc, "lineno", None)
        at = f"line {line}: " if line else ""
        raise ConfigError(f"{name}: {at}not a TBX file (not well-formed XML: {getattr(exc, 'msg', exc)})") from None
    except AssertionError:  # translate-toolkit's check that the root is <martif>
        store, root = None, parse_xml(data)
    tag = etree.QName(root).localname
    if tag != "martif" or store is None:
        hint = "; TBX 3 (<tbx>) is not read: export TBX 2 or TBX-Basic" if tag == "tbx" else ""
        raise ConfigError(f"{name}: not a TBX file (its root element is <{tag}>, a TBX file's is <martif>){hint}")
    declared = root.get(_XML_LANG)
    source = glossary_language(declared, f"{name}: <martif xml:lang>") if declared else GLOSSARY_SOURCE
    entries = _Entries(name, source)
    for unit in store.units:
        element = unit.xmlelement
        where = f"{name}: line {element.sourceline}" + (
            f" (termEntry {element.get('id')})" if element.get("id") else ""
        )
        by_lang: dict[str, str] = {}
        for node in unit.getlanguageNodes():
            lang = getXMLlang(node)
            if not lang:
                raise ConfigError(f"{where}: a <langSet> without xml:lang")
            code = glossary_language(lang, where)
            if code in by_lang:
                raise ConfigError(f"{where}: two <langSet>s in {code}; give its terms in one")
            by_lang[code] = glossary_text(unit.getNodeText(node) or "", f"{code} term", where)
        if source not in by_lang:
            raise ConfigError(f"{where}: no {source} term (the glossary's source language, <martif xml:lang>)")
        term = by_lang.pop(source)
        # `Translation needed: no` marks a do-not-translate term; so does an entry in one language only.
        entries.add(term, {} if not unit.istranslatable() else by_lang, where)
    return entries.glossary()


def load_glossary(table: Mapping[str, Any] | None, *, where: str, file: str | Path | None = None) -> Glossary | None:
    """A job's glossary: its inline `[glossary]` table (named `where` in messages; see
    `Glossary.from_mapping`) merged with the glossary file `file`, if any; None when there is neither.
    The same term in both with another target is a ConfigError naming both places."""
    table = dict(table or {})
    from_file = read_glossary(file) if file is not None else None
    if from_file is not None and "source_lang" not in table:
        table["source_lang"] = from_file.source_lang  # the inline terms are in the file's language
    inline = Glossary.from_mapping(table, where) if table and set(table) != {"source_lang"} else None
    if from_file is None:
        return inline
    return from_file if inline is None else from_file.merge(inline)


# ---- matching in the source ----------------------------------------------------------------------


def _first_letter(ch: str) -> str:
    """A pattern for a word's first letter in either case (Turkic dotted and dotless i included)."""
    variants = dict.fromkeys([ch, ch.lower(), ch.upper(), ch.title(), *(["İ", "ı"] if ch in "iI" else [])])
    return "(?:" + "|".join(re.escape(v) for v in variants) + ")"


def _term_pattern(term: str, *, exact: bool) -> str:
    """A term as a pattern: whitespace as any whitespace; unless `exact`, the first letter of each word
    in either case, except in a word with capitals after its first letter (an acronym: NAM, OPEC, iPhone)."""
    out: list[str] = []
    for piece in re.split(r"(\s+|[^\W_]+)", term):
        if not piece:
            continue
        if piece.isspace():
            out.append(r"\s+")
        elif not exact and piece[0].isalpha() and not any(ch.isupper() for ch in piece[1:]):
            out.append(_first_letter(piece[0]) + re.escape(piece[1:]))
        else:
            out.append(re.escape(piece))
    return "".join(out)


# The source is cut into tokens (a run of letters and digits, a run of whitespace, any other character
# alone), and so is each term: a term found in a text always covers whole tokens, the same number as its
# own. Each token has a key (whitespace as one space, a word's first letter folded to one case), so every
# place a term can match is one dictionary lookup of a run of keys: the work per sentence grows with its
# tokens and the distinct token counts of the terms, never with the number of terms (a 100,000-term
# glossary costs what a 10-term one does). A key match is only a candidate: the term's own pattern
# decides, at that place, with every rule of the module docstring.
_TOKENS = re.compile(r"[^\W_]+|\s+|.", re.DOTALL)


def _fold(ch: str) -> str:
    """One spelling for every case form `_first_letter` accepts of a letter (`A` and `a`; `İ`, `ı`, `I`, `i`)."""
    if ch in "İıIi":
        return "i"
    lower = ch.lower()
    if len(lower) != 1:
        return ch
    upper = lower.upper()
    return upper.lower() if len(upper) == 1 and len(upper.lower()) == 1 else lower


def _key(token: str) -> str:
    if token[0].isspace():
        return " "
    return _fold(token[0]) + token[1:] if token[0].isalnum() else token


def _irregular(term: str) -> bool:
    """A term a word of which starts with a letter whose other case is two letters (`ß` and `SS`): its
    pattern can match a text of another token count, so it is searched for with its pattern alone."""
    return any(len(v) != 1 for w in _WORDS.findall(term) for v in (w[0].upper(), w[0].lower(), w[0].title()))


@dataclass(frozen=True)
class _Index:
    """The glossary's terms by the keys of their tokens, built once per glossary."""

    by_key: dict[str, tuple[str, ...]]  # the joined keys of a term's tokens -> the terms with those keys
    lengths: tuple[int, ...]  # the token counts of the terms
    starts: frozenset[str]  # the key of each term's first token
    keep: frozenset[str]
    irregular: re.Pattern[str] | None  # one pattern for the few `_irregular` terms (longest first)
    irregular_terms: tuple[str, ...]


@functools.lru_cache(maxsize=16)
def _index(glossary: Glossary) -> _Index:
    keep = frozenset(glossary.keep)
    by_key: dict[str, list[str]] = {}
    lengths: set[int] = set()
    starts: set[str] = set()
    odd: list[str] = []
    for term in dict.fromkeys((*glossary.terms, *glossary.keep)):
        if _irregular(term):
            odd.append(term)
            continue
        keys = [_key(t) for t in _TOKENS.findall(term)]
        by_key.setdefault("".join(keys), []).append(term)
        lengths.add(len(keys))
        starts.add(keys[0])
    odd.sort(key=_rank)
    pattern = None
    if odd:
        groups = "|".join(f"({_term_pattern(t, exact=t in keep)})" for t in odd)
        pattern = re.compile(rf"(?<!\w)(?:{groups})(?!\w)")
    return _Index(
        {k: tuple(v) for k, v in by_key.items()}, tuple(sorted(lengths)), frozenset(starts), keep, pattern, tuple(odd)
    )


def _rank(term: str) -> tuple[int, str]:
    """Where two terms match at one place, the longer wins (then the first in code-point order)."""
    return (-len(term), term)


@functools.lru_cache(maxsize=4096)
def _term_regex(term: str, exact: bool) -> re.Pattern[str]:
    """One term's pattern, a whole word at both ends."""
    return re.compile(rf"(?<!\w){_term_pattern(term, exact=exact)}(?!\w)")


def terms_in(glossary: Glossary, source: str) -> list[tuple[str, tuple[int, int]]]:
    """Each glossary term (as the glossary spells it) found in `source`, with its span, in text order;
    where terms overlap, the one that starts first wins, and of those the longest."""
    index = _index(glossary)
    tokens = [(m.start(), m.group()) for m in _TOKENS.finditer(source)]
    keys = [_key(t) for _, t in tokens]
    found: list[tuple[int, tuple[int, str], int]] = []  # (start, rank, end)
    for i, (at, _) in enumerate(tokens):
        if keys[i] not in index.starts:
            continue
        for n in index.lengths:
            if i + n > len(keys):
                break
            for term in index.by_key.get("".join(keys[i : i + n]), ()):
                m = _term_regex(term, term in index.keep).match(source, at)
                if m:
                    found.append((at, _rank(term), m.end()))
    if index.irregular is not None:
        for m in index.irregular.finditer(source):
            if m.lastindex:
                found.append((m.start(), _rank(index.irregular_terms[m.lastindex - 1]), m.end()))
    out: list[tuple[str, tuple[int, int]]] = []
    end = 0
    for start, (_, term), stop in sorted(found):
        if start >= end:
            out.append((term, (start, stop)))
            end = stop
    return out


# ---- matching in the translation -----------------------------------------------------------------

# Inflection a target form may show, per language: (letters a form's word may lose at its end, letters
# the translation's word may then have after that stem). Russian and Ukrainian change endings for case
# and number (Движение неприсоединения -> Движения неприсоединения, Движением); Azerbaijani and Turkish
# stack suffixes (Hərəkatı -> Hərəkatının, Hərəkatında). Words of 3 letters or fewer keep their stem
# whole; words of 2 or fewer must match exactly. Other languages: the form's words exactly.
ENDINGS = {"ru": (2, 4), "uk": (2, 4), "be": (2, 4), "az": (1, 6), "tr": (1, 6)}
MIN_STEM = 3
# Arabic attaches conjunctions (و ف), prepositions (ب ل ك) and the article ال to the word: a form's word
# (with or without its article) matches any of these in front of it; ل + ال is written لل.
_CLITICS = {c + p + a for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك") for a in ("", "ال")}
ARABIC_PREFIXES = frozenset(_CLITICS - {c + "لال" for c in ("", "و", "ف")} | {c + "لل" for c in ("", "و", "ف")})
ARABIC = frozenset({"ar", "fa", "ur"})
UNSPACED = frozenset({"zh", "ja", "th"})  # no spaces between words: the form is found as a substring
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # Arabic vowel marks, tatweel
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_WORDS = re.compile(r"[^\W_]+")


def _primary(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def _normal(text: str, lang: str) -> str:
    """Casefolded, with the spellings a comparison should not tell apart: ё as е, Arabic vowel marks and
    tatweel dropped, alef forms as ا and ى as ي, the dot of a casefolded İ dropped."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u0307", "")
    if lang in ("ru", "uk", "be"):
        text = text.replace("ё", "е")
    if lang in ARABIC:
        text = _MARKS.sub("", text).translate(_ALEFS)
    return text


def _word_matches(word: str, form: str, lang: str) -> bool:
    if word == form:
        return True
    if lang in ARABIC:
        core = form[2:] if form.startswith("ال") and len(form) > 3 else form
        return word.endswith(core) and word[: len(word) - len(core)] in ARABIC_PREFIXES
    drop, add = ENDINGS.get(lang, (0, 0))
    if not add or len(form) <= 2:
        return False
    stem = form[: max(min(len(form), MIN_STEM), len(form) - drop)]
    return word.startswith(stem) and len(word) - len(stem) <= add


def renders(output: str, form: str, lang: str) -> bool:
    """Does `output` contain the target form `form` of language `lang`, allowing for case and inflection?"""
    lang = _primary(lang)
    text, wanted = _normal(output, lang), _normal(form, lang)
    if lang in UNSPACED:
        return "".join(wanted.split()) in "".join(text.split())
    words, form_words = _WORDS.findall(text), _WORDS.findall(wanted)
    if not form_words:  # a form of signs only (`*.*`, `§`): those signs, spaced as they like
        return "".join(wanted.split()) in "".join(text.split())
    n = len(form_words)
    return any(
        all(_word_matches(words[i + j], form_words[j], lang) for j in range(n)) for i in range(len(words) - n + 1)
    )


def kept(output: str, term: str) -> bool:
    """`term` exactly as written, a whole word (a suffix after an apostrophe or hyphen is fine)."""
    return _term_regex(term, True).search(output) is not None


# ---- the check -----------------------------------------------------------------------------------


def target_form(glossary: Glossary, term: str, target: str) -> str | None:
    """The form `term` must take in `target` (None: the glossary gives it none there, or keeps it as written)."""
    code = _target_code(target)
    return glossary.terms.get(term, {}).get(code or "")


def _target_code(target: str) -> str | None:
    try:
        return glossary_language(target, "target")
    except ConfigError:
        return None  # a language the registry doesn't know: no glossary column can name it


def check_terms(
    source: str, output: str, *, target: str, glossary: Glossary | None, source_lang: str | None = None
) -> list[QualityFlag]:
    """A `term-missing` flag when a term found in `source` lacks its `target` form in `output`, or a keep
    term is not in `output` as written; [] for a clean output, no glossary, or a `source_lang` other than
    the glossary's (its terms are not that language's). A term without a form in `target` is not checked."""
    if glossary is None or not output.strip():
        return []
    if source_lang is not None and not same_language(_primary(source_lang), glossary.source_lang):
        return []
    code = _target_code(target)
    keep = _index(glossary).keep
    checked, missing = 0, []
    for term in dict.fromkeys(term for term, _ in terms_in(glossary, source)):
        if term in keep:
            checked += 1
            if not kept(output, term):
                missing.append(f"“{term}” (kept as written)")
            continue
        form = glossary.terms.get(term, {}).get(code or "")
        if form is None:
            continue
        checked += 1
        if not renders(output, form, code or target):
            missing.append(f"“{term}” → “{form}”")
    if not missing:
        return []
    score = round(1 - len(missing) / checked, 4)
    return [QualityFlag(TERM_MISSING, f"glossary terms not in the translation: {'; '.join(missing)}", score)]
