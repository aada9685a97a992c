// Instance normalisation without affine parameters: each (n, c) plane to zero mean, unit variance
// (biased variance, eps 1e-5). Note [IN numerics]: statistics are taken of values shifted by the
// plane's first element, so a constant plane gives exactly 0 forward and backward.
#pragma once
#include "core/tensor.h"

namespace dpt {

// x [N, C, ...] (any trailing dims, flattened into the plane).
Tensor instance_norm(const Tensor& x, double eps = 1e-5);

// Kernels over P = N*C planes of L elements (x contiguous). Forward writes out and, per plane,
// rstd = 1/sqrt(var + eps); backward: gx = rstd (g - mean(g) - xhat mean(g xhat)), xhat = out.
namespace cpu {
void instance_norm_forward(const Tensor& x, Tensor& out, Tensor& rstd, double eps);
void instance_norm_backward(const Tensor& out, const Tensor& rstd, const Tensor& gout, Tensor& gx);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void instance_norm_forward(const Tensor& x, Tensor& out, Tensor& rstd, double eps);
void instance_norm_backward(const Tensor& out, const Tensor& rstd, const Tensor& gout, Tensor& gx);
}  // namespace cuda
#endif

}  // namespace dpt
