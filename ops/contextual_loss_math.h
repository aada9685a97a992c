// Per-element maths of the contextual loss (ops/contextual_loss.h), shared by the CPU and CUDA kernels.
#pragma once
#include <cmath>

#include "core/dispatch.h"

namespace dpt {

// Cosine distance from a cosine.
template <class T>
DPT_HD inline T cx_distance(T cos) {
  return (T(1) - cos) / T(2);
}

// w = exp((b - d / (dmin + eps)) / sigma).
DPT_HD inline double cx_weight(double d, double dmin, double b, double sigma, double eps) {
  return std::exp((b - d / (dmin + eps)) / sigma);
}

// Backward through one (j, i) entry of column i. dcx: the cotangent of cx[j, i] (nonzero only at the first
// maximum of row j); q = sum_j dcx[j, i] cx[j, i]; S = sum_j w. Returns the cotangent of dt = d / (dmin + eps).
DPT_HD inline double cx_grad_dtilde(double d, double dmin, double S, double dcx, double q, double b, double sigma,
                                    double eps) {
  const double w = cx_weight(d, dmin, b, sigma, eps);
  const double dw = (dcx - q) / S;  // through cx = w / S
  return -dw * w / sigma;           // through w = exp((b - dt) / sigma)
}

// Cotangent of cos[j, i] through dt = d / (dmin + eps) with dmin held fixed (d = (1 - cos) / 2).
DPT_HD inline double cx_dcos_direct(double ddt, double dmin, double eps) { return -ddt / (2.0 * (dmin + eps)); }

// The extra cotangent of cos[jmin, i] through dmin = d[jmin, i]: r = sum_j ddt[j] d[j].
DPT_HD inline double cx_dcos_min(double r, double dmin, double eps) {
  return r / (2.0 * (dmin + eps) * (dmin + eps));
}

// Cotangent of the raw vector from that of its normalised form: rnorm (dn - n <n, dn>).
DPT_HD inline double cx_unnormalize_grad(double dn, double n, double n_dot_dn, double rnorm) {
  return rnorm * (dn - n * n_dot_dn);
}

}  // namespace dpt
