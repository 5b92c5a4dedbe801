"""Decoding input bytes: BOMs, UTF-8, BOM-less UTF-16/32, then the legacy encodings news files come in,
detected with charset-normalizer and a preference for what is common (or usual for the article's language).
"""

from __future__ import annotations

import codecs
import itertools
import logging
import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

from ..errors import ConfigError, InputError

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

log = logging.getLogger(__name__)

_SNIFF = 65536  # enough bytes to judge a file's byte patterns without scanning 10 MB

# UTF-32 marks first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls that text files don't use; in UTF-16/32 they show up as the high bytes of every character.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
# Encodings news files commonly come in, most common first: when several decode a file equally well,
# the guess goes to the earliest. Without this, Western text comes out as cp1257 or cp775.
_COMMON_ENCODINGS = (
    "cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r", "cp1256", "iso8859_6", "cp1250", "iso8859_2",
    "cp1254", "iso8859_9", "gb18030", "big5", "shift_jis", "euc_kr", "euc_jp", "cp1253", "iso8859_7",
    "cp1255", "iso8859_8", "koi8_u", "cp1257", "iso8859_13", "iso8859_5",
)  # fmt: skip
# The article's language narrows the field: these go ahead of the common list.
_LANG_ENCODINGS = {
    "ru": ("cp1251", "koi8_r"), "uk": ("cp1251", "koi8_u"), "be": ("cp1251",), "bg": ("cp1251",),
    "sr": ("cp1251",), "mk": ("cp1251",), "ar": ("cp1256", "iso8859_6"), "fa": ("cp1256",), "ur": ("cp1256",),
    "pl": ("cp1250", "iso8859_2"), "cs": ("cp1250", "iso8859_2"), "sk": ("cp1250", "iso8859_2"),
    "hu": ("cp1250", "iso8859_2"), "hr": ("cp1250", "iso8859_2"), "sl": ("cp1250", "iso8859_2"),
    "ro": ("cp1250", "iso8859_2"), "tr": ("cp1254", "iso8859_9"), "az": ("cp1254",), "el": ("cp1253", "iso8859_7"),
    "he": ("cp1255", "iso8859_8"), "zh": ("gb18030", "big5"), "ja": ("shift_jis", "euc_jp"), "ko": ("euc_kr",),
    **dict.fromkeys(
        ("en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "nn", "fi", "is", "ca", "gl", "eu", "ga"),
        ("cp1252", "iso8859_15", "latin_1"),
    ),
}  # fmt: skip
# Scoring legacy-encoding candidates (see _score). On short texts several candidates score within a few
# hundredths of each other, and which of them is first is chance: the margin lets the usual encoding win.
_SCORE_MARGIN = 0.05
_PRIOR_BONUS = 0.1
_ODDITY_COST = 0.2
_ODDITY_SAMPLE = 16384
# Alphabets that 8-bit codecs swap for one another; "nº" or "5µg" mix in symbols, not another alphabet.
_ALPHABETS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "THAI"})
_CHAOS_WEIGHT = 2.0  # chaos (0..1, mojibake signs) against coherence (0..1, how much like a language it reads)


