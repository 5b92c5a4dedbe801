"""What the HTML and Markdown digests share: sentence alignment by id, the article's
facts (shown safely: `shown`, `link_target`), provenance lines, and the count of quality flags."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...errors import ConfigError
from ...languages import language_name, plural
from ...results import Article, Digest, LanguageDigest, QualityFlag, Sentence, TranslationSet

PART_TITLES = {"summary": "Summary", "full": "Full text"}
STAND_IN_NOTICE = (
    "Stand-in models were used: they have random weights, so every summary and translation "
    "in this digest is noise. It shows that the pipeline runs; do not read or quote it."
)
RETRIED_NOTE = "The first output was flagged, so this sentence was generated again with stronger decoding."


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


def article_facts(article: Article) -> list[tuple[str, str]]:
    """(name, value) pairs for a digest's header: author, site, date, URL and source where known, and the
    language; each value `shown`, a web URL as its `link_target`. The source is left out when it is the URL."""
    known = [("Author", article.author), ("Site", article.site), ("Date", article.date)]
    out = [(name, shown(value)) for name, value in known if value]
    if article.url:
        out.append(("URL", link_target(article.url) or shown(article.url)))
    if article.source != article.url:
        out.append(("Source", shown(article.source)))
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
                Row(s.id, _short_id(s.id), s.paragraph, s.text, t.text, t.cached, t.split_parts, t.flags, t.retried)
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


# --- provenance --------------------------------------------------------------------------------


def _origin(target: str, kind: str) -> str:
    return f"{target} {PART_TITLES[kind].lower()}"


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
        out.append((_origin(target, kind), f"{ts.cache_hits} of {plural(len(ts.translations), 'sentence')} from cache"))
    return out


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
        out.append((role, shown(digest.summary.model.label()), _params(digest.summary.params)))
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


@dataclass(frozen=True)
class PartQuality:
    """The flags on one translated part: how many of its rows carry one, and of which codes."""

    origin: str  # "az full text", as the other provenance lines name it
    target: str
    kind: str
    sentences: int
    flagged: int  # rows with at least one flag
    codes: Counter  # code -> rows with that code (a row with two flags of one code counts once)
    retried: int

    def text(self) -> str:
        out = f"{self.flagged} of {plural(self.sentences, 'sentence')} flagged"
        out += f": {_tally(self.codes)}" if self.flagged else ""
        return out + (f"; {self.retried} retried with stronger decoding" if self.retried else "")


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
        """One line for the top of a digest: `7 of 41 sentences flagged: 4 wrong-language, 3 number-mismatch`."""
        pieces = []
        sentences = sum(p.sentences for p in self.parts)
        flagged = sum(p.flagged for p in self.parts)
        # A clean page says just that; otherwise the sentence count is shown even when it is 0 of n,
        # so a flagged summary is not mistaken for flagged translations.
        if sentences and not self.clean:
            pieces.append(f"{flagged} of {plural(sentences, 'sentence')} flagged")
            if flagged:
                pieces[-1] += f": {_tally(sum((p.codes for p in self.parts), Counter()))}"
        if self.summary_flags:
            pieces.append(f"summary flagged: {', '.join(flag_codes(self.summary_flags))}")
        retried = sum(p.retried for p in self.parts)
        if retried:
            pieces.append(f"{retried} retried with stronger decoding")
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
        found.append(PartQuality(_origin(target, kind), target, kind, len(rows), flagged, tally, retried))
    return Quality(tuple(found), digest.summary.flags if digest.summary else ())


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


def _params(params: Mapping[str, Any]) -> str:
    pairs = [f"{k}={json.dumps(params[k], ensure_ascii=False, default=str)}" for k in sorted(params)]
    return ", ".join(pairs) or "defaults"
