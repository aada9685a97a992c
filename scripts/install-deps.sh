#!/usr/bin/env bash
# Installs the Debian 12 packages a fresh machine lacks to build and test the engine.
# Idempotent: does nothing when everything is present. The CUDA toolkit is optional (not installed here).
set -euo pipefail
pkgs=(cmake g++ make pkg-config libpng-dev libjpeg62-turbo-dev libopenblas-dev doctest-dev
      libcpp-httplib-dev chromium)  # dpt-serve (HTTP library) and its browser test (headless chromium)
pkgs+=(openmpi-bin libopenmpi-dev)  # data-parallel training (mpirun -np N dpt-train) and its tests (label mpi)
# node and npm for the browser test's puppeteer-core; a Node.js from elsewhere (e.g. NodeSource, which
# bundles npm and conflicts with Debian's npm package) is kept as it is.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all build dependencies present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
