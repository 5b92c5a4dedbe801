"""What the HTML and Markdown digests share: sentence alignment by id, the article's
facts (shown safely: `shown`, `link_target`), provenance lines, and the count of quality flags."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ...errors import ConfigError
from ...languages import language_name, plural
from ...results import (
    NO_BACKEND,
    Article,
    Digest,
    FactCell,
    LanguageDigest,
    ModelInfo,
    QualityFlag,
    Sentence,
    TranslationSet,
)

PART_TITLES = {"summary": "Summary", "full": "Full text"}
# The job index's notice; each digest's own banner (`stand_in_notice`) names the parts a stand-in made.
STAND_IN_NOTICE = (
    "Stand-in models (random weights) made parts of the digests marked “stand-in” below: those parts are "
    "noise. Each digest's banner says which parts; do not read or quote them."
)
RETRIED_NOTE = "The first output was flagged, so this sentence was generated again with stronger decoding."
HUMAN_NOTE = "An editor's translation from the translation memory (summarizer memory import): no model ran."
PROTECTED_NOTE = (
    "The first output lost a fact (a number, URL, e-mail, handle or glossary term), so this sentence was "
    "translated again with those spans protected; this retry kept more of them."
)


# --- metadata, shown safely ---------------------------------------------------------------------

# The Unicode Bidi_Control characters: embeddings, overrides, isolates and marks. In a title, a name or a
# URL they show its characters in another order: "report\u202egnp.exe" reads "reportexe.png".
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _hidden(ch: str) -> bool:
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def shown(text: str) -> str:
    """Metadata (a title, an author, a file name, a model's folder) as every digest shows it: control
    characters, line and paragraph separators and bidirectional controls written as escapes (`\\x1b`,
    `\\n`, `\\u202e`), so no value can send codes to a terminal, split a line, or show its characters in
    another order. Other format characters stay: Persian and emoji need the zero-width joiners."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if _hidden(ch) else ch for ch in text)


def link_target(url: str | None) -> str | None:
    """`url` as a link's target and its text alike, when it may be a link (http or https), else None.

    Controls, format characters (bidirectional ones included) and spaces are percent-encoded, as a browser
    would send them, so the text a reader sees is the address the link follows; whether it is a web link is
    decided on that encoded form, so `java\\tscript:` or a leading space makes no link."""
    if not url:
        return None
    target = "".join(
        "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")) if unicodedata.category(ch)[0] in "CZ" else ch
        for ch in url
    )
    try:
        scheme = urlsplit(target).scheme.lower()
    except ValueError:  # a malformed address (an unclosed IPv6 bracket) is no link
        return None
    return target if scheme in ("http", "https") else None


# --- languages -------------------------------------------------------------------------------


def source_language(article: Article) -> str:
    """`Russian (ru), detected 0.98` or `English (en), given`: the article's language and how it was decided."""
    out = f"{language_name(article.lang)} ({article.lang})"
    if article.lang_origin != "detected":
        return out + ", given"
    p = article.lang_probability
    return out + (f", detected {p:.2f}" if p is not None else ", detected")


# What a digest says about a title the article did not give (Article.title_origin).
TITLE_ORIGINS = {
    "lead": "from the first sentence (the text has no headline)",
    "name": "the input's name (the text has no headline)",
}


def article_facts(article: Article) -> list[tuple[str, str]]:
    """(name, value) pairs for a digest's header: author, site, date, URL and source where known, and the
    language; each value `shown`, a web URL as its `link_target`. The source is left out when it is the URL."""
    known = [("Author", article.author), ("Site", article.site), ("Date", article.date)]
    out = [(name, shown(value)) for name, value in known if value]
    if article.url:
        out.append(("URL", link_target(article.url) or shown(article.url)))
    if article.source != article.url:
        out.append(("Source", shown(article.source)))
    if article.title_origin in TITLE_ORIGINS:
        out.append(("Title", TITLE_ORIGINS[article.title_origin]))
    return out + [("Language", source_language(article))]


