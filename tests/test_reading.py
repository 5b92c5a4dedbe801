"""Reading inputs: paths, globs, folders, stdin, encodings, and every kind of bad file."""

from __future__ import annotations

import pytest

from conftest import CORPUS, SEED
from summarizer.errors import InputError
from summarizer.reading import article_from_text, decode_bytes, expand_paths, read_article


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
    assert expand_paths([str(tmp_path / "a" / "*.txt"), str(tmp_path / "a" / "one.txt")]) == [str(tmp_path / "a" / "one.txt")]
    assert expand_paths(["-"]) == ["-"]


@pytest.mark.parametrize("arg, message", [("missing.txt", "missing.txt: no such file"), ("nomatch/*.txt", "no file matches")])
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
    article = article_from_text("First line of a sentence\nthat was wrapped. Second one.\n\nNew paragraph here.", source="w.txt")
    assert [s.text for s in article.sentences] == ["First line of a sentence that was wrapped.", "Second one.", "New paragraph here."]
    assert [s.paragraph for s in article.sentences] == [0, 0, 1]


def test_markdown_headings_lose_their_markup(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("# Big News\n\nSomething happened. Then more.\n")
    article = read_article(str(path))
    assert article.title == "Big News"
    assert article.sentences[0].text == "Big News"


def test_decode_prefers_utf8():
    assert decode_bytes("Kőrösi".encode(), "x") == ("Kőrösi", "utf-8")
