"""Names across scripts: a name of the source must reach the translation (`name-mismatch`), and one name
should be rendered one way across a job (`name-inconsistent`). Compared transliterated (anyascii, per-script
folding, rapidfuzz; Arabic by consonant skeletons), countries and languages by their CLDR names (Babel).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..results import QualityFlag
from .facts import ALEF, ARABIC_PREFIX, Fact, common_word, facts, sentence_start, word_set

__all__ = [
    "NAME_INCONSISTENT",
    "NAME_MISMATCH",
    "NameLedger",
    "TRANSLATED_NAMES",
    "check_consistency",
    "check_names",
    "checkable_name",
    "find_name",
    "must_come_through",
    "name_renderings",
]

NAME_MISMATCH = "name-mismatch"
NAME_INCONSISTENT = "name-inconsistent"

# Names translators translate rather than transliterate (countries, organisations, regions, peoples,
# languages, bodies of water, religions): skipped, never flagged. A caller's glossary adds more. Whole
# names and single words both count: a name whose every word is here or generic is skipped.
TRANSLATED_NAMES = frozenset(
    name.strip()
    for name in """united nations|un|european union|eu|non-aligned movement|nam|nato|world health organization|who|
    red cross|red crescent|white house|kremlin|pentagon|congress|senate|parliament|supreme court|
    security council|general assembly|olympic games|olympics|world cup|nobel prize|internet|
    united states|usa|us|u.s.|united kingdom|uk|britain|great britain|england|scotland|wales|ireland|
    germany|france|spain|greece|hungary|netherlands|holland|switzerland|sweden|finland|norway|denmark|
    poland|turkey|china|japan|india|egypt|morocco|georgia|armenia|azerbaijan|russia|ukraine|belarus|
    iran|iraq|syria|lebanon|jordan|israel|palestine|saudi arabia|arabia|yemen|libya|tunisia|algeria|
    south africa|north korea|south korea|korea|new zealand|ivory coast|czech republic|czechia|austria|
    croatia|serbia|albania|cyprus|iceland|belgium|luxembourg|portugal|italy|mexico|brazil|argentina|
    chile|peru|colombia|canada|australia|africa|europe|asia|america|north america|south america|
    latin america|middle east|caucasus|south caucasus|balkans|scandinavia|antarctica|arctic|siberia|
    pacific|atlantic|indian ocean|mediterranean|red sea|black sea|caspian sea|dead sea|persian gulf|
    earth|moon|sun|milky way|god|jesus|christ|bible|quran|koran|islam|christianity|catholic|christian|
    christians|muslim|muslims|jewish|jews|buddhist|christmas|easter|ramadan|american|americans|british|
    english|french|german|germans|spanish|italian|chinese|japanese|russian|russians|arab|arabs|arabic|
    turkish|greek|dutch|swedish|polish|hungarian|european|europeans|african|asian|canadian|australian|
    indian|mexican|brazilian|korean|egyptian|iranian|israeli|palestinian|jewish|scottish|irish|welsh|
    soviet|ottoman|roman|romans|latin|persian|western|eastern|northern|southern|north|south|east|west|
    prime minister|president|king|queen|parliamentary|cold war|world war|second world war|
    first world war|world war ii|world war i|new year|nord stream|holy see|vatican|middle ages|
    high middle ages|early middle ages|late middle ages|stone age|bronze age|iron age|renaissance|
    declaration of independence|revolutionary war|civil war|byzantine|roman empire|empire|
    hebrew|norse|allies|axis|oscar|oscars|academy awards|
    best picture|best actor|best actress|grammy|the bible|old testament|new testament|city-states|
    kingdoms|three kingdoms|warring states|dynasty|ancient china|ancient rome|ancient egypt|ancient greece|
    ancient roman|rome|athens|moscow|beijing|cairo|vienna|prague|warsaw|lisbon|venice|florence|naples|
    jerusalem|mecca|damascus|baghdad|tehran|istanbul|constantinople|tokyo|delhi|new delhi|cape town|
    american revolution|french revolution|industrial revolution|cold war|great depression|holocaust|
    parliament|cabinet|senate|congress|premier league|champions league|grand prix|formula one|
    commonwealth|commonwealth games|olympic|paralympic|paralympics|mount everest|everest|sahara|amazon|
    nile|alps|himalayas|andes|danube|rhine|thames|hurricane|tropical storm|typhoon""".replace("\n", "").split("|")
)
# Nouns capitalised inside English names of bodies that translators translate word by word
# ("Canadian Diabetes Association", "Dalhousie University"): no evidence by themselves.
GENERIC = word_set(
    """movement organization organisation association assembly council committee commission union
    university college school institute academy society foundation agency bureau department ministry
    office service party government republic kingdom federation state states city county province region
    district island islands river lake mountain mountains mount ocean sea bay gulf valley park street
    avenue square bridge airport station hospital museum church cathedral temple mosque palace house
    court bank company corporation group network summit conference forum festival league cup prize award
    championship games national international federal royal central general supreme high new old great
    grand north south east west northern southern eastern western upper lower saint day war army navy
    force forces police guard times post news ages age act report center centre awards award picture best
    director executive national security advisor declaration independence treasure revolutionary empire
    dynasty kingdoms kings queens deeds people women men fire water right late early final current local
    ancient modern middle minor major wall"""
)


@dataclass(frozen=True)
class _Script:
    """How one target script is compared: its folding, the fuzzy threshold, the prefixes words may carry."""

    threshold: float  # rapidfuzz ratio (0-100) a name's word needs to count as found
    max_prefix: int  # characters a word may carry before the name (Arabic و، ب، ل، ال)
    skeleton: bool  # compare consonant skeletons (scripts that drop short vowels)
    min_key: int  # shorter keys are too little to judge: the word is not checked


# Keys this long are matched LONG_KEY_EASING points more loosely.
LONG_KEY, LONG_KEY_EASING = 7, 5
# How close a transliteration must be where an expected rendering (CLDR's, a glossary's) is not there.
STRICT = 90
# Tuned on the first half of FLORES-200 devtest (lines 1-506) against the human references and Google's
# output; benchmarks/facts_quality.py reports them on the second half.
_SCRIPTS = {
    "Latn": _Script(threshold=75, max_prefix=1, skeleton=False, min_key=3),
    "Cyrl": _Script(threshold=75, max_prefix=1, skeleton=False, min_key=3),
    "Arab": _Script(threshold=85, max_prefix=3, skeleton=True, min_key=3),
}
_SCRIPT_OF = {"ru": "Cyrl", "uk": "Cyrl", "bg": "Cyrl", "be": "Cyrl", "ar": "Arab", "fa": "Arab", "ur": "Arab"}
# Azerbaijani Latin letters for the sounds English writes otherwise: x = kh, c = j, q = g, ç = ch, ə = a.
_AZ = str.maketrans(
    {"x": "h", "X": "H", "c": "j", "C": "J", "q": "g", "Q": "G", "ç": "ch", "Ç": "Ch", "ə": "a", "Ə": "A"}
)
_FOLD = [
    (r"dzh|dj|zh", "j"),
    (r"kh", "h"),
    (
        r"sch|sh|ch|cs",
        "s",
    ),  # (cs: Hungarian, Csaba: Чаба)  # Russian renders English ch and sh as ч/ш, Arabic both as ش/تش
    (r"ph", "f"),
    (r"th", "t"),
    (r"ck|q|c", "k"),
    (r"x", "ks"),
    (r"w", "v"),
    (r"g", "h"),  # Russian writes English h as г (Halifax: Галифакс)
    (r"ay|ey|ai|ei", "ei"),  # English "Wayne", "Davey": Вэйн, Дейви
    (r"y|ee", "i"),
    (r"ou|oo", "u"),
    (r"z", "s"),
]
_FOLD_RE = [(re.compile(a), b) for a, b in _FOLD]
_SKELETON_DROP = re.compile(r"[aeiouyhvw]")


@lru_cache(maxsize=65536)
def _key(word: str, script: str, lang: str = "") -> str:
    """A word as the letters compared: transliterated, casefolded, folded; for Arabic its skeleton."""
    from anyascii import anyascii

    if lang == "az":
        word = word.translate(_AZ)
    elif script == "Cyrl":  # ё renders the o of foreign names (Kőrösi: Кёрёши, Gödel: Гёдель)
        word = word.replace("ё", "о").replace("Ё", "О")
    text = re.sub(r"[^a-z]", "", anyascii(word).casefold())
    if lang == "en" and len(text) > 3 and text.endswith("e"):  # a silent e: Stone, Hale (Стоун, Хейл)
        text = text[:-1]
    if _SCRIPTS[script].skeleton:
        text = text.replace("v", "f").replace("p", "b")
        for pattern, repl in _FOLD_RE:
            if repl not in ("i", "h"):
                text = pattern.sub(repl, text)
        text = text.replace("g", "k").replace("j", "k")
        text = _SKELETON_DROP.sub("", text)
    else:
        if lang == "en":  # c before e, i, y sounds s (Cincinnati: Цинциннати)
            text = re.sub(r"c(?=[eiy])", "s", text)
        text = text.replace("ts", "s")
        for pattern, repl in _FOLD_RE:
            text = pattern.sub(repl, text)
    return re.sub(r"(.)\1+", r"\1", text)


_WORDS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _script(target: str) -> str:
    return _SCRIPT_OF.get(target.split("-")[0].lower(), "Latn")


def _lang(target: str) -> str:
    return target.split("-")[0].lower()


# Endings of English words for things and qualities, translated rather than transliterated (Revolution,
# Heritage, Championships, Justice): a lone dictionary word with one is no name to look for.
_CONCEPT = re.compile(
    r"(?:tion|sion|ship|ance|ence|ity|ment|ness|ism|ary|ive|al|ous|ic|ical|age|ice|ogen|ong|ure|ium|s)$"
)


def _concept(word: str) -> bool:
    return bool(_CONCEPT.search(word.casefold())) or len(word) <= 3


def _key_words(name: str, translated: frozenset[str]) -> list[str]:
    """The words of a name that must come through: not connectors, not generic nouns, not translated, and
    not dictionary words unless beside a name or alone and not a concept (Trump: yes; Heritage: no)."""
    if name.casefold() in translated:
        return []
    words = [re.sub(r"['’]s$", "", w) for w in _WORDS.findall(name)]  # Australia's: Australia
    words = [w for w in words if len(w) > 1]
    if re.sub(r"^(?:al|el)-", "", name.casefold()) in translated:
        return []
    keep = [w for w in words if w.casefold() not in GENERIC and w.casefold() not in translated]
    # A common word beside a name is a name too (Emma Stone, Donald Trump, Ring's Jamie Siminoff), and so
    # are common words that name no concept (Rick Perry, Shark Tank); concepts are translated (Sound
    # Editing, Heritage).
    if keep and all(common_word(w) for w in keep) and any(_concept(w) for w in keep):
        return []
    return [w for w in keep if w.casefold() not in _CONNECTOR_WORDS]


_CONNECTOR_WORDS = frozenset(("of", "de", "del", "la", "le", "van", "von", "bin", "and", "the"))


# English names CLDR no longer gives a country, still written in the news.
_OTHER_ENGLISH_NAMES = {
    "turkey": "TR",
    "britain": "GB",
    "great britain": "GB",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "burma": "MM",
    "swaziland": "SZ",
    "macedonia": "MK",
    "holland": "NL",
    "usa": "US",
    "u.s.": "US",
    "the netherlands": "NL",
}


@lru_cache(maxsize=16)
def _cldr(lang: str) -> dict[str, tuple[str, ...]]:
    """English names of territories, languages and currencies (CLDR, through Babel), casefolded, to their
    names in `lang`: what a translation is expected to write for them. Empty where CLDR lacks `lang`."""
    from babel import Locale, UnknownLocaleError

    try:
        target = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return {}
    from anyascii import anyascii

    english = Locale("en")
    out: dict[str, set[str]] = {}
    for attr in ("territories", "languages", "currencies"):
        theirs = getattr(target, attr)
        names = [(code, name) for code, name in getattr(english, attr).items()]
        if attr == "territories":
            names += [(code, name) for name, code in _OTHER_ENGLISH_NAMES.items()]
        for code, name in names:
            rendering = theirs.get(code)
            if rendering and code != "001":  # not "world"
                name = re.sub(r"\s*\(.*\)", "", name).casefold()
                for key in {name, anyascii(name)}:  # Türkiye, Côte d'Ivoire also as written in ASCII
                    out.setdefault(key, set()).add(rendering)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _stem_words(text: str, script: str) -> list[str]:
    """A rendering's or an output's words as compared by stem: casefolded, Arabic alef forms made one and
    Arabic clitics (و، ب، ل، ال) taken off."""
    words = [w.casefold().replace("ё", "е") for w in _WORDS.findall(text)]  # CLDR writes е for ё
    if script == "Arab":
        words = [_CLITICS.sub("", w.translate(ALEF)) for w in words]
    return words


# Arabic clitics before a word: و and ف (and), ب، ل، ك (in, for, like), ال (the), لل (for the).
_CLITICS = re.compile(r"^(?:[وف]?(?:[بكل]?ال|لل|[بكل])|[وف])(?=...)")


def _has_rendering(rendering: str, out_stems: list[str], script: str) -> bool:
    """Whether the output has `rendering` (a CLDR name, a glossary's target), in any case form: each of its
    longer words begins an output word, less the last two letters (Германия: Германии, Almaniya: Almaniyada)."""
    words = [w for w in _stem_words(rendering, script) if len(w) > 2] or _stem_words(rendering, script)
    if not words:
        return False
    for word in words:
        # Longer words keep less: an adjective for a noun (французский: французы, Швеция: шведский).
        stem = word[: max(3, len(word) - (2 if len(word) < 8 else 4))]
        if not any(out.startswith(stem) for out in out_stems):
            return False
    return True


@dataclass(frozen=True)
class _Match:
    word: str  # the output's word (as written) the name's word was found in
    stem: str  # the matched part of its key, to compare renderings
    score: float


# English spellings that say one sound two ways: a word is compared as written and as each of these says it.
_SPELLINGS = (
    (re.compile(r"(?:d?g)(?=[eiy])"), "j"),  # a soft g: George, Gingrich (Джордж, Гингрич)
    (re.compile(r"x"), "h"),  # Texas, Xinhua (Техас, Синьхуа)
    (re.compile(r"ch"), "k"),  # Christ, Munich (Христос, Мюнхен)
    (re.compile(r"ea|ie|ee"), "i"),  # Steven, Pierce (Стивен, Пирс)
)


@lru_cache(maxsize=65536)
def _english_keys(word: str, script: str) -> tuple[str, ...]:
    """A source word's keys: as written, then as each spelling variant says it (first key: as written)."""
    keys = [_key(word, script, "en")]
    lower = word.casefold()
    for pattern, repl in _SPELLINGS:
        if pattern.search(lower):
            keys.append(_key(pattern.sub(repl, lower), script, "en"))
    return tuple(dict.fromkeys(keys))


def _best(key: str, out_words: list[tuple[str, str]], spec: _Script) -> _Match | None:
    from rapidfuzz import fuzz

    best = None
    for word, out_key in out_words:
        if len(out_key) < len(key) - 1:
            continue
        if len(out_key) <= len(key):  # as long or a letter shorter: the whole words compared
            score, stem = fuzz.ratio(key, out_key), out_key
        else:  # longer: the name inside it, after at most a prefix (Arabic و، ال) and before any ending
            align = fuzz.partial_ratio_alignment(key, out_key)
            if align is None or align.dest_start > spec.max_prefix:
                continue
            score, stem = align.score, out_key[align.dest_start : align.dest_end]
        if best is None or score > best.score:
            best = _Match(word, stem, score)
    return best


def must_come_through(name: str, *, translated: Iterable[str] = ()) -> bool:
    """Whether a name has a word a translation must carry (transliterated) that is not a dictionary word:
    not a name translators translate (TRANSLATED_NAMES, `translated`), nor one of generic or dictionary
    words only. (The facts table shows these; the check also looks for dictionary words of a name.)"""
    words = _key_words(name, TRANSLATED_NAMES | frozenset(t.casefold() for t in translated))
    return any(not common_word(w) for w in words)


def _known(translated: Mapping[str, str] | Iterable[str]) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """A caller's known names: those it skips (a list) and those with their renderings (a mapping)."""
    if isinstance(translated, Mapping):
        return frozenset(), {k.casefold(): (v,) for k, v in translated.items() if v}
    return frozenset(t.casefold() for t in translated), {}


def find_name(
    name: str, output: str, *, target: str, translated: Mapping[str, str] | Iterable[str] = ()
) -> dict[str, _Match | None]:
    """Each word of `name` that must come through, with where it is in `output` (None: not found).

    A name with an expected rendering (a glossary's, or CLDR's for a country, a language, a currency) is
    one entry: found when the output has that rendering in any case form, or the name transliterated.
    """
    script, lang = _script(target), _lang(target)
    spec = _SCRIPTS[script]
    skip, renderings = _known(translated)
    # Hyphenated words also by their parts: Буэнос-Айреса has Aires, Мачу-Пикчу has Picchu.
    written = _WORDS.findall(output)
    written += [part for w in written if "-" in w for part in w.split("-")]
    out_words = [(w, _key(w, script, lang)) for w in written]
    latin = {w.casefold() for w in written}
    stems = _stem_words(" ".join(written), script)

    def expected(text: str) -> tuple[str, ...]:
        return renderings.get(text.casefold()) or _cldr(lang).get(text.casefold()) or ()

    def transliterated(word: str, threshold: float) -> _Match | None:
        if word.casefold() in latin:  # copied in Latin letters (a brand, a name kept as written): there
            return _Match(word, word.casefold(), 100.0)
        keys = _english_keys(word, script)
        match = max((m for k in keys if (m := _best(k, out_words, spec))), key=lambda m: m.score, default=None)
        # A long word has more letters to render differently (Cuddeback: Каддебэк): a little less close will do.
        if len(keys[0]) >= LONG_KEY:
            threshold -= LONG_KEY_EASING
        return match if match is not None and match.score >= threshold else None

    def rendered(text: str) -> _Match | None:
        """The expected rendering, else the name transliterated closely (Azerbaijani keeps some)."""
        hit = next((r for r in expected(text) if _has_rendering(r, stems, script)), None)
        if hit is not None:
            return _Match(hit, hit, 100.0)
        words = [w for w in _WORDS.findall(text) if w.casefold() not in _CONNECTOR_WORDS]
        matches = [transliterated(w, STRICT) for w in words]
        return matches[-1] if matches and all(matches) else None

    if expected(name):  # a country, a language, a currency, a glossary's name: one entry
        return {name: rendered(name)}
    found: dict[str, _Match | None] = {}
    words = _key_words(name, TRANSLATED_NAMES | skip)
    for word in words:
        if expected(word):  # a country inside a longer name: Singapore's Deputy Prime Minister
            found[word] = rendered(word)
        elif len(_english_keys(word, script)[0]) >= spec.min_key:
            found[word] = transliterated(word, spec.threshold)
    return found


def _required(words: list[str]) -> set[str]:
    """The words of a name that must each be found: the surname (the last word) and the longest word, the
    ones a translation keeps and transliterates most reliably; first names vary (Stephen: Стивен, Стефан)."""
    if not words:
        return set()
    # A title or a common word before a name (Congresswoman Michele Bachmann) is not its longest own word.
    own = [w for w in words if not common_word(w)] or words
    return {words[-1], max(own, key=len)}


def _flag(code: str, message: str, score: float | None = None) -> QualityFlag:
    return QualityFlag(code=code, message=message, score=None if score is None else round(float(score), 4))


def checkable_name(source: str, fact: Fact) -> bool:
    """A name worth checking: not a people's name or adjective (Italians, Chinese: translated), and not one
    common word at a sentence start, where a capital is no evidence ("Scientists say", "Several")."""
    if fact.kind != "name" or _acronym_name(fact.value):  # acronyms are expanded or translated: GDP, ВВП
        return False
    if " " not in fact.value and fact.value.casefold().endswith(("ans", "ese", "ish", "ian", "ean")):
        return False
    if " " in fact.value or "-" in fact.value or not sentence_start(source, fact.start):
        return True
    return not common_word(fact.value)


def _acronym_name(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) > len(letters) / 2


def check_names(
    source: str,
    output: str,
    *,
    target: str,
    source_facts: tuple[Fact, ...] | None = None,
    translated_names: Mapping[str, str] | Iterable[str] | None = None,
    source_lang: str = "en",
) -> list[QualityFlag]:
    """`name-mismatch` when a name of the source is not in the output.

    A name is there when its surname (last word) and its longest own word are: "Csaba Kőrösi" rendered
    "Чаба Кёрёши" or "Kőrösi" is fine, "Angela Merkel" rendered "Ангела Шольц" is not. A country, a
    language or a currency must have CLDR's name in the target (any case form) or a close
    transliteration; so must a name `translated_names` maps to its rendering (a glossary). Names
    translators translate (TRANSLATED_NAMES, the names `translated_names` lists) and acronyms are skipped.
    """
    if source_lang.split("-")[0].lower() != "en" or not output.strip():
        return []
    found = source_facts if source_facts is not None else facts(source, source_lang)
    translated = translated_names if isinstance(translated_names, Mapping) else list(translated_names or ())
    # A name the output copies in Latin letters (a brand, an acronym) is there, whatever the script.
    out_folded = output.casefold()
    missing = []
    names = list(dict.fromkeys(f.value for f in found if checkable_name(source, f)))
    for name in names:
        if name.casefold() in out_folded:
            continue
        words = find_name(name, output, target=target, translated=translated)
        if words and any(words[w] is None for w in _required(list(words))):
            missing.append(name)
    if not missing:
        return []
    share = 1 - len(missing) / len(names)
    return [_flag(NAME_MISMATCH, f"not found in the output: {', '.join(missing[:4])}", share)]


def name_renderings(
    pairs: Iterable[tuple[str, str]], *, target: str, translated_names: Iterable[str] = ()
) -> dict[str, list[tuple[int, str]]]:
    """How each source name was rendered across a job's (source, output) sentences.

    name -> [(sentence index, the output's word for the name's longest own word), ...].
    """
    translated = list(translated_names)
    out: dict[str, list[tuple[int, str]]] = {}
    for i, (source, output) in enumerate(pairs):
        for name in dict.fromkeys(f.value for f in facts(source) if checkable_name(source, f)):
            words = find_name(name, output, target=target, translated=translated)
            # The rendering of the name's longest own word, where the output has it (see NameLedger.check).
            match = words[max(words, key=len)] if words else None
            if match is not None:
                out.setdefault(name, []).append((i, match.word))
    return out


def _written(word: str, target: str) -> str:
    """A rendering as written, for telling renderings apart: casefolded, without Arabic prefixes."""
    word = re.sub(r"[^\w]", "", word.casefold())
    if _script(target) == "Arab":
        word = ARABIC_PREFIX.sub("", word.translate(ALEF))
    return word


def _stem(a: str, b: str) -> int:
    return max(3, min(len(a), len(b)) - 1)


def _variants(words: list[str], target: str, threshold: float) -> list[str]:
    """The distinct renderings among `words`: inflected forms of one rendering count once.

    Compared as written (not transliterated): Алиев and Алыев are two ways to write one name.
    """
    from rapidfuzz import fuzz

    groups: list[tuple[str, str]] = []  # (first word, as written)
    for word in words:
        key = _written(word, target)
        # Endings differ with grammatical case (Алиева, Алиеву): compare the common length less a letter.
        if not any(fuzz.ratio(key[: _stem(key, k)], k[: _stem(key, k)]) >= threshold for _, k in groups):
            groups.append((word, key))
    return [w for w, _ in groups]


# Two renderings of one name whose stems (common length less a letter) are less alike than this are two ways to write it.
CONSISTENCY_THRESHOLD = 85


def check_consistency(
    pairs: Iterable[tuple[str, str]], *, target: str, translated_names: Iterable[str] = ()
) -> dict[int, list[QualityFlag]]:
    """`name-inconsistent` for the sentences where a name is rendered differently from its first time.

    Returns sentence index -> flags, for the sentences that have one.
    """
    flags: dict[int, list[QualityFlag]] = {}
    for name, seen in name_renderings(pairs, target=target, translated_names=translated_names).items():
        variants = _variants([w for _, w in seen], target, CONSISTENCY_THRESHOLD)
        if len(variants) < 2:
            continue
        first = variants[0]
        for i, word in seen:
            if _variants([first, word], target, CONSISTENCY_THRESHOLD) != [first]:
                message = f"{name} is rendered as {word} here and as {first} elsewhere"
                flags.setdefault(i, []).append(_flag(NAME_INCONSISTENT, message, len(variants)))
    return flags


class NameLedger:
    """`name-inconsistent` over a whole job, one target language, as translations come: each source name's
    first rendering is remembered, and a later sentence that renders it another way is flagged. The
    incremental form of `check_consistency` (same rendering and comparison), for a job that translates
    in windows."""

    def __init__(self, target: str, translated_names: Iterable[str] = ()):
        self.target = target
        self.translated = list(translated_names)
        self.first: dict[str, str] = {}  # source name -> the output's word for it, the first time

    def check(self, source: str, output: str) -> list[QualityFlag]:
        """Flags for one translation; remembers the renderings of names seen for the first time."""
        if not output.strip():
            return []
        flags = []
        for name in dict.fromkeys(f.value for f in facts(source) if checkable_name(source, f)):
            words = find_name(name, output, target=self.target, translated=self.translated)
            # The rendering of the name's longest own word, where the output has it (another word's
            # rendering is no evidence: Чаба is not a way to write Kőrösi).
            match = words[max(words, key=len)] if words else None
            if match is None:
                continue
            first = self.first.setdefault(name, match.word)
            if _variants([first, match.word], self.target, CONSISTENCY_THRESHOLD) != [first]:
                message = f"{name} is rendered as {match.word} here and as {first} elsewhere"
                flags.append(_flag(NAME_INCONSISTENT, message, 2))
        return flags