# --- alignment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One source sentence and its translation (None when no translation carries its id)."""

    sid: str
    label: str  # the id without the article part: "p3:s1"
    paragraph: int
    source: str
    translation: str | None
    cached: bool = False
    split_parts: int = 1
    flags: tuple[QualityFlag, ...] = ()
    retried: bool = False
    human: bool = False  # an editor's translation from the translation memory
    protected: bool = False  # kept from a retry with the facts protected

    @property
    def codes(self) -> list[str]:
        return flag_codes(self.flags)


def _short_id(sid: str) -> str:
    parts = sid.rsplit(":", 2)
    return f"{parts[1]}:{parts[2]}" if len(parts) == 3 else sid


def align(sentences: Sequence[Sentence], tset: TranslationSet) -> tuple[list[Row], list[str]]:
    """Rows in sentence order, matched by id, and the ids of translations that match no sentence."""
    by_id = {}
    for t in tset.translations:
        by_id.setdefault(t.source_id, t)
    rows = []
    for s in sentences:
        t = by_id.get(s.id)
        if t is None:
            rows.append(Row(s.id, _short_id(s.id), s.paragraph, s.text, None))
        else:
            rows.append(
                Row(
                    s.id,
                    _short_id(s.id),
                    s.paragraph,
                    s.text,
                    t.text,
                    t.cached,
                    t.split_parts,
                    t.flags,
                    t.retried,
                    t.human,
                    t.protected,
                )
            )
    known = {s.id for s in sentences}
    orphans = [t.source_id for t in tset.translations if t.source_id not in known]
    return rows, orphans


@dataclass(frozen=True)
class Line:
    """One source sentence and, per target language, its Row (whose `translation` may be None)."""

    sid: str
    label: str
    paragraph: int
    source: str
    cells: tuple[tuple[str, Row], ...]  # (target code, row), in the order of the page's columns


@dataclass(frozen=True)
class Part:
    """One translated part of a page (summary or full text): a column per target language, a Line per sentence."""

    kind: str
    targets: tuple[str, ...]
    lines: tuple[Line, ...]
    sets: tuple[TranslationSet, ...]  # one per target, in the same order

    def paragraphs(self) -> list[list[Line]]:
        """The lines grouped by paragraph, in order."""
        out: list[list[Line]] = []
        for line in self.lines:
            if out and out[-1][-1].paragraph == line.paragraph:
                out[-1].append(line)
            else:
                out.append([line])
        return out


def columns(digest: Digest, codes: Sequence[str]) -> list[Part]:
    """The translated parts of `codes`, each with one Line per source sentence holding every language's
    row: matched by sentence id (`align`), so a row never depends on where a translation was stored."""
    out = []
    for kind in PART_TITLES:
        found = [(code, sentences, ts) for code, k, sentences, ts in parts(digest, codes) if k == kind]
        if not found:
            continue
        sentences = found[0][1]
        aligned = [(code, align(sentences, ts)[0]) for code, _, ts in found]
        lines = []
        for i, s in enumerate(sentences):
            cells = tuple((code, rows[i]) for code, rows in aligned)
            assert all(row.sid == s.id for _, row in cells), "align keeps sentence order"
            lines.append(Line(s.id, _short_id(s.id), s.paragraph, s.text, cells))
        out.append(Part(kind, tuple(code for code, *_ in found), tuple(lines), tuple(ts for *_, ts in found)))
    return out


def _language(digest: Digest, target: str) -> LanguageDigest:
    for lang in digest.languages:
        if lang.target == target:
            return lang
    known = ", ".join(lang.target for lang in digest.languages) or "none"
    raise ConfigError(f"this digest has no target language {target!r}; it has: {known}")


def targets(digest: Digest, target: str | None) -> list[str]:
    """`[target]` after checking the digest has it, or every target language when `target` is None."""
    return [_language(digest, target).target] if target is not None else [lang.target for lang in digest.languages]


