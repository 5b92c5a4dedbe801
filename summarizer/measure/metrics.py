"""Scoring against references: sacreBLEU BLEU and chrF for translations, ROUGE for summaries, and reading the
line-aligned text files and JSON-lines files that hypotheses and references come in.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from os import PathLike
from typing import Any

from ..errors import BackendUnavailableError, InputError
from ..inputs.reading import check_regular_file, detect_language
from ..inputs.segmenting import split_sentences
from ..languages import check_language_code, language_tag

__all__ = [
    "DEFAULT_HYP_FIELD",
    "RougeTokenizer",
    "SummaryItem",
    "SummaryScorer",
    "SummaryScores",
    "TranslationScorer",
    "TranslationScores",
    "check_aligned",
    "check_counts",
    "check_rouge_script",
    "count_lines",
    "iter_lines",
    "iter_summary_jsonl",
    "mostly_latin",
    "read_lines",
    "read_summary_jsonl",
    "summary_scores",
    "translation_scores",
]

# Reference sets are megabytes (FLORES-200 devtest: 0.3 MB a language; CNN/DM test with articles: about 50 MB).
MAX_BYTES = 200_000_000
DEFAULT_HYP_FIELD = "hypothesis"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
_ASCII_WORD = r"[a-z0-9]+"  # rouge-score's own, for English
# One token per character for scripts written without spaces, as a whole clause would otherwise be one "word".
_WORD = r"[\p{Han}\p{Hiragana}\p{Katakana}]|(?:(?![\p{Han}\p{Hiragana}\p{Katakana}])[\p{L}\p{M}\p{N}])+"

PathArg = str | PathLike[str]


@dataclass(frozen=True)
class TranslationScores:
    """Corpus BLEU and chrF (0-100) of one system against one reference, with sacreBLEU's signatures."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    sentences: int
    lang: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "sentences": self.sentences,
            "bleu": self.bleu,
            "chrf": self.chrf,
            "signatures": {"bleu": self.bleu_signature, "chrf": self.chrf_signature},
        }

    def rows(self) -> list[tuple[str, str]]:
        # One decimal is how sacreBLEU reports and how BLEU is published; more digits are noise.
        return [
            ("language", self.lang),
            ("sentences", str(self.sentences)),
            ("BLEU", f"{self.bleu:.1f}"),
            ("chrF", f"{self.chrf:.1f}"),
            ("BLEU signature", self.bleu_signature),
            ("chrF signature", self.chrf_signature),
        ]


