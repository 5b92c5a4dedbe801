"""docs/memory.md's recipes run as a user copies them (issue 31 point 12): every `summarizer ...` line of the
page, in its order, on the default model ids answered by stand-ins in a Hugging Face cache, with an editor's
change to one segment between the export and the import, as the round trip says."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from test_docs import command_lines
from test_recipes import hub_of_stand_ins, stand_in_hub  # noqa: F401  (fixtures)
from translate.storage import xliff2

from conftest import ROOT

PAGE = ROOT / "docs" / "memory.md"
ARTICLES = {
    "a.txt": "Baku hosted the summit in 2023.\n\nThe leaders met for two days. They signed 12 agreements.\n",
    "b.txt": "The council of Ganja met on Monday. It approved a budget of 12 million manat.\n",
}
EDITED_SOURCE = "The leaders met for two days."
EDITED = "Лидеры встречались два дня."


def _edit_one_segment(path: Path) -> None:
    """What an editor does in a CAT tool: fix one target and save."""
    store = xliff2.Xliff2File.parsefile(str(path))
    (unit,) = [u for u in store.units if u.source == EDITED_SOURCE]
    unit.target = EDITED
    path.write_bytes(bytes(store))


def _digest_rows(folder: Path) -> dict[str, dict]:
    rows = {}
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") == "summarizer.digest":
            for t in data["languages"][0]["full"]["translations"]:
                rows[t["source"]] = t
    return rows


@pytest.mark.slow
def test_every_line_of_docs_memory_runs_as_written_and_the_round_trip_keeps_the_editors_sentence(
    hub_of_stand_ins,  # noqa: F811
    tmp_path,
):
    from typer.testing import CliRunner

    from summarizer.cli import app

    (tmp_path / "news").mkdir()
    for name, text in ARTICLES.items():
        (tmp_path / "news" / name).write_text(text, encoding="utf-8")
    lines = command_lines([PAGE])
    assert [cl.words[:2] for cl in lines[:4]] == [
        ("translate", "news/*.txt"),
        ("memory", "export"),
        ("memory", "import"),
        ("translate", "news/*.txt"),
    ], "the round trip is the page's first block"
    translated = 0
    for cl in lines:
        result = CliRunner().invoke(app, list(cl.words))
        shown = f"{cl.where()}: summarizer {shlex.join(cl.words)}\n{result.output}"
        assert result.exit_code == 0, shown
        command = cl.words[:2]
        if command == ("memory", "export"):
            xlf = Path(cl.words[cl.words.index("--out") + 1])
            _edit_one_segment(xlf)
        elif command == ("memory", "import"):
            assert "1 stored, " in result.stdout and " unchanged skipped (en -> ru)" in result.stdout, shown
            skipped = int(result.stdout.split("1 stored, ")[1].split()[0])
            assert skipped >= 4, shown  # every other sentence of both articles
        elif command[0] == "translate":
            translated += 1
            if translated == 2:  # the re-run: the editor's sentence, marked human; the rest the model's
                rows = _digest_rows(tmp_path / "digests")
                assert (rows[EDITED_SOURCE]["text"], rows[EDITED_SOURCE]["human"]) == (EDITED, True)
                assert [s for s, t in rows.items() if t["human"]] == [EDITED_SOURCE]
                html = (tmp_path / "digests" / "a.html").read_text(encoding="utf-8")
                assert EDITED in html and 'data-human="true"' in html
    assert translated == 2
