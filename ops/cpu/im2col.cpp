// im2col into packed panels and col2im (ops/cpu/im2col.h). Output positions are walked as runs along
// one output row, so with stride 1 every (row, run) pair is one contiguous copy with zero fill at the
// image borders.
#include "ops/cpu/im2col.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/cpu/packed_gemm.h"

namespace dpt::cpu {

namespace {

// Positions oy*Wo + ox0 .. + len - 1 of one output row, at offset t of the position range.
struct Run {
  int64_t oy, ox0, len, t;
};

void make_runs(int64_t Wo, int64_t qa, int64_t qb, std::vector<Run>& runs) {
  runs.clear();
  for (int64_t q = qa; q < qb;) {
    const int64_t oy = q / Wo, ox = q % Wo, len = std::min(Wo - ox, qb - q);
    runs.push_back({oy, ox, len, q - qa});
    q += len;
  }
}

int64_t ceil_div(int64_t a, int64_t s) { return a >= 0 ? (a + s - 1) / s : -((-a) / s); }
int64_t floor_div(int64_t a, int64_t s) { return a >= 0 ? a / s : -((-a + s - 1) / s); }

// For each kx: the output columns [lo, hi) whose input column ox*s - pad + kx lies inside [0, W).
struct ColRange {
  std::vector<int64_t> lo, hi;
  explicit ColRange(const Im2colGeom& g) : lo(g.kw), hi(g.kw) {
    for (int kx = 0; kx < g.kw; ++kx) {
      lo[kx] = std::max<int64_t>(0, ceil_div(g.pw - kx, g.sw));
      hi[kx] = std::max<int64_t>(lo[kx], floor_div(g.W - 1 + g.pw - kx, g.sw) + 1);
    }
  }
};

bool use_avx512() {
  static const bool ok = std::string(gemm_tile<float>().isa) == "avx512";
  return ok;
}

// dst[i] = src[2 i], i < n (AVX-512: two loads and one permute per 16 values; never reads past src[2n-2]).
__attribute__((target("avx512f"))) int64_t gather_stride2_avx512(const float* src, int64_t n, float* dst) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  int64_t i = 0;
  for (; i + 17 <= n; i += 16) {
    const __m512 lo = _mm512_loadu_ps(src + 2 * i), hi = _mm512_loadu_ps(src + 2 * i + 16);
    _mm512_storeu_ps(dst + i, _mm512_permutex2var_ps(lo, even, hi));
  }
  return i;
}

// dst[2 i] += src[i], i < n (masked loads/stores touch only the even lanes).
__attribute__((target("avx512f"))) int64_t add_stride2_avx512(float* dst, int64_t n, const float* src) {
  const __m512i lo_idx = _mm512_setr_epi32(0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0);
  const __m512i hi_idx = _mm512_setr_epi32(8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15, 0);
  const __mmask16 even = 0x5555;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(src + i);
    float* d = dst + 2 * i;
    const __m512 d0 = _mm512_maskz_loadu_ps(even, d), d1 = _mm512_maskz_loadu_ps(even, d + 16);
    _mm512_mask_storeu_ps(d, even, _mm512_add_ps(d0, _mm512_maskz_permutexvar_ps(0xFFFF, lo_idx, v)));
    _mm512_mask_storeu_ps(d + 16, even, _mm512_add_ps(d1, _mm512_maskz_permutexvar_ps(0xFFFF, hi_idx, v)));
  }
  return i;
}

// dst[i] = src[i s], i < n.
template <class T> inline void gather_strided(const T* src, int64_t s, int64_t n, T* dst) {
  int64_t i = 0;
  if constexpr (std::is_same<T, float>::value) {
    if (s == 2 && use_avx512()) i = gather_stride2_avx512(src, n, dst);
  }
  for (; i < n; ++i) dst[i] = src[i * s];
}

// dst[i s] += src[i], i < n.
template <class T> inline void add_strided(T* dst, int64_t s, int64_t n, const T* src) {
  int64_t i = 0;
  if constexpr (std::is_same<T, float>::value) {
    if (s == 2 && use_avx512()) i = add_stride2_avx512(dst, n, src);
  }
  if (s == 1) {
    for (; i < n; ++i) dst[i] += src[i];
  } else {
    for (; i < n; ++i) dst[i * s] += src[i];
  }
}