@dataclass(frozen=True)
class SummaryScores:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 x 100, averaged over documents.

    `signature` records what makes the figures comparable: rouge-score's version, tokenizer, stemming and
    how ROUGE-Lsum found sentences.
    """

    rouge1: float
    rouge2: float
    rougeLsum: float  # camelCase: the name every ROUGE tool and paper uses
    documents: int
    lang: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "documents": self.documents,
            "rouge1": self.rouge1,
            "rouge2": self.rouge2,
            "rougeLsum": self.rougeLsum,
            "signatures": {"rouge": self.signature},
        }

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("language", self.lang),
            ("documents", str(self.documents)),
            ("ROUGE-1", f"{self.rouge1:.2f}"),
            ("ROUGE-2", f"{self.rouge2:.2f}"),
            ("ROUGE-Lsum", f"{self.rougeLsum:.2f}"),
            ("ROUGE signature", self.signature),
        ]


@dataclass(frozen=True)
class SummaryItem:
    """One line of a summary JSON-lines file; `hypothesis` is None when the file gives none."""

    id: str
    article: str
    reference: str
    hypothesis: str | None
    line: int | None = None  # its line in the file, for messages


def translation_scores(hyps: Sequence[str], refs: Sequence[str], *, lang: str) -> TranslationScores:
    """sacreBLEU corpus BLEU and chrF with default settings; `lang` is the target language.

    As sacreBLEU does when it knows the target language, BLEU tokenizes Chinese with `zh` and Japanese
    and Korean with MeCab (an extra: `sacrebleu[ja]`, `sacrebleu[ko]`), and everything else with `13a`.
    """
    scorer = TranslationScorer(lang)
    _check_pairs(hyps, refs)
    scorer.add(hyps, refs)
    return scorer.scores()


class TranslationScorer:
    """Corpus BLEU and chrF fed batch by batch, equal to sacreBLEU's one-shot `corpus_score`.

    Both corpus scores are functions of the sums of per-sentence integer statistics (n-gram matches and
    totals, lengths), so summing each batch's statistics gives exactly the one-shot figures while only one
    batch's reference n-grams are held: sacreBLEU's own cache of them is tens of kilobytes a sentence.
    """

    def __init__(self, lang: str):
        check_language_code(lang, "lang")
        from sacrebleu.metrics import BLEU, CHRF

        self.lang = lang
        # sacreBLEU's tokenizer table is keyed by bare codes: zh-Hant must find "zh".
        trg_lang = _primary(lang)
        try:
            self._bleu = BLEU(trg_lang=trg_lang)
        except RuntimeError as exc:  # its MeCab tokenizers raise this when their packages are missing
            raise BackendUnavailableError(
                f"BLEU for {lang} tokenizes with MeCab, which is not installed: pip install 'sacrebleu[{trg_lang}]'"
            ) from exc
        self._chrf = CHRF()
        self._sums: dict[str, list[int] | None] = {"bleu": None, "chrf": None}
        self.sentences = 0

    def add(self, hyps: Sequence[str], refs: Sequence[str]) -> None:
        """Score one batch of line-aligned hypotheses and references."""
        if len(hyps) != len(refs):
            raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
        if not hyps:
            return
        streams = [list(refs)]
        for name, metric in (("bleu", self._bleu), ("chrf", self._chrf)):
            # The statistics `corpus_score` sums; its public API offers no way to add batches.
            stats = metric._extract_corpus_statistics(list(hyps), streams)
            sums = self._sums[name] or [0] * len(stats[0])
            for row in stats:
                sums = [a + b for a, b in zip(sums, row, strict=True)]
            self._sums[name] = sums
        self.sentences += len(hyps)

    def scores(self) -> TranslationScores:
        if not self.sentences:
            raise ValueError("nothing to score: no hypotheses")
        bleu = self._bleu._compute_score_from_stats(self._sums["bleu"])
        chrf = self._chrf._compute_score_from_stats(self._sums["chrf"])
        return TranslationScores(
            bleu=bleu.score,
            chrf=chrf.score,
            bleu_signature=str(self._bleu.get_signature()),
            chrf_signature=str(self._chrf.get_signature()),
            sentences=self.sentences,
            lang=self.lang,
        )


class RougeTokenizer:
    """rouge-score's tokenization, for any script.

    rouge-score's own tokenizer keeps only [a-z0-9], so Cyrillic or Arabic text has no tokens and scores 0.
    This one lowercases and takes runs of letters, marks and digits (marks: Devanagari vowel signs and
    Arabic diacritics belong to their word), one token per Han or kana character. English keeps
    rouge-score's tokens exactly, ASCII letters and digits, Porter-stemmed when longer than three
    characters: every published English ROUGE figure was made so, and "Zürich" or "½" in news text
    would otherwise move them (CNN/DM lead-3 ROUGE-2: 17.83 instead of 17.84).
    """

    def __init__(self, lang: str = "en"):
        import regex

        self.lang = lang
        self.stemming = _primary(lang) == "en"
        self._word = regex.compile(_ASCII_WORD if self.stemming else _WORD)
        self._stemmer = None
        if self.stemming:
            from nltk.stem import porter

            self._stemmer = porter.PorterStemmer()
        self._stems: dict[str, str] = {}  # Porter stemming dominates the run time; words repeat a lot

    def tokenize(self, text: str) -> list[str]:
        tokens = self._word.findall(text.lower())
        if self._stemmer is None:
            return tokens
        return [self._stem(token) if len(token) > 3 else token for token in tokens]

    def _stem(self, token: str) -> str:
        stem = self._stems.get(token)
        if stem is None:
            stem = self._stems[token] = self._stemmer.stem(token)
        return stem


def summary_scores(hyps: Sequence[str], refs: Sequence[str], *, lang: str = "en") -> SummaryScores:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 x 100 (rouge-score), averaged over documents.

    ROUGE-Lsum needs one sentence per line: a text with line breaks is taken as already split (CNN/DM
    highlights are one a line); one without is split with the project's sentence segmenter.
    """
    scorer = SummaryScorer(lang)
    _check_pairs(hyps, refs)
    for number, (hyp, ref) in enumerate(zip(hyps, refs, strict=True), 1):
        scorer.add(hyp, ref, where=f"reference {number}")
    return scorer.scores()