def parts(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str, Sequence[Sentence], TranslationSet]]:
    """(target, part, source sentences, translations) for every translated part of `codes`."""
    sources = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    out = []
    for code in codes:
        lang = _language(digest, code)
        for kind, ts in (("summary", lang.summary), ("full", lang.full)):
            if ts is not None:
                out.append((code, kind, sources[kind], ts))
    return out


# --- the facts table --------------------------------------------------------------------------

FACT_KIND_NAMES = {
    "name": "name",
    "term": "term",
    "number": "number",
    "date": "date",
    "time": "time",
    "url": "URL",
    "email": "e-mail",
    "handle": "handle",
    "hashtag": "hashtag",
}


FACT_SOURCES_SHOWN = 3  # sentences quoted under a cell whose fact they lack; the rest are named


@dataclass(frozen=True)
class FactSource:
    """A source sentence that carries a fact its translation lacks: its label and the text around the span."""

    sid: str
    label: str
    part: str  # "summary" | "full": the part whose sentence table has its row
    before: str
    span: str
    after: str


@dataclass(frozen=True)
class FactView:
    """One language's cell of a facts-table row, ready to show."""

    cell: FactCell
    missing: tuple[FactSource, ...]  # the first sentences whose translation lacks the fact, with its span
    more: tuple[FactSource, ...] = ()  # the rest of them (a page names them, without the text)


@dataclass(frozen=True)
class FactLine:
    """One row of the facts table: the fact as the source writes it, and a cell per language shown."""

    kind: str
    text: str
    cells: tuple[tuple[str, FactView], ...]  # (target code, cell), in the order of the page's columns
    target_form: Mapping[str, str]

    @property
    def flagged(self) -> bool:
        return any(view.cell.flagged for _, view in self.cells)


def _around(text: str, start: int, end: int, width: int = 60) -> tuple[str, str, str]:
    before, after = text[max(0, start - width) : start], text[end : end + width]
    return ("…" if start > width else "") + before, text[start:end], after + ("…" if end + width < len(text) else "")


def fact_lines(digest: Digest, codes: Sequence[str]) -> list[FactLine]:
    """The digest's facts table for the languages `codes`, each missing rendering with its source span."""
    texts = {s.id: s.text for s in (*digest.article.sentences, *digest.summary_sentences)}
    summary_ids = {s.id for s in digest.summary_sentences} if any(ld.summary for ld in digest.languages) else set()
    out = []
    for row in digest.facts:
        spans = {span.sentence_id: span for span in reversed(row.spans)}  # the first span of each sentence
        cells = []
        for cell in row.cells:
            if cell.target not in codes:
                continue
            missing = []
            for sid in cell.missing:
                span = spans.get(sid)
                if span is not None and sid in texts:
                    part = "summary" if sid in summary_ids else "full"
                    missing.append(FactSource(sid, _short_id(sid), part, *_around(texts[sid], span.start, span.end)))
            cells.append(
                (cell.target, FactView(cell, tuple(missing[:FACT_SOURCES_SHOWN]), tuple(missing[FACT_SOURCES_SHOWN:])))
            )
        if cells:
            out.append(FactLine(row.kind, row.text, tuple(cells), row.target_form))
    return out


# --- provenance --------------------------------------------------------------------------------


def _origin(target: str, kind: str) -> str:
    return f"{target} {PART_TITLES[kind].lower()}"


def _summary_model(digest: Digest) -> ModelInfo:
    """The summary's model record as people see it: the lead method runs no model, so it names no backend."""
    assert digest.summary is not None
    model = digest.summary.model
    return replace(model, backend=NO_BACKEND) if digest.summary.method == "lead" else model


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class StandInNotice:
    """What a digest's banner says: which parts stand-in models (random weights) made, and which are real.

    Derived from the digest's own model records, part by part: the summary, and each language's
    translated summary and full text. `text` is the whole banner; `short` is one line for a phone."""

    text: str
    short: str
    summary: bool  # the summary itself came from a stand-in
    languages: tuple[str, ...]  # targets with at least one part made by a stand-in