// dst[i * dstride] for the run's len positions: x[iy, ox*sw - pw + kx] or 0.
template <class T>
inline void gather_run(const Im2colGeom& g, const ColRange& cr, const T* plane, const Run& run, int ky, int kx,
                       T* dst, int64_t dstride) {
  const int64_t iy = run.oy * g.sh - g.ph + ky;
  if (iy < 0 || iy >= g.H) {
    for (int64_t i = 0; i < run.len; ++i) dst[i * dstride] = T(0);
    return;
  }
  const T* src = plane + iy * g.W;
  const int64_t a = std::clamp(cr.lo[kx], run.ox0, run.ox0 + run.len);
  const int64_t b = std::clamp(cr.hi[kx], a, run.ox0 + run.len);
  int64_t i = 0;
  for (; i < a - run.ox0; ++i) dst[i * dstride] = T(0);
  if (dstride == 1 && g.sw == 1) {
    std::memcpy(dst + i, src + (a - g.pw + kx), sizeof(T) * (b - a));
    i = b - run.ox0;
  } else if (dstride == 1) {
    gather_strided(src + (a * g.sw - g.pw + kx), g.sw, b - a, dst + i);
    i = b - run.ox0;
  } else {
    const int64_t s = g.sw, off = kx - g.pw;
    for (int64_t ox = a; ox < b; ++ox, ++i) dst[i * dstride] = src[ox * s + off];
  }
  for (; i < run.len; ++i) dst[i * dstride] = T(0);
}

}  // namespace

template <class T>
void im2col_pack_b(const Im2colGeom& g, const T* x, int64_t c0, int64_t nc, int64_t q0, int64_t nq, int nr, T* dst,
                   int64_t d0) {
  const int64_t rows = nc * g.kk(), plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  for (int64_t col = d0; col < d0 + nq;) {  // one destination panel (or part of one) at a time
    const int64_t jp = col / nr, lane0 = col % nr, width = std::min<int64_t>(nr - lane0, d0 + nq - col);
    const int64_t qa = q0 + (col - d0);
    make_runs(g.Wo, qa, qa + width, runs);
    T* panel = dst + jp * rows * nr + lane0;
    for (int64_t c = 0; c < nc; ++c) {
      const T* plane = x + (c0 + c) * plane_size;
      for (int ky = 0; ky < g.kh; ++ky)
        for (int kx = 0; kx < g.kw; ++kx) {
          T* d = panel + ((c * g.kh + ky) * g.kw + kx) * nr;
          for (const Run& run : runs) gather_run(g, cr, plane, run, ky, kx, d + run.t, 1);
        }
    }
    col += width;
  }
}

template <class T>
void im2col_rows(const Im2colGeom& g, const T* x, int64_t r0, int64_t nrows, int64_t q0, int64_t nq, T* dst,
                 int64_t ld) {
  const int64_t plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  make_runs(g.Wo, q0, q0 + nq, runs);
  for (int64_t j = 0; j < nrows; ++j) {
    const int64_t r = r0 + j, c = r / g.kk();
    const int ky = static_cast<int>(r / g.kw % g.kh), kx = static_cast<int>(r % g.kw);
    const T* plane = x + c * plane_size;
    for (const Run& run : runs) gather_run(g, cr, plane, run, ky, kx, dst + j * ld + run.t, 1);
  }
}

template <class T>
void col2im_add(const Im2colGeom& g, const T* col, int64_t ldcol, int64_t c0, int64_t nc, int64_t q0, int64_t nq,
                T* dx) {
  const int64_t plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  make_runs(g.Wo, q0, q0 + nq, runs);
  const int64_t s = g.sw;
  for (int64_t c = 0; c < nc; ++c) {
    T* plane = dx + (c0 + c) * plane_size;
    for (int ky = 0; ky < g.kh; ++ky)
      for (int kx = 0; kx < g.kw; ++kx) {
        const T* crow = col + ((c * g.kh + ky) * g.kw + kx) * ldcol;
        const int64_t off = kx - g.pw;
        for (const Run& run : runs) {
          const int64_t iy = run.oy * g.sh - g.ph + ky;
          if (iy < 0 || iy >= g.H) continue;
          const int64_t a = std::clamp(cr.lo[kx], run.ox0, run.ox0 + run.len);
          const int64_t b = std::clamp(cr.hi[kx], a, run.ox0 + run.len);
          if (b <= a) continue;
          T* d = plane + iy * g.W + (a * s + off);     // input column of ox = a
          const T* src = crow + run.t + (a - run.ox0);  // column entry of ox = a
          add_strided(d, s, b - a, src);
        }
      }
  }
}

#define DPT_IM2COL_INSTANTIATE(T)                                                                              \
  template void im2col_pack_b<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, int, T*,      \
                                 int64_t);                                                                   \
  template void im2col_rows<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, T*, int64_t);  \
  template void col2im_add<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, int64_t, T*);
DPT_IM2COL_INSTANTIATE(float)
DPT_IM2COL_INSTANTIATE(double)
#undef DPT_IM2COL_INSTANTIATE

}  // namespace dpt::cpu
