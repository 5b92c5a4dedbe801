"""The facts a sentence carries, which a translation or digest must not change: numbers (digits or words,
with their unit), dates, clock times, URLs, e-mail addresses, @handles, #hashtags and names, each with its
span in the original string and a normalised value to compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CURRENCY_MARKERS",
    "KINDS",
    "Fact",
    "facts",
    "has_number_word",
    "common_word",
    "name_values",
    "names",
    "number_word_stems",
    "number_words",
    "numbers",
    "times",
]

KINDS = ("number", "date", "time", "url", "email", "handle", "hashtag", "name")


@dataclass(frozen=True)
class Fact:
    """One fact of a sentence: `text` is `sentence[start:end]`; `value` is what a faithful copy keeps.

    number: digits without separators ("1500", "3.5" -> "35"), also for numbers written in words;
    `unit` is "%", an ISO currency code ("EUR", "USD") or a unit of measure ("km"). date: "2023-03-02",
    "--03-02" without a year, "2020-12" without a day. time: "h:mm" with the hour mod 12. url, email,
    handle, hashtag: casefolded. name: the span with its spacing normalised.
    """

    kind: str
    text: str
    start: int
    end: int
    value: str
    unit: str = ""

    @property
    def spelled(self) -> bool:
        """A number written in words ("seven", "fifth"), which a translation may also write in words."""
        return self.kind == "number" and not any(ch.isdigit() for ch in self.text)


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one string, for the word lists below."""
    return frozenset(text.split())


def _bare(word: str) -> str:
    """A word casefolded, without a possessive ending."""
    return re.sub(r"['’]s$", "", word.casefold())


# ---- numbers ------------------------------------------------------------------------------------

# Arabic-Indic and Extended Arabic-Indic (Persian) digits read as ASCII digits (one character for one, so
# spans found in the translated text are spans of the original).
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# A number with its separators: space-grouped thousands (`5 000`), or digits joined by `.`/`,` and the
# Arabic decimal and thousands marks (`1,000.5`, `3,5`, `1٬000`). Separators are dropped when comparing,
# so `1,000` = `1 000` = `1.000` and `3.5` = `3,5`, whichever convention the target language uses.
NUMBER = re.compile(r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)(?:[.,\u066b\u066c]\d+)*")
# Ordinals (15th, 1,000th) and decades (1960s, 20s) are as often written in words or Roman numerals.
WORDY = re.compile(r"\d(?:st|nd|rd|th|s)\b|\d's\b", re.IGNORECASE)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text).lstrip("0") or "0"


def numbers(text: str, *, skip_wordy: bool = False) -> list[str]:
    """The numbers in `text` as digit strings (separators dropped, other digit systems read as ASCII).

    `skip_wordy` leaves out ordinals and decades, which translations often write out in words.
    """
    found = []
    text = text.translate(DIGITS)
    for match in NUMBER.finditer(text):
        if skip_wordy and WORDY.match(text, match.end() - 1):
            continue
        found.append(_digits(match.group()))
    return found


