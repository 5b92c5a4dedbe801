"""The ctranslate2 backend's own BART tokenizer (backends/fast_tokenizer.py): token-for-token and
decode parity with AutoTokenizer on real text, the backend's choice of tokenizer, and BART summaries
on ctranslate2 that import neither torch nor transformers yet equal the AutoTokenizer ones.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from summarizer.models.backends import ctranslate2_backend as ct2_backend
from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend
from summarizer.models.backends.fast_tokenizer import FastTokenizer, can_use
from summarizer.models.hub import resolve_model
from summarizer.options import BackendOptions, GenerationParams

from conftest import FLORES_DIR as FLORES
from conftest import NEWS_JSONL, SEED, run_python
from conftest import TEXT_CORPUS as CORPUS

EDGE_CASES = [
    "",
    " ",
    "Hello world",
    " leading space",
    "two  spaces\n\nnew paragraph\tand a tab",
    "<s>inside</s> and <mask> here",
    "a<mask>b",
    "x <pad> y <unk>",
    "Bakı — «Qoşulmama Hərəkatı» 2023 🙂 naïve café",
    "日本語のテキスト",
    "a" * 5000,
    " ".join(["summit"] * 3000),  # far over the 1024-token limit: counted, never truncated
]


def _real_texts() -> list[str]:
    texts = [json.loads(line)["article"] for line in NEWS_JSONL.read_text(encoding="utf-8").splitlines()]
    english = (FLORES / "en.txt").read_text(encoding="utf-8").splitlines()
    texts += [" ".join(english[i : i + 10]) for i in range(0, len(english), 10)]  # article-long, mixed case
    texts += [json.loads(line)["document"] for line in (CORPUS / "bbc-xsum-sample.jsonl").open(encoding="utf-8")]
    texts += (CORPUS / "wmt16-en-news-sample.txt").read_text(encoding="utf-8").split("\n")[:300]
    for lang in ("ru", "ar"):
        texts += (FLORES / f"ref.{lang}.txt").read_text(encoding="utf-8").splitlines()[:300]
    return texts


def _files_only(bart: Path, out: Path, config: dict | None, special_tokens_map: dict | None = None) -> Path:
    """A copy of the BART stand-in as many hub checkpoints ship it: vocab.json + merges.txt, no tokenizer.json."""
    from tokenizers import Tokenizer

    out.mkdir()
    for name in ("config.json", "generation_config.json", "model.safetensors"):
        shutil.copy(bart / name, out)
    Tokenizer.from_file(str(bart / "tokenizer.json")).model.save(str(out))
    if config is not None:
        (out / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    if special_tokens_map is not None:
        (out / "special_tokens_map.json").write_text(json.dumps(special_tokens_map), encoding="utf-8")
    return out


MASK_LSTRIP = {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False, "normalized": True}
VARIANTS = {
    "tokenizer.json": None,
    "tokenizer.json, add_prefix_space": "prefix",
    "vocab+merges, model_max_length only": ({"model_max_length": 1024}, None),
    "vocab+merges, no tokenizer_config": (None, None),
    "vocab+merges, special_tokens_map with lstrip mask": ({"model_max_length": 1024}, {"mask_token": MASK_LSTRIP}),
    "vocab+merges, add_prefix_space": ({"model_max_length": 1024, "add_prefix_space": True}, None),
}


@pytest.fixture(params=list(VARIANTS), scope="module")
def bart_folder(request, bart, tmp_path_factory) -> Path:
    spec = VARIANTS[request.param]
    if spec is None:
        return bart
    out = tmp_path_factory.mktemp("bart-variant") / "model"
    if spec == "prefix":
        shutil.copytree(bart, out)
        config = json.loads((bart / "tokenizer_config.json").read_text(encoding="utf-8"))
        (out / "tokenizer_config.json").write_text(json.dumps({**config, "add_prefix_space": True}), encoding="utf-8")
        return out
    return _files_only(bart, out, *spec)


@pytest.mark.slow
def test_same_tokens_and_text_as_autotokenizer(bart_folder):
    from transformers import AutoTokenizer

    hf, ours = AutoTokenizer.from_pretrained(bart_folder), FastTokenizer(bart_folder)
    assert can_use(bart_folder, "bart")
    assert ours.model_max_length == (hf.model_max_length if hf.model_max_length < 10**6 else None)
    assert ours.unk_token_id == hf.unk_token_id
    texts = EDGE_CASES + _real_texts()
    for special in (True, False):
        expected = hf(texts, add_special_tokens=special, truncation=False)["input_ids"]
        got = ours(texts, add_special_tokens=special, truncation=False)["input_ids"]
        mismatched = [t[:80] for t, e, g in zip(texts, expected, got, strict=True) if e != g]
        assert not mismatched, f"{len(mismatched)} texts tokenized differently, first: {mismatched[0]!r}"
    assert max(len(ids) for ids in got) > 5000  # long inputs are not truncated
    assert got[0] == [] and expected[0] == []
    for ids in expected:
        tokens = hf.convert_ids_to_tokens(ids)
        assert ours.convert_ids_to_tokens(ids) == tokens
        assert ours.convert_tokens_to_ids(tokens) == ids
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == hf.decode(ids, skip_special_tokens=skip)
    for token in ("<s>", "</s>", "<pad>", "<mask>", "not-in-the-vocabulary"):
        assert ours.convert_tokens_to_ids(token) == hf.convert_tokens_to_ids(token)
        assert ours.convert_ids_to_tokens(hf.convert_tokens_to_ids(token)) == hf.convert_ids_to_tokens(
            hf.convert_tokens_to_ids(token)
        )


def test_special_tokens_wrap_every_input(bart):
    ours = FastTokenizer(bart)
    ids = ours(["The summit opened in Baku."])["input_ids"][0]
    assert ours.convert_ids_to_tokens([ids[0], ids[-1]]) == ["<s>", "</s>"]
    assert ours(["The summit opened in Baku."], add_special_tokens=False)["input_ids"][0] == ids[1:-1]
    assert ours([""])["input_ids"] == [[ids[0], ids[-1]]]
    assert ours.decode(ids) == "The summit opened in Baku."
    assert ours.decode(ids, skip_special_tokens=False) == "<s>The summit opened in Baku.</s>"


def test_only_bart_family_folders_are_taken(bart, marian, t5, tmp_path):
    from summarizer.models.standin.build import build_stand_in

    nllb = tmp_path / "nllb"
    build_stand_in("nllb", "tiny", nllb)
    assert can_use(bart, "bart")
    for path, model_type in ((marian, "marian"), (t5, "t5"), (nllb, "m2m_100"), (bart, "pegasus")):
        assert not can_use(path, model_type), path
    other = shutil.copytree(bart, tmp_path / "other-class")
    (other / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "GPT2Tokenizer"}), encoding="utf-8")
    assert not can_use(other, "bart")
    legacy = shutil.copytree(bart, tmp_path / "legacy-added")
    (legacy / "added_tokens.json").write_text(json.dumps({"<extra>": 601}), encoding="utf-8")
    assert not can_use(legacy, "bart")
    empty = tmp_path / "no-tokenizer"
    empty.mkdir()
    assert not can_use(empty, "bart")


def _ct2(**changes) -> BackendOptions:
    folder = Path(os.environ["SUMMARIZER_CACHE_DIR"]) / "ctranslate2"
    return BackendOptions(**{"device": "cpu", "backend": "ctranslate2", "converted_dir": folder, **changes})


def test_backend_chooses_the_tokenizer_per_model(bart, marian, t5):
    from summarizer.models.backends.marian_spm import MarianSpmTokenizer

    assert isinstance(CTranslate2Backend(resolve_model(str(bart)), _ct2()).tokenizer, FastTokenizer)
    assert isinstance(CTranslate2Backend(resolve_model(str(marian)), _ct2()).tokenizer, MarianSpmTokenizer)
    t5_tokenizer = CTranslate2Backend(resolve_model(str(t5)), _ct2()).tokenizer
    assert type(t5_tokenizer).__module__.startswith("transformers.")


def test_files_only_bart_generates_what_autotokenizer_gives(bart, tmp_path, monkeypatch):
    """A folder with vocab.json + merges.txt only: the same ctranslate2 outputs with either tokenizer."""
    folder = _files_only(bart, tmp_path / "distilbart-like", {"model_max_length": 1024})
    ref = resolve_model(str(folder))
    article = SEED.read_text(encoding="utf-8").split("\n\n")[:3]
    params = GenerationParams(num_beams=4, max_new_tokens=16, min_new_tokens=16)
    ours = CTranslate2Backend(ref, _ct2())
    assert isinstance(ours.tokenizer, FastTokenizer)
    got = ours.generate(article, params)
    monkeypatch.setattr(ct2_backend, "can_use_fast", lambda path, model_type: False)
    theirs = CTranslate2Backend(ref, _ct2())
    assert not isinstance(theirs.tokenizer, FastTokenizer)
    assert got == theirs.generate(article, params)
    assert ours.count_tokens(article) == theirs.count_tokens(article)
    assert ours.max_input_tokens == theirs.max_input_tokens == 1024


SUMMARY_RUN = """
import json, sys
from pathlib import Path
from summarizer.options import RuntimeOptions, SummaryOptions, WorkerOptions
from summarizer.tasks.summarizing import Summarizer
if {auto}:  # the reference run: the tokenizer AutoTokenizer gives (this run also converts the model)
    from summarizer.models.backends import ctranslate2_backend
    ctranslate2_backend.can_use_fast = lambda path, model_type: False