class Decoded(NamedTuple):
    """A decoded input: its text, the codec that read it, and what a person should know about that."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes, name: str, encoding: str | None = None, lang: str = "en") -> Decoded:
    """`data` as text: `encoding` if given, else a byte-order mark, UTF-8, or a detected encoding (which
    `warnings` then mentions). `lang` steers detection between equally plausible legacy encodings."""
    text, codec, detected = _decode(data, name, encoding, lang)
    return Decoded(text, codec, (_encoding_warning(codec),) if detected else ())


def _decode(data: bytes, name: str, encoding: str | None, lang: str) -> tuple[str, str, bool]:
    """Text, codec, and whether the codec was guessed rather than declared (by the user, a BOM, or UTF-8)."""
    if encoding is not None:
        (text, codec), detected = _decode_declared(data, name, encoding), False
    else:
        text, codec, detected = _decode_undeclared(data, name, lang)
    if not text.strip():
        raise InputError(f"{name}: file is empty")
    if not _is_plausible_text(text):
        raise InputError(f"{name}: looks like a binary file, not text")
    return text, codec, detected


def _decode_declared(data: bytes, name: str, encoding: str) -> tuple[str, str]:
    try:
        codec = codecs.lookup(encoding).name
        text = data.decode(codec)  # LookupError too for codecs that aren't text encodings (base64)
    except LookupError:
        raise ConfigError(
            f"--encoding: unknown encoding {encoding!r}; give a text encoding such as utf-8, cp1252 or koi8-r"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: is not valid {codec} at byte {exc.start}; check --encoding") from None
    return text.removeprefix("\ufeff"), codec  # a byte-order mark is never part of the article


def _decode_undeclared(data: bytes, name: str, lang: str) -> tuple[str, str, bool]:
    """In order: a byte-order mark, UTF-8, UTF-16/32 without a mark, then a detected legacy encoding."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), codec, False
            except UnicodeDecodeError as exc:
                where = exc.start + len(bom)
                message = f"{name}: has a {codec} byte-order mark but is not valid {codec} at byte {where}"
                raise InputError(message) from None
    sample = data[:_SNIFF]
    # ASCII in UTF-16 is valid UTF-8 too, with NULs; real UTF-8 text has none.
    utf8 = None if b"\x00" in sample else _strict_decode(data, "utf-8")
    if utf8 is not None and _is_plausible_text(utf8):
        return utf8, "utf-8", False
    if _CONTROL_BYTES.search(sample) and (found := _bomless_utf16_or_32(data)):
        return *found, True
    if b"\x00" in sample:
        raise InputError(f"{name}: looks like a binary file, not text")
    if utf8 is not None:
        return utf8, "utf-8", False  # with control characters, which _decode judges
    return *_detect_legacy(data, name, lang), True


def _strict_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _bomless_utf16_or_32(data: bytes) -> tuple[str, str] | None:
    """Text and codec of UTF-16/32 without a byte-order mark, or None if `data` doesn't look like it.

    Only called on data with control bytes, which UTF-16 of any alphabet below U+2000 has as its high bytes.
    UTF-32 decodes strictly only when it is UTF-32. For UTF-16 the byte order shows in where the high
    bytes are: the NULs of ASCII characters, or control bytes throughout (0x04 for Cyrillic, 0x06 for
    Arabic). A strict decode must then give text, not controls or unassigned characters.
    """
    candidates = ["utf-32-le", "utf-32-be"] if len(data) % 4 == 0 else []
    if len(data) % 2 == 0:
        candidates += _utf16_byte_orders(data[:_SNIFF])
    for codec in candidates:
        text = _strict_decode(data, codec)
        # Wrongly paired bytes decode to private-use, unassigned or surrogate code points as well as controls.
        if text is not None and _is_plausible_text(text, ("Cc", "Cn", "Co", "Cs")):
            return text, codec
    return None


def _utf16_byte_orders(sample: bytes) -> list[str]:
    """The UTF-16 byte order whose high bytes (at even positions: big-endian) look like UTF-16's, if one does."""
    evens, odds = sample[::2], sample[1::2]
    nuls = evens.count(0) + odds.count(0)
    if nuls:  # the high bytes of ASCII characters; not all, as a CJK or Hangul character can be U+xx00
        share = odds.count(0) / nuls
        return ["utf-16-le"] if share >= 2 / 3 else ["utf-16-be"] if share <= 1 / 3 else []
    # No spaces or ASCII at all: an alphabet below U+2000 puts a control byte (0x04 Cyrillic) in every high byte.
    even, odd = _control_share(evens), _control_share(odds)
    if max(even, odd) < 0.8:
        return []
    return ["utf-16-le"] if odd > even else ["utf-16-be"]


def _control_share(sample: bytes) -> float:
    return len(_CONTROL_BYTES.findall(sample)) / max(1, len(sample))