def _translation_groups(items: Sequence[tuple[str, tuple[str, ...]]]) -> str:
    """`Azerbaijani, Russian and Arabic (summary and full text)` from (target, parts) pairs, grouped by parts."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for code, kinds in items:
        groups.setdefault(kinds, []).append(language_name(code))
    return " and into ".join(
        f"{_and(names)} ({_and([PART_TITLES[k].lower() for k in kinds])})" for kinds, names in groups.items()
    )


def stand_in_notice(digest: Digest, codes: Sequence[str]) -> StandInNotice | None:
    """The banner for the parts of `codes` shown (and the summary), or None when no stand-in made any of them."""
    summary = digest.summary
    noise_summary = bool(summary and summary.model.stand_in)
    by_target: dict[str, dict[bool, list[str]]] = {}
    models: dict[bool, set[str]] = {True: set(), False: set()}
    for target, kind, _, ts in parts(digest, codes):
        by_target.setdefault(target, {True: [], False: []})[ts.model.stand_in].append(kind)
        models[ts.model.stand_in].add(shown(ts.model.name))
    noisy = [(t, tuple(k[True])) for t, k in by_target.items() if k[True]]
    real = [(t, tuple(k[False])) for t, k in by_target.items() if k[False]]
    if not noise_summary and not noisy:
        return None
    src = language_name(digest.article.lang)
    subjects = [f"the {src} summary"] if noise_summary else []
    if noisy:
        subjects.append(f"the translations into {_translation_groups(noisy)}")
    several = len(subjects) > 1 or bool(noisy)  # the translations are plural; the summary alone is not
    they, were, them = ("they", "were", "them") if several else ("it", "was", "it")
    who = "stand-in models" if len(models[True]) + noise_summary > 1 else "a stand-in model"
    text = (
        f"{_capital(_and(subjects))} {were} made by {who} with random weights: {they} {'are' if several else 'is'} "
        f"noise. Do not read or quote {them}; {they} {'show' if several else 'shows'} only that the pipeline runs."
    )
    if noise_summary and any("summary" in kinds for _, kinds in real):
        text += f" The translations of the {src} summary translate that noise."
    if summary is not None and not noise_summary:
        text += f" The {src} summary is real: {_summary_origin(digest)}."
    if real:
        text += f" The translations into {_translation_groups(real)} are real: made by {_and(sorted(models[False]))}."
    brief = [f"the {src} summary"] if noise_summary else []
    if noisy:
        brief.append(f"the {_and([language_name(t) for t, _ in noisy])} translations")
    short = f"{_capital(_and(brief))} {'are' if several else 'is'} noise (stand-in models)."
    if summary is not None and not noise_summary:
        short += f" The {src} summary is real."
    return StandInNotice(text, short, noise_summary, tuple(t for t, _ in noisy))


def _summary_origin(digest: Digest) -> str:
    """How a real summary was made, for the banner: `3 of the article's own sentences, chosen by <model>`."""
    s = digest.summary
    assert s is not None
    n = len(s.source_ids)
    if s.method == "lead":
        return f"the article's first {plural(n, 'sentence')}, word for word"
    if s.method == "extractive":
        return f"{n} of the article's own sentences, chosen by {shown(s.model.name)}"
    return f"written by {shown(s.model.name)}"


def stand_in_models(digest: Digest) -> list[str]:
    """Names of the stand-in models in the digest (their labels already say "stand-in")."""
    models = [digest.summary.model] if digest.summary else []
    models += [ts.model for *_, ts in parts(digest, targets(digest, None))]
    return sorted({shown(m.name) for m in models if m.stand_in})


def chunking(digest: Digest) -> str:
    s = digest.summary
    if s is None:
        return "no summary was made"
    if s.method != "abstractive":
        how = (
            "the first sentences"
            if s.method == "lead"
            else "the most salient sentences, chosen with sentence embeddings"
        )
        return f"{s.method}: {len(s.source_ids)} of the article's own sentences, word for word ({how})"
    if s.source_ids:
        return (
            f"extract-then-abstract: the input ({s.input_tokens:,} tokens) exceeded the model limit of "
            f"{s.max_input_tokens:,}, so its {len(s.source_ids)} most salient sentences that fit were summarized"
        )
    if s.chunked:
        return (
            f"chunked: the input ({s.input_tokens:,} tokens) exceeded the model limit of {s.max_input_tokens:,}, "
            f"so it was summarized in {plural(s.chunks, 'chunk')} and {plural(s.rounds, 'reduce round')}"
        )
    return f"not chunked: {s.input_tokens:,} of {s.max_input_tokens:,} input tokens"


def warning_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(origin, message) pairs: input, digest, summary and translation warnings (`shown`: they may quote a
    file name), plus alignment gaps."""
    out = [("input", shown(w)) for w in digest.article.warnings]
    out += [("digest", shown(w)) for w in digest.warnings]
    if digest.summary is not None:
        out += [("summary", shown(w)) for w in digest.summary.warnings]
    for target, kind, sentences, ts in parts(digest, codes):
        origin = _origin(target, kind)
        out += [(origin, shown(w)) for w in ts.warnings]
        rows, orphans = align(sentences, ts)
        missing = sum(r.translation is None for r in rows)
        if missing:
            out.append((origin, f"{plural(missing, 'sentence')} without a translation"))
        if orphans:
            out.append(
                (origin, f"{plural(len(orphans), 'translation')} matching no source sentence: {', '.join(orphans[:5])}")
            )
    return out


