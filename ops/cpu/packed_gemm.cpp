// Packed GEMM of Note [packed GEMM] (ops/cpu/packed_gemm.h): packing routines, the micro-kernels
// (AVX-512 12x32 and AVX2 6x16 for float, portable 4x8), and the blocked driver.
#include "ops/cpu/packed_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

namespace dpt::cpu {

namespace {

constexpr int64_t kGemmKc = 256;  // K block: a B micro-panel (KC x NR) stays in L1

// Micro-kernel: acc = sum_{k<kc} a[k*MR + i] * b[k*NR + j] for the full MR x NR tile, then
// c[i*ldc + j] = (accumulate ? c : (bias ? bias[i] : 0)) + acc. bias points at MR values.
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, const T* bias);

// ---- portable kernel (double, and float on CPUs without AVX2)
template <class T, int MR, int NR>
void kernel_generic(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, const T* bias) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i) {
    T* ci = c + i * ldc;
    T base = bias ? bias[i] : T(0);
    for (int j = 0; j < NR; ++j) ci[j] = (accumulate ? ci[j] : base) + acc[i][j];
  }
}

// ---- AVX-512 float kernel: 12 rows x 2 zmm (32 columns) = 24 accumulators.
constexpr int kAvx512Mr = 12, kAvx512Nv = 2;
__attribute__((target("avx512f,fma"))) void kernel_avx512(int64_t kc, const float* a, const float* b, float* c,
                                                          int64_t ldc, bool accumulate, const float* bias) {
  constexpr int MR = kAvx512Mr, NV = kAvx512Nv, NR = NV * 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    __m512 base = accumulate ? _mm512_setzero_ps() : _mm512_set1_ps(bias ? bias[i] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 old = accumulate ? _mm512_loadu_ps(ci + 16 * v) : base;
      _mm512_storeu_ps(ci + 16 * v, _mm512_add_ps(old, acc[i][v]));
    }
  }
}

// ---- AVX2/FMA float kernel: 6 rows x 2 ymm (16 columns) = 12 accumulators.
constexpr int kAvx2Mr = 6, kAvx2Nv = 2;
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* a, const float* b, float* c,
                                                     int64_t ldc, bool accumulate, const float* bias) {
  constexpr int MR = kAvx2Mr, NV = kAvx2Nv, NR = NV * 8;
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      __m256 ai = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    __m256 base = accumulate ? _mm256_setzero_ps() : _mm256_set1_ps(bias ? bias[i] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m256 old = accumulate ? _mm256_loadu_ps(ci + 8 * v) : base;
      _mm256_storeu_ps(ci + 8 * v, _mm256_add_ps(old, acc[i][v]));
    }
  }
}

template <class T> struct KernelChoice {
  GemmTile tile;
  MicroKernel<T> fn;
};

// The best kernel this CPU runs; DPT_GEMM_KERNEL=avx2|generic caps the choice (to test the others).
KernelChoice<float> choose_float() {
  __builtin_cpu_init();
  const char* env = std::getenv("DPT_GEMM_KERNEL");
  const std::string cap = env ? env : "";
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (cap != "avx2" && cap != "generic" && avx2 && __builtin_cpu_supports("avx512f"))
    return {{kAvx512Mr, kAvx512Nv * 16, "avx512"}, kernel_avx512};
  if (cap != "generic" && avx2) return {{kAvx2Mr, kAvx2Nv * 8, "avx2"}, kernel_avx2};
  return {{4, 8, "generic"}, kernel_generic<float, 4, 8>};
}

template <class T> const KernelChoice<T>& kernel_choice();
template <> const KernelChoice<float>& kernel_choice<float>() {
  static const KernelChoice<float> k = choose_float();
  return k;
}
template <> const KernelChoice<double>& kernel_choice<double>() {
  static const KernelChoice<double> k{{4, 8, "generic"}, kernel_generic<double, 4, 8>};
  return k;
}

// ---- AVX-512 transposing packers (rows of a row-major matrix -> K-major panels)

// Transposes a 16x16 block held in r[0..15] (r[i] = row i) in place: afterwards r[j] = column j.
// (maskz forms with a full mask: the plain intrinsics start from _mm512_undefined_ps, which makes
// GCC 12 warn -Wmaybe-uninitialized; same instructions.)
__attribute__((target("avx512f"))) inline void transpose16(__m512 r[16]) {
  constexpr __mmask16 all = 0xFFFF;
  constexpr __mmask8 all8 = 0xFF;
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_maskz_unpacklo_ps(all, r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_maskz_unpackhi_ps(all, r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, b, d));
  }
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 4; ++i) {
      t[8 * h + i] = _mm512_maskz_shuffle_f32x4(all, r[8 * h + i], r[8 * h + i + 4], 0x88);
      t[8 * h + i + 4] = _mm512_maskz_shuffle_f32x4(all, r[8 * h + i], r[8 * h + i + 4], 0xdd);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_maskz_shuffle_f32x4(all, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_maskz_shuffle_f32x4(all, t[i], t[i + 8], 0xdd);
  }
}

