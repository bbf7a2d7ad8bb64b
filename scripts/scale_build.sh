#!/usr/bin/env bash
# Full-scale build on synthetic data: `make scale` (or scripts/scale_build.sh [N]).
#
# Clones the committed state of this repository into a temporary folder, replaces the bundled
# sample with a synthetic corpus of N base posts (default 12000), sets
# assemble.allow_smaller: false, runs every stage through `dvc repro -s <stage>` with its
# wall time, then loads the result with `datasets` and checks 3,000 scenarios, 15,000 options
# and 1,500 options per value. Offline; the temporary folder is removed unless KEEP=1.
set -euo pipefail

N="${1:-12000}"
REPO="$(git rev-parse --show-toplevel)"
BIN="$REPO/.venv/bin"
WORK="$(mktemp -d -t valact-scale-XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$WORK"' EXIT

git clone -q "$REPO" "$WORK/repo"
cd "$WORK/repo"
rm -f raw/sample/*.zst raw/sample/sample_truth.jsonl
"$BIN/python" scripts/generate_sample.py --n "$N" --out raw/sample/RS_valact_scale.zst --level 3
sed -i 's/^  allow_smaller: .*/  allow_smaller: false/' params.yaml

export PATH="$BIN:$PATH" PYTHONPATH="$PWD" DVC_NO_ANALYTICS=1
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_HOME="$WORK/hf_home"
echo "stage      seconds"
for stage in ingest clean dedupe annotate review assemble build; do
  start=$(date +%s.%N)
  dvc repro -s "$stage" > "$WORK/$stage.log" 2>&1 || { cat "$WORK/$stage.log"; exit 1; }
  printf "%-9s %8.1f\n" "$stage" "$(echo "$(date +%s.%N) - $start" | bc)"
done

python - <<'PY'
import json
from collections import Counter

from datasets import load_dataset

scen = load_dataset("processed/valact-15k", split="test")
opts = load_dataset("processed/valact-15k", "options", split="test")
names = opts.features["value"].names
per_value = Counter(names[v] for v in opts["value"])
print(f"scenarios {len(scen)}, options {len(opts)}, per value {dict(sorted(per_value.items()))}")
assert len(scen) == 3000 and len(opts) == 15000, "not the full 3,000 x 5 set"
assert set(per_value.values()) == {1500}, "values are not balanced at 1,500 each"
m = json.load(open("processed/metrics.json"))
print("funnel:", {k: m[k] for k in ("posts_ingested", "posts_kept_by_clean", "duplicates",
                                     "posts_annotated", "scenarios", "options")})
print("scale build OK")
PY