def cache_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    if digest.summary is not None:
        out.append(("summary", "from cache" if digest.summary.cached else "computed"))
    for target, kind, _, ts in parts(digest, codes):
        line = f"{ts.cache_hits} of {plural(len(ts.translations), 'sentence')} from cache"
        human = human_count(ts)
        out.append((_origin(target, kind), line + (f", {human} human (translation memory)" if human else "")))
    return out


def human_count(ts: TranslationSet) -> int:
    """How many of a part's translations are editors' (the translation memory's), not a model's."""
    return sum(t.human for t in ts.translations)


def timing_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    out = [(name, _seconds(value)) for name, value in sorted(digest.timings.items())]
    if digest.summary is not None:
        out.append(("summary model", _seconds(digest.summary.seconds)))
    for target, kind, _, ts in parts(digest, codes):
        out.append((_origin(target, kind), _seconds(ts.seconds)))
    return out


def model_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str, str]]:
    """(role, model label, settings) for the summarizer and each translation shown; the labels `shown`
    (a model may be a folder of any name)."""
    out = []
    if digest.summary is not None:
        role = "summary" if digest.summary.method == "abstractive" else f"summary ({digest.summary.method})"
        out.append((role, shown(_summary_model(digest).label()), _params(digest.summary.params)))
    for target, kind, _, ts in parts(digest, codes):
        token = f"target token {ts.target_token}; " if ts.target_token else ""
        out.append((_origin(target, kind), shown(ts.model.label()), token + _params(ts.params)))
    return out


# --- quality flags -------------------------------------------------------------------------------


def flag_codes(flags: Sequence[QualityFlag]) -> list[str]:
    """The distinct codes of `flags`, in the order the checks raised them."""
    return list(dict.fromkeys(f.code for f in flags))