// dst[k * dst_stride + i] = src[i * ld + k] for i < rows (<= 16), k < K; lanes rows..width-1 get 0.
__attribute__((target("avx512f"))) void pack_rows_avx512(const float* src, int64_t ld, int rows, int64_t K,
                                                         float* dst, int64_t dst_stride, int width) {
  const __mmask16 wmask = static_cast<__mmask16>((1u << width) - 1);
  __m512 r[16];
  for (int64_t k0 = 0; k0 < K; k0 += 16) {
    const int64_t kc = std::min<int64_t>(16, K - k0);
    const __mmask16 lmask = static_cast<__mmask16>((1u << kc) - 1);
    for (int i = 0; i < 16; ++i)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(lmask, src + i * ld + k0) : _mm512_setzero_ps();
    transpose16(r);
    for (int64_t j = 0; j < kc; ++j) _mm512_mask_storeu_ps(dst + (k0 + j) * dst_stride, wmask, r[j]);
  }
}

bool use_avx512_packers() {
  static const bool ok = std::string(kernel_choice<float>().tile.isa) == "avx512";
  return ok;
}

}  // namespace

template <class T> GemmTile gemm_tile() { return kernel_choice<T>().tile; }

template <class T> int64_t packed_a_size(int64_t M, int64_t K) {
  const int mr = gemm_tile<T>().mr;
  return (M + mr - 1) / mr * mr * K;
}

template <class T> int64_t packed_b_size(int64_t K, int64_t N) {
  const int nr = gemm_tile<T>().nr;
  return (N + nr - 1) / nr * nr * K;
}

template <class T> void pack_a(int64_t M, int64_t K, const T* a, int64_t rs, int64_t cs, T* dst) {
  const int mr = gemm_tile<T>().mr;
  if constexpr (std::is_same<T, float>::value) {
    if (cs == 1 && mr <= 16 && use_avx512_packers()) {  // rows contiguous in k: transpose 16x16 blocks
      for (int64_t i0 = 0; i0 < M; i0 += mr)
        pack_rows_avx512(a + i0 * rs, rs, static_cast<int>(std::min<int64_t>(mr, M - i0)), K, dst + i0 * K, mr, mr);
      return;
    }
  }
  for (int64_t i0 = 0; i0 < M; i0 += mr) {
    const int64_t m = std::min<int64_t>(mr, M - i0);
    for (int64_t k = 0; k < K; ++k) {
      const T* src = a + i0 * rs + k * cs;
      int64_t i = 0;
      if (rs == 1) {
        std::memcpy(dst, src, sizeof(T) * m);
        i = m;
      }
      for (; i < m; ++i) dst[i] = src[i * rs];
      for (; i < mr; ++i) dst[i] = T(0);
      dst += mr;
    }
  }
}

template <class T> void pack_b(int64_t K, int64_t N, const T* b, int64_t rs, int64_t cs, T* dst) {
  const int nr = gemm_tile<T>().nr;
  if constexpr (std::is_same<T, float>::value) {
    if (rs == 1 && nr % 16 == 0 && use_avx512_packers()) {  // columns contiguous in k: transpose 16x16 blocks
      for (int64_t j0 = 0; j0 < N; j0 += nr)
        for (int h = 0; h < nr; h += 16) {
          const int cols = static_cast<int>(std::clamp<int64_t>(N - j0 - h, 0, 16));
          pack_rows_avx512(cols > 0 ? b + (j0 + h) * cs : b, cs, cols, K, dst + j0 * K + h, nr, 16);
        }
      return;
    }
  }
  for (int64_t j0 = 0; j0 < N; j0 += nr) {
    const int64_t n = std::min<int64_t>(nr, N - j0);
    for (int64_t k = 0; k < K; ++k) {
      const T* src = b + k * rs + j0 * cs;
      int64_t j = 0;
      if (cs == 1) {
        std::memcpy(dst, src, sizeof(T) * n);
        j = n;
      } else {
        for (; j < n; ++j) dst[j] = src[j * cs];
      }
      for (; j < nr; ++j) dst[j] = T(0);
      dst += nr;
    }
  }
}

