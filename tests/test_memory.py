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
    assert "1 stored, 2 unchanged skipped (en -> ru)" in result.stdout  # only what the editor changed
    rows = {r["source"]: r for r in stored()}
    assert list(rows) == ["The leaders met for two days."]
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
    assert invoke("memory", "import", path, "--all").exit_code == 0  # every segment, unchanged ones too
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
    assert invoke("memory", "import", path, "--all").exit_code == 0  # every segment, unchanged ones too
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
    assert invoke("memory", "import", path, "--all").exit_code == 0  # every segment, unchanged ones too
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


# ---- what an import stores: what the editor did (issue 31 point 5) ------------------------------


def imported(path: Path, *extra) -> str:
    result = invoke("memory", "import", path, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_import_stores_only_the_segment_the_editor_changed(out, tmp_path):
    """Exporting, fixing one segment and importing stored every segment as human, the untouched machine
    output too. The export records what it gave the editor, so only the changed segment is stored."""
    path = tmp_path / "ru.xlf"
    export(out, path)
    edit_xliff(path, {"a:p1:s0": EDITED})
    assert "1 stored, 2 unchanged skipped (en -> ru)" in imported(path)
    assert [(r["source"], r["target"]) for r in stored()] == [("The leaders met for two days.", EDITED)]
    # A file that is wholly human: --all stores every segment.
    assert "3 stored, 0 unchanged skipped" in imported(path, "--all")
    assert len(stored()) == 3


def test_an_unchanged_segment_the_file_marks_done_is_stored(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    store = xliff2.Xliff2File.parsefile(str(path))
    store.units[0].xmlelement.set("state", "final")  # confirmed in the CAT tool, text as it was
    path.write_bytes(bytes(store))
    assert "1 stored, 2 unchanged skipped" in imported(path)
    assert [r["source"] for r in stored()] == ["Baku hosted the summit in 2023."]

    tmx_path = tmp_path / "ru.tmx"
    export(out, tmx_path, "--format", "tmx")
    text = tmx_path.read_text(encoding="utf-8")
    assert text.count('<prop type="x-origin">machine</prop>') == 3  # the export says whose each target is
    text = text.replace('<prop type="x-origin">machine</prop>', '<prop type="x-origin">human</prop>', 1)
    text = text.replace('<prop type="x-origin">machine</prop>', '<prop type="x-status">approved</prop>', 1)
    tmx_path.write_text(text, encoding="utf-8")
    assert "2 stored, 1 unchanged skipped" in imported(tmx_path)
    assert [r["source"] for r in stored()] == ["Baku hosted the summit in 2023.", "The leaders met for two days."]


def test_an_xliff_1_2_file_is_read_by_its_approved_mark_and_its_changes(out, tmp_path):
    export(out, tmp_path / "ru.xlf")  # records what the editor was given
    rows = translations(out)
    approved = ' approved="yes"'
    units = "".join(
        f'<trans-unit id="{t["source_id"]}"{approved if i == 0 else ""}><source>{t["source"]}</source>'
        f"<target>{'Они подписали 12 соглашений.' if i == 2 else t['text']}</target>"
        f"<alt-trans><source>{t['source']}</source><target>Другой вариант.</target></alt-trans></trans-unit>"
        for i, t in enumerate(rows)
    )
    path = tmp_path / "poedit.xlf"
    path.write_text(
        '<?xml version="1.0"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        f'<file source-language="en" target-language="ru" original="a.txt" datatype="plaintext"><body>{units}'
        "</body></file></xliff>",
        encoding="utf-8",
    )
    assert "2 stored, 1 unchanged skipped" in imported(path)
    got = {r["source"]: r["target"] for r in stored()}
    assert got == {rows[0]["source"]: rows[0]["text"], rows[2]["source"]: "Они подписали 12 соглашений."}


def test_the_digests_tell_unchanged_segments_of_an_export_recorded_elsewhere(out, tmp_path):
    path = tmp_path / "ru.xlf"
    result = invoke("memory", "export", out, "--to", "ru", "--out", path, "--cache-dir", tmp_path / "elsewhere")
    assert result.exit_code == 0, result.output
    edit_xliff(path, {"a:p1:s1": "Они подписали двенадцать соглашений."})
    assert "1 stored, 2 unchanged skipped" in imported(path, "--digests", out)
    # Without an export or digests to compare with, a segment can't be told unchanged: it is the editor's.
    assert "3 stored, 0 unchanged skipped" in imported(path)


# ---- reading an editor's file: text only, entities, size (issue 32 points 8 and 12) -----------------

TMX_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="en" o-tmf="x" adminlang="en" datatype="plaintext" segtype="sentence" creationtool="x" creationtoolversion="1"/><body>'


def _tu(uid: str, source: str, target: str) -> str:
    return f'<tu tuid="{uid}"><tuv xml:lang="en"><seg>{source}</seg></tuv><tuv xml:lang="ru"><seg>{target}</seg></tuv></tu>'


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "inline.tmx",
            TMX_HEAD
            + _tu(
                "t1",
                'The summit <bpt i="1">&lt;b&gt;</bpt>opened<ept i="1">&lt;/b&gt;</ept>.',
                'Саммит <bpt i="1">&lt;b&gt;</bpt>открылся<ept i="1">&lt;/b&gt;</ept>.',
            )
            + _tu(
                "t2",
                'They <it pos="begin">&lt;i&gt;</it>met<ph x="1">&lt;br/&gt;</ph> <hi type="b">today</hi>.',
                "Они <b>встретились</b><ut>&lt;x/&gt;</ut> <hi>сегодня</hi>.",
            )
            + "</body></tmx>",
        ),
        (
            "inline.xlf",
            _xliff(
                _unit(
                    "t1",
                    'The summit <pc id="1">opened</pc>.',
                    'Саммит <pc id="1">открылся</pc><ph id="2"/>.',
                )
                + _unit(
                    "t2",
                    'They <sc id="1"/>met<ec startRef="1"/> <mrk id="m" translate="yes">today</mrk>.',
                    'Они <sc id="1"/>встретились<ec startRef="1"/> <cp hex="0441"/>егодня.',
                )
            ),
        ),
        (
            "inline-1.2.xlf",
            '<?xml version="1.0"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
            '<file source-language="en" target-language="ru" original="a" datatype="html"><body>'
            '<trans-unit id="t1"><source>The summit <g id="1">opened</g>.</source>'
            '<target>Саммит <bpt id="1">&lt;b&gt;</bpt>открылся<ept id="1">&lt;/b&gt;</ept>.</target></trans-unit>'
            '<trans-unit id="t2"><source>They <x id="2"/>met <ph id="3">&lt;br/&gt;</ph>today.</source>'
            '<target>Они встретились <g id="4">сегодня</g>.</target></trans-unit>'
            "</body></file></xliff>",
        ),
    ],
    ids=["tmx", "xliff-2.0", "xliff-1.2"],
)
def test_inline_codes_are_left_out_of_what_is_stored(tmp_path, name, text):
    """`Саммит <b>открылся</b>` was stored with its markup from a TMX's <bpt>/<ept>: now the text only, the
    same from every format (a native code's content dropped, a wrapper's text kept)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert "2 stored" in imported(path)
    got = {r["source"]: r["target"] for r in stored()}
    assert got["The summit opened."] == "Саммит открылся."
    (other,) = [t for s, t in got.items() if s.startswith("They")]
    assert "<" not in other and "&" not in other and "встретились" in other
    assert not any("<" in s for s in got)


ENTITY_CASES = [
    pytest.param("A b&nbsp;c.", "", "line 2: the entity &nbsp; is not defined", id="undefined"),
    pytest.param(
        "A b&nbsp;c.",
        '<!DOCTYPE {root} [<!ENTITY nbsp "&#160;">]>\n',
        "segment u1: the entity &nbsp; comes from the file's DOCTYPE, which is never read",
        id="declared",
    ),
    pytest.param(
        "A &secret;.",
        '<!DOCTYPE {root} [<!ENTITY secret SYSTEM "file://{secret}">]>\n',
        "segment u1: the entity &secret; comes from the file's DOCTYPE",
        id="external",
    ),
    pytest.param(
        "&c;",
        '<!DOCTYPE {root} [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n',
        "segment u1: the entity &c; comes from the file's DOCTYPE",
        id="laughs",
    ),
]


@pytest.mark.parametrize("fmt", ["xliff", "tmx"])
@pytest.mark.parametrize(("target", "doctype", "why"), ENTITY_CASES)
def test_an_entity_in_a_target_is_one_line_the_same_from_xliff_and_tmx(tmp_path, fmt, target, doctype, why):
    """An undefined entity was dropped from an XLIFF target and kept as `&nbsp;` from a TMX. Both formats now
    refuse it in one line naming the file and where; a DOCTYPE is never read (no external file, no expansion)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    root = "xliff" if fmt == "xliff" else "tmx"
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.format(root=root, secret=secret)
    if fmt == "xliff":
        body = _xliff(_unit("u1", "A b c.", target)).split("\n", 1)[1]
    else:
        body = TMX_HEAD.split("\n", 1)[1] + _tu("u1", "A b c.", target) + "</body></tmx>"
    path = tmp_path / f"edited.{'xlf' if fmt == 'xliff' else 'tmx'}"
    path.write_text(head + body, encoding="utf-8")
    result = invoke("memory", "import", path)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {path}: ") and why in line and "write the character itself" in line
    assert "TOP SECRET" not in result.output and stored() == []


