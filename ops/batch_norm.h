// Batch normalisation (docs/sca.md section 2 "BN"): per channel over (N, spatial), with affine weight and bias and the
// running statistics as module buffers (layers/batch_norm.h). eps 1e-5, momentum 0.1 by default.
// Note [BN numerics]: channel sums are taken in double of values shifted by the channel's first element
// (as Note [IN numerics] does per plane), so a channel with a large mean and a small spread (mean 20,
// std 0.01 in the golden case) keeps its variance; statistics stay in double between the kernels.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace dpt {

// x [N, C, ...] (any trailing dims); weight, bias [C]; running_mean, running_var [C] (x's dtype and device).
// training: normalise with the batch mean and biased variance over N and the trailing dims (n values per
//   channel, n > 1), then, when the running statistics are defined, update them in place:
//   running_mean <- (1 - momentum) running_mean + momentum mean,
//   running_var  <- (1 - momentum) running_var + momentum var n / (n - 1).
// eval: normalise with the running statistics (required), which stay unchanged.
// Differentiable in x, weight and bias (never in the running statistics).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

// Kernels. x, out, gout, gx contiguous [N, C, L]; weight, bias, gw, gb, running_* [C] of x's dtype;
// mean, var [C] float64 (var biased). `batch_stats`: mean and var were computed from this x (training),
// so the input gradient has the terms through the statistics.
namespace cpu {
void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var);
void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                        const Tensor& bias, double eps, Tensor& out);
void batch_norm_update_running(const Tensor& mean, const Tensor& var, int64_t n, double momentum,
                               Tensor& running_mean, Tensor& running_var);
void batch_norm_backward(const Tensor& x, const Tensor& gout, const Tensor& mean, const Tensor& var,
                         const Tensor& weight, double eps, bool batch_stats, Tensor& gx, Tensor& gw, Tensor& gb);
}  // namespace cpu
#ifdef DPT_WITH_CUDA
namespace cuda {
void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var);
void batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                        const Tensor& bias, double eps, Tensor& out);
void batch_norm_update_running(const Tensor& mean, const Tensor& var, int64_t n, double momentum,
                               Tensor& running_mean, Tensor& running_var);
void batch_norm_backward(const Tensor& x, const Tensor& gout, const Tensor& mean, const Tensor& var,
                         const Tensor& weight, double eps, bool batch_stats, Tensor& gx, Tensor& gw, Tensor& gb);
}  // namespace cuda
#endif

}  // namespace dpt
