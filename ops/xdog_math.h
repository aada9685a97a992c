// Per-pixel maths of the XDoG edge maps (docs/sca.md section 1), shared by the CPU and CUDA kernels. All in
// double, like the MATLAB pipeline the contract follows, so both backends give the same bytes.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Note [XDoG]
// docs/sca.md section 1, after CemalUnal/XDoG-Filter code/main.m, un-thresholded:
//  1. gray = round(0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B) (MATLAB rgb2gray on
//     uint8, half up), I = gray / 255;
//  2. G_s(I) = MATLAB imgaussfilt: radius ceil(2s), taps exp(-x^2 / (2 s^2)) normalised to sum 1,
//     replicate borders, separable: along each row first, then along each column;
//  3. D = G_sigma(I) - gamma G_{k sigma}(I); X = 1 where D < eps, else 1 + tanh(phi D) (main.m's branch);
//  4. N = (X - min X) / (max X - min X) over the image (constant X: N = 1); byte = floor(255 N + 0.5).
// A pixel with X = 1 lands on N ~ 0.5, byte 127.5 up to rounding: 127 or 128 (the goldens flag them).
struct XdogParams {
  double sigma = 0.8, k = 1.6, gamma = 0.98, phi = 200.0, eps = -0.1;
};

constexpr int kXdogMaxRadius = 32;  // ceil(2 k sigma) <= 32: kernels of up to 65 taps

// The separable Gaussian taps of one blur (filled on the host, passed to kernels by value).
struct XdogTaps {
  int radius = 0;
  double w[2 * kXdogMaxRadius + 1] = {};
};

// MATLAB rgb2gray on byte values, rounded half up and clamped to 0..255. Products and sums are rounded
// one by one in this order (no fused multiply-add), as MATLAB / NumPy evaluate it.
DPT_HD inline double xdog_gray(double r, double g, double b) {
#ifdef __CUDA_ARCH__
  const double s = __dadd_rn(__dadd_rn(__dmul_rn(r, 0.298936021293775), __dmul_rn(g, 0.587043074451121)),
                             __dmul_rn(b, 0.114020904255103));
#else
  volatile double pr = r * 0.298936021293775, pg = g * 0.587043074451121, pb = b * 0.114020904255103;
  const double s = (pr + pg) + pb;
#endif
  const double v = floor(s + 0.5);
  return v < 0.0 ? 0.0 : (v > 255.0 ? 255.0 : v);
}

DPT_HD inline int64_t xdog_clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// Step 3: the un-thresholded XDoG value of one pixel from its two blurs.
DPT_HD inline double xdog_value(double blur_s, double blur_ks, const XdogParams& p, double* D = nullptr) {
  const double d = blur_s - p.gamma * blur_ks;
  if (D) *D = d;
  return d < p.eps ? 1.0 : 1.0 + tanh(p.phi * d);
}

// Step 4: min-max normalisation and the stored byte.
DPT_HD inline double xdog_normalise(double x, double lo, double hi) { return hi == lo ? 1.0 : (x - lo) / (hi - lo); }
DPT_HD inline double xdog_byte(double n) {
  const double b = floor(255.0 * n + 0.5);
  return b < 0.0 ? 0.0 : (b > 255.0 ? 255.0 : b);
}

}  // namespace dpt
