// Per-plane instance-norm statistics (Note [IN numerics] in ops/instance_norm.h), shared by backends:
// values are shifted by the plane's first element and summed in double, so a constant plane has
// mean 0 and variance 0 exactly and normalises to exactly 0.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Strided plane access lets a CUDA block reduce its share; the CPU passes begin 0, step 1.
template <class T>
DPT_HD inline void in_partial_sums(const T* plane, int64_t L, int64_t begin, int64_t step, double* s1, double* s2) {
  const double shift = static_cast<double>(plane[0]);
  double a = 0, b = 0;
  for (int64_t i = begin; i < L; i += step) {
    double d = static_cast<double>(plane[i]) - shift;
    a += d;
    b += d * d;
  }
  *s1 = a;
  *s2 = b;
}

// From the shifted sums: mean of the shifted values and 1/sqrt(var + eps) (biased variance).
DPT_HD inline void in_stats(double s1, double s2, int64_t L, double eps, double* mean_shifted, double* rstd) {
  double m = s1 / static_cast<double>(L);
  double var = s2 / static_cast<double>(L) - m * m;
  if (var < 0) var = 0;
  *mean_shifted = m;
  *rstd = 1.0 / std::sqrt(var + eps);
}

// One normalised value: ((x - shift) - mean_shifted) * rstd, in double (shift: the plane's first element).
template <class T>
DPT_HD inline T in_normalize(T x, double shift, double mean_shifted, double rstd) {
  return static_cast<T>(((static_cast<double>(x) - shift) - mean_shifted) * rstd);
}

// One input gradient: rstd (g - mean(g) - y mean(g y)), y the normalised output.
template <class T>
DPT_HD inline T in_grad(T g, T y, double mean_g, double mean_gy, double rstd) {
  return static_cast<T>(rstd * (static_cast<double>(g) - mean_g - static_cast<double>(y) * mean_gy));
}

}  // namespace dpt