template <class T> void pack_b_columns(int64_t K, int64_t N, const T* b, int64_t rs, int64_t cs, T* dst, int64_t d0) {
  const int nr = gemm_tile<T>().nr;
  for (int64_t col = d0; col < d0 + N;) {
    const int64_t jp = col / nr, lane0 = col % nr, width = std::min<int64_t>(nr - lane0, d0 + N - col);
    T* panel = dst + jp * nr * K + lane0;
    const T* src = b + (col - d0) * cs;
    for (int64_t k = 0; k < K; ++k) {
      if (cs == 1) std::memcpy(panel + k * nr, src + k * rs, sizeof(T) * width);
      else
        for (int64_t j = 0; j < width; ++j) panel[k * nr + j] = src[k * rs + j * cs];
    }
    col += width;
  }
}

template <class T> void pack_b_zero_tail(int64_t K, int64_t N, T* dst) {
  const int nr = gemm_tile<T>().nr;
  const int64_t lane0 = N % nr;
  if (lane0 == 0) return;
  T* panel = dst + (N / nr) * nr * K;
  for (int64_t k = 0; k < K; ++k) std::fill(panel + k * nr + lane0, panel + (k + 1) * nr, T(0));
}

template <class T>
void gemm_packed(int64_t M, int64_t N, int64_t K, const T* ap, const T* bp, T* c, int64_t ldc, bool accumulate,
                 const T* row_bias) {
  const KernelChoice<T>& kc_ = kernel_choice<T>();
  const int mr = kc_.tile.mr, nr = kc_.tile.nr;
  const int64_t mp = (M + mr - 1) / mr, np = (N + nr - 1) / nr;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {  // C = bias (or unchanged)
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) c[i * ldc + j] = row_bias ? row_bias[i] : T(0);
    return;
  }
  alignas(64) T tile[16 * 64];  // edge tiles (mr * nr <= 16 * 64)
  T bias_pad[16];
  for (int64_t pc = 0; pc < K; pc += kGemmKc) {
    const int64_t kc = std::min<int64_t>(kGemmKc, K - pc);
    const bool acc = accumulate || pc > 0;
    for (int64_t jp = 0; jp < np; ++jp) {
      const T* b = bp + jp * nr * K + pc * nr;
      const int64_t j0 = jp * nr, n = std::min<int64_t>(nr, N - j0);
      for (int64_t ip = 0; ip < mp; ++ip) {
        const T* a = ap + ip * mr * K + pc * mr;
        const int64_t i0 = ip * mr, m = std::min<int64_t>(mr, M - i0);
        T* ct = c + i0 * ldc + j0;
        const T* bias = (!acc && row_bias) ? row_bias + i0 : nullptr;
        if (m == mr && n == nr) {
          kc_.fn(kc, a, b, ct, ldc, acc, bias);
          continue;
        }
        // Edge tile: compute the full tile into scratch, then merge the valid part.
        kc_.fn(kc, a, b, tile, nr, false, nullptr);
        if (bias) {
          for (int64_t i = 0; i < m; ++i) bias_pad[i] = bias[i];
        }
        for (int64_t i = 0; i < m; ++i) {
          T* ci = ct + i * ldc;
          const T* ti = tile + i * nr;
          if (acc) {
            for (int64_t j = 0; j < n; ++j) ci[j] += ti[j];
          } else {
            const T base = bias ? bias_pad[i] : T(0);
            for (int64_t j = 0; j < n; ++j) ci[j] = base + ti[j];
          }
        }
      }
    }
  }
}

#define DPT_GEMM_INSTANTIATE(T)                                                                           \
  template GemmTile gemm_tile<T>();                                                                       \
  template int64_t packed_a_size<T>(int64_t, int64_t);                                                    \
  template int64_t packed_b_size<T>(int64_t, int64_t);                                                    \
  template void pack_a<T>(int64_t, int64_t, const T*, int64_t, int64_t, T*);                              \
  template void pack_b<T>(int64_t, int64_t, const T*, int64_t, int64_t, T*);                              \
  template void pack_b_columns<T>(int64_t, int64_t, const T*, int64_t, int64_t, T*, int64_t);             \
  template void pack_b_zero_tail<T>(int64_t, int64_t, T*);                                                \
  template void gemm_packed<T>(int64_t, int64_t, int64_t, const T*, const T*, T*, int64_t, bool, const T*);
DPT_GEMM_INSTANTIATE(float)
DPT_GEMM_INSTANTIATE(double)
#undef DPT_GEMM_INSTANTIATE

}  // namespace dpt::cpu
