#!/usr/bin/env bash
# `make demo`: the seed job (configs/seed.toml) with the real default models, then the same job on
# stand-in models so the whole pipeline runs on any machine, offline included.
set -uo pipefail
PY=${1:-.venv/bin/python}
OUT=${OUT:-demo-out}
STEM=baku-non-aligned-movement-2023
echo "Seed digest (HTML): $PWD/$OUT/stand-in/$STEM.html  (real models: $PWD/$OUT/real/$STEM.html)"
echo
echo "== 1/2 Seed job with the real models (distilbart-cnn-12-6; opus-mt-en-trk, -ru, -ar)"
"$PY" -m summarizer translate --config configs/seed.toml --out "$OUT/real" --cache-dir "$OUT/cache"
rc=$?
if [ $rc -eq 3 ]; then
  echo "   -> real models unavailable here (see the line above); continuing with stand-in models."
elif [ $rc -ne 0 ]; then
  echo "   -> the real-model job failed with exit code $rc"
fi
echo
echo "== 2/2 The same job offline: a real EXTRACTIVE summary (sentences chosen with multilingual-e5-small,"
echo "   bundled), translated by STAND-IN models (random weights: every translation is noise)"
for kind in marian nllb; do
  if [ ! -f "$OUT/models/$kind/summarizer_stand_in.json" ]; then
    "$PY" -m summarizer models stand-in --kind "$kind" --size tiny "$OUT/models/$kind" || exit 1
  fi
done
M="$OUT/models/marian"
"$PY" -m summarizer translate --config configs/seed.toml --out "$OUT/stand-in" --cache-dir "$OUT/cache" \
  --method extractive --model az="$OUT/models/nllb" --model ru="$M" --model ar="$M" \
  --max-new-tokens 40 || exit 1
echo
echo "Seed digest (HTML, extractive summary, stand-in translations): $PWD/$OUT/stand-in/$STEM.html"
[ $rc -eq 0 ] && echo "Seed digest (HTML, real models):     $PWD/$OUT/real/$STEM.html"
echo "Index of the job:                    $PWD/$OUT/stand-in/index.html"
echo "Markdown: $OUT/stand-in/$STEM.md   JSON: $OUT/stand-in/$STEM.json"
exit 0
