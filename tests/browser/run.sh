#!/usr/bin/env bash
# ctest serve_browser: trains a tiny run (dpt-synth + dpt-train --preset tiny), starts dpt-serve on it and
# drives the page in headless Debian chromium (serve_page.js). Screenshots go to OUT_DIR/screenshots.
# Prints DPT_SKIPPED (ctest: Skipped) when chromium or node is absent, or puppeteer-core cannot be installed.
# Usage: run.sh BIN_DIR OUT_DIR
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then echo "DPT_SKIPPED: no chromium at $chromium (scripts/install-deps.sh installs it)"; exit 0; fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "DPT_SKIPPED: node/npm absent"; exit 0; fi
if [ ! -d "$here/node_modules/puppeteer-core" ]; then
  # puppeteer-core never downloads a browser; the one used is Debian's chromium.
  if ! (cd "$here" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund >/dev/null 2>&1); then
    echo "DPT_SKIPPED: npm install puppeteer-core failed (no registry access?)"; exit 0
  fi
fi
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin/dpt-synth" --out "$work/data" --persons 6 --views 3 --size 32x32 --tile 16 --test-persons 2 --threads 1 \
  --writers 2 >/dev/null 2>&1
"$bin/dpt-train" --data "$work/data" --preset tiny --steps 30 --out "$work/runs/tiny" --threads 1 >/dev/null 2>&1
mkdir -p "$out/screenshots"
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 20000))
  "$bin/dpt-serve" --runs "$work/runs" --data "$work/data" --port "$port" --threads 1 >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 50); do
    grep -q "serving" "$work/serve.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "serving" "$work/serve.log" && break
  server=""
done
[ -n "$server" ] || { cat "$work/serve.log"; echo "dpt-serve did not start"; exit 1; }
node "$here/serve_page.js" "http://127.0.0.1:$port/" "$out/screenshots"
echo "screenshots: $out/screenshots/serve_runs.png $out/screenshots/serve_try.png"