# English number words. "one", "first" and "second" are left out on purpose: as often a pronoun ("one of
# them"), an article-like "a", or a unit of time as a number, so text_to_num's own threshold (it leaves
# numbers below 3 alone unless they are part of a larger one) is not enough; "two" and "third" upward are
# numbers nearly every time in news text (measured on the first half of FLORES-200 devtest).
_UNITS = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_UNITS += " seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
_ORDINALS = "third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth"
_ORDINALS += " fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth fiftieth"
_SCALES = "hundred thousand million billion trillion"
_NUMBER_WORD = rf"(?:{'|'.join(sorted((_UNITS + ' ' + _ORDINALS).split(), key=len, reverse=True))})"
# A run: "three thousand", "twenty-five", "two hundred and fifty", "one hundred", "a million" is left to the
# digits check (no leading "a").
_SPELLED = re.compile(
    rf"\b(?:(?:one|{_NUMBER_WORD})(?:[ -](?:and[ ])?(?:{_NUMBER_WORD}|one|{'|'.join(_SCALES.split())})\b)+"
    rf"|{_NUMBER_WORD})\b(?!-(?:year|hour|day|week|month)s?-old\b)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _spelled_value(text: str) -> str | None:
    from text_to_num import alpha2digit

    digits = re.findall(r"\d+", alpha2digit(text.replace("-", " ") if " " in text else text, "en", threshold=0))
    return digits[0].lstrip("0") or "0" if len(digits) == 1 else None


def number_words(text: str, lang: str = "en") -> list[tuple[re.Match, str]]:
    """Numbers written in words in an English text, as (match, digits); other languages give none yet."""
    if lang.split("-")[0].lower() != "en":
        return []
    out = []
    for match in _SPELLED.finditer(text):
        value = _spelled_value(match.group())
        if value is not None:
            out.append((match, value))
    return out


# Units written after a number (and currencies before it), as the unit a Fact carries.
_CURRENCY_SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₼": "AZN", "₹": "INR"}
_CURRENCY_CODES = "USD EUR GBP JPY CNY RUB AZN TRY INR CHF CAD AUD AED SAR EGP IRR"
_CODES = word_set(_CURRENCY_CODES)
_CURRENCY_WORDS = {
    "dollar": "USD",
    "euro": "EUR",
    "pound": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "ruble": "RUB",
    "rouble": "RUB",
    "manat": "AZN",
    "lira": "TRY",
    "rupee": "INR",
}
_MEASURES = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "km": "km",
    "kilometre": "km",
    "kilometer": "km",
    "mile": "mi",
    "mi": "mi",
    "m": "m",
    "metre": "m",
    "meter": "m",
    "cm": "cm",
    "mm": "mm",
    "kg": "kg",
    "kilogram": "kg",
    "g": "g",
    "ton": "t",
    "tonne": "t",
    "mph": "mph",
    "km/h": "km/h",
    "°c": "°C",
    "°f": "°F",
    "degree": "°",
    "foot": "ft",
    "feet": "ft",
    "ft": "ft",
    "inch": "in",
    "litre": "l",
    "liter": "l",
    "hectare": "ha",
}
_PREFIX = re.compile(
    r"(US\$|[$€£¥₽₼₹]|\b(?:" + _CURRENCY_CODES.replace(" ", "|") + r"))[ \u00a0]?$",
)
_SUFFIX = re.compile(
    r"^[ \u00a0]?(%|°[CF]\b|km/h\b|per cent\b|(?:"
    + "|".join(sorted((k for k in _MEASURES if k[0].isalpha()), key=len, reverse=True))
    + r"|"
    + "|".join(_CURRENCY_WORDS)
    + r")(?:e?s)?\b|(?:"
    + _CURRENCY_CODES.replace(" ", "|")
    + r")\b|[€₽₼])",
    re.IGNORECASE,
)


