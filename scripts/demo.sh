#!/usr/bin/env bash
# The main job of the README: builds the engine, renders a synthetic DensePose dataset with dpt-synth (IUV
# maps and COCO-18 keypoints of the same people), trains Dense Pose Transfer (three stages, `cpu` preset)
# and SCA-GAN (two phases, `sca/cpu` preset at 64x64, plus the two Table 2 ablations), scores every
# variant on the same held-out pairs with dpt-eval and writes out/demo/report.md (scripts/demo_report.sh).
# Environment:
#   DEMO_MODELS     dpt | sca | both (default both)
#   DEMO_PERSONS    synthetic persons (default 200; a tenth held out)
#   DEMO_STEPS      DPT steps per stage (default: the preset's); also SCA's when DEMO_SCA_STEPS is unset
#   DEMO_SCA_STEPS  SCA-GAN phase-2 (IS-Net) steps per variant; phase 1 (PCT-Net) runs half (default 300)
#   DEMO_LPIPS      LPIPS weights (dpt-eval --help, "LPIPS") to add the LPIPS column; none by default
#   DEMO_OUT        output folder (default out/demo)
#   DEMO_BIN        use the tools of this folder and skip the build (e.g. build/release/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
models=${DEMO_MODELS:-both}
case "$models" in dpt | sca | both) ;; *) echo "DEMO_MODELS must be dpt, sca or both, got '$models'" >&2; exit 2 ;; esac
want_dpt=false want_sca=false
[ "$models" != sca ] && want_dpt=true
[ "$models" != dpt ] && want_sca=true
lpips=${DEMO_LPIPS:-}
if [ -n "$lpips" ] && [ ! -f "$lpips" ]; then echo "DEMO_LPIPS: '$lpips' does not exist" >&2; exit 2; fi
scripts/install-deps.sh
start=$(date +%s)
out=${DEMO_OUT:-out/demo}
persons=${DEMO_PERSONS:-200}
jobs=$(nproc)
sca_steps=${DEMO_SCA_STEPS:-${DEMO_STEPS:-300}}
[ "$sca_steps" -ge 2 ] || { echo "DEMO_SCA_STEPS must be >= 2" >&2; exit 2; }
marks="$out/times.txt"
mark() { echo "$1 $(( $(date +%s) - start ))" >> "$marks"; }  # seconds since the start, per part

rm -rf "$out"
mkdir -p "$out"
if [ -n "${DEMO_BIN:-}" ]; then
  bin=$DEMO_BIN
  echo "=== using the tools in $bin (no build)"
else
  echo "=== build (CPU, native)"
  targets=(dpt-synth dpt-eval dpt-train)
  $want_dpt && targets+=(dpt-ablate)
  $want_sca && targets+=(dpt-infer)
  cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DDPT_CUDA=OFF -DDPT_NATIVE=ON -DDPT_BUILD_TESTS=OFF > /dev/null
  cmake --build build/demo -j "$jobs" --target "${targets[@]}"
  bin=build/demo/bin
fi
mark build

echo "=== synthetic dataset: $persons persons x 4 views at 64x64 (IUV maps and COCO-18 keypoints)"
$bin/dpt-synth --out "$out/data" --persons "$persons" --views 4 --size 64x64 --tile 32 --test-persons $((persons / 10)) \
  --hair-skirt 0.3 --seam-noise 0.2 --seed 1 --contact-sheet "$out/contact_sheet.png" --sheet-sca --quiet
mark data

# evaluate NAME PRED_DIR: plain protocol (JSON, grid, optional LPIPS) and the PATN protocol's SSIM.
evaluate() {
  local extra=()
  [ -n "$lpips" ] && extra=(--lpips "$lpips")
  $bin/dpt-eval --pred-dir "$2" --data-root "$out/data" --split test --json "$out/eval_$1.json" \
    --grid "$out/grid_$1.png" --max-grid 8 --quiet "${extra[@]}"
  $bin/dpt-eval --pred-dir "$2" --data-root "$out/data" --split test --protocol patn --json "$out/eval_$1.patn.json" --quiet
}