class SummaryScorer:
    """ROUGE fed one document at a time: the mean of per-document F1, so nothing is held but the sums."""

    def __init__(self, lang: str = "en"):
        check_language_code(lang, "lang")
        from rouge_score.rouge_scorer import RougeScorer

        self.lang = lang
        self.tokenizer = RougeTokenizer(lang)
        self._scorer = RougeScorer(list(ROUGE_TYPES), tokenizer=self.tokenizer)
        self._totals = dict.fromkeys(ROUGE_TYPES, 0.0)
        self.documents = 0

    def add(self, hyp: str, ref: str, *, where: str) -> None:
        """Score one document; `where` names it in an error (`file.jsonl:12`)."""
        check_rouge_script(ref, self.lang, where)
        scores = self._scorer.score(_sentence_lines(ref, self.lang), _sentence_lines(hyp, self.lang))  # target first
        for name in ROUGE_TYPES:
            self._totals[name] += scores[name].fmeasure
        self.documents += 1

    def scores(self) -> SummaryScores:
        if not self.documents:
            raise ValueError("nothing to score: no hypotheses")
        mean = {name: 100 * total / self.documents for name, total in self._totals.items()}
        tok = "rouge-score|stem:porter" if self.tokenizer.stemming else "unicode|stem:none"
        return SummaryScores(
            rouge1=mean["rouge1"],
            rouge2=mean["rouge2"],
            rougeLsum=mean["rougeLsum"],
            documents=self.documents,
            lang=self.lang,
            signature=f"rouge-score:{version('rouge-score')}|tok:{tok}|lsum:lines-or-segmenter",
        )


def mostly_latin(text: str) -> bool:
    """Are most of the letters of `text` (if it has any) a-z, the only ones English ROUGE keeps?"""
    import regex

    low = text.lower()
    letters = len(regex.findall(r"\p{L}", low))
    return not letters or 2 * len(regex.findall(r"[a-z]", low)) >= letters


def check_rouge_script(reference: str, lang: str, where: str) -> None:
    """Refuse a reference that ROUGE for `lang` would mostly delete: the English tokenizer keeps only a-z
    and 0-9, so a Russian reference has no tokens and every summary of it would score 0 for no fault of
    the summary. The other languages' tokenizer keeps every script."""
    if _primary(lang) != "en" or mostly_latin(reference):
        return
    try:
        code = detect_language(reference)[0]
    except InputError:
        code = None
    looks = f" (it looks like {code})" if code else ""
    raise InputError(
        f"{where}: the reference is mostly in letters other than a-z{looks}, which English ROUGE deletes "
        f"(it keeps only a-z and 0-9), so every score would be 0; give its language with --from {code or 'LANG'}"
    )


def read_lines(path: PathArg) -> list[str]:
    """The lines of a UTF-8 text file, one segment each; empty lines stay (as "") so files stay aligned."""
    return list(iter_lines(path))


def iter_lines(path: PathArg) -> Iterator[str]:
    """The lines of a UTF-8 text file one at a time, as `read_lines` gives them: a byte-order mark
    dropped, line ends (LF or CRLF) removed, the final newline ending the last line rather than
    starting another. Only the current line is held; a decoding error names the line."""
    name = str(path)
    check_regular_file(name, MAX_BYTES)  # regular files only, size-capped
    offset = 0  # bytes read after the byte-order mark, for the position in a decoding error
    try:
        with open(name, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if number == 1:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"{name}:{number}: is not valid UTF-8 (byte {offset + exc.start}); convert the file to UTF-8"
                    ) from None
                offset += len(raw)
                yield line.removesuffix("\n").removesuffix("\r")
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: can't be read ({exc.strerror or exc})") from None
    if not offset:
        raise InputError(f"{name}: is empty")


def count_lines(path: PathArg) -> int:
    """How many lines `iter_lines` gives, checking the whole file (UTF-8, size) before any work is done."""
    return sum(1 for _ in iter_lines(path))


def check_aligned(named: Mapping[str, Sequence[str]]) -> None:
    """Raise InputError unless every file (name -> its lines) has as many lines as the first."""
    check_counts({name: len(lines) for name, lines in named.items()})