def _unit(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The unit around the number at text[start:end], and the span widened to cover it."""
    before = _PREFIX.search(text[max(0, start - 5) : start])
    if before:
        sign = before.group(1)
        return _CURRENCY_SIGNS.get(sign, sign.upper()), start - len(before.group()), end
    after = _SUFFIX.match(text[end : end + 14])
    if after:
        word = after.group(1)
        folded = word.casefold()
        stem = re.sub(r"(?:e?s)$", "", folded) if folded not in _MEASURES else folded
        unit = _MEASURES.get(folded) or _MEASURES.get(stem) or _CURRENCY_WORDS.get(stem)
        unit = unit or _CURRENCY_SIGNS.get(word) or word.upper()
        if folded in ("feet",):
            unit = "ft"
        return unit, start, end + len(after.group())
    return "", start, end


# How each currency may be written in a translation (sign, code, or its name in en, ru, ar, az): a number
# whose currency changed (€30 -> $30) keeps its digits but not its facts.
CURRENCY_MARKERS = {
    "USD": ("$", "usd", "dollar", "доллар", "دولار", "dollar"),
    "EUR": ("€", "eur", "euro", "евро", "يورو", "avro"),
    "GBP": ("£", "gbp", "pound", "фунт", "جنيه", "funt", "sterling"),
    "JPY": ("¥", "jpy", "yen", "иен", "йен", "ين", "yen"),
    "CNY": ("¥", "cny", "yuan", "юан", "يوان", "yuan"),
    "RUB": ("₽", "rub", "rubl", "roubl", "рубл", "روبل"),
    "AZN": ("₼", "azn", "manat", "манат", "مانات"),
    "TRY": ("₺", "try", "lira", "лир", "ليرة", "lirə"),
    "INR": ("₹", "inr", "rupee", "рупи", "روبية", "rupi"),
}


# ---- dates and times ----------------------------------------------------------------------------

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
_MONTH += r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|2[01]\d\d)"
_DATE = re.compile(
    rf"\b(?P<iso>(?P<iy>{_YEAR})-(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01]))\b"
    rf"|\b(?P<d1>{_DAY})(?:\s+of)?\s+(?P<m1>{_MONTH})(?:,?\s+(?P<y1>{_YEAR}))?\b"
    rf"|\b(?P<m2>{_MONTH})\s+(?P<d2>{_DAY})\b(?!:)(?:,?\s+(?P<y2>{_YEAR})\b)?"
    rf"|\b(?P<m3>{_MONTH})\s+(?P<y3>{_YEAR})\b",
)
# Clock times: `10:08`, and `12.00` or `1200` when followed by am/pm or a time zone. Compared as (hour mod
# 12, minutes), since translations often turn 10:08 p.m. into 22:08.
TIME = re.compile(
    r"(?<![\d.,:])(\d{1,2}):(\d{2})(?:[:.]\d{2})?(?![\d:])"
    r"|(?<![\d.,:])(\d{1,2})\.(\d{2})(?=\s*(?:[ap]\.?m\b|GMT|UTC))"
    r"|(?<![\d.,:])([01]\d|2[0-3])([0-5]\d)(?=\s*(?:GMT|UTC))",
    re.IGNORECASE,
)
# In a translation: `22:08`, `22.08` and the Arabic comma.
TARGET_TIME = re.compile(r"(?<![\d.,:])(\d{1,2})[:.\u060c](\d{2})(?::\d{2})?(?![\d:])")


def times(text: str, pattern: re.Pattern = TIME) -> tuple[set[tuple[int, int]], str]:
    """Clock times as (hour mod 12, minute), and the text with them blanked out."""
    found = set()

    def take(match: re.Match) -> str:
        hour, minute = [g for g in match.groups() if g is not None]
        found.add((int(hour) % 12, int(minute)))
        return " "

    return found, pattern.sub(take, text.translate(DIGITS))


def _month(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(name.rstrip(".").casefold()[:3]))


def _date_value(m: re.Match) -> str:
    if m.group("iso"):
        return m.group("iso")
    g = m.groupdict()
    month = _month(g["m1"] or g["m2"] or g["m3"])
    day, year = g["d1"] or g["d2"], g["y1"] or g["y2"] or g["y3"]
    day = int(re.sub(r"\D", "", day)) if day else None
    if day is None:
        return f"{year}-{month:02d}"
    return f"{year or '-'}-{month:02d}-{day:02d}"


# ---- addresses ----------------------------------------------------------------------------------

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@.])@\w{1,30}\b")
_HASHTAG = re.compile(r"(?<![\w&#])#\w*[^\W\d_]\w*")


# ---- names --------------------------------------------------------------------------------------

# Words that start sentences (or sit capitalised in titles) without being names. Kept small: the common
# English function words and discourse words seen capitalised at a sentence start.
FUNCTION_WORDS = word_set(
    """a an the this that these those there here it its it's he she we they i you his her their our my your
    him them us me who whom whose which what when where why how whether if then than so as at by for from in
    into of off on onto out over to up upon with within without about above after against along among
    around before behind below beneath beside between beyond but despite down during except inside near
    since through throughout till toward towards under until unlike via and or nor yet also although though
    because while whereas however meanwhile moreover furthermore thus hence therefore indeed instead
    otherwise still nevertheless nonetheless once all any both each either every few many most much neither
    no none not some several various certain such other another one two three four five six seven eight nine ten first second last
    next new old only even just more less very too rather already always often never sometimes usually
    later earlier today tonight yesterday tomorrow now soon currently recently finally simply certainly
    clearly perhaps maybe unfortunately fortunately additionally according following including given
    like unlike is are was were be been being am do does did done has have had having will would shall
    should can could may might must let yes mr mrs ms dr prof st mt sir lord lady saint"""
)
# Capitalised in English but translated, not transliterated: not names for the name checks.
_NOT_NAMES = word_set(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december"""
)
# Titles before a name, translated with the sentence: "President Ilham Aliyev" is the name "Ilham Aliyev".
TITLES = word_set(
    """president vice prime minister king queen prince princess pope senator governor mayor chancellor
    secretary professor doctor sheikh emir chairman chairwoman ambassador judge justice captain colonel
    sergeant lieutenant commander bishop archbishop cardinal father rev reverend"""
)
# Lower-case words inside a name: "League of Arab States", "Charles de Gaulle", "Bashar al-Assad".
_CONNECTORS = word_set("of de del della der di da du la le van von bin ibn al el")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(?:-\d+)?")
# Where a new sentence (or a quotation, a heading) starts: a capital after it is no evidence of a name.
_OPENER = re.compile(r"(?:^|[.!?:;]\s+|[\"“”«»‘(\[—–]\s*|\n\s*)$")


