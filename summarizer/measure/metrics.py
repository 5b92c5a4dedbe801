"""Scoring against references: sacreBLEU BLEU and chrF for translations, ROUGE for summaries, and reading the
line-aligned text files and JSON-lines files that hypotheses and references come in.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from os import PathLike
from typing import Any

from ..errors import BackendUnavailableError, InputError
from ..inputs.reading import read_file_bytes
from ..inputs.segmenting import split_sentences
from ..languages import check_language_code, language_tag

__all__ = [
    "DEFAULT_HYP_FIELD",
    "RougeTokenizer",
    "SummaryItem",
    "SummaryScores",
    "TranslationScores",
    "check_aligned",
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


def translation_scores(hyps: Sequence[str], refs: Sequence[str], *, lang: str) -> TranslationScores:
    """sacreBLEU corpus BLEU and chrF with default settings; `lang` is the target language.

    As sacreBLEU does when it knows the target language, BLEU tokenizes Chinese with `zh` and Japanese
    and Korean with MeCab (an extra: `sacrebleu[ja]`, `sacrebleu[ko]`), and everything else with `13a`.
    """
    check_language_code(lang, "lang")
    _check_pairs(hyps, refs)
    from sacrebleu.metrics import BLEU, CHRF

    # sacreBLEU's tokenizer table is keyed by bare codes: zh-Hant must find "zh".
    trg_lang = _primary(lang)
    try:
        bleu = BLEU(trg_lang=trg_lang)
    except RuntimeError as exc:  # its MeCab tokenizers raise this when their packages are missing
        raise BackendUnavailableError(
            f"BLEU for {lang} tokenizes with MeCab, which is not installed: pip install 'sacrebleu[{trg_lang}]'"
        ) from exc
    chrf = CHRF()
    streams = [list(refs)]
    bleu_score = bleu.corpus_score(list(hyps), streams)
    chrf_score = chrf.corpus_score(list(hyps), streams)
    return TranslationScores(
        bleu=bleu_score.score,
        chrf=chrf_score.score,
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
        sentences=len(hyps),
        lang=lang,
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
    check_language_code(lang, "lang")
    _check_pairs(hyps, refs)
    from rouge_score.rouge_scorer import RougeScorer

    tokenizer = RougeTokenizer(lang)
    scorer = RougeScorer(list(ROUGE_TYPES), tokenizer=tokenizer)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for hyp, ref in zip(hyps, refs, strict=True):
        scores = scorer.score(_sentence_lines(ref, lang), _sentence_lines(hyp, lang))  # target first
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    mean = {name: 100 * total / len(hyps) for name, total in totals.items()}
    tok = "rouge-score|stem:porter" if tokenizer.stemming else "unicode|stem:none"
    signature = f"rouge-score:{version('rouge-score')}|tok:{tok}|lsum:lines-or-segmenter"
    return SummaryScores(
        rouge1=mean["rouge1"],
        rouge2=mean["rouge2"],
        rougeLsum=mean["rougeLsum"],
        documents=len(hyps),
        lang=lang,
        signature=signature,
    )


def read_lines(path: PathArg) -> list[str]:
    """The lines of a UTF-8 text file, one segment each; empty lines stay (as "") so files stay aligned."""
    text = _read_text(path)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start another
    return [line.removesuffix("\r") for line in lines]


def check_aligned(named: Mapping[str, Sequence[str]]) -> None:
    """Raise InputError unless every file (name -> its lines) has as many lines as the first."""
    items = list(named.items())
    if not items:
        return
    first, first_lines = items[0]
    for name, lines in items[1:]:
        if len(lines) != len(first_lines):
            raise InputError(
                f"{name} has {len(lines)} lines but {first} has {len(first_lines)}; "
                "the files must be line-aligned, one segment per line"
            )


def read_summary_jsonl(path: PathArg, hyp_field: str | None = DEFAULT_HYP_FIELD) -> list[SummaryItem]:
    """Items of a JSON-lines file: one object a line with string `article` and `reference`, and maybe an `id`.

    Hypotheses come from `hyp_field`. A field named by the caller must be on every line. The default
    "hypothesis" may be on every line or on none (then every `hypothesis` is None and the caller
    summarizes). With `hyp_field=None` no hypotheses are read. Blank lines are skipped.
    """
    name = str(path)
    items: list[SummaryItem] = []
    seen: dict[str, int] = {}
    with_hyp: int | None = None  # first line that has the default field
    without_hyp: int | None = None  # first line that lacks it
    for number, line in enumerate(_read_text(path).split("\n"), 1):
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
        items.append(SummaryItem(id=item_id, article=article, reference=reference, hypothesis=hypothesis))
    if not items:
        raise InputError(f"{name}: has no JSON lines, only blank ones")
    if with_hyp is not None and without_hyp is not None:
        raise InputError(
            f'{name}:{without_hyp}: has no "{hyp_field}" field but line {with_hyp} has one; '
            "give a hypothesis on every line or on none"
        )
    return items


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


def _read_text(path: PathArg) -> str:
    """A file's text as UTF-8 (a byte-order mark dropped); a decoding error names the line."""
    name = str(path)
    data = read_file_bytes(name, MAX_BYTES)  # regular files only, size-capped, OS errors as InputError
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data:
        raise InputError(f"{name}: is empty")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{name}:{line}: is not valid UTF-8 (byte {exc.start}); convert the file to UTF-8") from None


def _json_object(line: str, where: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: is not valid JSON ({exc.msg} at column {exc.colno}); write one object a line"
        ) from None
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
