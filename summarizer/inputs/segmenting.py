"""Text normalization and sentence segmentation (sentencex), keeping paragraph boundaries.

Every sentence gets a stable id `<article>:p<paragraph>:s<index>` that travels into the digest.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..results import Sentence

# Bump when normalization or segmentation changes what the models see: it is part of every cache key.
SEGMENTATION_VERSION = 2  # 2: "5 p.m. Friday" is one sentence (see _continues)
_TERMINAL = (".", "!", "?", "…", ":", ";", '"', "”", "'", "’", ")", "»")


def normalize(text: str) -> str:
    """Repair mojibake and odd Unicode (ftfy), NFC-normalize, and unify line endings."""
    import ftfy

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Keep curly quotes and the article's own characters; only undo encoding damage.
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=True, normalization="NFC")
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ")


def _joins_previous(prev: str, line: str) -> bool:
    """A hard-wrapped line continues the previous one; a line after a finished one starts anew."""
    return not prev.rstrip().endswith(_TERMINAL) and line[:1].islower()


def paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of blocks that sentences never cross.

    News text puts headlines, datelines and list items on lines of their own without a full
    stop; treating each line as a boundary keeps them from running into the next sentence.
    Hard-wrapped prose (a line ending mid-sentence, next one lowercase) is joined back.
    """
    result: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            if current:
                result.append(current)
                current = []
            continue
        if current and _joins_previous(current[-1], line):
            current[-1] = f"{current[-1]} {line}"
        else:
            current.append(line)
    if current:
        result.append(current)
    return result


# A dotted abbreviation at a piece's end: "p.m.", "a.m.", "P.M." (any letters, two or more, each with a period).
_DOTTED_END = re.compile(r"(?<![\w.])(?:[^\W\d_]\.){2,}$")
_FIRST_WORD = re.compile(r"[\"'“‘(]*([^\W_]+)")


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Webster's Second (the `english-words` package's web2 list) as written: common words in lower case,
    names capitalised (`Friday`, `Moscow`), so a capitalised word missing in lower case is a name."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=False))


def _continues(piece: str, following: str, lang: str) -> bool:
    """Does `following` go on the sentence sentencex ended in `piece`? sentencex ends one after "p.m." when a
    capital comes next, as "at 4 a.m. Police said" needs; in "at 5 p.m. Friday", "9 a.m. Moscow time" or
    "5 p.m. EST" the next word is a name (a day, a place, a zone), which the dictionary lacks in lower case."""
    if lang.split("-")[0].lower() != "en" or not _DOTTED_END.search(piece):
        return False
    first = _FIRST_WORD.match(following)
    if first is None:
        return False
    word = first.group(1).casefold()
    if not word.isalpha():
        return True  # a number or a time goes on ("p.m. 12 people" is no sentence start either way)
    words = _dictionary()
    common = len(word) == 1 or any(w in words for w in (word, word.removesuffix("s"), word.removesuffix("es")))
    return not common


def _segment(lang: str, block: str) -> list[str]:
    """sentencex's sentences of one block, stripped, those it ended after an abbreviation joined back."""
    from sentencex import segment

    pieces: list[str] = []
    for piece in segment(lang, block):
        piece = piece.strip()
        if not piece:
            continue
        if pieces and _continues(pieces[-1], piece, lang):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of a block of text, stripped, in order. No empty strings."""
    return [s.text for s in segment_article(text, "_", lang)]


def local_id(sentence_id: str, article_id: str) -> str:
    """A sentence id without its article (`p0:s3`): what a cached result may store, since the same text
    can come from another file (another article id) on a later run."""
    return sentence_id.removeprefix(f"{article_id}:")


def article_sentence_id(local: str, article_id: str) -> str:
    """The inverse of `local_id`."""
    return f"{article_id}:{local}"


def segment_article(text: str, article_id: str, lang: str = "en") -> tuple[Sentence, ...]:
    """All sentences of an article with ids, paragraph by paragraph."""
    sentences: list[Sentence] = []
    for p, para in enumerate(paragraphs(text)):
        index = 0
        for block in para:
            for piece in _segment(lang, block):
                sentences.append(Sentence(id=f"{article_id}:p{p}:s{index}", text=piece, paragraph=p, index=index))
                index += 1
    return tuple(sentences)
