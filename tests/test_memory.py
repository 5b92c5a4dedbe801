"""The translation memory: `memory export` to XLIFF 2.0 / TMX read back with translate-toolkit, `memory import`
of an editor's file (all or nothing), `memory list | remove`, the table in the real SQLite cache, and the
human marks in the digests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from translate.storage import tmx, xliff2
from typer.testing import CliRunner

from summarizer.cache import Cache, HumanTranslation, MemoryCache, NullCache
from summarizer.cli.app import app
from summarizer.errors import CacheError
from summarizer.output.render import digest_from_json, render_html, render_json, render_markdown

runner = CliRunner()
ARTICLE = "Baku hosted the summit in 2023.\n\nThe leaders met for two days. They signed 12 agreements.\n"
EDITED = 'Лидеры <встречались> & "два" дня.'  # markup characters and quotes must survive XML both ways


@pytest.fixture(scope="module")
def job(tmp_path_factory, marian) -> Path:
    """A job's --out folder with one JSON digest made on the Marian stand-in (its output is noise, flagged)."""
    root = tmp_path_factory.mktemp("memory-job")
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    env = {"SUMMARIZER_CACHE_DIR": str(root / "job-cache"), "HF_HUB_OFFLINE": "1"}
    args = ["translate", str(root / "a.txt"), "--to", "ru", "--from", "en", "--model", f"ru={marian}"]
    result = runner.invoke(app, [*args, "--format", "json", "--out", str(root / "out")], env=env)
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.fixture
def out(job, tmp_path) -> Path:
    """A copy of the job's folder that a test may change."""
    return Path(shutil.copytree(job, tmp_path / "out"))


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def stored() -> list[dict]:
    result = invoke("memory", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def digest_data(out: Path) -> dict:
    return json.loads((out / "a.json").read_text(encoding="utf-8"))


def translations(out: Path) -> list[dict]:
    return digest_data(out)["languages"][0]["full"]["translations"]


def export(out: Path, path: Path, *extra: str) -> None:
    result = invoke("memory", "export", out, "--to", "ru", "--out", path, *extra)
    assert result.exit_code == 0, result.output
    assert str(path) in result.stdout


def edit_xliff(path: Path, changes: dict[str, str | None]) -> None:
    """Set the targets of some units, as a CAT tool would (None: remove the target)."""
    store = xliff2.Xliff2File.parsefile(str(path))
    for unit in store.units:
        if unit.getid() in changes:
            unit.target = changes[unit.getid()] or ""
    path.write_bytes(bytes(store))


# ---- export -------------------------------------------------------------------------------------


def test_export_xliff_is_one_unit_per_sentence_with_each_flag_as_a_note(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    store = xliff2.Xliff2File.parsefile(str(path))
    assert (store.sourcelanguage, store.targetlanguage) == ("en", "ru")
    expected = translations(out)
    assert [u.getid() for u in store.units] == [t["source_id"] for t in expected] == ["a:p0:s0", "a:p1:s0", "a:p1:s1"]
    assert [u.source for u in store.units] == [t["source"] for t in expected]
    assert [u.target for u in store.units] == [t["text"] for t in expected]
    root = store.document.getroot()
    (file_node,) = root.findall("{*}file")
    assert file_node.get("original") == digest_data(out)["article"]["source"]  # the article, as the digest names it
    assert file_node.get("original").endswith("a.txt")
    for unit, t in zip(store.units, expected, strict=True):
        element = unit.getunitelement()
        assert element.get("name") == t["source_id"]
        notes = [n.text for n in element.findall("{*}notes/{*}note") if n.get("category") == "quality"]
        assert t["flags"], "the stand-in's noise is flagged"
        assert notes == [f"{f['code']}: {f['message']}" for f in t["flags"]]
        # XLIFF 2.0: notes belong to the unit, ahead of its segment; a machine translation is a draft.
        assert [c.tag.rsplit("}", 1)[1] for c in element] == ["notes", "segment"]
        assert unit.xmlelement.get("state") == "translated"


def test_export_tmx_has_the_pair_the_sentence_ids_the_article_and_the_flags(out, tmp_path):
    path = tmp_path / "ru.tmx"
    export(out, path, "--format", "tmx")
    store = tmx.tmxfile.parsefile(str(path))
    expected = translations(out)
    assert [u.getid() for u in store.units] == [t["source_id"] for t in expected]
    assert [(u.source, u.target) for u in store.units] == [(t["source"], t["text"]) for t in expected]
    assert {u.getcontext() for u in store.units} == {digest_data(out)["article"]["source"]}
    first = store.units[0]
    assert first.getnotes().splitlines() == [f"{f['code']}: {f['message']}" for f in expected[0]["flags"]]
    langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in first.getlanguageNodes()]
    assert langs == ["en", "ru"]


def test_export_writes_a_repeated_sentence_once_and_names_its_other_places(out, tmp_path):
    data = digest_data(out)
    full = data["languages"][0]["full"]["translations"]
    full[2] = {**full[2], "source": full[0]["source"], "text": full[0]["text"]}
    (out / "a.json").write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "ru.xlf"
    export(out, path)
    store = xliff2.Xliff2File.parsefile(str(path))
    assert [u.getid() for u in store.units] == ["a:p0:s0", "a:p1:s0"]
    repeats = store.units[0].getunitelement().findall("{*}notes/{*}note[@category='repeats']")
    assert [n.text for n in repeats] == ["also: a:p1:s1"]


def test_export_needs_to_when_the_digests_have_several_languages(out, tmp_path):
    data = digest_data(out)
    data["languages"].append({**data["languages"][0], "target": "az"})
    data["languages"][1]["full"] = {**data["languages"][0]["full"], "target": "az"}
    (out / "a.json").write_text(json.dumps(data), encoding="utf-8")
    result = invoke("memory", "export", out, "--out", tmp_path / "x.xlf")
    assert result.exit_code == 2
    assert "--to" in result.output and "az, ru" in result.output
    assert not (tmp_path / "x.xlf").exists()
    result = invoke("memory", "export", out / "a.json", "--to", "az", "--out", tmp_path / "az.xlf")
    assert result.exit_code == 0, result.output
    assert xliff2.Xliff2File.parsefile(str(tmp_path / "az.xlf")).targetlanguage == "az"


def test_export_refuses_a_folder_without_digests_and_a_language_it_lacks(out, tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke("memory", "export", tmp_path / "empty", "--to", "ru")
    assert result.exit_code == 2 and "no JSON digests" in result.output
    result = invoke("memory", "export", out, "--to", "ar")
    assert result.exit_code == 2 and "no translations into ar" in result.output


# ---- import, list, the round trip ---------------------------------------------------------------


def test_an_edited_target_is_imported_listed_and_exported_again_as_it_was_written(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    edit_xliff(path, {"a:p1:s0": EDITED})
    result = invoke("memory", "import", path, "--digests", out)
    assert result.exit_code == 0, result.output
    assert "stored 3 human translations (en -> ru)" in result.stdout
    rows = {r["source"]: r for r in stored()}
    assert rows["The leaders met for two days."]["target"] == EDITED
    assert rows["The leaders met for two days."]["origin"] == f"ru.xlf ({digest_data(out)['article']['source']})"
    assert {(r["source_lang"], r["target_lang"]) for r in rows.values()} == {("en", "ru")}
    assert "The leaders met for two days." in invoke("memory", "list", "--to", "ru").stdout
    assert invoke("memory", "list", "--to", "az").stdout.startswith("no human translations stored")

    # What the wired translator puts in a digest for that sentence, exported again: the edited text, final.
    data = digest_data(out)
    data["languages"][0]["full"]["translations"][1] |= {"text": rows["The leaders met for two days."]["target"]}
    data["languages"][0]["full"]["translations"][1] |= {"human": True, "cached": False}
    (out / "a.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = tmp_path / "again.xlf"
    export(out, again)
    unit = xliff2.Xliff2File.parsefile(str(again)).units[1]
    assert unit.target == EDITED
    assert unit.xmlelement.get("state") == "final"


def test_a_tmx_from_another_tool_is_imported_with_its_languages(tmp_path):
    path = tmp_path / "memory.tmx"
    store = tmx.tmxfile(sourcelanguage="en-US", targetlanguage="ru-RU")
    store.addtranslation("They signed 12 agreements.", "en-US", "Они подписали 12 соглашений.", "ru-RU")
    path.write_bytes(bytes(store))
    result = invoke("memory", "import", path)
    assert result.exit_code == 0, result.output
    assert [(r["source_lang"], r["target_lang"], r["target"]) for r in stored()] == [
        ("en-us", "ru-ru", "Они подписали 12 соглашений.")
    ]
    # --from/--to name the pair the jobs use; a regional variant in the file is the same language.
    assert invoke("memory", "import", path, "--from", "en", "--to", "ru").exit_code == 0
    assert ("en", "ru") in {(r["source_lang"], r["target_lang"]) for r in stored()}
    result = invoke("memory", "import", path, "--to", "az")
    assert result.exit_code == 2 and "no az translation" in result.output


def _xliff(units: str, trg: str = "ru") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="{trg}">'
        f'<file id="f1" original="a.txt">{units}</file></xliff>'
    )


def _unit(uid: str, source: str, target: str) -> str:
    return f'<unit id="{uid}"><segment><source>{source}</source><target>{target}</target></segment></unit>'


GOOD = _unit("a:p0:s0", "Baku hosted the summit in 2023.", "Баку принял саммит в 2023 году.")


@pytest.mark.parametrize(
    ("text", "segment", "why", "extra"),
    [
        ("this is not XML <", None, "not an XML file", ()),
        ('<?xml version="1.0"?><html/>', None, "neither XLIFF nor TMX", ()),
        (_xliff(GOOD + _unit("a:p1:s0", "The leaders met for two days.", " ")), "a:p1:s0", "target is empty", ()),
        (_xliff(GOOD, trg="english-please"), "a:p0:s0", "not a language code", ()),
        (
            _xliff(GOOD + _unit("x:p9:s9", "A sentence of no job.", "Чужое.")),
            "x:p9:s9",
            "matches no sentence",
            ("--digests",),
        ),
        (
            _xliff(GOOD + _unit("a:p0:s1", "Baku hosted the summit in 2023.", "Другое.")),
            "a:p0:s1",
            "segment a:p0:s0 has the same source and another translation",
            (),
        ),
    ],
    ids=["not-xml", "not-xliff", "empty-target", "unknown-language", "source-in-no-digest", "conflict"],
)
def test_a_bad_file_is_one_line_naming_it_and_the_segment_exit_2_and_nothing_stored(
    out, tmp_path, text, segment, why, extra
):
    path = tmp_path / "edited.xlf"
    path.write_text(text, encoding="utf-8")
    args = ["memory", "import", path] + (["--digests", out] if extra else [])
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}: ")
    assert why in lines[0]
    if segment is not None:
        assert f"segment {segment}" in lines[0]
    assert stored() == []


def test_import_is_all_or_nothing_a_bad_last_segment_stores_none(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    edit_xliff(path, {"a:p0:s0": "Баку.", "a:p1:s0": "Лидеры.", "a:p1:s1": None})
    result = invoke("memory", "import", path)
    assert result.exit_code == 2
    assert "segment a:p1:s1" in result.output and "target is empty" in result.output
    assert stored() == []


def test_put_human_is_one_transaction_in_the_real_database(tmp_path):
    with Cache(tmp_path / "c") as cache:
        good = HumanTranslation("en", "ru", "One.", "Один.")
        broken = HumanTranslation("en", "ru", "Two.", None)  # type: ignore[arg-type]  # NOT NULL: the write fails
        with pytest.raises(CacheError):
            cache.put_human([good, broken])
        assert cache.list_human() == []
        assert cache.put_human([good]) == 1


# ---- the lookup the translator uses -------------------------------------------------------------


def test_human_for_matches_the_exact_source_and_pair_and_ignores_the_model(tmp_path):
    with Cache(tmp_path / "c") as cache:
        cache.put_human(
            [
                HumanTranslation("en", "ru", "  They met.  ", "Они встретились."),
                HumanTranslation("en", "az", "They met.", "Görüşdülər."),
            ]
        )
        found = cache.human_for(["They met.", " They met. ", "They met", "Other."], "en", "ru")
        assert found == {"They met.": "Они встретились.", " They met. ": "Они встретились."}
        assert cache.human_for(["They met."], "EN", "AZ") == {"They met.": "Görüşdülər."}
        assert cache.human_for(["They met."], "de", "ru") == {}
        assert cache.human_for([], "en", "ru") == {}
    # --no-cache (MemoryCache) and NullCache have no memory: every sentence goes to the model.
    assert MemoryCache().human_for(["They met."], "en", "ru") == {}
    assert NullCache().human_for(["They met."], "en", "ru") == {}


def test_cache_clear_leaves_the_memory_and_clear_all_says_it_goes(out, tmp_path, marian):
    path = tmp_path / "ru.xlf"
    export(out, path)
    assert invoke("memory", "import", path).exit_code == 0
    # Fill the cache with entries of a model (sentences the memory lacks), then delete them: the memory stays.
    (tmp_path / "b.txt").write_text("A new sentence. And another one.\n", encoding="utf-8")
    result = invoke("translate", tmp_path / "b.txt", "--to", "ru", "--from", "en", "--model", f"ru={marian}")
    assert result.exit_code == 0, result.output
    result = invoke("cache", "clear", "--model", str(marian))
    assert result.exit_code == 0 and "deleted 0 entries" not in result.output
    result = invoke("cache", "clear", "--older-than", "0")
    assert result.exit_code == 0
    assert len(stored()) == 3
    result = invoke("cache", "clear", "--all", "--yes")
    assert result.exit_code == 0
    assert "translation memory" in result.output
    assert stored() == []


def test_memory_remove_one_source_or_all_of_a_language(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    assert invoke("memory", "import", path).exit_code == 0
    result = invoke("memory", "remove", "--to", "ru", "--source", "They signed 12 agreements.")
    assert result.exit_code == 0 and "removed 1 human translation into ru" in result.output
    assert [r["source"] for r in stored()] == ["Baku hosted the summit in 2023.", "The leaders met for two days."]
    result = invoke("memory", "remove", "--to", "ru")
    assert result.exit_code == 2 and "--source TEXT" in result.output
    result = invoke("memory", "remove", "--to", "az", "--all", "--yes")
    assert result.exit_code == 0 and "removed 0 human translations" in result.output
    assert len(stored()) == 2
    assert invoke("memory", "remove", "--to", "ru", "--all", "--yes").exit_code == 0
    assert stored() == []


def test_memory_list_on_a_machine_without_a_cache_creates_nothing(tmp_path):
    assert stored() == []
    assert not (tmp_path / "cache").exists()


# ---- the human marks in the digests -------------------------------------------------------------


def test_a_human_translation_is_marked_in_html_markdown_and_json_and_reads_back(out):
    data = digest_data(out)
    data["languages"][0]["full"]["translations"][1] |= {"text": EDITED, "human": True, "cached": False}
    digest = digest_from_json(json.dumps(data))
    human = digest.languages[0].full.translations[1]
    assert human.human and not digest.languages[0].full.translations[0].human
    text = render_json(digest)
    back = json.loads(text)["languages"][0]["full"]["translations"]
    assert [t["human"] for t in back] == [False, True, False]
    assert digest_from_json(text) == digest
    # A digest written before the field existed reads as machine translations.
    for t in data["languages"][0]["full"]["translations"]:
        t.pop("human", None)
    assert not any(t.human for t in digest_from_json(json.dumps(data)).languages[0].full.translations)

    html = render_html(digest)
    assert html.count('data-human="true"') == 2  # the table cell and the paragraph view's sentence
    assert '<span class="human-count"' in html and "1 human</span>" in html
    assert "&lt;встречались&gt; &amp;" in html  # escaped, as every translation is
    md = render_markdown(digest)
    assert "### Full text (1 human)" in md
    (line,) = [row for row in md.splitlines() if row.startswith("| p1:s0 |")]
    assert "✎ human" in line
    assert "1 human (translation memory)" in md


def test_the_schema_describes_the_human_field(out):
    import jsonschema

    from summarizer.output.render import digest_schema

    data = digest_data(out)
    data["languages"][0]["full"]["translations"][0]["human"] = True
    jsonschema.Draft202012Validator(digest_schema()).validate(data)
    data["languages"][0]["full"]["translations"][0]["human"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(digest_schema()).validate(data)


def test_memory_remove_all_asks_on_a_terminal(out, tmp_path, monkeypatch):
    path = tmp_path / "ru.xlf"
    export(out, path)
    assert invoke("memory", "import", path).exit_code == 0
    monkeypatch.setattr("summarizer.cli.memory.interactive", lambda: True)
    refused = runner.invoke(app, ["memory", "remove", "--to", "ru", "--all"], input="n\n")
    assert refused.exit_code != 0 and len(stored()) == 3
    agreed = runner.invoke(app, ["memory", "remove", "--to", "ru", "--all"], input="y\n")
    assert agreed.exit_code == 0 and stored() == []


def test_a_cache_from_before_the_memory_lists_none_and_gains_the_table_when_opened(tmp_path):
    import sqlite3

    folder = tmp_path / "cache"  # the isolated SUMMARIZER_CACHE_DIR
    Cache(folder).close()
    with sqlite3.connect(folder / "summarizer.sqlite3") as raw:
        raw.execute("DROP TABLE memory")
        raw.execute("DELETE FROM _summarizer_migrations WHERE name = 'm003_memory'")
    raw.close()
    assert stored() == []  # read-only: no table, no rows, no error
    with Cache(folder) as cache:  # a writer applies the migration
        assert cache.put_human([HumanTranslation("en", "ru", "One.", "Один.")]) == 1
    assert [r["target"] for r in stored()] == ["Один."]
