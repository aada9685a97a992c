// Per-element maths of interpolate (ops/interpolate.h), shared by the CPU and CUDA kernels.
//
// Note [interpolate]
// Per axis, with n_in source and n_out output pixels (docs/sca.md section 2):
// - nearest: output i reads source floor(i n_in / n_out), in exact integer arithmetic (PyTorch's
//   mode='nearest' for every size pair the networks use). Source s is read by outputs
//   ceil(s n_out / n_in) .. ceil((s + 1) n_out / n_in) - 1 (none when downscaling skips it).
// - bilinear, align_corners=False: src = max((i + 0.5) n_in / n_out - 0.5, 0), i0 = floor(src),
//   i1 = min(i0 + 1, n_in - 1), weights (1 - l, l) with l = src - i0; no low-pass filter when
//   downscaling (PIL's resize has one). Coordinates, weights and sums are computed in double and the
//   result rounded once, on both backends.
// The backward passes are gathers: input pixel s sums, in increasing output order, the outputs that
// read it, times their weight for s.
#pragma once
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// ---- nearest

DPT_HD inline int64_t nearest_source(int64_t i, int64_t n_in, int64_t n_out) { return i * n_in / n_out; }

// Outputs [*lo, *hi) that read source s.
DPT_HD inline void nearest_readers(int64_t s, int64_t n_in, int64_t n_out, int64_t* lo, int64_t* hi) {
  *lo = (s * n_out + n_in - 1) / n_in;
  *hi = ((s + 1) * n_out + n_in - 1) / n_in;
}

// ---- bilinear

// Source taps of output i along one axis.
DPT_HD inline void bilinear_taps(int64_t i, int64_t n_in, int64_t n_out, int64_t* i0, int64_t* i1, double* l) {
  double src = (static_cast<double>(i) + 0.5) * static_cast<double>(n_in) / static_cast<double>(n_out) - 0.5;
  if (src < 0) src = 0;
  int64_t a = static_cast<int64_t>(src);  // floor: src >= 0
  if (a > n_in - 1) a = n_in - 1;
  *i0 = a;
  *i1 = a + 1 < n_in ? a + 1 : n_in - 1;
  *l = src - static_cast<double>(a);
}

// Weight of source s in output i along one axis (both taps when i0 == i1 at the last pixel).
DPT_HD inline double bilinear_weight(int64_t i, int64_t s, int64_t n_in, int64_t n_out) {
  int64_t i0, i1;
  double l;
  bilinear_taps(i, n_in, n_out, &i0, &i1, &l);
  return (i0 == s ? 1.0 - l : 0.0) + (i1 == s ? l : 0.0);
}

// Outputs [*lo, *hi) that may read source s (a safe superset: bilinear_weight is 0 for the others).
DPT_HD inline void bilinear_readers(int64_t s, int64_t n_in, int64_t n_out, int64_t* lo, int64_t* hi) {
  const double r = static_cast<double>(n_out) / static_cast<double>(n_in);
  int64_t a = static_cast<int64_t>((static_cast<double>(s) - 0.5) * r - 0.5) - 2;
  int64_t b = static_cast<int64_t>((static_cast<double>(s) + 1.5) * r - 0.5) + 3;
  *lo = a < 0 ? 0 : a;
  *hi = b > n_out ? n_out : b;
}

// ---- one output element / one input gradient element of a [H, W] plane pooled to [Ho, Wo]

template <class T>
DPT_HD inline T nearest_value(const T* plane, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t oy, int64_t ox) {
  return plane[nearest_source(oy, H, Ho) * W + nearest_source(ox, W, Wo)];
}

template <class T>
DPT_HD inline T nearest_input_grad(const T* gplane, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t iy,
                                   int64_t ix) {
  int64_t y0, y1, x0, x1;
  nearest_readers(iy, H, Ho, &y0, &y1);
  nearest_readers(ix, W, Wo, &x0, &x1);
  double acc = 0;
  for (int64_t oy = y0; oy < y1; ++oy)
    for (int64_t ox = x0; ox < x1; ++ox) acc += static_cast<double>(gplane[oy * Wo + ox]);
  return static_cast<T>(acc);
}

template <class T>
DPT_HD inline T bilinear_value(const T* plane, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t oy, int64_t ox) {
  int64_t y0, y1, x0, x1;
  double ly, lx;
  bilinear_taps(oy, H, Ho, &y0, &y1, &ly);
  bilinear_taps(ox, W, Wo, &x0, &x1, &lx);
  const double top = (1.0 - lx) * static_cast<double>(plane[y0 * W + x0]) + lx * static_cast<double>(plane[y0 * W + x1]);
  const double bot = (1.0 - lx) * static_cast<double>(plane[y1 * W + x0]) + lx * static_cast<double>(plane[y1 * W + x1]);
  return static_cast<T>((1.0 - ly) * top + ly * bot);
}

template <class T>
DPT_HD inline T bilinear_input_grad(const T* gplane, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t iy,
                                    int64_t ix) {
  int64_t y0, y1, x0, x1;
  bilinear_readers(iy, H, Ho, &y0, &y1);
  bilinear_readers(ix, W, Wo, &x0, &x1);
  double acc = 0;
  for (int64_t oy = y0; oy < y1; ++oy) {
    const double wy = bilinear_weight(oy, iy, H, Ho);
    if (wy == 0.0) continue;
    for (int64_t ox = x0; ox < x1; ++ox) {
      const double wx = bilinear_weight(ox, ix, W, Wo);
      if (wx != 0.0) acc += wy * wx * static_cast<double>(gplane[oy * Wo + ox]);
    }
  }
  return static_cast<T>(acc);
}

}  // namespace dpt