def sentence_start(text: str, start: int) -> bool:
    """Whether `start` begins a sentence, a quotation or a line (a capital there is no evidence of a name).

    A full stop after an initial or a title ("George W. Bush", "Dr. Ur") does not end a sentence.
    """
    if _OPENER.search(text, 0, start) is None:
        return False
    before = re.search(r"(?:^|\s)(\S+)\.\s+$", text[:start])
    return not (before and (len(before.group(1)) == 1 or before.group(1).casefold() in FUNCTION_WORDS | TITLES))


def _capitalised(word: str) -> bool:
    if word[:3].casefold() in ("al-", "el-") and len(word) > 3:
        return word[3].isupper()
    return word[0].isupper()


def _acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _is_common(word: str) -> bool:
    """A capitalised word that is probably not a name on its own at a sentence start."""
    folded = word.casefold().replace("’", "'")
    return (
        folded in FUNCTION_WORDS
        or folded.endswith("'s")
        and folded[:-2] in FUNCTION_WORDS
        or folded.endswith(("ly", "ing", "ed"))
        and len(folded) > 4
    )


def names(sentence: str) -> list[tuple[int, int]]:
    """Spans of names: runs of capitalised words and acronyms, with connectors inside.

    A capitalised word at a sentence start counts only inside a longer run, or if it is not a common
    English word. In a title-case line (most words capitalised) only acronyms count.
    """
    tokens = [m for m in _TOKEN.finditer(sentence)]
    if not tokens:
        return []
    # A title: every longer word capitalised, or most of them and a function word too ("To The New").
    long_words = [m.group() for m in tokens if len(m.group()) > 3]
    capitalised = sum(_capitalised(w) for w in long_words) / len(long_words) if len(long_words) >= 3 else 0
    function_caps = any(
        _capitalised(m.group()) and m.group().casefold() in FUNCTION_WORDS and not sentence_start(sentence, m.start())
        for m in tokens[1:]
    )
    # ...and no lower-case word but function words: "He met Bashar al-Assad" has a lower-case verb.
    lower = any(not _capitalised(m.group()) and m.group().casefold() not in FUNCTION_WORDS for m in tokens)
    title_case = capitalised > 0.6 and (function_caps or (capitalised == 1 and not lower))
    spans: list[tuple[int, int]] = []
    run: list[re.Match] = []

    def close() -> None:
        while run and (run[-1].group().casefold() in _CONNECTORS or not _capitalised(run[-1].group())):
            run.pop()
        # Drop leading function words ("The Non-Aligned Movement") and months/weekdays at either end.
        while run and (
            run[0].group().casefold() in FUNCTION_WORDS
            or _bare(run[0].group()) in _NOT_NAMES
            or run[0].group().casefold() in TITLES
            and len(run) > 1
        ):
            run.pop(0)
        while run and _bare(run[-1].group()) in _NOT_NAMES:
            run.pop()
        if run:
            first = run[0]
            initial = sentence_start(sentence, first.start())
            alone = len(run) == 1
            common = initial and alone and _is_common(first.group()) and not _acronym(first.group())
            if not common and not (alone and len(first.group()) < 2):
                spans.append((run[0].start(), run[-1].end()))
        run.clear()

    for i, m in enumerate(tokens):
        word = m.group()
        gap = sentence[tokens[i - 1].end() : m.start()] if i else ""
        initial = run and len(run[-1].group()) == 1 and run[-1].group().isupper()
        joined = i and run and (re.fullmatch(r"[ \u00a0]+|-", gap) or initial and re.fullmatch(r"\. ?", gap))
        if title_case:
            if _acronym(word):
                if not joined:
                    close()
                run.append(m)
            else:
                close()
            continue
        if word in _CODES:  # a currency code is the unit of a number
            close()
            continue
        if _capitalised(word) or _acronym(word):
            if run and not joined:
                close()
            run.append(m)
        elif run and joined and word.casefold() in _CONNECTORS:
            run.append(m)
        else:
            close()
    close()
    # A span starting a sentence with a common word before a name: "Yesterday Aliyev" -> "Aliyev".
    out = []
    for start, end in spans:
        text = sentence[start:end]
        first = _TOKEN.match(text)
        if first and _is_common(first.group()) and sentence_start(sentence, start) and end > start + first.end():
            rest = _TOKEN.search(text, first.end())
            start += rest.start() if rest else 0
        out.append((start, end))
    return [(s, e) for s, e in out if sentence[s:e].casefold() not in _NOT_NAMES]