def _tally(counts: Counter) -> str:
    """`4 wrong-language, 3 number-mismatch`: most frequent first, ties by name, so the text is deterministic."""
    return ", ".join(f"{n} {code}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _retries(retried: int, passed: int) -> str:
    """`3 retried (their first output was flagged): 2 pass now, 1 still flagged`: each number one thing."""
    return f"{retried} retried (their first output was flagged): {passed} pass now, {retried - passed} still flagged"


@dataclass(frozen=True)
class PartQuality:
    """The flags on one translated part: how many of its rows carry one (after any retry), of which codes,
    and how many rows were generated again because their first output was flagged."""

    origin: str  # "az full text", as the other provenance lines name it
    target: str
    kind: str
    sentences: int
    flagged: int  # rows whose kept output has at least one flag
    codes: Counter  # code -> rows with that code (a row with two flags of one code counts once)
    retried: int  # rows whose first output was flagged, so they were generated again with stronger decoding
    passed: int = 0  # retried rows whose kept output has no flag

    def text(self) -> str:
        out = f"{self.flagged} of {plural(self.sentences, 'translation')} flagged"
        out += f" ({_tally(self.codes)})" if self.flagged else ""
        return out + (f"; {_retries(self.retried, self.passed)}" if self.retried else "")


@dataclass(frozen=True)
class Quality:
    """What the quality checks found in the parts of a digest shown, and in its summary."""

    parts: tuple[PartQuality, ...]
    summary_flags: tuple[QualityFlag, ...]

    @property
    def flagged(self) -> int:
        """Outputs with at least one flag: translated sentences, plus one for a flagged summary."""
        return sum(p.flagged for p in self.parts) + bool(self.summary_flags)

    @property
    def clean(self) -> bool:
        return not self.flagged

    def headline(self) -> str:
        """One line for the top of a digest, each number counting one named thing: `7 of 41 translations
        flagged (4 wrong-language, 3 number-mismatch); 9 retried (their first output was flagged): 2 pass
        now, 7 still flagged`. A translated sentence is one translation per language; one flagged by two
        checks counts once in the first number, and once under each code."""
        pieces = []
        sentences = sum(p.sentences for p in self.parts)
        flagged = sum(p.flagged for p in self.parts)
        # A clean page says just that; otherwise the sentence count is shown even when it is 0 of n,
        # so a flagged summary is not mistaken for flagged translations.
        if sentences and not self.clean:
            pieces.append(f"{flagged} of {plural(sentences, 'translation')} flagged")
            if flagged:
                pieces[-1] += f" ({_tally(sum((p.codes for p in self.parts), Counter()))})"
        if self.summary_flags:
            pieces.append(f"summary flagged: {', '.join(flag_codes(self.summary_flags))}")
        retried = sum(p.retried for p in self.parts)
        if retried:
            pieces.append(_retries(retried, sum(p.passed for p in self.parts)))
        return "; ".join(pieces if not self.clean else ["no quality flags", *pieces])

    def lines(self) -> list[tuple[str, str]]:
        """(origin, detail) pairs: each summary flag with its message, then each part with flags or retries."""
        out = [("summary", f"{f.code}: {f.message}") for f in self.summary_flags]
        return out + [(p.origin, p.text()) for p in self.parts if p.flagged or p.retried]


def quality(digest: Digest, codes: Sequence[str]) -> Quality:
    """The flags in the parts of `codes` (counted over aligned rows, so "of n" matches the table) and the summary's."""
    found = []
    for target, kind, sentences, ts in parts(digest, codes):
        rows, _ = align(sentences, ts)
        tally = Counter(code for r in rows for code in r.codes)
        flagged = sum(bool(r.flags) for r in rows)
        retried = sum(r.retried for r in rows)
        passed = sum(r.retried and not r.flags for r in rows)
        found.append(PartQuality(_origin(target, kind), target, kind, len(rows), flagged, tally, retried, passed))
    return Quality(tuple(found), digest.summary.flags if digest.summary else ())


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


def _params(params: Mapping[str, Any]) -> str:
    pairs = [f"{k}={json.dumps(params[k], ensure_ascii=False, default=str)}" for k in sorted(params)]
    return ", ".join(pairs) or "defaults"
