// im2col into packed panels and col2im (ops/cpu/im2col.h). Output positions are walked as runs along
// one output row, so with stride 1 every (row, run) pair is one contiguous copy with zero fill at the
// image borders.
#include "ops/cpu/im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

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
  explicit ColRange(const Im2colGeom& g) : lo(g.k), hi(g.k) {
    for (int kx = 0; kx < g.k; ++kx) {
      lo[kx] = std::max<int64_t>(0, ceil_div(g.pad - kx, g.stride));
      hi[kx] = std::max<int64_t>(lo[kx], floor_div(g.W - 1 + g.pad - kx, g.stride) + 1);
    }
  }
};

// dst[i * dstride] for the run's len positions: x[iy, ox*s - pad + kx] or 0.
template <class T>
inline void gather_run(const Im2colGeom& g, const ColRange& cr, const T* plane, const Run& run, int ky, int kx,
                       T* dst, int64_t dstride) {
  const int64_t iy = run.oy * g.stride - g.pad + ky;
  if (iy < 0 || iy >= g.H) {
    for (int64_t i = 0; i < run.len; ++i) dst[i * dstride] = T(0);
    return;
  }
  const T* src = plane + iy * g.W;
  const int64_t a = std::clamp(cr.lo[kx], run.ox0, run.ox0 + run.len);
  const int64_t b = std::clamp(cr.hi[kx], a, run.ox0 + run.len);
  int64_t i = 0;
  for (; i < a - run.ox0; ++i) dst[i * dstride] = T(0);
  if (dstride == 1 && g.stride == 1) {
    std::memcpy(dst + i, src + (a - g.pad + kx), sizeof(T) * (b - a));
    i = b - run.ox0;
  } else {
    const int64_t s = g.stride, off = kx - g.pad;
    for (int64_t ox = a; ox < b; ++ox, ++i) dst[i * dstride] = src[ox * s + off];
  }
  for (; i < run.len; ++i) dst[i * dstride] = T(0);
}

}  // namespace

template <class T>
void im2col_pack_b(const Im2colGeom& g, const T* x, int64_t c0, int64_t nc, int64_t q0, int64_t nq, int nr, T* dst) {
  const int64_t rows = nc * g.kk(), plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  for (int64_t jp = 0; jp * nr < nq; ++jp) {
    const int64_t qa = q0 + jp * nr, qb = std::min(qa + nr, q0 + nq), width = qb - qa;
    make_runs(g.Wo, qa, qb, runs);
    T* panel = dst + jp * rows * nr;
    for (int64_t c = 0; c < nc; ++c) {
      const T* plane = x + (c0 + c) * plane_size;
      for (int ky = 0; ky < g.k; ++ky)
        for (int kx = 0; kx < g.k; ++kx) {
          T* d = panel + ((c * g.k + ky) * g.k + kx) * nr;
          for (const Run& run : runs) gather_run(g, cr, plane, run, ky, kx, d + run.t, 1);
          for (int64_t j = width; j < nr; ++j) d[j] = T(0);
        }
    }
  }
}

template <class T>
void im2col_pack_bt(const Im2colGeom& g, const T* x, int64_t r0, int64_t nrows, int64_t q0, int64_t nq, int nr,
                    T* dst) {
  const int64_t rows = nrows, plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  make_runs(g.Wo, q0, q0 + nq, runs);
  for (int64_t jp = 0; jp * nr < rows; ++jp) {
    T* panel = dst + jp * nq * nr;
    for (int64_t jj = 0; jj < nr; ++jj) {
      if (jp * nr + jj >= rows) {
        for (int64_t t = 0; t < nq; ++t) panel[t * nr + jj] = T(0);
        continue;
      }
      const int64_t r = r0 + jp * nr + jj, c = r / g.kk();
      const int ky = static_cast<int>(r / g.k % g.k), kx = static_cast<int>(r % g.k);
      const T* plane = x + c * plane_size;
      for (const Run& run : runs) gather_run(g, cr, plane, run, ky, kx, panel + run.t * nr + jj, nr);
    }
  }
}

template <class T>
void col2im_add(const Im2colGeom& g, const T* col, int64_t ldcol, int64_t c0, int64_t nc, int64_t q0, int64_t nq,
                T* dx) {
  const int64_t plane_size = g.H * g.W;
  const ColRange cr(g);
  std::vector<Run> runs;
  make_runs(g.Wo, q0, q0 + nq, runs);
  const int64_t s = g.stride;
  for (int64_t c = 0; c < nc; ++c) {
    T* plane = dx + (c0 + c) * plane_size;
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx) {
        const T* crow = col + ((c * g.k + ky) * g.k + kx) * ldcol;
        const int64_t off = kx - g.pad;
        for (const Run& run : runs) {
          const int64_t iy = run.oy * s - g.pad + ky;
          if (iy < 0 || iy >= g.H) continue;
          const int64_t a = std::clamp(cr.lo[kx], run.ox0, run.ox0 + run.len);
          const int64_t b = std::clamp(cr.hi[kx], a, run.ox0 + run.len);
          if (b <= a) continue;
          T* d = plane + iy * g.W + (a * s + off);     // input column of ox = a
          const T* src = crow + run.t + (a - run.ox0);  // column entry of ox = a
          const int64_t n = b - a;
          if (s == 1) {
            for (int64_t i = 0; i < n; ++i) d[i] += src[i];
          } else {
            for (int64_t i = 0; i < n; ++i) d[i * s] += src[i];
          }
        }
      }
  }
}

#define DPT_IM2COL_INSTANTIATE(T)                                                                              \
  template void im2col_pack_b<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, int, T*);  \
  template void im2col_pack_bt<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, int, T*); \
  template void col2im_add<T>(const Im2colGeom&, const T*, int64_t, int64_t, int64_t, int64_t, int64_t, T*);
DPT_IM2COL_INSTANTIATE(float)
DPT_IM2COL_INSTANTIATE(double)
#undef DPT_IM2COL_INSTANTIATE

}  // namespace dpt::cpu