# ---- all together -------------------------------------------------------------------------------


def facts(sentence: str, lang: str = "en") -> tuple[Fact, ...]:
    """The facts of one sentence, in order, without overlaps (a date's numbers belong to the date).

    Names and number words are read for English sources; digits, dates, times and addresses for any.
    """
    found: list[Fact] = []
    taken = bytearray(len(sentence))

    def add(kind: str, start: int, end: int, value: str, unit: str = "") -> None:
        if any(taken[start:end]):
            return
        taken[start:end] = b"\x01" * (end - start)
        found.append(Fact(kind, sentence[start:end], start, end, value, unit))

    for m in URL.finditer(sentence):
        text = m.group().rstrip(".,;:!?)")
        kind = "email" if "@" in text and "://" not in text and not text.lower().startswith("www.") else "url"
        add(kind, m.start(), m.start() + len(text), text.casefold())
    for kind, pattern in (("handle", _HANDLE), ("hashtag", _HASHTAG)):
        for m in pattern.finditer(sentence):
            add(kind, m.start(), m.end(), m.group().casefold())
    for m in _DATE.finditer(sentence):
        add("date", m.start(), m.end(), _date_value(m))
    digits = sentence.translate(DIGITS)
    for m in TIME.finditer(digits):
        hour, minute = [g for g in m.groups() if g is not None]
        end = m.end()
        suffix = re.match(r"\s*(?:[ap]\.?m\.?|GMT|UTC)", digits[end:], re.IGNORECASE)
        add("time", m.start(), end + (len(suffix.group()) if suffix else 0), f"{int(hour) % 12}:{minute}")
    if lang.split("-")[0].lower() == "en":
        for start, end in names(sentence):
            if not any(taken[start:end]):
                text = sentence[start:end]
                if text.endswith(("'s", "’s")):  # the possessive is grammar, not the name
                    end -= 2
                add("name", start, end, " ".join(sentence[start:end].split()))
    for m in NUMBER.finditer(digits):
        unit, start, end = _unit(digits, m.start(), m.end())
        add("number", start, end, _digits(m.group()), unit)
    for m, value in number_words(sentence, lang):
        unit, start, end = _unit(sentence, m.start(), m.end())
        add("number", start, end, value, unit)
    return tuple(sorted(found, key=lambda f: f.start))


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Webster's Second International (the `english-words` package's web2 list, 236k words) as written:
    common words in lower case, proper names capitalised (`justice`, `Texas`)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=False))


def common_word(word: str) -> bool:
    """A word the dictionary has in lower case (its plural too): in a name it is translated, not
    transliterated (Justice, Heritage, Hydrogen, Strong, Windows), so it is no evidence either way."""
    folded, words = word.casefold(), _dictionary()
    return (
        folded in words
        or (folded.endswith("s") and folded[:-1] in words)
        or (folded.endswith("es") and folded[:-2] in words)
        or (folded.endswith("ies") and folded[:-3] + "y" in words)
    )


def name_values(text: str, lang: str = "en") -> list[str]:
    """The names of a text, in order: `facts()`'s for English; for another language written with capitals,
    the same runs of capitalised words, less the word at a sentence start (no evidence there: "Вчера").
    An English word alone at a sentence start counts unless the dictionary has it ("Researchers said")."""
    if lang.split("-")[0].lower() == "en":
        return [
            f.value
            for f in facts(text, lang)
            if f.kind == "name" and (" " in f.value or not sentence_start(text, f.start) or not common_word(f.value))
        ]
    out = []
    for start, end in names(text):
        words = text[start:end].split()
        if sentence_start(text, start):
            words = words[1:]
        if words:
            out.append(" ".join(words))
    return out


# ---- number words of the targets ----------------------------------------------------------------

