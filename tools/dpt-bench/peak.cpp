// The FP32 FMA peak of dpt-bench (tools/dpt-bench/peak.h). The loops keep 12 independent accumulator
// chains (FMA latency 4 cycles x 2 ports = 8 needed; 12 leaves margin) and only registers, so they run
// at the FMA ports' throughput; the result is stored so the compiler cannot drop the work.
#include "tools/dpt-bench/peak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/threading.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dpt::bench {

namespace {

constexpr int kChains = 12;

// Each function runs `iters` rounds of kChains vector FMAs and returns a value depending on all of them.
__attribute__((target("avx512f"))) float fma_avx512(long iters) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float fma_avx2(long iters) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

// SSE has no FMA: a multiply and an add per lane (2 FLOPs), as an FMA is counted.
float fma_sse(long iters) {
  __m128 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm_set1_ps(0.001f * i);
  const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], a), b);
  __m128 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm_add_ps(s, acc[i]);
  return _mm_cvtss_f32(s);
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

volatile float g_sink;  // keeps the loops' results alive

}  // namespace

Peak measure_peak(double seconds) {
  Peak p;
  p.threads = num_threads();
  __builtin_cpu_init();
  float (*loop)(long) = fma_sse;
  int lanes = 4;
  p.isa = "sse";
  if (__builtin_cpu_supports("avx512f")) {
    loop = fma_avx512, lanes = 16, p.isa = "avx512";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    loop = fma_avx2, lanes = 8, p.isa = "avx2+fma";
  }
  // Calibrate the iterations for ~seconds/3 per round on one thread, then time all threads together.
  long iters = 1 << 16;
  for (;;) {
    const double t0 = now_s();
    g_sink = loop(iters);
    const double t = now_s() - t0;
    if (t > seconds / 30 || iters > (1L << 40)) {
      iters = static_cast<long>(iters * (seconds / 3) / std::max(t, 1e-9)) + 1;
      break;
    }
    iters *= 4;
  }
  const double flops_per_thread = 2.0 * lanes * kChains * static_cast<double>(iters);
  for (int round = 0; round < 3; ++round) {
    const double t0 = now_s();
#ifdef _OPENMP
#pragma omp parallel num_threads(p.threads)
#endif
    { g_sink = loop(iters); }
    const double t = now_s() - t0;
    p.gflops = std::max(p.gflops, flops_per_thread * p.threads / t * 1e-9);
  }
  return p;
}

void print_peak_header(const Peak& p) {
  std::printf("# peak: %.1f GFLOP/s FP32 (%s FMA loop, %d threads)\n", p.gflops, p.isa, p.threads);
  std::fflush(stdout);
}

}  // namespace dpt::bench