# The copy-source baseline: each pair's prediction is its source image (dpt-ablate writes the same for DPT).
source_baseline() {
  mkdir -p "$1"
  tail -n +2 "$out/data/pairs-test.csv" | tr -d '\r' | while IFS=, read -r from to; do
    cp "$out/data/test/$from.png" "$1/${from}___${to}.png"
  done
}

if $want_dpt; then
  echo "=== DPT: training (preset cpu)"
  steps=()
  [ -n "${DEMO_STEPS:-}" ] && steps=(--steps "$DEMO_STEPS")
  $bin/dpt-train --preset cpu --data "$out/data" --out "$out/run" "${steps[@]}"
  mark dpt_train
  echo "=== DPT: Table 3 variants on the test pairs"
  $bin/dpt-ablate --checkpoint "$out/run/model.safetensors" --data "$out/data" --split test --out "$out/pred"
  for v in full no_inpaint predictive warp_only source; do evaluate "$v" "$out/pred/$v"; done
  mark dpt_eval
else
  source_baseline "$out/pred/source"
  evaluate source "$out/pred/source"
fi

if $want_sca; then
  # Every variant: the same data, seed (pair draws, z, dropout masks, initial weights) and schedule:
  # epoch_size = steps * batch / 2, phase 2 = 1 + 1 epochs (steps iterations), phase 1 = 1 epoch (steps / 2).
  sca=(--model sca --preset cpu --data "$out/data" --set H=64 --set W=64 --set pct_batch=4 --set isn_batch=4
       --set epoch_size=$((sca_steps * 2)) --set pct_niter=1 --set pct_niter_decay=0 --set isn_niter=1
       --set isn_niter_decay=1 --set sample_every=$(( (sca_steps + 3) / 4 )) --edges xdog)
  echo "=== SCA-GAN: full model, phase 1 (PCT-Net) then phase 2 (IS-Net)"
  $bin/dpt-train "${sca[@]}" --out "$out/sca/full"
  mark sca_full
  # The ablations retrain phase 2 from the full model's phase-1 weights (SCA-GAN Table 2; README).
  for v in no_prior_transfer no_content_branch; do
    echo "=== SCA-GAN: $v, phase 2"
    $bin/dpt-train "${sca[@]}" --stages isnet --init "$out/sca/full/pctnet.safetensors" --set ablation=$v \
      --out "$out/sca/$v"
    mark "sca_$v"
  done
  echo "=== SCA-GAN: inference on the test pairs (z from seed 0)"
  for v in full no_prior_transfer no_content_branch; do
    extra=()
    [ "$v" = full ] && extra=(--save-intermediates "$out/sca_intermediates")
    $bin/dpt-infer --checkpoint "$out/sca/$v/model.safetensors" --root "$out/data" --split test --edges xdog \
      --out-dir "$out/pred_sca/$v" --seed 0 "${extra[@]}" 2> "$out/sca/$v/infer.log"
    evaluate "sca_$v" "$out/pred_sca/$v"
  done
  # Measured for the closing note: how close the IS-Net's edge condition is to the target's edges -- the
  # full model's fake_EP2 (PCT-Net) against the source's own EP1 (what "w/o prior transfer" feeds).
  for e in generated_target_edges source_edges target_edges; do mkdir -p "$out/sca_edges/$e"; done
  for d in "$out"/sca_intermediates/*/; do
    n=$(basename "$d")
    for e in generated_target_edges source_edges target_edges; do cp "$d/$e.png" "$out/sca_edges/$e/$n.png"; done
  done
  for e in generated_target_edges source_edges; do
    $bin/dpt-eval --pred-dir "$out/sca_edges/$e" --gt-dir "$out/sca_edges/target_edges" --json "$out/edges_$e.json" --quiet
  done
  mark sca_eval
fi

secs=$(( $(date +%s) - start ))
scripts/demo_report.sh "$out" "$models" "$persons" "$secs" "$sca_steps"
echo "=== done in ${secs} s: $out/report.md"
sed -n '/^## Results/,/^## Samples/p' "$out/report.md"
