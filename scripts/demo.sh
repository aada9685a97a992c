#!/usr/bin/env bash
# The main job of the README: builds the engine, renders a synthetic DensePose dataset with dpt-synth,
# trains all three stages at the `cpu` preset, evaluates the paper's Table 3 ablation and two baselines
# on the held-out persons with dpt-eval, and writes out/demo/report.md.
# Environment: DEMO_PERSONS (default 200), DEMO_STEPS (per stage; default: the preset's), DEMO_OUT (out/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
start=$(date +%s)
out=${DEMO_OUT:-out/demo}
persons=${DEMO_PERSONS:-200}
jobs=$(nproc)

echo "=== build (CPU, native)"
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DDPT_CUDA=OFF -DDPT_NATIVE=ON -DDPT_BUILD_TESTS=OFF > /dev/null
cmake --build build/demo -j "$jobs" --target dpt-synth dpt-train dpt-ablate dpt-eval
bin=build/demo/bin

echo "=== synthetic dataset: $persons persons x 4 views at 64x64"
rm -rf "$out"
mkdir -p "$out"
$bin/dpt-synth --out "$out/data" --persons "$persons" --views 4 --size 64x64 --tile 32 --test-persons $((persons / 10)) \
  --hair-skirt 0.3 --seam-noise 0.2 --seed 1 --contact-sheet "$out/contact_sheet.png" --quiet

echo "=== training (preset cpu)"
steps=()
[ -n "${DEMO_STEPS:-}" ] && steps=(--steps "$DEMO_STEPS")
$bin/dpt-train --preset cpu --data "$out/data" --out "$out/run" "${steps[@]}"

echo "=== ablation outputs on the test persons"
$bin/dpt-ablate --checkpoint "$out/run/model.safetensors" --data "$out/data" --split test --out "$out/pred"

echo "=== evaluation"
for v in full no_inpaint predictive warp_only source; do
  $bin/dpt-eval --pred-dir "$out/pred/$v" --data-root "$out/data" --split test --json "$out/eval_$v.json" \
    --grid "$out/grid_$v.png" --max-grid 8 --quiet
done

# ---- report
json_num() {  # json_num FILE OBJECT KEY: the number KEY of the top-level object OBJECT (mean, person_mean)
  grep -o "\"$2\":{[^}]*}" "$1" | head -1 | grep -o "\"$3\":[-0-9.eE+]*" | head -1 | cut -d: -f2 | cut -c1-6
}
secs=$(( $(date +%s) - start ))
{
  echo "# Dense Pose Transfer — demo report"
  echo
  echo "Synthetic data: $persons persons x 4 views at 64x64 (dpt-synth, seed 1; $((persons / 10)) test persons held out)."
  echo "Training: preset \`cpu\` ($(grep -o '"predictive_steps":[0-9]*' "$out/run/config.json" | cut -d: -f2) /"
  echo "$(grep -o '"inpainting_steps":[0-9]*' "$out/run/config.json" | cut -d: -f2) /"
  echo "$(grep -o '"blending_steps":[0-9]*' "$out/run/config.json" | cut -d: -f2) steps; random VGG19 features at 1/4 width"
  echo "for the perceptual term, style term off — README, 'The demo's loss weights')."
  echo "Wall time of the whole demo: ${secs} s on $(nproc) cores."
  echo
  echo "## Table 3 ablation and baselines (test pairs)"
  echo
  echo "| variant | SSIM | MS-SSIM | SSIM (person) | L1 | PSNR |"
  echo "|---|---|---|---|---|---|"
  for v in source warp_only predictive no_inpaint full; do
    f="$out/eval_$v.json"
    echo "| $v | $(json_num "$f" mean ssim) | $(json_num "$f" mean ms_ssim) | $(json_num "$f" person_mean ssim) | $(json_num "$f" mean l1) | $(json_num "$f" mean psnr) |"
  done
  echo
  echo "full = predictive + warping with inpainting + blending; no_inpaint = the same with the inpainter bypassed;"
  echo "predictive = G_p alone; warp_only and source are baselines. All variants come from one trained model."
  echo
  echo "## Samples"
  echo
  echo "Ground truth | prediction, full model: ![full](grid_full.png)"
  echo
  echo "Predictive only: ![predictive](grid_predictive.png)"
  echo
  echo "Training samples (source | target IUV | y_p | y_w | y_hat | ground truth):"
  last=$(ls "$out"/run/samples/blending-*.png 2> /dev/null | sort -V | tail -1)  # the last step's grid
  [ -n "$last" ] && echo "![$(basename "$last")](run/samples/$(basename "$last"))"
  echo
  echo "## Loss curves"
  echo
  for st in predictive inpainting blending; do echo "![$st](run/plots/$st.svg)"; done
  echo
  echo "Dataset contact sheet: ![contact sheet](contact_sheet.png)"
} > "$out/report.md"
echo "=== done in ${secs} s: $out/report.md"
cat "$out/report.md" | sed -n '/## Table 3/,/## Samples/p'
