"""Test isolation (every test gets its own cache, HF home and cwd) and shared stand-in models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub
# Tiny stand-ins are overhead-bound: one thread is fastest, and several threads per process thrash
# badly when tests run subprocesses side by side on a 2-core machine (13 s instead of 0.3 s).
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "baku-non-aligned-movement-2023.txt"
CORPUS = ROOT / "examples" / "corpus"
# Evaluation data kept in the repository, so that a clone tests itself (tests/data/README.md names each
# file's source and licence): FLORES-200 devtest whole, with the published system outputs and scores; our
# own news articles in CNN/DailyMail's form; the shared corpus's two transformers fixtures.
EVAL_DATA = ROOT / "tests" / "data"
FLORES_DIR = EVAL_DATA / "flores200-devtest"
NEWS_JSONL = EVAL_DATA / "news-en.jsonl"
TEXT_CORPUS = EVAL_DATA / "corpus"
# CNN/DailyMail is the news sites' own text, with no licence of theirs that lets us copy it here: the tests
# of its published ROUGE figures read it from SUMMARIZER_EVAL_DIR (else ../shared/eval beside the project)
# and skip, saying what to set, without it.
EVAL_DIR = Path(os.environ.get("SUMMARIZER_EVAL_DIR") or ROOT.parent / "shared" / "eval")
CNNDM_SAMPLE = EVAL_DIR / "cnndm-test" / "sample-500.jsonl"
needs_cnndm = pytest.mark.skipif(
    not CNNDM_SAMPLE.is_file(),
    reason="CNN/DailyMail is not in the repository: set SUMMARIZER_EVAL_DIR to a folder holding cnndm-test/",
)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Point every piece of user state at tmp_path: the cache, the HF cache, the cwd."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # the default cache folder's parent
    monkeypatch.delenv("SUMMARIZER_DEVICE", raising=False)
    # backend "auto" (the default) would convert every stand-in to CTranslate2 in each test's own cache,
    # about 10 s each: the suite runs torch unless a test says otherwise (SUMMARIZER_BACKEND is what
    # "auto" follows first; tests of "auto" itself delete it).
    monkeypatch.setenv("SUMMARIZER_BACKEND", "torch")
    # Without a terminal a progress line comes every 4 s; on a loaded machine a model load takes that long,
    # and a line before an error would break the tests that an error is one line. Progress tests set it.
    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "3600")
    monkeypatch.delenv("SUMMARIZER_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("standins")


def _build(models_dir: Path, kind: str) -> Path:
    from summarizer.models.standin.build import build_stand_in

    path = models_dir / f"{kind}-tiny"
    if not path.exists():
        build_stand_in(kind, "tiny", path)
    return path


@pytest.fixture(scope="session")
def marian(models_dir) -> Path:
    return _build(models_dir, "marian")


@pytest.fixture(scope="session")
def bart(models_dir) -> Path:
    return _build(models_dir, "bart")


@pytest.fixture(scope="session")
def t5(models_dir) -> Path:
    return _build(models_dir, "t5")


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def run_cli(*args: str, env: dict | None = None, input: bytes | None = None, timeout: float = 300):
    """The real console entry point in a subprocess (for exit codes, stdin and import checks)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], capture_output=True, input=input, env=full_env, timeout=timeout
    )


def run_python(code: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Python code in a fresh interpreter (for checks on what a process imports)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
