"""Text normalization and sentence segmentation (sentencex), keeping paragraph boundaries.

Every sentence gets a stable id `<article>:p<paragraph>:s<index>` that travels into the digest.
"""

from __future__ import annotations

import unicodedata

from ..results import Sentence

# Bump when normalization or segmentation changes what the models see: it is part of every cache key.
SEGMENTATION_VERSION = 1
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
    from sentencex import segment

    sentences: list[Sentence] = []
    for p, para in enumerate(paragraphs(text)):
        index = 0
        for block in para:
            for piece in segment(lang, block):
                piece = piece.strip()
                if piece:
                    sentences.append(Sentence(id=f"{article_id}:p{p}:s{index}", text=piece, paragraph=p, index=index))
                    index += 1
    return tuple(sentences)
