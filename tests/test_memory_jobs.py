"""A stored human translation in a real job: it wins over the cache and the model for an exact source match,
survives --refresh, is marked human in the digest, and still gets the quality checks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from summarizer.cli.app import app

runner = CliRunner()
ARTICLE = "Baku hosted the summit in 2023.\n\nThe leaders met for two days. They signed 12 agreements.\n"
EDITED = "Лидеры встречались два дня."
CHANGED_NUMBER = "Они подписали 13 соглашений."  # an editor's slip: the number check must still flag it


def translate(tmp_path: Path, marian: Path, *extra: str) -> tuple[list[dict], str]:
    """The digest's ru full-text translations, and the job's closing line."""
    args = ["translate", str(tmp_path / "a.txt"), "--to", "ru", "--from", "en", "--model", f"ru={marian}"]
    result = runner.invoke(app, [*args, "--format", "json", "--out", str(tmp_path / "out"), *extra])
    assert result.exit_code == 0, result.output
    closing = next(line for line in result.output.splitlines() if line.startswith("articles: "))
    data = json.loads((tmp_path / "out" / "a.json").read_text(encoding="utf-8"))
    return data["languages"][0]["full"]["translations"], closing


def import_tmx(tmp_path: Path, pairs: list[tuple[str, str]]) -> None:
    from translate.storage import tmx

    store = tmx.tmxfile(sourcelanguage="en", targetlanguage="ru")
    for source, target in pairs:
        store.addtranslation(source, "en", target, "ru")
    path = tmp_path / "edited.tmx"
    path.write_bytes(bytes(store))
    result = runner.invoke(app, ["memory", "import", str(path)])
    assert result.exit_code == 0, result.output


def test_a_human_translation_wins_over_the_cache_and_survives_refresh(tmp_path, marian):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    first, closing = translate(tmp_path, marian)  # fills the cache with the model's outputs
    assert not any(t["human"] for t in first) and "translation memory" not in closing
    import_tmx(tmp_path, [("The leaders met for two days.", EDITED), ("They signed 12 agreements.", CHANGED_NUMBER)])

    for extra in ((), ("--refresh",)):
        rows, closing = translate(tmp_path, marian, *extra)
        assert ", 2 from the translation memory" in closing, closing  # counted apart from the model's
        by_source = {t["source"]: t for t in rows}
        edited = by_source["The leaders met for two days."]
        assert (edited["text"], edited["human"], edited["cached"], edited["retried"]) == (EDITED, True, False, False)
        slip = by_source["They signed 12 agreements."]
        assert slip["human"] and slip["text"] == CHANGED_NUMBER
        assert "number-mismatch" in [f["code"] for f in slip["flags"]]  # checks still run on an editor's text
        machine = by_source["Baku hosted the summit in 2023."]
        assert not machine["human"] and machine["text"] == first[0]["text"]

    # The memory is keyed by the pair and the text, not the model: --refresh left it as it was.
    listed = json.loads(runner.invoke(app, ["memory", "list", "--json"]).stdout)
    assert {r["target"] for r in listed} == {EDITED, CHANGED_NUMBER}


def test_without_the_cache_database_no_human_translation_is_used(tmp_path, marian):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    import_tmx(tmp_path, [("The leaders met for two days.", EDITED)])
    rows, _ = translate(tmp_path, marian, "--no-cache")
    assert not any(t["human"] for t in rows)


def test_after_an_export_edit_and_import_only_the_edited_sentence_is_human(tmp_path, marian):
    """Issue 31 point 5 in a real job: exporting, fixing one segment and importing stored every segment as
    human, and the untouched machine output then won over any model, --refresh included. Now only the edited
    sentence is the editor's; the others still come from the cache, and --refresh recomputes them."""
    from translate.storage import xliff2

    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    first, _ = translate(tmp_path, marian)
    xlf = tmp_path / "ru.xlf"
    result = runner.invoke(app, ["memory", "export", str(tmp_path / "out"), "--to", "ru", "--out", str(xlf)])
    assert result.exit_code == 0, result.output
    store = xliff2.Xliff2File.parsefile(str(xlf))
    (unit,) = [u for u in store.units if u.source == "The leaders met for two days."]
    unit.target = EDITED
    xlf.write_bytes(bytes(store))
    result = runner.invoke(app, ["memory", "import", str(xlf)])
    assert result.exit_code == 0, result.output
    assert "1 stored, 2 unchanged skipped" in result.stdout

    for extra, cached in (((), True), (("--refresh",), False)):
        rows, closing = translate(tmp_path, marian, *extra)
        assert ", 1 from the translation memory" in closing, closing
        by_source = {t["source"]: t for t in rows}
        assert (
            by_source["The leaders met for two days."]["text"],
            by_source["The leaders met for two days."]["human"],
        ) == (EDITED, True)
        for before in first:
            if before["source"] != "The leaders met for two days.":
                now = by_source[before["source"]]
                assert (now["human"], now["cached"], now["text"]) == (False, cached, before["text"])
