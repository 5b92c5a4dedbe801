"""The digest's facts table: each fact of the translated sentences (names, numbers, dates, times, URLs,
e-mails, handles, hashtags, and the glossary's terms) and how each language rendered it.

`fact_table(digest, glossary)` reads the source sentences that were translated (the summary's, the full
text's), takes their facts (`facts.facts`) and glossary terms (`glossary.terms_in`), one row per distinct
fact, and looks for each in every translation of a sentence that carries it: a number by its value (digits,
or the target's number words), a date by its numbers, a URL, e-mail, handle or hashtag as written, a name
as the name checks find it (through transliteration), a term by its target form. A cell lists what the
translations wrote for the fact, the sentences whose translation lacks it, and the codes of the quality
flags about it (a flag of the fact's kind on a sentence that lacks it; `name-inconsistent` or
`term-missing` naming it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..options import Glossary
from ..results import Digest, FactCell, FactRow, FactSpan, Sentence, Translation
from .checks import NUMBER_MISMATCH, TERM_MISSING, URL_MISMATCH
from .facts import CURRENCY_MARKERS, DIGITS, Fact, facts, has_number_word, number_word_stems
from .glossary import kept, renders, target_form, terms_in
from .names import NAME_INCONSISTENT, NAME_MISMATCH, checkable_name, find_name, must_come_through

__all__ = ["FACT_KINDS", "fact_table"]

FACT_KINDS = ("name", "term", "number", "date", "time", "url", "email", "handle", "hashtag")
# The flags that speak of a fact of each kind.
KIND_CODES = {
    "number": frozenset({NUMBER_MISMATCH}),
    "date": frozenset({NUMBER_MISMATCH}),
    "time": frozenset({NUMBER_MISMATCH}),
    "url": frozenset({URL_MISMATCH}),
    "email": frozenset({URL_MISMATCH}),
    "handle": frozenset(),
    "hashtag": frozenset(),
    "name": frozenset({NAME_MISMATCH}),
    "term": frozenset({TERM_MISSING}),
}
UNCHECKED = ""  # a rendering that can't be looked for: neither found nor missing
MAX_ROWS = 200  # a long article's table keeps its first facts (in text order)
_RUN = re.compile(r"\d+")


@dataclass
class _Row:
    kind: str
    text: str
    key: str  # what two mentions of one fact share
    spans: list[FactSpan] = field(default_factory=list)
    target_form: dict[str, str] = field(default_factory=dict)
    fact: Fact | None = None


def _source_facts(
    sentence: Sentence, lang: str, glossary: Glossary | None, known: Sequence[str]
) -> list[tuple[str, str, Fact | None, int, int]]:
    """(kind, key, fact, start, end) of one source sentence, in text order: its glossary terms, and its facts
    outside them (a term that is also a name is a term)."""
    out: list[tuple[str, str, Fact | None, int, int]] = []
    taken: list[tuple[int, int]] = []
    if glossary is not None and _same(lang, glossary.source_lang):
        for term, (start, end) in terms_in(glossary, sentence.text):
            out.append(("term", term, None, start, end))
            taken.append((start, end))
    for fact in facts(sentence.text, lang):
        if any(fact.start < e and s < fact.end for s, e in taken):
            continue
        if fact.kind == "name" and not (
            checkable_name(sentence.text, fact) and must_come_through(fact.value, translated=known)
        ):
            continue  # a capital at a sentence's start, an acronym, or a name translators translate
        out.append((fact.kind, f"{fact.value}|{fact.unit}", fact, fact.start, fact.end))
    return sorted(out, key=lambda item: item[3])


def _same(a: str, b: str) -> bool:
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def _number(fact: Fact, output: str, found: Sequence[Fact], target: str) -> str | None:
    for f in found:
        if f.kind == "number" and f.value == fact.value:
            if fact.unit in CURRENCY_MARKERS and not any(m in output.casefold() for m in CURRENCY_MARKERS[fact.unit]):
                return None  # the amount is there in another currency (€30 -> $30)
            return f.text
    stems = number_word_stems(fact.value, target)
    if stems:  # written in the target's words ("три тысячи")
        return next((w for w in re.findall(r"[^\W\d_]+", output) if has_number_word(w, stems, target)), None)
    return None


def _date(fact: Fact, output: str, found: Sequence[Fact]) -> str | None:
    """A date or time as the output writes it: a fact of its kind with its value, else its numbers (a
    date's year and day, a time's hour and minutes) close together, with a month's word after a lone day."""
    for f in found:
        if f.kind == fact.kind and f.value == fact.value:
            return f.text
    if fact.kind == "date":
        parts = fact.value.lstrip("-").split("-")
        wanted = {parts[-1].lstrip("0")} if fact.value.startswith("--") else {parts[0]}
        if len(parts) == 3 and not fact.value.startswith("--"):
            wanted.add(parts[2].lstrip("0"))
    else:
        wanted = {p.lstrip("0") or "0" for p in fact.value.split(":")}
    digits = output.translate(DIGITS)
    runs = [m for m in _RUN.finditer(digits) if (m.group().lstrip("0") or "0") in wanted]
    if not runs or {m.group().lstrip("0") or "0" for m in runs} != wanted:
        return None
    start, end = runs[0].start(), runs[-1].end()
    if end - start > 40:  # scattered numbers, not one date
        return None
    if fact.kind == "date" and len(wanted) == 1 and (month := re.match(r"\s+[^\W\d_]+", output[end:])):
        end += month.end()
    return output[start:end]


