#!/usr/bin/env bash
# `make demo`: the seed job (configs/seed.toml) with the real default models, then the same job on
# stand-in models so the whole pipeline runs on any machine, offline included.
set -uo pipefail
PY=${1:-.venv/bin/python}
OUT=${OUT:-demo-out}
STEM=baku-non-aligned-movement-2023
case $OUT in /*) AT=$OUT ;; *) AT=$PWD/$OUT ;; esac  # where the files are, for the lines that name them
# The models the seed job loads, as the job itself resolves them (configs/seed.toml, then the defaults),
# and, on a second line, why they can't be had when some are not cached and the Hub can't be reached:
# then step 1 is one short line instead of the job's own error, which names every model and every way out.
CHECK=$("$PY" - <<'EOF' 2>/dev/null
from pathlib import Path

from huggingface_hub import constants

from summarizer.config.flags import RunOptions
from summarizer.config.merge import resolve_job
from summarizer.models.hub import hub_reachable, is_cached_locally, job_needs, merge_needs

no_inputs = RunOptions().with_value("", "inputs", ("-",))
needs = merge_needs(job_needs(resolve_job("configs/seed.toml", no_inputs)))
print("; ".join(need.label for need in needs))
missing = [n for n in needs if not Path(n.name).is_dir() and not is_cached_locally(n.name, n.revision)]
if missing and not hub_reachable():
    why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "the Hugging Face Hub can't be reached"
    print(f"{len(missing)} of {len(needs)} models not cached and {why}")
EOF
) || CHECK="the models configs/seed.toml names"
MODELS=$(printf '%s\n' "$CHECK" | sed -n 1p)
UNAVAILABLE=$(printf '%s\n' "$CHECK" | sed -n 2p)
echo "Seed digest (HTML): $AT/stand-in/$STEM.html  (real models: $AT/real/$STEM.html)"
echo
echo "== 1/2 Seed job with the real models: $MODELS"
if [ -n "$UNAVAILABLE" ]; then
  rc=3
  echo "   -> skipped: $UNAVAILABLE; continuing with stand-in models (docs/offline.md)."
else
  "$PY" -m summarizer translate --config configs/seed.toml --out "$OUT/real" --cache-dir "$OUT/cache"
  rc=$?
  if [ $rc -eq 3 ]; then
    echo "   -> real models unavailable here (see the line above); continuing with stand-in models."
  elif [ $rc -ne 0 ]; then
    echo "   -> the real-model job failed with exit code $rc"
  fi
fi
echo
echo "== 2/2 The same job offline, on stand-ins. What is real and what is noise:"
echo "   REAL:  the English summary, an EXTRACTIVE summary: three of the article's own sentences, chosen with"
echo "          multilingual-e5-small (bundled, runs offline) instead of written by the summary model."
echo "   NOISE: every translation (az, ru, ar). Each language gets a STAND-IN model with random weights whose"
echo "          tokenizer learnt that language's script: the text looks Azerbaijani, Russian or Arabic and means"
echo "          nothing. The quality checks see only form (script, length, numbers, repetition), so they pass"
echo "          some of it; the digest labels every translation as stand-in noise."
stand_in() {  # LANG KIND: build once; rebuild if the folder holds none or one for another language
  local dir="$OUT/models/$2-$1"
  if ! grep -qs "\"target_lang\": \"$1\"" "$dir/summarizer_stand_in.json"; then
    "$PY" -m summarizer models stand-in --kind "$2" --size tiny --lang "$1" "$dir" || exit 1
  fi
}
stand_in az nllb
stand_in ru marian
stand_in ar marian
"$PY" -m summarizer translate --config configs/seed.toml --out "$OUT/stand-in" --cache-dir "$OUT/cache" \
  --method extractive --model az="$OUT/models/nllb-az" --model ru="$OUT/models/marian-ru" \
  --model ar="$OUT/models/marian-ar" --max-new-tokens 40 || exit 1
echo
echo "Seed digest (HTML; real extractive summary, stand-in noise for translations): $AT/stand-in/$STEM.html"
[ $rc -eq 0 ] && echo "Seed digest (HTML, real models):     $AT/real/$STEM.html"
echo "Index of the job:                    $AT/stand-in/index.html"
echo "Markdown: $OUT/stand-in/$STEM.md   JSON: $OUT/stand-in/$STEM.json"
exit 0
