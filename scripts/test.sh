#!/usr/bin/env bash
# The test command of the README: installs missing packages, then builds and runs the test suite in
#   build/release  (CUDA compiled with nvcc when present, CPU tests run; GPU tests skip without a GPU)
#   build/asan     (AddressSanitizer + UndefinedBehaviorSanitizer, CPU only)
#   build/emu      (CUDA kernels compiled with g++ and run on the CUDA emulator, compared with the CPU)
# Usage: scripts/test.sh [release|asan|emu ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(release asan emu)
export DPT_THREADS=${DPT_THREADS:-$jobs}

# run_config NAME "CTEST ARGS" CMAKE ARGS...
run_config() {
  local name=$1 ctest_args=$2; shift 2
  echo "=== [$name] configure + build"
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=Release "$@" > "build/$name.configure.log" 2>&1 \
    || { cat "build/$name.configure.log"; return 1; }
  grep "dpt:" "build/$name.configure.log" || true
  cmake --build "build/$name" -j "$jobs"
  echo "=== [$name] tests"
  # shellcheck disable=SC2086
  (cd "build/$name" && ctest --output-on-failure --timeout 1500 $ctest_args)
}

# With nvcc on the machine the CUDA build is required (a compile error fails); without it, CPU only.
cuda=OFF
if command -v nvcc > /dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then cuda=ON; fi

mkdir -p build
for c in "${configs[@]}"; do
  case $c in
    release) run_config release "" -DDPT_CUDA="$cuda" -DCMAKE_CUDA_ARCHITECTURES=90 ;;
    # Without MPI under the sanitizers: Open MPI's own allocations at exit read as leaks to LeakSanitizer;
    # the MPI logic runs in the release configuration.
    asan) run_config asan "" -DDPT_CUDA=OFF -DDPT_SANITIZE=ON -DDPT_MPI=OFF ;;
    # The emulation build adds the CUDA kernels; its CPU tests are the release build's, so only `emu` runs.
    emu) run_config emu "-L emu" -DDPT_CUDA=EMU -DDPT_MPI=OFF ;;
    *) echo "unknown configuration '$c' (release, asan, emu)"; exit 2 ;;
  esac
done
echo "=== all test configurations passed: ${configs[*]}"