def _is_plausible_text(text: str, unwanted: tuple[str, ...] = ("Cc",)) -> bool:
    """Whether nearly every character is one a text file holds: by default, anything but control characters."""
    sample = text[:_SNIFF]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in unwanted and ch not in "\n\r\t\f")
    return odd <= max(2, len(sample) // 100)


def _detect_legacy(data: bytes, name: str, lang: str) -> tuple[str, str]:
    """Text and codec of a legacy 8-bit or CJK file, picked from charset-normalizer's candidates.

    charset-normalizer's own best() is often wrong for short texts: cp1252 and cp1257 decode "Zürich" alike
    and score the same, and it may stop at shift_jis before trying koi8-r. So the usual news encodings are
    scored too, each candidate is scored (see _score), and among those near the best the most common news
    encoding wins, with those usual for the article's language first.
    """
    from charset_normalizer import from_bytes

    ranks = _encoding_ranks(lang)

    def rank(match: CharsetMatch) -> int:
        return min(ranks.get(codecs.lookup(codec).name, len(ranks)) for codec in match.could_be_from_charset)

    matches = [match for match in from_bytes(data) if match.encoding]
    matches += [match for match in from_bytes(data, cp_isolation=list(ranks)) if match.encoding]
    if not matches:
        raise InputError(
            f"{name}: not UTF-8 and no text encoding could be detected; convert it to UTF-8 (for example with iconv)"
        )
    favoured = len(_LANG_ENCODINGS.get(_base_lang(lang), ()))
    scored = [(_score(match, rank(match), favoured, len(ranks)), match) for match in matches]
    top = max(score for score, _ in scored)
    _, best = min(((rank(match), -score), match) for score, match in scored if score >= top - _SCORE_MARGIN)
    # Several codecs can give the very same text; name the one people know, spelt as --encoding spells it.
    names = [codecs.lookup(codec).name for codec in best.could_be_from_charset]
    return str(best), min(names, key=lambda name: ranks.get(name, len(ranks)))


def _score(match: CharsetMatch, rank: int, favoured: int, known: int) -> float:
    """How much like real text a candidate reads: coherent (0..1), without mojibake (chaos, 0..1) or oddities.

    Common news encodings (rank below `known`) get a head start, and more so those usual for the article's
    language (rank below `favoured`): an obscure codec (hp_roman8) must read clearly better to win.
    """
    text = str(match)
    # charset-normalizer can't judge under 32 letters and says 0; letter frequencies still tell a little.
    coherence = max(match.coherence, _common_letter_share(text, match.language))
    penalty = _CHAOS_WEIGHT * match.chaos + _ODDITY_COST * _oddities(text)
    return coherence - penalty + _PRIOR_BONUS * ((rank < known) + (rank < favoured))


def _common_letter_share(text: str, language: str) -> float:
    """Share of the letters of `text` that are among the 12 most frequent in `language` (0 if unknown).

    Non-ASCII symbols count as letters that missed: a wrong codec turns capitals into "÷" or "—".
    """
    from charset_normalizer.constant import FREQUENCIES

    common = set(FREQUENCIES.get(language, ())[:12])
    letters = [ch for ch in text[:_ODDITY_SAMPLE].lower() if ch.isalpha() or not (ch.isascii() or ch.isspace())]
    return sum(ch in common for ch in letters) / len(letters) if common and letters else 0.0


def _oddities(text: str) -> int:
    """Signs of a wrong 8-bit codec: words that mix scripts ("Seсor": Latin with a Cyrillic letter), and "¤".

    "¤" went unused so widely that ISO 8859-15 gave its byte to "€"; cp1252 turns that "€" back into "¤".
    """
    sample = text[:_ODDITY_SAMPLE]
    mixed = 0
    for is_word, run in itertools.groupby(sample, key=lambda ch: unicodedata.category(ch)[0] in "LM"):
        if is_word:
            mixed += len({unicodedata.name(ch, "?").split()[0] for ch in run} & _ALPHABETS) > 1
    return mixed + sample.count("\u00a4")


def _encoding_ranks(lang: str) -> dict[str, int]:
    """Preference order of legacy encodings (codec name as codecs.lookup spells it -> rank) for `lang`."""
    preferred = _LANG_ENCODINGS.get(_base_lang(lang), ()) + _COMMON_ENCODINGS
    ranks: dict[str, int] = {}
    for codec in preferred:
        ranks.setdefault(codecs.lookup(codec).name, len(ranks))
    return ranks


def _base_lang(lang: str) -> str:
    """ "pt-BR" -> "pt": encodings follow the language, not the region."""
    return lang.replace("_", "-").split("-")[0].lower()


def _encoding_warning(codec: str) -> str:
    return f"encoding not declared: read as {codec} (detected); pass --encoding if this is wrong"
