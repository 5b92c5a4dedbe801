"""Reading inputs: paths, globs, folders, stdin, encodings, and every kind of bad file."""

from __future__ import annotations

import codecs

import pytest

from summarizer.errors import ConfigError, InputError
from summarizer.inputs.encodings import decode
from summarizer.inputs.paths import expand_paths
from summarizer.inputs.reading import article_from_text, read_article
from summarizer.inputs.segmenting import normalize

from conftest import CORPUS, SEED


def test_seed_article_metadata_and_sentences():
    article = read_article(str(SEED))
    assert article.date == "2023-03-02"
    assert article.text.startswith("BAKU, Azerbaijan")
    assert "Kőrösi" in article.text  # non-ASCII names survive
    assert "“" in article.text or "”" in article.text  # curly quotes are kept
    ids = [s.id for s in article.sentences]
    assert len(ids) == len(set(ids))
    assert ids[0] == f"{article.id}:p0:s0"


def test_expand_paths_files_folders_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("One sentence.")
    (tmp_path / "a" / "two.md").write_text("# Title\n\nTwo sentences. Here.")
    (tmp_path / "a" / "skip.bin").write_bytes(b"\x00\x01")
    assert expand_paths([str(tmp_path / "a")]) == [str(tmp_path / "a" / "one.txt"), str(tmp_path / "a" / "two.md")]
    assert expand_paths([str(tmp_path / "a" / "*.txt"), str(tmp_path / "a" / "one.txt")]) == [
        str(tmp_path / "a" / "one.txt")
    ]
    assert expand_paths(["-"]) == ["-"]


@pytest.mark.parametrize(
    "arg, message", [("missing.txt", "missing.txt: no such file"), ("nomatch/*.txt", "no file matches")]
)
def test_missing_paths_are_named(arg, message):
    with pytest.raises(InputError, match=message):
        expand_paths([arg])


def test_empty_binary_and_undecodable_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty.txt: file is empty"):
        read_article(str(empty))
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InputError, match="image.txt: looks like a binary file"):
        read_article(str(binary))
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        read_article(str(folder))


def test_cp1251_russian_is_decoded_not_rejected(tmp_path):
    text = "Генеральный секретарь ООН заявил, что в Сирии нет военного решения. Он призвал все стороны к переговорам."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("cp1251"))
    article = read_article(str(path), lang="ru")
    assert article.text == text
    assert article.encoding.replace("_", "").lower() in ("cp1251", "windows1251")
    assert len(article.sentences) == 2


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("word " * 100)
    with pytest.raises(InputError, match="huge.txt: file is .* over the"):
        read_article(str(path), max_bytes=100)


def test_mojibake_is_repaired():
    article = article_from_text("The bill is â‚¬78bn (Â£57bn). It passed.", source="x.txt")
    assert "€78bn (£57bn)" in article.text


def test_headings_without_full_stop_are_their_own_sentences():
    article = read_article(str(SEED))
    texts = [s.text for s in article.sentences]
    assert "Azerbaijan's contribution to the rise of NAM" in texts


def test_semicolon_line_ups_stay_one_sentence_each():
    article = read_article(str(CORPUS / "xsum-sale-castres.txt"))
    lineups = [s.text for s in article.sentences if s.text.startswith(("Castres:", "Sale:"))]
    assert len(lineups) == 2
    assert all(";" in s for s in lineups)


def test_wrapped_lines_are_joined_and_paragraphs_kept():
    article = article_from_text(
        "First line of a sentence\nthat was wrapped. Second one.\n\nNew paragraph here.", source="w.txt"
    )
    assert [s.text for s in article.sentences] == [
        "First line of a sentence that was wrapped.",
        "Second one.",
        "New paragraph here.",
    ]
    assert [s.paragraph for s in article.sentences] == [0, 0, 1]