params = {{"num_beams": 4, "max_new_tokens": 24, "min_new_tokens": 24}}
worker = WorkerOptions(runtime=RuntimeOptions(backend="ctranslate2"), models_dir=Path({folder!r}))
s = Summarizer(SummaryOptions(model={model!r}, params=params), worker)
r = s.summarize(Path({seed!r}).read_text(encoding="utf-8"))
tokenizer = type(s.handle.backend.tokenizer).__name__
print(json.dumps({{"text": r.text, "tokens": r.input_tokens, "tokenizer": tokenizer, "torch": "torch" in sys.modules,
                  "transformers": "transformers" in sys.modules}}))
"""


@pytest.mark.slow
def test_bart_summary_on_ctranslate2_imports_neither_torch_nor_transformers(bart, tmp_path):
    def run(auto: bool) -> dict:
        code = SUMMARY_RUN.format(auto=auto, model=str(bart), folder=str(tmp_path / "cache"), seed=str(SEED))
        proc = run_python(code)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    reference = run(auto=True)
    assert reference["tokenizer"] != "FastTokenizer" and reference["transformers"]
    ours = run(auto=False)
    assert ours["tokenizer"] == "FastTokenizer"
    assert (ours["torch"], ours["transformers"]) == (False, False), "a BART summary on ctranslate2 imported them"
    assert ours["text"] and ours["text"] == reference["text"]
    assert ours["tokens"] == reference["tokens"]
