"""Issue 20, the measuring and model-loading faults: `evaluate` streams its files with bounded memory
and reports progress (9); ROUGE never scores 0 because its tokenizer deleted a script (19); other
libraries' log lines stay off stderr unless -v, and a warning prints once (15); a model folder whose own
code we refuse to run says so, and what to do (15, 20)."""

from __future__ import annotations

import json
import logging
import shutil
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.errors import EXIT_USAGE, InputError, ModelError

from conftest import FLORES_DIR as FLORES
from conftest import NEWS_JSONL as NEWS  # our own English articles in CNN/DailyMail's form
from conftest import SEED, run_cli

runner = CliRunner()

RUSSIAN = [
    "Саммит открылся в Баку в четверг. Лидеры ста двадцати стран приняли участие во встрече.",
    "Вчера в парламенте голосовали по бюджету страны. Министр финансов выступил с докладом.",
    "Парламент утвердил закон о выборах. Президент подписал его в пятницу вечером.",
]


@pytest.fixture
def restore_logging():
    """_setup_logging replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def flores_lines(name: str, n: int) -> list[str]:
    """`n` lines of a FLORES file, repeating it as often as needed (1,012 lines each time)."""
    lines = (FLORES / name).read_text(encoding="utf-8").splitlines()
    return [lines[i % len(lines)] for i in range(n)]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def one_line_error(proc, code: int) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# ---- 9: evaluate streams, with bounded memory and progress ------------------------------------------------


def test_batched_bleu_and_chrf_equal_sacrebleus_one_shot_scores_exactly():
    from sacrebleu.metrics import BLEU, CHRF

    from summarizer.measure.metrics import TranslationScorer, read_lines

    for system, lang in [("google", "ru"), ("nllb", "ar"), ("opusmt", "az")]:
        hyps, refs = read_lines(FLORES / f"{system}.{lang}.txt"), read_lines(FLORES / f"ref.{lang}.txt")
        scorer = TranslationScorer(lang)
        for start in range(0, len(hyps), 97):  # batches that don't divide the set evenly
            scorer.add(hyps[start : start + 97], refs[start : start + 97])
        batched = scorer.scores()
        assert batched.bleu == BLEU(trg_lang=lang).corpus_score(hyps, [refs]).score  # exactly, not approximately
        assert batched.chrf == CHRF().corpus_score(hyps, [refs]).score
        assert batched.sentences == 1012


def test_evaluate_in_small_batches_reproduces_the_published_bleu_and_reports_progress():
    from summarizer.measure.evaluation import evaluate_translation
    from summarizer.measure.metrics import read_lines, translation_scores

    calls = []
    result = evaluate_translation(
        FLORES / "en.txt",
        FLORES / "ref.ru.txt",
        hyp=FLORES / "google.ru.txt",
        lang="ru",
        batch=200,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert round(result.scores.bleu, 1) == 34.4  # the published figure
    one_shot = translation_scores(read_lines(FLORES / "google.ru.txt"), read_lines(FLORES / "ref.ru.txt"), lang="ru")
    assert (result.scores.bleu, result.scores.chrf) == (one_shot.bleu, one_shot.chrf)
    assert calls[0] == (0, 1012) and calls[-1] == (1012, 1012)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) == 1 + 6  # after each batch of 200 lines, the last one short


@pytest.mark.slow
def test_evaluate_memory_does_not_grow_with_the_number_of_lines(tmp_path):
    from summarizer.measure.evaluation import evaluate_translation

    def peak(n: int) -> int:
        folder = tmp_path / str(n)
        folder.mkdir()
        files = [write_lines(folder / f"{name}.txt", flores_lines(f"{name}.txt", n)) for name in ("en", "ref.ru")]
        hyp = write_lines(folder / "hyp.txt", flores_lines("google.ru.txt", n))
        tracemalloc.start()
        try:
            result = evaluate_translation(*files, hyp=hyp, lang="ru")
            used = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.scores.sentences == n
        return used

    peak(50)  # imports and sacreBLEU's compiled tokenizers, outside the measurement
    small, large = peak(1000), peak(4000)
    # Holding every line's reference n-grams, as sacreBLEU's one-shot corpus_score does, costs about 65 KB
    # a line (4,000 lines: 260 MB). Streamed, only one batch of 500 lines is held: the 3,000 more lines
    # may cost a few hundred bytes each (ints, the interpreter's caches), nowhere near that.
    assert large - small < 3000 * 2_000, (small, large)


def test_evaluate_translating_src_itself_goes_in_batches_with_progress(tmp_path, marian):
    from summarizer.config.flags import RunOptions
    from summarizer.measure.evaluation import evaluate_translation

    src = write_lines(tmp_path / "en.txt", flores_lines("en.txt", 5))
    ref = write_lines(tmp_path / "ref.txt", flores_lines("ref.ru.txt", 5))
    calls = []
    result = evaluate_translation(
        src,
        ref,
        lang="ru",
        model=str(marian),
        options=RunOptions({"translation_params": {"num_beams": 1, "max_new_tokens": 4}}),
        batch=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.scores.sentences == 5 and "STAND-IN" in result.system
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    assert {(2, 5), (4, 5)} <= set(calls)  # each batch of 2 lines reported


def test_cli_evaluate_shows_progress_without_a_terminal(monkeypatch):
    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "0.02")
    result = runner.invoke(
        app,
        ["evaluate", "--src", str(FLORES / "en.txt"), "--ref", str(FLORES / "ref.ru.txt"),
         "--hyp", str(FLORES / "google.ru.txt"), "--lang", "ru", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.stdout)["bleu"], 1) == 34.4  # stdout stays pure JSON
    assert "progress: " in result.stderr and "/1012 lines" in result.stderr


# ---- 19: ROUGE never scores 0 because the tokenizer deleted a script -------------------------------------


def russian_jsonl(path: Path) -> Path:
    path.write_text(
        "".join(
            json.dumps({"article": t, "reference": t, "hypothesis": t}, ensure_ascii=False) + "\n" for t in RUSSIAN
        ),
        encoding="utf-8",
    )
    return path


def test_identical_russian_summaries_score_100_without_lang(tmp_path):
    result = runner.invoke(
        app, ["evaluate", "--task", "summarize", str(russian_jsonl(tmp_path / "ru.jsonl")), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lang"] == "ru"  # detected from the references
    assert (data["rouge1"], data["rouge2"], data["rougeLsum"]) == pytest.approx((100, 100, 100))


def test_english_rouge_refuses_references_it_would_delete(tmp_path):
    path = russian_jsonl(tmp_path / "ru.jsonl")
    result = runner.invoke(app, ["evaluate", "--task", "summarize", str(path), "--lang", "en", "--json"])
    assert result.exit_code == EXIT_USAGE, result.output
    assert f"{path}:1:" in result.output and "--from ru" in result.output
    assert len(result.output.strip().splitlines()) == 1
    from summarizer.measure.metrics import summary_scores

    with pytest.raises(InputError, match="reference 1: .*English ROUGE deletes"):
        summary_scores([RUSSIAN[0]], [RUSSIAN[0]], lang="en")


def test_one_foreign_reference_among_english_ones_is_named_by_line(tmp_path):
    english = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()[:3]]
    rows = [{"article": e["article"], "reference": e["reference"], "hypothesis": e["reference"]} for e in english]
    rows[2] = {"article": RUSSIAN[0], "reference": RUSSIAN[0], "hypothesis": RUSSIAN[0]}
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--task", "summarize", str(path), "--json"])
    assert result.exit_code == EXIT_USAGE, result.output
    assert f"{path}:3:" in result.output


def test_latin_script_languages_and_english_news_still_score():
    from summarizer.measure.metrics import summary_scores

    # English news has a few letters outside a-z ("Zürich", "café"): not a reason to refuse.
    text = "The café in Zürich reopened on Monday after the floods."
    assert summary_scores([text], [text], lang="en").rouge1 == pytest.approx(100)


# ---- 15: other libraries' log lines, and warnings printed once ----------------------------------------------


def test_other_libraries_log_only_with_verbose_and_a_message_prints_once(restore_logging, capsys):
    from summarizer.cli.base import _setup_logging
    from summarizer.config.flags import RunOptions

    ours, theirs = logging.getLogger("summarizer.tasks.translating"), logging.getLogger("trafilatura.core")
    _setup_logging(RunOptions())
    theirs.warning("discarding data: None")
    theirs.error("parsed tree length: 1, wrong data type or not valid HTML")
    ours.warning("a sentence was translated in 2 parts")
    ours.warning("a sentence was translated in 2 parts")  # the retry says it again
    err = capsys.readouterr().err
    assert err.splitlines() == ["WARNING: a sentence was translated in 2 parts"]

    _setup_logging(RunOptions({"ui": {"verbose": True}}))
    theirs.warning("discarding data: None")
    assert "discarding data" in capsys.readouterr().err


def warning_folder(marian: Path, tmp_path: Path) -> Path:
    """The stand-in with one unexpected and one missing weight: transformers prints a LOAD REPORT."""
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "warns"
    shutil.copytree(marian, folder)
    weights = load_file(folder / "model.safetensors")
    weights["extra.weight"] = weights[next(iter(weights))].clone()
    del weights[next(k for k in weights if k.endswith("encoder_attn.k_proj.bias"))]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    return folder


@pytest.mark.slow
def test_stderr_has_no_foreign_lines_before_the_one_line_error(tmp_path, bart):
    page = tmp_path / "page.html"
    page.write_text("<html>", encoding="utf-8")  # trafilatura: "WARNING: discarding data: None"
    proc = run_cli("summarize", str(page), "--model", str(bart), "--num-beams", "1", "--max-new-tokens", "4")
    assert "no article text" in one_line_error(proc, 1)


@pytest.mark.slow
def test_transformers_load_report_only_with_verbose(tmp_path, marian):
    folder = warning_folder(marian, tmp_path)
    (tmp_path / "a.txt").write_text("The summit opened in Baku on Thursday.\n", encoding="utf-8")
    args = ["translate", str(tmp_path / "a.txt"), "--to", "ru", "--model", f"ru={folder}"]
    args += ["--num-beams", "1", "--max-new-tokens", "4", "--no-cache"]
    quiet = run_cli(*args)
    assert quiet.returncode == 0, quiet.stderr.decode()
    assert "LOAD REPORT" not in quiet.stderr.decode() and "[transformers]" not in quiet.stderr.decode()
    verbose = run_cli(*args, "-v")
    assert verbose.returncode == 0, verbose.stderr.decode()
    assert verbose.stderr.decode().count("LOAD REPORT") == 1


@pytest.mark.slow
def test_a_warning_made_on_every_attempt_prints_once(tmp_path, marian):
    words = ["summit", "leaders", "movement", "countries", "Baku", "cooperation", "development"]
    (tmp_path / "long.txt").write_text(" ".join(words[i % len(words)] for i in range(700)) + ".\n", encoding="utf-8")
    proc = run_cli(
        "translate", str(tmp_path / "long.txt"), "--to", "ru", "--model", f"ru={marian}",
        "--num-beams", "1", "--max-new-tokens", "4", "--no-cache",
    )  # fmt: skip
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    # Said when the sentence is first translated and again when the quality checks retry it.
    assert err.count("exceeded") == 1, err


# ---- 15, 20: a model folder whose own code we refuse to run ------------------------------------------------


def custom_code_folder(marian: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A folder whose model type only its own Python code defines; running that code leaves `marker`."""
    folder, marker = tmp_path / "custom", tmp_path / "code-ran"
    shutil.copytree(marian, folder)
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "evil-marian"
    config["auto_map"] = {"AutoConfig": "configuration_evil.EvilConfig", "AutoModelForSeq2SeqLM": "modeling_evil.Evil"}
    (folder / "config.json").write_text(json.dumps(config))
    for module in ("configuration_evil.py", "modeling_evil.py"):
        (folder / module).write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    return folder, marker


