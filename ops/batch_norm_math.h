// Per-element batch-norm maths shared by the CPU and CUDA kernels (Note [BN numerics] in ops/batch_norm.h).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"

namespace dpt {

// Element e in [0, N*L) of channel c of a contiguous [N, C, L] tensor.
DPT_HD inline int64_t bn_index(int64_t e, int64_t c, int64_t C, int64_t L) { return (e / L) * C * L + c * L + e % L; }

// Mean and biased variance from the sums s1 = sum(x - shift), s2 = sum((x - shift)^2) over n values.
DPT_HD inline void bn_stats(double s1, double s2, int64_t n, double shift, double* mean, double* var) {
  const double m = s1 / static_cast<double>(n);
  double v = s2 / static_cast<double>(n) - m * m;
  *mean = shift + m;
  *var = v < 0 ? 0 : v;
}

DPT_HD inline double bn_rstd(double var, double eps) { return 1.0 / std::sqrt(var + eps); }

// (x - mean) rstd w + b.
template <class T>
DPT_HD inline T bn_normalize(T x, double mean, double rstd, T w, T b) {
  return static_cast<T>((static_cast<double>(x) - mean) * rstd * static_cast<double>(w) + static_cast<double>(b));
}

// Input gradient: w rstd (g - mean(g) - xhat mean(g xhat)) with batch statistics, w rstd g without.
template <class T>
DPT_HD inline T bn_grad_input(T g, double xhat, double w_rstd, double mean_g, double mean_gxhat, bool batch_stats) {
  const double gd = static_cast<double>(g);
  return static_cast<T>(batch_stats ? w_rstd * (gd - mean_g - xhat * mean_gxhat) : w_rstd * gd);
}

// running <- (1 - m) running + m stat.
template <class T>
DPT_HD inline T bn_running(T running, double stat, double momentum) {
  return static_cast<T>((1.0 - momentum) * static_cast<double>(running) + momentum * stat);
}

}  // namespace dpt