def check_counts(counts: Mapping[str, int]) -> None:
    """Raise InputError unless every file (name -> its number of lines) has as many lines as the first."""
    items = list(counts.items())
    if not items:
        return
    first, first_count = items[0]
    for name, count in items[1:]:
        if count != first_count:
            raise InputError(
                f"{name} has {count} lines but {first} has {first_count}; "
                "the files must be line-aligned, one segment per line"
            )


def read_summary_jsonl(path: PathArg, hyp_field: str | None = DEFAULT_HYP_FIELD) -> list[SummaryItem]:
    """Items of a JSON-lines file: one object a line with string `article` and `reference`, and maybe an `id`.

    Hypotheses come from `hyp_field`. A field named by the caller must be on every line. The default
    "hypothesis" may be on every line or on none (then every `hypothesis` is None and the caller
    summarizes). With `hyp_field=None` no hypotheses are read. Blank lines are skipped.
    """
    return list(iter_summary_jsonl(path, hyp_field))


def iter_summary_jsonl(path: PathArg, hyp_field: str | None = DEFAULT_HYP_FIELD) -> Iterator[SummaryItem]:
    """`read_summary_jsonl` one item at a time (the same checks, each raised at the line it is found on);
    besides the current line only the ids seen so far are held, to refuse a repeated one."""
    name = str(path)
    seen: dict[str, int] = {}
    with_hyp: int | None = None  # first line that has the default field
    without_hyp: int | None = None  # first line that lacks it
    for number, line in enumerate(iter_lines(path), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        obj = _json_object(line, where)
        article = _string_field(obj, "article", where)
        reference = _string_field(obj, "reference", where)
        item_id = _item_id(obj, number, where)
        if item_id in seen:
            raise InputError(f"{where}: id {item_id!r} is already used on line {seen[item_id]}; ids must be unique")
        seen[item_id] = number
        hypothesis = None
        if hyp_field is not None:
            if hyp_field in obj:
                hypothesis = _string_field(obj, hyp_field, where)
                with_hyp = number if with_hyp is None else with_hyp
            elif hyp_field != DEFAULT_HYP_FIELD:
                raise InputError(f'{where}: has no "{hyp_field}" field to score; give it on every line')
            else:
                without_hyp = number if without_hyp is None else without_hyp
            if with_hyp is not None and without_hyp is not None:
                raise InputError(
                    f'{name}:{without_hyp}: has no "{hyp_field}" field but line {with_hyp} has one; '
                    "give a hypothesis on every line or on none"
                )
        yield SummaryItem(id=item_id, article=article, reference=reference, hypothesis=hypothesis, line=number)
    if not seen:
        raise InputError(f"{name}: has no JSON lines, only blank ones")


def _primary(lang: str) -> str:
    """The primary language subtag: `zh-Hant` -> `zh`, `EN_gb` -> `en`."""
    return language_tag(lang).split("-")[0].lower()


def _check_pairs(hyps: Sequence[str], refs: Sequence[str]) -> None:
    # The caller aligns files with check_aligned and can name them; here a mismatch is a programming error.
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    if not hyps:
        raise ValueError("nothing to score: no hypotheses")


def _sentence_lines(text: str, lang: str) -> str:
    if "\n" in text:
        return text
    return "\n".join(split_sentences(text, _primary(lang)))


def _json_object(line: str, where: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: is not valid JSON ({exc.msg} at column {exc.colno}); write one object a line"
        ) from None
    except RecursionError:
        raise InputError(f"{where}: is nested too deeply to read; write one flat object a line") from None
    if not isinstance(obj, dict):
        raise InputError(f'{where}: is {_json_type(obj)}, expected a JSON object with "article" and "reference"')
    return obj


def _string_field(obj: Mapping[str, Any], field: str, where: str) -> str:
    if field not in obj:
        raise InputError(f'{where}: has no "{field}" field; each line needs "article" and "reference" strings')
    value = obj[field]
    if not isinstance(value, str):
        raise InputError(f'{where}: "{field}" is {_json_type(value)}, expected a string')
    return value


def _item_id(obj: Mapping[str, Any], number: int, where: str) -> str:
    value = obj.get("id")
    if value is None:
        return f"line-{number}"
    # bool is an int subclass; an id of true is a mistake, not the number 1.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f'{where}: "id" is {_json_type(value)}, expected a string or an integer')
    return str(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), "a string")
