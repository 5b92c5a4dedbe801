# Two entry points: `make demo` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: demo test test-fast lint bench bench-ray quality browser install clean

install: $(STAMP)

# torch first, pinned to the CPU wheel; then the project with its dev, ctranslate2, embeddings, ray and serve
# extras. pip runs quiet, so each step says what it installs before the wait.
$(STAMP): pyproject.toml
	@echo "install 1/3: the virtual environment $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "install 2/3: torch 2.13.0 (CPU), the largest download"
	@$(PY) -m pip install -q torch==2.13.0
	@echo "install 3/3: summarizer and its extras dev, ctranslate2, embeddings, ray, serve"
	@$(PY) -m pip install -q -e '.[dev,ctranslate2,embeddings,ray,serve]'
	@touch $(STAMP)
	@echo "installed; '. $(VENV)/bin/activate' puts summarizer on PATH in this shell"

# Debian's chromium and chromedriver for the real-browser test (never a browser download).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; fi

# ruff (format and lint, settings in pyproject.toml) before the tests: a style slip fails fast.
lint: $(STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

test: $(STAMP) browser lint
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# The inner loop: every test but those marked slow (processes, benchmarks, Ray, the browser); about 4 minutes.
test-fast: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not slow"

demo: $(STAMP)
	@bash scripts/demo.sh $(PY)

# Every table of BENCHMARKS.md but the Ray one (about 2 hours on 2 cores): the forced-length tables,
# the CTranslate2 memory addendum, the stand-in lengths, real volumes at realistic lengths, a feed job's
# re-run with nothing new, the same-story grouping, the peers (argos-translate's and EasyNMT's methods, raw
# CTranslate2 at its best settings) and the HTTP server under load.
bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/run.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/ct2_memory.py --write
	HF_HUB_OFFLINE=1 $(PY) benchmarks/standin_lengths.py --engine ctranslate2 --limit 127 --write
	HF_HUB_OFFLINE=1 $(PY) benchmarks/volumes.py --card-sentences 50 --torch-articles 50
	HF_HUB_OFFLINE=1 $(PY) benchmarks/feeds_incremental.py --feeds 5 --items 100
	HF_HUB_OFFLINE=1 $(PY) benchmarks/grouping.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/peers.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/server_load.py

# The ray engine against the local one (about 10 minutes); writes its own section of BENCHMARKS.md.
bench-ray: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/ray_engine.py

# The quality checks and `evaluate` measured on FLORES-200 and CNN/DailyMail (SUMMARIZER_EVAL_DIR, else
# ../shared/eval; benchmarks/evaldata.py says in one line what to set when they are missing): writes QUALITY.md.
quality: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/quality.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/names_quality.py --write

clean:
	rm -rf $(VENV) demo-out .pytest_cache
