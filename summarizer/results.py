"""Plain, frozen result types that carry their own provenance.

The pipeline builds them; renderers and callers only read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Sentence:
    """One source sentence with a stable id: `<article>:p<paragraph>:s<index>`.

    `index` counts sentences within the paragraph, from 0.
    """

    id: str
    text: str
    paragraph: int
    index: int


@dataclass(frozen=True)
class QualityFlag:
    """A problem a quality check found in one output: a code (`wrong-language`), a message, a score."""

    code: str
    message: str
    score: float | None = None


NO_BACKEND = "none"  # ModelInfo.backend of a method that runs no model


@dataclass(frozen=True)
class ModelInfo:
    """Who produced an output: enough to reproduce it and to key a cache on it."""

    name: str  # hub id or local folder as the user gave it
    revision: str | None  # resolved commit for hub models, None for local folders
    fingerprint: str  # hash of weights + config (local) or "<id>@<revision>" (hub)
    backend: str = "torch"
    stand_in: bool = False  # random-weight model built by summarizer.models.standin.build: output is noise

    def label(self) -> str:
        rev = f"@{self.revision[:12]}" if self.revision else ""
        # A method that runs no model (lead: the first sentences) has no backend to name.
        backend = f" ({self.backend})" if self.backend and self.backend != NO_BACKEND else ""
        tag = " [STAND-IN: random weights, output is noise]" if self.stand_in else ""
        return f"{self.name}{rev}{backend}{tag}"


@dataclass(frozen=True)
class Summary:
    """The summary of one article, with how it was made."""

    text: str
    model: ModelInfo
    params: dict[str, Any]
    input_tokens: int  # counted with the model's own tokenizer
    max_input_tokens: int
    chunked: bool = False
    chunks: int = 1  # number of map-step chunks (1 when not chunked)
    rounds: int = 1  # reduce rounds (1 when not chunked)
    cached: bool = False
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    flags: tuple[QualityFlag, ...] = ()  # what the quality checks found in the summary
    method: str = "abstractive"  # abstractive | extractive | lead
    # Extractive and lead: the ids of the article's sentences it consists of, in article order.
    # Abstractive with long_input "extract": the sentences the model was given.
    source_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Translation:
    """One sentence and its translation. `source_id` aligns it 1:1 with its Sentence."""

    source_id: str
    source: str
    text: str
    cached: bool = False
    split_parts: int = 1  # >1 when an over-long sentence had to be translated in parts
    complete: bool = True  # False when generation stopped at max_new_tokens: it may be cut off
    flags: tuple[QualityFlag, ...] = ()  # what the quality checks found; empty for a clean translation
    retried: bool = False  # the first output was flagged and generated again with stronger decoding
    # An editor's translation from the translation memory (`summarizer memory import`): no model ran, and
    # the quality checks still did (their flags stay visible).
    human: bool = False
    # The plain output failed a fact or term check and a retry with protection (placeholders for the spans
    # that must come through unchanged, glossary terms in their target form) gave fewer such flags: `text`
    # is that retry's output, placeholders restored (see summarizer.quality.protection).
    protected: bool = False


@dataclass(frozen=True)
class TranslationSet:
    """All translations of one sentence list into one target language."""

    target: str  # language code as the user wrote it, e.g. "az"
    source_lang: str
    model: ModelInfo
    target_token: str | None
    params: dict[str, Any]
    translations: tuple[Translation, ...]
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def cache_hits(self) -> int:
        return sum(t.cached for t in self.translations)

    @property
    def texts(self) -> list[str]:
        return [t.text for t in self.translations]


@dataclass(frozen=True)
class Article:
    """An input article after reading and segmentation."""

    id: str  # stable, derived from the source path (or "stdin")
    title: str
    # How outputs name the input: a path relative to the job's folder, a URL, "-" for stdin, or
    # `file.jsonl#id` for one record of a JSON-lines file. Never an absolute path.
    source: str
    text: str
    sentences: tuple[Sentence, ...]
    encoding: str = "utf-8"
    date: str | None = None  # publication date as the input gives it (YYYY-MM-DD where known)
    lang: str = "en"
    warnings: tuple[str, ...] = ()  # what reading it found, e.g. a guessed encoding
    author: str | None = None  # from a web page's or front matter's metadata
    site: str | None = None  # the publishing site's name (web pages)
    url: str | None = None  # where a web page came from
    # How `lang` was decided: "given" (--from/source_lang) or "detected" (source_lang auto), with the
    # language-ID model's probability when detected.
    lang_origin: str = "given"
    lang_probability: float | None = None
    # Where `title` came from: "given" (metadata: front matter, a web page, a JSON-lines record, the caller),
    # "headline" (the text's own first line), "lead" (its first sentence, shortened: the text has no
    # headline, so the title is taken as news readers do) or "name" (the file name, URL or "Standard input").
    title_origin: str = "given"
    # An item of a feed (RSS, Atom, JSON Feed): the feed it came from (its URL or path, and its title), and
    # the item's own id (its guid, else its link). None for every other input.
    feed: str | None = None
    feed_title: str | None = None
    item_id: str | None = None


@dataclass(frozen=True)
class LanguageDigest:
    """One target language of a digest: the summary and/or full text translated."""

    target: str
    summary: TranslationSet | None = None
    full: TranslationSet | None = None


@dataclass(frozen=True)
class FactSpan:
    """Where a source sentence carries a fact: `text[start:end]` of the sentence with id `sentence_id`."""

    sentence_id: str
    start: int
    end: int


@dataclass(frozen=True)
class FactCell:
    """How one target language rendered one fact, over every translated sentence that carries it."""

    target: str
    renderings: tuple[str, ...] = ()  # the translations' spans for it, distinct, first seen first
    missing: tuple[str, ...] = ()  # ids of the sentences whose translation doesn't have it
    flags: tuple[str, ...] = ()  # codes of the quality flags about it (number-mismatch, term-missing, ...)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class FactRow:
    """One fact of the translated text (a name, number, date, time, URL, e-mail, handle, hashtag, or a
    glossary term) and how each language rendered it; see summarizer.quality.fact_table."""

    kind: str  # number | date | time | url | email | handle | hashtag | name | term
    text: str  # as the source first writes it
    spans: tuple[FactSpan, ...]  # every place the source carries it, in sentence order
    cells: tuple[FactCell, ...] = ()  # one per target language, in the digest's order
    target_form: dict[str, str] = field(default_factory=dict)  # a glossary term: its form per target


# How Jupyter shows a Digest (`Digest._repr_html_`). Rendering lives in summarizer.output.render, above this bottom
# layer, which must not import it: summarizer.output.render.html fills this in when it is imported, as the public
# API (`summarizer.summarize`, `Pipeline`, `digest_from_json`, ...) does.
_HTML_REPR: dict[str, Callable[[Digest], str]] = {}


def set_html_repr(render: Callable[[Digest], str]) -> None:
    """Make `render(digest)` the HTML that a Digest shows in Jupyter."""
    _HTML_REPR["html"] = render


@dataclass(frozen=True)
class Digest:
    """Everything known about one article after the pipeline ran."""

    article: Article
    summary: Summary | None
    summary_sentences: tuple[Sentence, ...]
    languages: tuple[LanguageDigest, ...] = ()
    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    # The facts of the translated sentences and how each language rendered them (the digest's facts table).
    facts: tuple[FactRow, ...] = ()
    format_version: int = 1

    @property
    def stand_in(self) -> bool:
        models = [self.summary.model] if self.summary else []
        for lang in self.languages:
            models += [ts.model for ts in (lang.summary, lang.full) if ts is not None]
        return any(m.stand_in for m in models)

    def _repr_html_(self) -> str | None:
        """The digest page, for Jupyter; None (the plain repr) until summarizer.output.render is imported."""
        render = _HTML_REPR.get("html")
        return render(self) if render is not None else None


# ---- the job index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLink:
    """One output file of a digest, as a link relative to the index page."""

    format: str  # "html" | "md" | "json"
    href: str
    target: str | None = None  # one language; None for the file with all languages

    def __post_init__(self) -> None:
        parts = urlsplit(self.href)
        if parts.scheme or parts.netloc or self.href.startswith("/"):
            raise ValueError(f"index links must be relative paths, got {self.href!r}")


@dataclass(frozen=True)
class IndexEntry:
    """One input of a job, as the index lists it: its digest files, or why it failed."""

    title: str
    source: str
    status: str = "ok"  # "ok" | "failed"
    error: str | None = None
    links: tuple[DigestLink, ...] = ()
    targets: tuple[str, ...] = ()
    stand_in: bool = False
    warnings: int = 0
    flags: int = 0  # translated sentences, and the summary, with at least one quality flag
    title_origin: str = "given"  # as Article.title_origin

    def __post_init__(self) -> None:
        if self.status not in ("ok", "failed"):
            raise ValueError(f"status must be 'ok' or 'failed', got {self.status!r}")
        # Accept any iterable (and an exception as error) but keep the entry plain, hashable data.
        object.__setattr__(self, "links", tuple(self.links))
        object.__setattr__(self, "targets", tuple(self.targets))
        if self.error is not None:
            object.__setattr__(self, "error", str(self.error))

    @classmethod
    def failed(cls, source: str, error: str | BaseException, title: str | None = None) -> IndexEntry:
        return cls(title=title or source, source=source, status="failed", error=error)


# ---- the edition of a job that read feeds (output/edition.py builds it) ------------------------------


@dataclass(frozen=True)
class EditionLanguage:
    """One story in one target language: its title and summary as translated, and its flagged sentences."""

    target: str
    title: str
    summary: str
    flagged: int = 0


@dataclass(frozen=True)
class EditionStory:
    """One article of the run, as the edition and the translated feeds show it."""

    title: str
    source: str  # the input's name (a feed item: `feed#id`)
    lang: str
    languages: tuple[EditionLanguage, ...]
    summary: str = ""  # the summary in the article's own language
    date: str | None = None
    link: str | None = None  # the article's own URL
    site: str | None = None  # the feed's title, else the site's name
    feed: str | None = None
    item_id: str | None = None
    digest: str | None = None  # the digest page, relative to the output folder
    flags: tuple[str, ...] = ()  # the quality flag codes of its summary and translations
    stand_in: bool = False


@dataclass(frozen=True)
class EditionGroup:
    """Stories that report one event, newest first, and the numbers their sources disagree on."""

    stories: tuple[EditionStory, ...]
    disagreements: tuple[str, ...] = ()
    earlier: tuple[EditionStory, ...] = ()  # the same event in the editions of the last few days, newest first


@dataclass(frozen=True)
class Edition:
    title: str
    created: str  # ISO 8601, UTC
    targets: tuple[str, ...]
    groups: tuple[EditionGroup, ...]

    @property
    def stories(self) -> int:
        return sum(len(g.stories) for g in self.groups)