class _RunsCode:
    """Pickled, this calls Path.touch on loading: what a pickle checkpoint can do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def pickle_folder(marian: Path, tmp_path: Path) -> tuple[Path, Path]:
    import torch
    from safetensors.torch import load_file

    folder, marker = tmp_path / "pickled", tmp_path / "pickle-ran"
    shutil.copytree(marian, folder)
    weights: dict = load_file(folder / "model.safetensors")
    weights["payload"] = _RunsCode(marker)
    torch.save(weights, folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder, marker


def load(folder: Path):
    from summarizer.models.backends import get_backend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    return get_backend(resolve_model(str(folder)), BackendOptions(device="cpu"))


def test_a_folder_with_its_own_model_code_is_refused_not_corrupt(tmp_path, marian):
    folder, marker = custom_code_folder(marian, tmp_path)
    with pytest.raises(ModelError) as info:
        load(folder)
    message = str(info.value)
    assert "refused" in message and "own code" in message and "corrupt" not in message
    assert "without custom code" in message and "safetensors" in message
    assert "trust_remote_code" not in message  # never advise running it
    assert info.value.exit_code == EXIT_USAGE and "\n" not in message
    assert not marker.exists()


def test_a_tokenizer_that_needs_its_own_code_is_refused(tmp_path, marian):
    folder, marker = tmp_path / "custom-tok", tmp_path / "tok-ran"
    shutil.copytree(marian, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.update(
        tokenizer_class="EvilTokenizer", auto_map={"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
    )
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    (folder / "tokenization_evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    with pytest.raises(ModelError, match="refused") as info:
        load(folder)
    assert "corrupt" not in str(info.value) and "tokenizer_config.json" in str(info.value)
    assert not marker.exists()


def test_a_pickle_checkpoint_that_runs_code_is_refused_without_unsafe_advice(tmp_path, marian):
    folder, marker = pickle_folder(marian, tmp_path)
    with pytest.raises(ModelError) as info:
        load(folder)
    message = str(info.value)
    assert "refused" in message and "pytorch_model.bin" in message and "safetensors" in message
    assert "weights_only" not in message and "corrupt" not in message and "\x1b" not in message
    assert info.value.exit_code == EXIT_USAGE
    assert not marker.exists()


@pytest.mark.slow
def test_the_cli_never_asks_to_run_a_folders_code(tmp_path, marian):
    folder, marker = custom_code_folder(marian, tmp_path)
    # transformers asks "Do you wish to run the custom code? [y/N]" on stdin unless told no: answer yes.
    proc = run_cli("translate", str(SEED), "--to", "ru", "--model", f"ru={folder}", input=b"y\ny\n")
    line = one_line_error(proc, EXIT_USAGE)
    assert "refused" in line and str(folder.name) in line
    assert not marker.exists(), "the folder's own code ran"
