// Per-element maths of max and average pooling (ops/pool2d.h), shared by the CPU and CUDA kernels:
// a window's first maximum, a window's mean, and an input pixel's gradient gathered over the windows
// that contain it.
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// One [H, W] plane pooled to [Ho, Wo]: window (oy, ox) covers rows oy sh - ph .. + kh - 1 and columns
// ox sw - pw .. + kw - 1 (clipped to the image).
struct PoolGeom {
  int64_t H, W, Ho, Wo;
  int kh, kw, sh, sw, ph, pw;
};

// Flat index (iy W + ix) of the first maximum of window (oy, ox) in row-major order; NaN wins.
template <class T>
DPT_HD inline int64_t max_pool_argmax(const T* plane, const PoolGeom& g, int64_t oy, int64_t ox) {
  const int64_t y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
  const int64_t ya = y0 < 0 ? 0 : y0, xa = x0 < 0 ? 0 : x0;
  const int64_t yb = y0 + g.kh < g.H ? y0 + g.kh : g.H, xb = x0 + g.kw < g.W ? x0 + g.kw : g.W;
  int64_t best = ya * g.W + xa;
  for (int64_t y = ya; y < yb; ++y)
    for (int64_t x = xa; x < xb; ++x) {
      const T v = plane[y * g.W + x], b = plane[best];
      if (v > b || (v != v && b == b)) best = y * g.W + x;
    }
  return best;
}

// Window sum over kh kw (count_include_pad: padded zeros count), summed row by row in T.
template <class T>
DPT_HD inline T avg_pool_value(const T* plane, const PoolGeom& g, int64_t oy, int64_t ox) {
  const int64_t y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
  T acc = T(0);
  for (int64_t y = y0 < 0 ? 0 : y0; y < y0 + g.kh && y < g.H; ++y)
    for (int64_t x = x0 < 0 ? 0 : x0; x < x0 + g.kw && x < g.W; ++x) acc += plane[y * g.W + x];
  return acc / T(g.kh * g.kw);
}

// The windows along one axis that contain input index i: [*lo, *hi] (empty when lo > hi).
DPT_HD inline void pool_windows_of(int64_t i, int k, int s, int p, int64_t n_out, int64_t* lo, int64_t* hi) {
  const int64_t a = i + p - k + 1;  // window o contains i when o s - p <= i <= o s - p + k - 1
  *lo = a <= 0 ? 0 : (a + s - 1) / s;
  const int64_t h = (i + p) / s;
  *hi = h < n_out - 1 ? h : n_out - 1;
}

// d(avg pool)/d x[iy, ix]: the sum of the gradients of the windows containing it, over kh kw.
template <class T>
DPT_HD inline T avg_pool_input_grad(const T* gplane, const PoolGeom& g, int64_t iy, int64_t ix) {
  int64_t oy0, oy1, ox0, ox1;
  pool_windows_of(iy, g.kh, g.sh, g.ph, g.Ho, &oy0, &oy1);
  pool_windows_of(ix, g.kw, g.sw, g.pw, g.Wo, &ox0, &ox1);
  T acc = T(0);
  for (int64_t oy = oy0; oy <= oy1; ++oy)
    for (int64_t ox = ox0; ox <= ox1; ++ox) acc += gplane[oy * g.Wo + ox];
  return acc / T(g.kh * g.kw);
}

// d(max pool)/d x[iy, ix]: the sum of the gradients of the windows whose first maximum it is, in
// row-major window order (the CPU scatter adds in the same order, so both backends agree bitwise).
template <class T>
DPT_HD inline T max_pool_input_grad(const T* plane, const T* gplane, const PoolGeom& g, int64_t iy, int64_t ix) {
  int64_t oy0, oy1, ox0, ox1;
  pool_windows_of(iy, g.kh, g.sh, g.ph, g.Ho, &oy0, &oy1);
  pool_windows_of(ix, g.kw, g.sw, g.pw, g.Wo, &ox0, &ox1);
  T acc = T(0);
  for (int64_t oy = oy0; oy <= oy1; ++oy)
    for (int64_t ox = ox0; ox <= ox1; ++ox)
      if (max_pool_argmax(plane, g, oy, ox) == iy * g.W + ix) acc += gplane[oy * g.Wo + ox];
  return acc;
}

}  // namespace dpt