def test_markdown_headings_lose_their_markup(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("# Big News\n\nSomething happened. Then more.\n")
    article = read_article(str(path))
    assert article.title == "Big News"
    assert article.sentences[0].text == "Big News"


def test_decode_prefers_utf8():
    assert decode("Kőrösi".encode(), "x")[:2] == ("Kőrösi", "utf-8")


# Encodings. Each kind has several texts, short and long, so no single string can be tuned for.
WESTERN = [
    "Café in Zürich: the naïve señor paid 5 €.\nÀ bientôt, Chloé!",
    "Größere Städte wie München und Köln verzeichnen höhere Mieten.",
    "El niño comió en la señora's café. ¿Qué pasó? ¡Mañana será otro día!",
    "São Paulo e Brasília.",
    "Le président a déclaré que la réforme des retraites était nécessaire. Les syndicats ont appelé à une grève "
    "générale jeudi.\n\nÀ Paris, des milliers de manifestants ont défilé entre la place de la République et la "
    "Nation. « C'est une question de dignité », a expliqué une infirmière.",
    "Politiets talsmand sagde, at ulykken skete på motorvejen nær Århus.",
    "Señor Muñoz.",
]
RUSSIAN = [
    "Москва, 3 марта. Президент России Владимир Путин провёл совещание с членами Совета Безопасности.",
    "ЦЕНТРАЛЬНЫЙ БАНК РОССИИ СОХРАНИЛ КЛЮЧЕВУЮ СТАВКУ.\nЭто решение было ожидаемым.",
    "Путин и Си Цзиньпин встретились в Пекине.",
    "Футбольный клуб Зенит стал чемпионом России.",
    "Привет, мир!",
    "Компания Apple представила новый iPhone.",
    "Ёлка на Красной площади. Щедрый подарок для Яны и Юрия.",
    "В Санкт-Петербурге открылась выставка 'Эрмитаж: 250 лет'. Экспозиция включает более тысячи предметов из "
    "запасников музея.\n\nДиректор Эрмитажа Михаил Пиотровский отметил, что подготовка выставки заняла почти три "
    "года. Юбилейные мероприятия продлятся до конца декабря.",
]
ARABIC = [
    "قال الأمين العام للأمم المتحدة إنه لا يوجد حل عسكري في سوريا. ودعا جميع الأطراف إلى التفاوض.",
    "أعلنت وزارة الصحة المصرية اليوم عن افتتاح مستشفى جديد في القاهرة.",
    "الرياض: ارتفع مؤشر السوق بنسبة 2% اليوم.",
    "شهدت العاصمة الأردنية عمّان مظاهرات حاشدة يوم الجمعة، للمطالبة بإصلاحات اقتصادية وسياسية. وقال المتظاهرون إن "
    "الأسعار ارتفعت بشكل كبير خلال العام الماضي.\n\nوأكدت الحكومة أنها ستدرس مطالب المحتجين.",
]
LEGACY = (
    [(text, "cp1252", "en", "cp1252") for text in WESTERN]
    + [(text, "latin-1", "fr", "cp1252") for text in WESTERN if "€" not in text]  # cp1252 reads latin-1 the same
    + [(text, "cp1251", lang, "cp1251") for text in RUSSIAN for lang in ("ru", "en")]
    + [(text, "koi8-r", lang, "koi8-r") for text in RUSSIAN for lang in ("ru", "en")]
    + [(text, "cp1256", lang, "cp1256") for text in ARABIC for lang in ("ar", "en")]
)


BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def _warning(codec: str) -> str:
    return f"encoding not declared: read as {codec} (detected); pass --encoding if this is wrong"


@pytest.mark.parametrize("text, codec, lang, detected", LEGACY, ids=[f"{c}-{lang}" for _, c, lang, _ in LEGACY])
def test_legacy_encodings_decode_exactly_and_say_so(tmp_path, text, codec, lang, detected):
    path = tmp_path / "story.txt"
    path.write_bytes(text.encode(codec))
    assert decode(path.read_bytes(), "story.txt", lang=lang)[:2] == (text, detected)
    assert read_article(str(path), lang=lang).warnings == (_warning(detected),)


@pytest.mark.parametrize("text", [WESTERN[0], RUSSIAN[1], ARABIC[0], "Plain English, nothing else."])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_read_without_warning(tmp_path, text, codec):
    path = tmp_path / "story.txt"
    path.write_bytes(BOMS[codec] + text.encode(codec))
    article = read_article(str(path))
    assert (article.encoding, article.warnings) == (codec, ())
    assert article.text == normalize(text).strip()


@pytest.mark.parametrize("text", WESTERN[:2] + RUSSIAN + ARABIC + ["Plain English, nothing else.", "ПутинСиЦзиньпин"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom_are_detected(text, codec):
    # Cyrillic and Arabic put 0x04 or 0x06, not NUL, in the high bytes: NULs alone can't tell it is UTF-16.
    assert decode(text.encode(codec), "x")[:2] == (text, codec)


def test_utf8_with_or_without_bom_has_no_warning(tmp_path):
    for data in ("Kőrösi said “no”.".encode(), codecs.BOM_UTF8 + "Kőrösi said “no”.".encode()):
        (tmp_path / "s.txt").write_bytes(data)
        article = read_article(str(tmp_path / "s.txt"))
        assert (article.text, article.encoding, article.warnings) == ("Kőrösi said “no”.", "utf-8", ())


def test_utf16_of_nothing_but_spaces_is_empty(tmp_path):
    (tmp_path / "blank.txt").write_bytes(codecs.BOM_UTF16_LE + "  \n ".encode("utf-16-le"))
    with pytest.raises(InputError, match="blank.txt: file is empty"):
        read_article(str(tmp_path / "blank.txt"))


def test_explicit_encoding_wins_and_gives_no_warning(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN[0].encode("koi8-r"))
    article = read_article(str(path), encoding="KOI8-R")
    assert (article.text, article.encoding, article.warnings) == (RUSSIAN[0], "koi8-r", ())
    # The user's word is taken even where detection would say otherwise.
    assert read_article(str(path), encoding="cp1251").text == RUSSIAN[0].encode("koi8-r").decode("cp1251")


@pytest.mark.parametrize("name", ["xyz", "base64"])
def test_unknown_or_non_text_encoding_is_a_config_error(tmp_path, name):
    path = tmp_path / "s.txt"
    path.write_text("Text.")
    with pytest.raises(ConfigError, match=f"--encoding: unknown encoding '{name}'"):
        read_article(str(path), encoding=name)


def test_bytes_that_do_not_decode_with_the_given_encoding_name_file_codec_and_offset(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(b"Hello " + "мир".encode("cp1251"))
    with pytest.raises(InputError, match=r"ru.txt: is not valid utf-8 at byte 6; check --encoding"):
        read_article(str(path), encoding="utf-8")


def test_bomless_utf16_file_is_read_with_a_warning(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN[0].encode("utf-16-le"))
    article = read_article(str(path), lang="ru")
    assert (article.text, article.encoding, article.warnings) == (RUSSIAN[0], "utf-16-le", (_warning("utf-16-le"),))


# ---- titles (issue 21): metadata, a headline, else the lead as news readers take it, else the name ------


def test_a_text_without_headline_takes_its_lead_as_title_and_says_so():
    # The seed starts with a dateline sentence, `BAKU, Azerbaijan, March 1.`: the lead is the next one.
    article = read_article(str(SEED))
    assert (article.title, article.title_origin) == (
        "Currently, the process of establishing a new world order is underway",
        "lead",
    )
    assert article.source.endswith("baku-non-aligned-movement-2023.txt"), "the file name stays the source"


def test_title_origins(tmp_path):
    given = article_from_text("---\ntitle: Ice\n---\nIt snowed. Then it froze.", source="x.md")
    headline = article_from_text("Leaders meet in Baku\n\nLeaders met in Baku on Monday. They spoke.", source="x.txt")
    lead = article_from_text("Leaders met in Baku on Monday. They spoke.", source="summit.txt")
    assert [(a.title, a.title_origin) for a in (given, headline, lead)] == [
        ("Ice", "given"),
        ("Leaders meet in Baku", "headline"),
        ("Leaders met in Baku on Monday", "lead"),
    ]
    only_dateline = article_from_text("BAKU, March 1.", source="baku-note.txt")
    assert (only_dateline.title, only_dateline.title_origin) == ("baku-note", "name")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("WASHINGTON (Reuters) - The deal was done on Monday. More later.", "The deal was done on Monday"),
        ("LONDON, June 2 — Prices rose again. More later.", "Prices rose again"),
        ("Mr. Smith - a carpenter - went home. More later.", "Mr. Smith - a carpenter - went home"),
        ("NATO - the alliance - met today. More later.", "NATO - the alliance - met today"),
        ("Is it over? Nobody knows.", "Is it over?"),
    ],
)
def test_a_lead_title_drops_a_dateline_but_keeps_other_dashes(text, title):
    assert article_from_text(text, source="x.txt").title == title


def test_a_long_lead_is_cut_at_a_word_boundary_with_an_ellipsis():
    words = "The Non-Aligned Movement, which includes 120 member countries, has grown in significance"
    article = article_from_text(f"{words} under the chairmanship of Azerbaijan since 2019. More.", source="x.txt")
    assert article.title == words + "…" and len(article.title) <= 91
    unbroken = article_from_text("A" * 300 + ". More.", source="x.txt")
    assert unbroken.title == "A" * 90 + "…"