# How a number may be written out in a translation: word beginnings (any case or gender, cardinal or
# ordinal), per target language. Values not listed (and 1, which translations often drop: "one year" ->
# "год", and 2 in Arabic, which its dual number says without a word) are not checked in words.
_TARGET_NUMBER_WORDS = {
    "ru": {
        0: "нол нул",
        2: "два две дву двое двои втор",
        3: "три трех трёх трем трём трое трои трет",
        4: "четыр четвер четвёр",
        5: "пят",
        6: "шест",
        7: "семь семи седьм",
        8: "восем восьм",
        9: "девят",
        10: "десят десяток",
        11: "одиннадцат",
        12: "двенадцат дюжин",
        13: "тринадцат",
        14: "четырнадцат",
        15: "пятнадцат",
        16: "шестнадцат",
        17: "семнадцат",
        18: "восемнадцат",
        19: "девятнадцат",
        20: "двадцат",
        30: "тридцат",
        40: "сорок",
        50: "пятьдесят пятидесят",
        60: "шестьдесят шестидесят",
        70: "семьдесят семидесят",
        80: "восемьдесят восьмидесят",
        90: "девяност",
        100: "сто сот",
        1000: "тысяч",
        1000000: "миллион",
        1000000000: "миллиард",
    },
    "az": {
        0: "sıfır",
        2: "iki",
        3: "üç",
        4: "dörd",
        5: "beş",
        6: "altı",
        7: "yeddi",
        8: "səkkiz",
        9: "doqquz",
        10: "on",
        **{v: "on" for v in range(11, 20)},  # "on bir": ten, then the unit
        20: "iyirmi",
        30: "otuz",
        40: "qırx",
        50: "əlli",
        60: "altmış",
        70: "yetmiş",
        80: "səksən",
        90: "doxsan",
        100: "yüz",
        1000: "min",
        1000000: "milyon",
        1000000000: "milyard",
    },
    "ar": {
        0: "صفر",
        3: "ثلاث ثالث",
        4: "اربع رابع",
        5: "خمس خامس",
        6: "ست سادس",
        7: "سبع سابع",
        8: "ثمان ثامن",
        9: "تسع تاسع",
        10: "عشر عاشر",
        **{v: "عشر" for v in range(11, 20)},  # "ثلاثة عشر": the unit, then ten
        20: "عشرين عشرون",
        30: "ثلاثين ثلاثون",
        40: "اربعين اربعون",
        50: "خمسين خمسون",
        60: "ستين ستون",
        70: "سبعين سبعون",
        80: "ثمانين ثمانون",
        90: "تسعين تسعون",
        100: "مئ مائ مئات",
        1000: "الف الاف",
        1000000: "مليون ملايين",
        1000000000: "مليار",
    },
}
ARABIC_PREFIX = re.compile(r"^(?:[وفبلك]?ال|[وفبلك])(?=..)")
ALEF = str.maketrans("أإآٱ", "اااا")


def number_word_stems(value: str, lang: str) -> tuple[str, ...] | None:
    """The word beginnings that write `value` out in `lang`; None where words can't be checked.

    A round number ("3000") is its leading digit's words or its scale's ("три тысячи", "3 тысячи");
    other compounds ("25") are their tens' words ("двадцать пять").
    """
    table = _TARGET_NUMBER_WORDS.get(lang.split("-")[0].lower())
    if table is None or not value.isdigit():
        return None
    n = int(value)
    if n in table:
        return tuple(table[n].split())
    parts = []
    if 20 < n < 100:
        parts = [n // 10 * 10]
    elif n >= 100:
        scale = max(s for s in table if s >= 100 and s <= n)
        lead = n // scale
        if n % scale or (lead > 1 and lead not in table):
            return None
        parts = [scale] + ([lead] if lead > 1 else [])
    if not parts or any(p not in table for p in parts):
        return None
    return tuple(w for p in parts for w in table[p].split())


def has_number_word(text: str, stems: tuple[str, ...], lang: str) -> bool:
    """Whether a word of `text` begins with one of `stems` (Arabic: after its prefixes و، ب، ل، ال)."""
    arabic = lang.split("-")[0].lower() == "ar"
    for word in re.findall(r"[^\W\d_]+", text.casefold()):
        if arabic:
            word = ARABIC_PREFIX.sub("", word.translate(ALEF))
        if word.startswith(stems):
            return True
    return False