def test_a_memory_file_over_the_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from summarizer.output.render import memory

    monkeypatch.setattr(memory, "MAX_MEMORY_FILE_BYTES", 1_000_000)
    units = "".join(_tu(f"t{i}", f"Sentence {i}.", f"Предложение {i}.") for i in range(12_000))
    path = tmp_path / "big.tmx"
    path.write_text(TMX_HEAD + units + "</body></tmx>", encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    result = invoke("memory", "import", path)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert f"{path}: file is" in line and "over the 1 MB limit" in line
    assert stored() == []


@pytest.mark.slow
def test_a_large_tmx_is_streamed_not_held_whole(tmp_path):
    """A 64 MB TMX took 1.5 GB (24 times the file): the whole tree was held, twice. Streamed, a 12 MB TMX
    whose units carry long notes (not kept) raises the peak by less than 5 times the file."""
    import subprocess
    import sys

    path = tmp_path / "big.tmx"
    note = "<note>" + "a long note an editor wrote " * 10 + "</note>"
    with open(path, "w", encoding="utf-8") as f:
        f.write(TMX_HEAD)
        for i in range(25_000):
            f.write(
                _tu(f"t{i}", f"Sentence {i} of a big memory.", f"Предложение {i} большой памяти.").replace(
                    "<tuv", note + "<tuv", 1
                )
            )
        f.write("</body></tmx>")
    size = path.stat().st_size
    script = (
        "import resource, sys\n"
        "from summarizer.output.render.memory import read_memory_file\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "n = len(read_memory_file(sys.argv[1]))\n"
        "print(n, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    count, grown = map(int, done.stdout.split())
    assert count == 25_000
    assert grown < 5 * size, f"peak grew by {grown / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


# ---- where an export may be written (issue 32 point 1) ---------------------------------------------


def _foreign_xlf(folder: Path) -> Path:
    path = folder / "theirs.xlf"
    path.write_text(_xliff(GOOD), encoding="utf-8")
    return path


def _symlink(folder: Path) -> Path:
    target = folder / "target.txt"
    target.write_text("a file the link points at", encoding="utf-8")
    link = folder / "link.xlf"
    link.symlink_to(target)
    return link


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (lambda out, tmp: tmp / "a.txt", "was not written by summarizer"),  # an input article
        (lambda out, tmp: out / "a.json", "would replace the input"),  # the digest being exported
        (lambda out, tmp: out / "a.html", "not a memory file"),  # the digest's page
        (lambda out, tmp: _foreign_xlf(tmp), "was not written by summarizer"),
        (lambda out, tmp: _symlink(tmp), "was not written by summarizer"),
    ],
    ids=["input-txt", "exported-digest", "digest-html", "foreign-xlf", "symlink"],
)
def test_export_never_replaces_an_input_or_a_file_it_did_not_write(out, tmp_path, where, why):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (out / "a.html").write_text('<html><head><meta name="generator" content="summarizer"></head></html>')
    path = where(out, tmp_path)
    before = {p: p.read_bytes() for p in (*out.iterdir(), *tmp_path.glob("*.*")) if p.is_file()}
    result = invoke("memory", "export", out / "a.json", "--to", "ru", "--out", path)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert str(path) in line and why in line
    assert {p: p.read_bytes() for p in before} == before  # nothing changed, the link's target included
    assert invoke("memory", "export", out, "--to", "ru", "--out", tmp_path / "fine.xlf").exit_code == 0


def test_export_replaces_its_own_earlier_export_but_not_an_editors_copy(out, tmp_path):
    path = tmp_path / "ru.xlf"
    export(out, path)
    export(out, path)  # its own earlier file: replaced
    edit_xliff(path, {"a:p1:s0": EDITED})  # now an editor's work
    result = invoke("memory", "export", out, "--to", "ru", "--out", path)
    assert result.exit_code == 2 and "was not written by summarizer" in result.output
    assert EDITED in xliff2.Xliff2File.parsefile(str(path)).units[1].target