def _verbatim(fact: Fact, output: str) -> str | None:
    match = re.search(re.escape(fact.text.rstrip(".,;:!?)")), output, re.IGNORECASE)
    return match.group() if match else None


def _name(name: str, output: str, target: str, translated: Sequence[str]) -> str | None:
    at = output.casefold().find(name.casefold())
    if at >= 0:  # copied in Latin letters
        return output[at : at + len(name)]
    words = find_name(name, output, target=target, translated=translated)
    if not words:  # none of its words can be told apart in this script (Aliyev in Arabic: ل alone)
        return UNCHECKED
    hits = [m.word for m in words.values() if m is not None]
    if not hits:
        return None
    ordered = [w for w in re.findall(r"\S+", output) if any(h in w for h in hits)]
    return " ".join(dict.fromkeys(re.sub(r"^\W+|\W+$", "", w) for w in ordered)) or None


def _term(term: str, output: str, glossary: Glossary, target: str) -> str | None:
    if term in glossary.keep:
        return term if kept(output, term) else None
    form = target_form(glossary, term, target)
    if form is None:
        return None
    return form if renders(output, form, target) else None


def _rendering(
    row: _Row, output: str, found: Sequence[Fact], target: str, glossary: Glossary | None, known: Sequence[str]
) -> str | None:
    if row.kind == "term":
        return _term(row.key, output, glossary, target) if glossary is not None else None
    fact = row.fact
    assert fact is not None
    if fact.kind == "number":
        return _number(fact, output, found, target)
    if fact.kind in ("date", "time"):
        return _date(fact, output, found)
    if fact.kind == "name":
        return _name(fact.value, output, target, known)
    return _verbatim(fact, output)


def _about(row: _Row, translation: Translation, missing: bool) -> set[str]:
    """Codes of `translation`'s flags that speak of this fact."""
    codes = set()
    for flag in translation.flags:
        if (
            missing
            and flag.code in KIND_CODES[row.kind]
            or flag.code == NAME_INCONSISTENT
            and row.kind == "name"
            and flag.message.startswith(row.text)
            or flag.code == TERM_MISSING
            and row.kind == "term"
            and f"“{row.key}”" in flag.message
        ):
            codes.add(flag.code)
    return codes


def fact_table(digest: Digest, glossary: Glossary | None = None) -> tuple[FactRow, ...]:
    """The facts of `digest`'s translated sentences, one row per distinct fact in text order (the summary's
    first), each with a cell per target language; () when nothing was translated."""
    lang = digest.article.lang
    by_part = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    translated = {
        kind: sentences
        for kind, sentences in by_part.items()
        if any(getattr(ld, kind) is not None for ld in digest.languages)
    }
    if not translated:
        return ()
    known = [*glossary.terms, *glossary.keep] if glossary is not None else []
    rows: dict[tuple[str, str], _Row] = {}
    for sentences in translated.values():
        for s in sentences:
            for kind, key, fact, start, end in _source_facts(s, lang, glossary, known):
                row = rows.get((kind, key))
                if row is None:
                    if len(rows) >= MAX_ROWS:
                        continue
                    row = rows[kind, key] = _Row(kind, s.text[start:end], key, fact=fact)
                    if kind == "term" and glossary is not None:
                        row.target_form = {
                            ld.target: form
                            for ld in digest.languages
                            if (form := target_form(glossary, key, ld.target)) is not None
                        }
                row.spans.append(FactSpan(s.id, start, end))
    out = []
    for row in rows.values():
        cells = []
        for ld in digest.languages:
            cells.append(_cell(row, ld.target, [ld.summary, ld.full], glossary, known))
        out.append(FactRow(row.kind, row.text, tuple(row.spans), tuple(cells), row.target_form))
    return tuple(out)


def _formless(glossary: Glossary, term: str, target: str) -> bool:
    return term not in glossary.keep and target_form(glossary, term, target) is None


def _cell(row: _Row, target: str, sets: Iterable, glossary: Glossary | None, known: Sequence[str]) -> FactCell:
    by_id: dict[str, Translation] = {}
    for ts in sets:
        if ts is not None:
            for t in ts.translations:
                by_id.setdefault(t.source_id, t)
    renderings: list[str] = []
    missing: list[str] = []
    codes: set[str] = set()
    for span in dict.fromkeys(row.spans):
        t = by_id.get(span.sentence_id)
        if t is None or not t.text.strip():
            continue
        if row.kind == "term" and glossary is not None and _formless(glossary, row.key, target):
            continue  # the glossary gives no form in this language: nothing to look for
        found = _rendering(row, t.text, _output_facts(t.text, target), target, glossary, known)
        if found == UNCHECKED:
            continue
        if found is None:
            if span.sentence_id not in missing:
                missing.append(span.sentence_id)
        elif found not in renderings:
            renderings.append(found)
        codes |= _about(row, t, found is None)
    order = [c for c in (*KIND_CODES[row.kind], NAME_INCONSISTENT, TERM_MISSING) if c in codes]
    return FactCell(target, tuple(renderings), tuple(missing), tuple(dict.fromkeys(order)))


@lru_cache(maxsize=4096)
def _output_facts(text: str, target: str) -> tuple[Fact, ...]:
    return facts(text, target)
